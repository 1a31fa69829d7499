"""Brings back a service process of a running stack that died (issue 14).

`chengnuo up` always supervises its services; a test's stack opts in with `Stack.supervise`. A
service that exits while the stack runs, by a crash, the OOM killer or a stray `kill -9`, is
started again on its former port after a delay that doubles with every death in quick succession
(0.5 s up to 30 s) and starts again from the first once the service has stayed up a while. Stopping
the stack (or one service through `Stack.stop_service`) is never taken for a death.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.launcher.stack import ServiceProcess, Stack

Key = tuple[str, int]  # service name, replica


@dataclass(frozen=True)
class Backoff:
    """Capped exponential back-off between restarts."""

    first: float = 0.5
    factor: float = 2.0
    longest: float = 30.0
    # Up at least this long before dying: a fresh fault, so the next delay is `first` again.
    settled: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait before the restart after the `failures`-th death in a row (1, 2, ...)."""
        return min(self.first * self.factor ** max(failures - 1, 0), self.longest)

    def failures_after(self, failures: int, uptime: float) -> int:
        """The count of deaths in a row once a process that was up `uptime` seconds has died."""
        return 1 if uptime >= self.settled else failures + 1


@dataclass(frozen=True)
class Restart:
    """One death as the supervisor saw it, and the delay it waited before starting again."""

    service: str
    replica: int
    pid: int
    exit_code: int
    uptime: float
    delay: float


def describe_exit(code: int) -> str:
    """`exit code 1` or `killed by SIGKILL` (asyncio gives a signal as a negative code)."""
    if code >= 0:
        return f"exit code {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


class Supervisor:
    """One watcher task per service replica; each restarts its replica until stopped."""

    def __init__(self, stack: Stack, report: Callable[[str], None], backoff: Backoff | None = None) -> None:
        self.stack, self.report = stack, report
        self.backoff = backoff or Backoff()
        self.restarts: list[Restart] = []
        self._watchers: dict[Key, asyncio.Task[None]] = {}
        self._halted = False

    @property
    def halted(self) -> bool:
        return self._halted

    def watch(self, key: Key) -> None:
        """Watch a replica the stack has (re)started; a watcher already on it keeps it."""
        if self._halted:
            return
        running = self._watchers.get(key)
        if running is not None and not running.done():
            return  # its own restart, or already watched
        self._watchers[key] = asyncio.create_task(self._keep(key), name=f"supervise {_label(key)}")

    def unwatch(self, key: Key) -> None:
        """The stack stops this replica on purpose: its exit is not a death."""
        task = self._watchers.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def halt(self) -> None:
        """No restart begins after this (safe to call from a signal handler: the stack is stopping)."""
        self._halted = True

    async def stop(self) -> None:
        self.halt()
        tasks = list(self._watchers.values())
        self._watchers.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _keep(self, key: Key) -> None:
        failures = 0
        while True:
            service = self.stack.processes[key]
            since = time.monotonic()
            code = await service.process.wait()
            if self._halted:
                return
            uptime = time.monotonic() - since
            failures = self.backoff.failures_after(failures, uptime)
            delay = self.backoff.delay(failures)
            self.restarts.append(Restart(key[0], key[1], service.process.pid, code, uptime, delay))
            self.report(
                f"{_label(key)} (pid {service.process.pid}) died: {describe_exit(code)} after"
                f" {uptime:.1f} s up; restarting in {delay:.1f} s"
            )
            failures = await self._restart(key, service, failures, delay)
            if failures < 0:
                return

    async def _restart(self, key: Key, dead: ServiceProcess, failures: int, delay: float) -> int:
        """Start the replica again, backing off while it fails to start; -1 once halted."""
        while True:
            await asyncio.sleep(delay)
            if self._halted:
                return -1
            if self.stack.processes[key] is not dead:
                return failures  # someone else (a test) started it meanwhile
            try:
                started = await self.stack.start_service(*key)
            except (RuntimeError, OSError) as exc:
                # The message may quote the service's log: the type and the log's path say enough.
                failures += 1
                delay = self.backoff.delay(failures)
                self.report(
                    f"{_label(key)} did not start again ({type(exc).__name__}; see {dead.log});"
                    f" retrying in {delay:.1f} s"
                )
                continue
            self.report(f"{_label(key)} restarted: pid {started.process.pid} on {started.address}")
            return failures


def _label(key: Key) -> str:
    name, replica = key
    return name if replica == 0 else f"{name}-{replica}"
