"""The health check follows the database: NOT_SERVING while PostgreSQL is out of reach.

Nearly every call needs the database, so while it is away a load balancer or Kubernetes should
send calls elsewhere (readiness), and callers see UNAVAILABLE with a retry delay (interceptor).
`DatabaseWatch` probes `SELECT 1` every second on a connection of its own, outside the pool: a
pool busy with calls must not read as an outage, and an outage must not wait for a free pooled
connection. A failed probe turns the service NOT_SERVING, the first successful one SERVING again;
graceful shutdown's NOT_SERVING always wins (see rpc/server.RunningServer.set_serving).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from services.kernel.supervise import describe

log = structlog.get_logger()

PROBE_EVERY_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 2.0

Report = Callable[[bool], Awaitable[None]]


class DatabaseWatch:
    def __init__(
        self,
        dsn: str,
        name: str,
        report: Report,
        *,
        every: float = PROBE_EVERY_SECONDS,
        timeout: float = PROBE_TIMEOUT_SECONDS,
    ) -> None:
        self.dsn, self.name, self.report = dsn, name, report
        self.every, self.timeout = every, timeout
        self.reachable = True  # the server starts SERVING: start-up has just used the database
        self._conn: asyncpg.Connection | None = None

    async def run(self) -> None:
        try:
            while True:
                await self.check()
                await asyncio.sleep(self.every)
        finally:
            await self._drop()

    async def check(self) -> bool:
        """Probe once; report a change. True when the database answered."""
        problem = await self._probe()
        reachable = problem is None
        if reachable != self.reachable:
            self.reachable = reachable
            if reachable:
                log.info("database reachable again; serving")
            else:
                log.warning("database unreachable; not serving", error=problem)
            await self.report(reachable)
        return reachable

    async def _probe(self) -> str | None:
        """None when the database answered, else what went wrong."""
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    self.dsn,
                    timeout=self.timeout,
                    server_settings={"application_name": f"chengnuo-{self.name}-health"},
                )
            await self._conn.fetchval("SELECT 1", timeout=self.timeout)
        except Exception as exc:  # whatever the cause (even a rotated password), calls fail too
            await self._drop()
            return describe(exc)
        return None

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
