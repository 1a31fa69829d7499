"""NATS stopped in the middle of concurrent writes and started again: commitments are still
recorded while it is down (their events wait in the outbox), and once it is back every event is
delivered exactly once."""

from __future__ import annotations

import asyncio

from tests.faults.conftest import Faulty
from tests.faults.workload import assert_exact, during, settle_and_count, write_until_enough
from tests.support import eventually

CLIENTS = 6
BEFORE = 40  # commitments recorded before NATS stops
WHILE_DOWN = 40  # recorded while it is down, their events piling up in the outbox
AFTER = 40  # recorded once it is back
DOWN_AT_MOST = 30.0  # seconds: recording needs only PostgreSQL, so the writes go on at once


async def test_nats_stopped_and_restarted_during_writes_loses_nothing(faulty: Faulty) -> None:
    nats = faulty.stack.nats
    assert nats is not None, "the fault suite's stack runs an embedded NATS it can stop"
    ledger = await faulty.ledger()
    portal, verifier = faulty.clients("portal"), faulty.clients("verifier")
    seen = len(faulty.supervisor.restarts)

    async def piled_up() -> bool:
        unpublished = "SELECT count(*) FROM commitment.outbox WHERE published_at IS NULL"
        return int(await faulty.pool.fetchval(unpublished)) >= WHILE_DOWN

    async def outage() -> int:
        try:
            await ledger.after(BEFORE).wait()
            await nats.stop()
            try:
                down_at = len(ledger.recorded)
                await asyncio.wait_for(ledger.more(WHILE_DOWN).wait(), DOWN_AT_MOST)
                await eventually(piled_up, timeout=DOWN_AT_MOST, what="events waiting in the outbox")
                recorded_while_down = len(ledger.recorded) - down_at
            finally:
                await nats.start()
            await ledger.more(AFTER).wait()
            return recorded_while_down
        finally:
            ledger.enough.set()

    writes = write_until_enough(portal, verifier, faulty.pool, ledger, clients=CLIENTS)
    assert await during(outage(), writes) >= WHILE_DOWN
    assert_exact(await settle_and_count(faulty.stack, faulty.pool, ledger), ledger)
    assert faulty.supervisor.restarts[seen:] == [], "a service died of the outage"
