"""Checkpoints travel through the outbox to the AUDIT_CHECKPOINTS stream and back into
VerifyChain, which refuses a checkpoint nobody with the key signed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chengnuo.common.v1 import audit_pb2
from services.kernel import audit_witness, convert
from services.kernel.bus import ensure_streams
from services.kernel.events import EventCatalog
from services.kernel.features.audit.api import AuditApi
from services.kernel.outbox import OutboxRelay
from tests.integration.conftest import AUDIT_KEY, World
from tests.integration.test_audit_tamper import checkpoint


@pytest.fixture
async def service(world: World) -> AsyncIterator[str]:
    """A service name of the test's own, so its subject on the shared stream is empty at first."""
    await ensure_streams(world.bus.js, [audit_witness.STREAM], replicas=1)
    yield world.schema
    await world.bus.js.purge_stream(audit_witness.STREAM.name, subject=audit_witness.subject(world.schema))


async def _write(world: World, count: int) -> None:
    for n in range(count):
        async with world.db.unit_of_work(request_id=f"req-{n}") as uow:
            uow.audit("thing.change", f"thing/{n}")


async def _publish(world: World, service: str) -> None:
    catalog = EventCatalog([audit_witness.STREAM], [audit_witness.event_type(service)])
    relay = OutboxRelay(world.pool, world.bus, catalog, f"/chengnuo/{service}")
    assert await relay.publish_batch() == 1


async def _verify(world: World, service: str) -> audit_pb2.VerifyChainResponse:
    api = AuditApi(world.db, service, world.bus)
    return await api.VerifyChain(audit_pb2.VerifyChainRequest(), None)


def test_the_key_is_derived_per_service_and_the_signature_covers_the_body() -> None:
    key = audit_witness.signing_key(AUDIT_KEY, "credit")
    assert audit_witness.raw_public(key.public_key()) != audit_witness.raw_public(
        audit_witness.signing_key(AUDIT_KEY, "commitment").public_key()
    )
    body = audit_pb2.AuditCheckpoint(service="credit", chain="audit_log", seq=7, hash=b"h")
    signed = audit_witness.sign(key, body)
    assert audit_witness.opened(signed.SerializeToString(), "credit", key.public_key()) is not None
    assert audit_witness.opened(signed.SerializeToString(), "commitment", key.public_key()) is None
    signed.checkpoint = audit_pb2.AuditCheckpoint(
        service="credit", chain="audit_log", seq=9
    ).SerializeToString()
    assert audit_witness.opened(signed.SerializeToString(), "credit", key.public_key()) is None


async def test_a_checkpoint_reaches_the_stream_and_verify_uses_it(world: World, service: str) -> None:
    await _write(world, 5)
    before = world.clock.now()
    taken = await checkpoint(world, service)
    assert taken is not None
    assert before <= taken.at <= world.clock.now()  # the service clock, not the wall's
    await _publish(world, service)
    (data,) = await audit_witness.read_all(world.bus, service)
    public = audit_witness.signing_key(AUDIT_KEY, service).public_key()
    assert audit_witness.opened(data, service, public) == taken
    answer = await _verify(world, service)
    assert (answer.intact, answer.head_seq, answer.checkpoints_checked, answer.checkpoint_seq) == (
        True,
        5,
        1,
        5,
    )
    assert convert.from_timestamp(answer.checkpoint_at) == taken.at
    assert answer.witness_key == audit_witness.raw_public(public).hex()

    await world.pool.execute(
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)"
    )
    await world.pool.execute("DELETE FROM audit_log WHERE seq > 3")
    answer = await _verify(world, service)
    assert (answer.intact, answer.first_broken_seq, answer.problem) == (
        False,
        4,
        "head behind a signed checkpoint",
    )


async def test_a_checkpoint_signed_with_another_key_is_found(world: World, service: str) -> None:
    await _write(world, 3)
    assert (await _verify(world, service)).intact  # no checkpoint yet
    body = audit_pb2.AuditCheckpoint(service=service, chain="audit_log", seq=1, hash=b"x")
    forged = audit_witness.sign(Ed25519PrivateKey.generate(), body)
    await world.bus.js.publish(audit_witness.subject(service), forged.SerializeToString())
    answer = await _verify(world, service)
    assert (answer.intact, answer.problem, answer.checkpoints_checked) == (
        False,
        "checkpoint signature invalid",
        0,
    )
