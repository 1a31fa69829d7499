"""`chengnuo serve SERVICE --workers N`: N processes of one service sharing its port.

gRPC Python serves one core per process, so several workers use several cores; they share the
listening port through SO_REUSEPORT (the kernel spreads connections) and everything else through
PostgreSQL and NATS, exactly like replicas on different hosts. The supervisor restarts a worker
that dies (with the back-off of services/launcher/supervisor.py) and stops them all on SIGTERM or
Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time

import structlog

from services.launcher.processes import stop
from services.launcher.supervisor import Backoff, describe_exit

log = structlog.get_logger()


class Workers:
    def __init__(
        self, service: str, count: int, grace_seconds: float, backoff: Backoff | None = None
    ) -> None:
        self.service, self.count, self.grace = service, count, grace_seconds
        self.backoff = backoff or Backoff()
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.stopping = asyncio.Event()

    async def _spawn(self, index: int) -> None:
        env = dict(os.environ)
        if index:
            env.pop("CHENGNUO_READY_FILE", None)  # the first worker announces readiness
        self.processes[index] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{self.service}", env=env, stdin=asyncio.subprocess.DEVNULL
        )

    async def _keep(self, index: int) -> None:
        """Restart the worker whenever it dies, with the same capped back-off as `chengnuo up`."""
        failures = 0
        while not self.stopping.is_set():
            await self._spawn(index)
            since = time.monotonic()
            code = await self.processes[index].wait()
            if self.stopping.is_set():
                return
            failures = self.backoff.failures_after(failures, time.monotonic() - since)
            delay = self.backoff.delay(failures)
            log.warning(
                "worker died; restarting",
                service=self.service,
                worker=index,
                pid=self.processes[index].pid,
                exit=describe_exit(code),
                delay_seconds=delay,
            )
            # Woken early by SIGTERM: a stopping supervisor starts nothing.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        keepers = [asyncio.create_task(self._keep(i)) for i in range(self.count)]
        await self.stopping.wait()
        await asyncio.gather(*(stop(p, signal.SIGTERM, self.grace + 5) for p in self.processes.values()))
        for keeper in keepers:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return 0


def run_workers(service: str, count: int) -> int:
    listen = os.environ.get("CHENGNUO_GRPC_LISTEN", "")
    if listen.endswith(":0"):
        raise SystemExit("--workers needs a fixed port in CHENGNUO_GRPC_LISTEN (workers share it)")
    grace = float(os.environ.get("CHENGNUO_GRACE_SECONDS", "10"))
    return asyncio.run(Workers(service, count, grace).run())
