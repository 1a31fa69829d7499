"""SIGKILL of each service (and SIGTERM of one) in the middle of concurrent writes: the supervisor
brings it back, the clients' retries by request_id get every write acknowledged, and nothing is
lost or doubled."""

from __future__ import annotations

import os
import signal

import pytest

from services.kernel.config import SERVICES
from services.launcher.supervisor import Restart, describe_exit
from tests.faults.conftest import Faulty
from tests.faults.workload import assert_exact, during, settle_and_count, write_until_enough

CLIENTS = 6
BEFORE = 40  # commitments recorded before the kill
AFTER = 40  # and after the service is back
BACK_WITHIN = 60.0


# Each service SIGKILLed; and one stopped gracefully by someone else than the stack (an operator's
# `kill`), which must hand its unfinished events back rather than lose them.
FAULTS = [*((s, signal.SIGKILL) for s in SERVICES), ("verification", signal.SIGTERM)]


@pytest.mark.parametrize(("service", "sig"), FAULTS, ids=[f"{s}-{g.name}" for s, g in FAULTS])
async def test_a_service_killed_during_writes_comes_back_and_nothing_is_lost(
    faulty: Faulty, service: str, sig: signal.Signals
) -> None:
    ledger = await faulty.ledger()
    portal, verifier = faulty.clients("portal"), faulty.clients("verifier")
    seen = len(faulty.supervisor.restarts)

    async def kill_mid_way() -> tuple[int, Restart]:
        try:
            await ledger.after(BEFORE).wait()
            victim = faulty.stack.processes[service, 0].process.pid
            os.kill(victim, sig)
            restart = await faulty.restarted(service, victim, BACK_WITHIN)
            await ledger.more(AFTER).wait()
            return victim, restart
        finally:
            ledger.enough.set()

    writes = write_until_enough(portal, verifier, faulty.pool, ledger, clients=CLIENTS)
    victim, restart = await during(kill_mid_way(), writes)
    assert faulty.supervisor.restarts[seen:] == [restart], "one death, one restart"
    code = 0 if sig == signal.SIGTERM else -sig  # a service stops cleanly on SIGTERM
    assert (restart.service, restart.pid, restart.exit_code) == (service, victim, code)
    assert f"{service} (pid {victim}) died: {describe_exit(code)}" in "\n".join(faulty.said)
    assert_exact(await settle_and_count(faulty.stack, faulty.pool, ledger), ledger)
