"""The supervisor's back-off: a service that dies is restarted after 0.5 s, one that cannot start
again is retried after ever longer delays, capped at 30 s."""

from __future__ import annotations

import os
import re
import signal
import socket

from services.launcher.supervisor import Backoff, describe_exit
from tests.faults.conftest import Faulty
from tests.support import eventually

_DELAY = re.compile(r"(?:restarting|retrying) in ([\d.]+) s$")


def test_delays_double_up_to_the_cap_and_start_again_after_a_settled_run() -> None:
    backoff = Backoff()
    failures, delays = 0, []
    for _ in range(9):
        failures = backoff.failures_after(failures, uptime=1.0)  # dies again at once
        delays.append(backoff.delay(failures))
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert backoff.delay(backoff.failures_after(failures, uptime=backoff.settled)) == 0.5


def test_exits_are_described_by_code_or_signal() -> None:
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(-200) == "killed by signal 200"


async def test_a_service_that_cannot_start_again_is_retried_with_a_longer_delay(faulty: Faulty) -> None:
    said = len(faulty.said)
    dead = faulty.stack.processes["verification", 0]
    port = int(dead.address.rpartition(":")[2])
    os.kill(dead.process.pid, signal.SIGKILL)
    await dead.process.wait()
    # Something else takes the port at once, so the restarted service cannot listen on it.
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((dead.address.rpartition(":")[0], port))
        squatter.listen()

        async def refused() -> list[str] | None:
            lines = faulty.said[said:]
            return lines if any("did not start again" in line for line in lines) else None

        await eventually(refused, timeout=30, what="a restart that fails")
    restart = await faulty.restarted("verification", dead.process.pid, timeout=60)
    died, failed, back = faulty.said[said:]
    assert died.startswith(f"verification (pid {restart.pid}) died: killed by SIGKILL after")
    assert failed.startswith(f"verification did not start again (RuntimeError; see {dead.log});")
    assert back.startswith("verification restarted: pid ")
    first, second = (float(_DELAY.search(line).group(1)) for line in (died, failed))  # type: ignore[union-attr]
    assert (first, second) == (restart.delay, 2 * restart.delay)
    assert faulty.stack.processes["verification", 0].address == dead.address
