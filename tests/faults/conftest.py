"""The fault suite's stack: embedded PostgreSQL and NATS (the tests restart them), the three services
supervised as under `chengnuo up`, so a killed service comes back by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from services.launcher.stack import Stack, StackOptions
from services.launcher.supervisor import Restart, Supervisor
from tests.conftest import CLOCK_START
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import publish_item
from tests.faults.workload import Ledger
from tests.support import eventually, trust


@dataclass
class Faulty:
    """A supervised stack, what its supervisor said, and a pool for the accounting."""

    stack: Stack
    supervisor: Supervisor
    pool: asyncpg.Pool
    said: list[str] = field(default_factory=list)
    _clients: list[Clients] = field(default_factory=list)

    def clients(self, *roles: str) -> Clients:
        made = Clients(self.stack, roles)  # endpoints as they are now: a restart keeps the port
        self._clients.append(made)
        return made

    async def ledger(self) -> Ledger:
        return Ledger(item_id=await publish_item(self.clients("catalogue_admin")))

    async def restarted(self, service: str, victim: int, timeout: float) -> Restart:
        """The supervisor's restart of `service` after `victim` died, once it is serving again."""

        async def back() -> Restart | None:
            running = self.stack.processes[service, 0].process
            if running.pid == victim or running.returncode is not None:
                return None
            return next((r for r in self.supervisor.restarts if r.pid == victim), None)

        return await eventually(back, timeout=timeout, what=f"{service} restarted")

    async def close_clients(self) -> None:
        await asyncio.gather(*(c.close() for c in self._clients))
        self._clients.clear()


@pytest.fixture(scope="session")
async def faulty_stack(session_dir: Path) -> AsyncIterator[Faulty]:
    options = StackOptions(data_dir=session_dir / "faults", grace_seconds=3, clock_start=CLOCK_START)
    stack = trust(Stack(options))  # mutual TLS with the stack's own CA, as `chengnuo up` serves
    await stack.start()
    said: list[str] = []
    try:
        supervisor = stack.supervise(said.append)
        pool = await asyncpg.create_pool(stack.pg_dsn, min_size=1, max_size=4)
        try:
            yield Faulty(stack, supervisor, pool, said)
        finally:
            await pool.close()
    finally:
        await stack.stop()


@pytest.fixture
async def faulty(faulty_stack: Faulty) -> AsyncIterator[Faulty]:
    """The shared stack, its clients closed after each test; it must be whole again by then."""
    yield faulty_stack
    await faulty_stack.close_clients()
    for (name, _), service in faulty_stack.stack.processes.items():
        assert service.process.returncode is None, f"{name} left dead by the test"
