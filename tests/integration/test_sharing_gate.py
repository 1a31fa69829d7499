"""Purpose-bound sharing: no agreement, no data; every look, allowed or denied, is audited."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.kernel.auth import Caller
from services.kernel.errors import PermissionDenied
from services.kernel.features.sharing.gate import Grant, SharingGate
from services.kernel.features.sharing.shaping import shape
from tests.integration.conftest import World

CONSUMER = Caller("clerk-1", "350200-FGW", "350200", frozenset({"data_consumer"}), time.time() + 600)


async def _agree(
    world: World,
    *,
    purposes: list[str],
    until: dt.date,
    region: str = "350200",
    fields: list[str] | None = None,
) -> None:
    await world.pool.execute(
        "INSERT INTO sharing_agreement VALUES"
        " ($1, $2, 'credit_records', $3, $4, $5, $6, $7, false, 'law', now(), 'admin', NULL)",
        uuid.uuid4(),
        CONSUMER.department,
        purposes,
        region,
        fields or [],
        world.clock.today() - dt.timedelta(days=30),
        until,
    )


async def _ask(world: World, purpose: str, region: str = "350203") -> Grant:
    async with SharingGate(world.db).query(
        CONSUMER, "credit_records", purpose, region=region, subject_code="S1"
    ) as (
        _,
        grant,
    ):
        return grant


async def _audit(world: World) -> list[tuple[str, str, str]]:
    rows = await world.pool.fetch("SELECT action, purpose, outcome FROM audit_log ORDER BY seq")
    return [(r["action"], r["purpose"], r["outcome"]) for r in rows]


async def test_without_any_agreement_the_query_is_denied_and_the_denial_audited(world: World) -> None:
    with pytest.raises(PermissionDenied, match="no sharing agreement"):
        await _ask(world, "public_procurement")
    assert await _audit(world) == [("share.credit_records", "public_procurement", "denied")]


async def test_expired_other_purpose_and_other_region_are_denied_precisely(world: World) -> None:
    await _agree(
        world,
        purposes=["public_procurement"],
        until=world.clock.today() + dt.timedelta(days=365),
        region="350200",
    )
    with pytest.raises(PermissionDenied, match="purpose 'honours'"):
        await _ask(world, "honours")
    with pytest.raises(PermissionDenied, match="region 110105"):
        await _ask(world, "public_procurement", region="110105")
    grant = await _ask(world, "public_procurement")
    assert grant.fields == frozenset()
    outcomes = [o for _, _, o in await _audit(world)]
    assert outcomes == ["denied", "denied", "allowed"]
    yesterday = world.clock.today() - dt.timedelta(days=1)
    await world.pool.execute("UPDATE sharing_agreement SET valid_until = $1", yesterday)
    with pytest.raises(PermissionDenied, match="not in force"):
        await _ask(world, "public_procurement")


def test_shape_keeps_allowed_fields_and_masks_personal_data() -> None:
    person = commitment_pb2.Commitment(
        code="35020020261124000001",
        subject=subject_pb2.SubjectRef(
            kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code="11010519491231002X"
        ),
        subject_name="张三",
        case_number="电话13800138000",
        department="D",
    )
    shaped = shape(person, Grant("a", frozenset({"code", "subject", "subject_name", "case_number"})))
    assert isinstance(shaped, commitment_pb2.Commitment)
    assert shaped.department == ""
    assert shaped.subject.code == "110105********002X"
    assert shaped.subject_name == "张*"
    assert shaped.case_number == "电话138****8000"
    company = commitment_pb2.Commitment(
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code="91350200MA2YJ1XR9G"),
        subject_name="厦门示例有限公司",
    )
    shape(company, Grant("a", frozenset()))
    assert (company.subject.code, company.subject_name) == ("91350200MA2YJ1XR9G", "厦门示例有限公司")
