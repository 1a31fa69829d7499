"""The kernel's sharing mechanisms beyond one data class: reads over several classes (a credit
report), reads over many subjects (no region), masking that spares minted ids, and pushes that
are audited like any other change."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence

import pytest

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.kernel.auth import Caller
from services.kernel.errors import PermissionDenied
from services.kernel.events import EventMeta
from services.kernel.features.sharing.gate import Decision, Grant, SharingGate, SharingSpec
from services.kernel.features.sharing.push import push_handlers
from services.kernel.features.sharing.shaping import mask_personal_data
from tests.integration.conftest import World

CONSUMER = Caller("clerk-2", "350200-CZJ", "350200", frozenset({"data_consumer"}), time.time() + 600)
PARTS = ("credit_records", "blacklist", "grades")


async def _agree(world: World, data_class: str, region: str = "350200", *, push: bool = False) -> None:
    await world.pool.execute(
        "INSERT INTO sharing_agreement VALUES"
        " ($1, $2, $3, '{fiscal_subsidy}', $4, '{}', $5, $6, $7, 'law', now(), 'admin', NULL)",
        uuid.uuid4(),
        CONSUMER.department,
        data_class,
        region,
        world.clock.today() - dt.timedelta(days=1),
        world.clock.today() + dt.timedelta(days=30),
        push,
    )


async def _ask(world: World, classes: Sequence[str], region: str | None = "350203") -> Decision:
    parts = SharingGate(world.db).query_parts(
        CONSUMER, classes, "fiscal_subsidy", region=region, subject_code="S9", detail={"n": 1}
    )
    async with parts as (_, decision):
        return decision


async def _audit(world: World) -> list[tuple[str, str, str]]:
    rows = await world.pool.fetch("SELECT action, subject_code, outcome FROM audit_log ORDER BY seq")
    return [(r["action"], r["subject_code"], r["outcome"]) for r in rows]


async def test_each_class_is_decided_and_audited_and_none_granted_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied, match=r"credit_records: no sharing agreement.*; grades: no sharing"):
        await _ask(world, PARTS)
    await _agree(world, "grades")
    decision = await _ask(world, PARTS)
    assert set(decision.grants) == {"grades"}
    assert set(decision.refusals) == {"credit_records", "blacklist"}
    assert await _audit(world) == [
        ("share.credit_records", "S9", "denied"),
        ("share.blacklist", "S9", "denied"),
        ("share.grades", "S9", "denied"),
        ("share.credit_records", "S9", "denied"),
        ("share.blacklist", "S9", "denied"),
        ("share.grades", "S9", "allowed"),
    ]


async def test_a_read_over_many_subjects_gets_the_widest_agreement(world: World) -> None:
    await _agree(world, "blacklist", "350200")
    await _agree(world, "blacklist", "350000")
    (grant,) = (await _ask(world, ["blacklist"], region=None)).grants.values()
    assert grant.region_code == "350000"
    assert (grant.covers("350102"), grant.covers("110105")) == (True, False)
    with pytest.raises(PermissionDenied, match="does not cover region 110105"):
        await _ask(world, ["blacklist"], region="110105")


def test_masking_spares_the_ids_the_services_mint() -> None:
    minted = "1f0e8a2c-4d6b-4e0f-9a1b-13912345678a"  # a UUID may hold eleven digits in a row
    shared = commitment_pb2.Commitment(
        commitment_id=minted,
        subject=subject_pb2.SubjectRef(
            kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code="11010519491231002X"
        ),
        subject_name="张三",
        withdrawal_reason="申请人电话13912345678",
    )
    mask_personal_data(shared)
    assert shared.commitment_id == minted
    assert (shared.subject.code, shared.subject_name) == ("110105********002X", "张*")
    assert shared.withdrawal_reason == "申请人电话139****5678"
    assert Grant("a", frozenset()).covers("110105")  # a grant without a region covers all


async def test_a_push_records_one_delivery_per_receiver_and_audits_it(world: World) -> None:
    spec = SharingSpec(("commitments",), {world.event.subject: "commitments"}, world.stream.name)
    record = push_handlers(spec)[world.event.subject]
    event = commitment_events_pb2.CommitmentRecorded()
    first = EventMeta(str(uuid.uuid4()), "", "/test", "commitment/1", world.clock.now())
    async with world.db.unit_of_work() as uow:
        await record(event, uow, first)
    assert await world.pool.fetchval("SELECT count(*) FROM push_delivery") == 0
    assert await _audit(world) == []  # nothing delivered, nothing changed
    await _agree(world, "commitments", push=True)
    await _agree(world, "commitments")  # no push: no delivery
    second = EventMeta(str(uuid.uuid4()), "", "/test", "commitment/2", world.clock.now())
    async with world.db.unit_of_work() as uow:
        await record(event, uow, second)
    rows = await world.pool.fetch("SELECT receiver, entity FROM push_delivery")
    assert [(r["receiver"], r["entity"]) for r in rows] == [(CONSUMER.department, "commitment/2")]
    actions = await world.pool.fetch("SELECT action, target FROM audit_log")
    assert [(a["action"], a["target"]) for a in actions] == [("sharing.push", f"push/{second.id}")]
