"""`chengnuo serve SERVICE --workers N`: N processes of one service sharing its port.

gRPC Python serves one core per process, so several workers use several cores; they share the
listening port through SO_REUSEPORT (the kernel spreads connections) and everything else through
PostgreSQL and NATS, exactly like replicas on different hosts. The supervisor restarts a worker
that dies and stops them all on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

import structlog

from services.launcher.processes import stop

log = structlog.get_logger()
RESTART_DELAY = 1.0


class Workers:
    def __init__(self, service: str, count: int, grace_seconds: float) -> None:
        self.service, self.count, self.grace = service, count, grace_seconds
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
        while not self.stopping.is_set():
            await self._spawn(index)
            code = await self.processes[index].wait()
            if not self.stopping.is_set():
                log.warning("worker exited; restarting", worker=index, code=code)
                await asyncio.sleep(RESTART_DELAY)

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
