"""Publication (公示) of credit decisions on the real PostgreSQL: each decision writes its
publication-safe event (stream PUBLIC) into the outbox in its own transaction, masked at the
source, for the publication service to read: records through objection, decision, repair and
expiry, and the serious-dishonesty list from listing to removal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf.message import Message

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import public_events_pb2 as pub
from chengnuo.events.v1 import verification_events_pb2 as vevents
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import public_events, verification_events
from services.contracts.events import CATALOG
from services.credit.main import build
from services.kernel import convert
from services.kernel.config import ConfigError
from services.kernel.identifiers import resident_id_check_char
from services.kernel.runtime import Runtime
from tests.conftest import Servers
from tests.integration.test_credit_world import (
    FALSE,
    CreditWorld,
    credit_world,
    false_commitment,
    record_of,
    ref,
    rid,
    serve_notice,
)
from tests.support import new_uscc

D = dt.date
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
NAME = "张三丰"


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:  # a Wednesday
        yield made


def resident_id() -> str:
    first17 = f"35020319850214{random.randint(0, 999):03d}"
    return first17 + resident_id_check_char(first17)


async def published(credit: CreditWorld) -> list[tuple[str, str, Message]]:
    """Every publication-safe event in the outbox, in order: (subject, entity, message)."""
    rows = await credit.pool.fetch(
        "SELECT subject, entity, payload FROM outbox WHERE subject LIKE 'public.%' ORDER BY seq"
    )
    found = []
    for row in rows:
        kind = CATALOG.for_subject(row["subject"])
        assert kind is not None
        assert kind.stream == public_events.STREAM.name  # the stream only publication reads
        found.append((row["subject"], row["entity"], kind.message.FromString(bytes(row["payload"]))))
    return found


async def person_record(credit: CreditWorld, person: str) -> str:
    event = false_commitment("x", D(2026, 6, 1), name=NAME)  # NDRC-36 一般: 2026-09-01 .. 2027-06-01
    event.subject.CopyFrom(subject_pb2.SubjectRef(kind=NATURAL, code=person))
    event.findings = f"申请人{NAME}（身份证号{person}，电话13812348000）提交的场所证明不实"
    await credit.deliver(FALSE, event)
    record_id = await credit.pool.fetchval(
        "SELECT record_id FROM dishonesty_record WHERE subject_code = $1", person
    )
    return str(record_id)


async def file_objection(credit: CreditWorld, applicant: subject_pb2.SubjectRef, record_id: str) -> str:
    filed = opb.FileObjectionRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=applicant,
        reason="场所使用权证明已于核查前补交",
        evidence=["不动产权证书 2026-05-20"],
    )
    return (await credit.as_role("portal").objections.FileObjection(filed)).objection.objection_id


async def decide_objection(
    credit: CreditWorld, objection_id: str, outcome: opb.ObjectionOutcome.ValueType
) -> None:
    decide = opb.DecideObjectionRequest(
        request_id=rid(), objection_id=objection_id, outcome=outcome, reason="经复核"
    )
    await credit.as_role("credit_reviewer").objections.DecideObjection(decide)


async def repair(credit: CreditWorld, applicant: subject_pb2.SubjectRef, record_id: str) -> None:
    apply = rpb.ApplyRepairRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=applicant,
        obligations_performed="已补交不动产权属证明并纠正失信行为",
        evidence=["不动产权证书 闽(2026)厦门市不动产权第0001号"],
        repair_commitment="本人承诺今后如实承诺（信用修复承诺）",
    )
    applied = (await credit.as_role("portal").repair.ApplyRepair(apply)).application
    approve = rpb.DecideRepairRequest(
        request_id=rid(), application_id=applied.application_id, decision=rpb.REPAIR_DECISION_APPROVE
    )
    await credit.as_role("credit_reviewer").repair.DecideRepair(approve)


async def test_a_persons_record_is_published_disputed_decided_and_withdrawn_on_repair(
    credit: CreditWorld,
) -> None:
    person = resident_id()
    applicant = subject_pb2.SubjectRef(kind=NATURAL, code=person)
    record_id = await person_record(credit, person)
    objection_id = await file_objection(credit, applicant, record_id)
    await decide_objection(credit, objection_id, opb.OBJECTION_OUTCOME_REJECT)
    credit.set_today(D(2026, 9, 2))  # past the minimum period
    await repair(credit, applicant, record_id)

    found = await published(credit)
    assert [(s, e) for s, e, _ in found] == [
        ("public.record", f"record/{record_id}"),
        ("public.record_disputed", f"record/{record_id}"),
        ("public.record_disputed", f"record/{record_id}"),
        ("public.record_withdrawn", f"record/{record_id}"),
    ]
    record, filed, decided, withdrawn = (m for _, _, m in found)
    assert isinstance(record, pub.PublicRecord)
    assert (record.record_number, record.revision, record.record_class) == (record_id, 0, "一般")
    assert (record.subject.code, record.subject.name) == (person[:6] + "********" + person[-4:], "张**")
    assert record.facts.endswith(
        f"申请人张**（身份证号{record.subject.code}，电话138****8000）提交的场所证明不实"
    )
    assert "42号" in record.legal_basis
    assert (record.deciding_department, record.region_code) == ("350200-SCJ", "350200")
    period = (record.decision_date, record.publicity_start, record.publicity_end)
    assert [convert.from_date(d) for d in period] == [D(2026, 6, 1), D(2026, 6, 1), D(2027, 6, 1)]
    key = record.subject.key
    assert key.startswith("p-")
    assert isinstance(filed, pub.PublicRecordDisputed)
    assert isinstance(decided, pub.PublicRecordDisputed)
    assert [(m.record_number, m.subject_key, m.disputed) for m in (filed, decided)] == [
        (record_id, key, True),
        (record_id, key, False),
    ]
    assert isinstance(withdrawn, pub.PublicRecordWithdrawn)
    assert (withdrawn.subject_key, withdrawn.reason) == (key, pub.WITHDRAWAL_REPAIRED)
    assert convert.from_date(withdrawn.withdrawn_on) == D(2026, 9, 2)

    # Byte scan: no raw resident ID (nor its birth date) and no full name in anything published.
    rows = await credit.pool.fetch("SELECT entity, payload FROM outbox WHERE subject LIKE 'public.%'")
    for row in rows:
        blob = bytes(row["payload"]) + row["entity"].encode()
        for secret in (person, person[6:14], NAME, "13812348000"):
            assert secret.encode() not in blob
    # The internal stream still carries the record in full for the departments' readers.
    internal = await credit.pool.fetch("SELECT payload FROM outbox WHERE subject = 'credit.record_created'")
    assert any(person.encode() in bytes(r["payload"]) for r in internal)


async def test_a_record_is_withdrawn_when_its_maximum_period_ends(credit: CreditWorld) -> None:
    record_id = await record_of(credit, new_uscc(), D(2026, 6, 1))  # ends 2027-06-01
    credit.set_today(D(2027, 5, 31))
    await credit.run_jobs()
    assert [s for s, _, _ in await published(credit)] == ["public.record"]

    credit.set_today(D(2027, 6, 1))
    await credit.run_jobs()

    *_, (subject, entity, withdrawn) = await published(credit)
    assert (subject, entity) == ("public.record_withdrawn", f"record/{record_id}")
    assert isinstance(withdrawn, pub.PublicRecordWithdrawn)
    assert (withdrawn.record_number, withdrawn.reason) == (record_id, pub.WITHDRAWAL_EXPIRED)
    assert convert.from_date(withdrawn.withdrawn_on) == D(2027, 6, 1)
    await credit.run_jobs()
    assert len(await published(credit)) == 2  # withdrawn once


async def test_a_minor_record_is_never_published(credit: CreditWorld) -> None:
    found = false_commitment(new_uscc(), D(2026, 6, 1))
    rectified = vevents.RectificationRecorded(
        task_id=found.task_id,
        commitment_id=found.commitment_id,
        subject=found.subject,
        department=found.deciding_department,
        rectification=vpb.Rectification(completed_on=convert.to_date(D(2026, 6, 10)), in_time=True),
        corrected_in_time_without_harm=True,
    )
    await credit.deliver(verification_events.RECTIFIED.subject, rectified)
    await credit.deliver(FALSE, found)
    record_id = await credit.pool.fetchval("SELECT record_id FROM dishonesty_record")
    objection_id = await file_objection(credit, found.subject, str(record_id))
    await decide_objection(credit, objection_id, opb.OBJECTION_OUTCOME_REVOKE)
    credit.set_today(D(2026, 9, 1))
    await credit.run_jobs()  # the minor record's 3 months are over

    assert await credit.pool.fetchval("SELECT record_class FROM dishonesty_record") == "MINOR"
    assert await published(credit) == []


async def _listed(credit: CreditWorld) -> tuple[str, str, str]:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)  # 严重: until 2029-06-01
    propose = lpb.ProposeListingRequest(
        request_id=rid(), subject=ref(uscc), record_ids=[record_id], reasons="移送司法机关，情节严重"
    )
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(propose)).entry
    await serve_notice(credit, entry.entry_id)
    credit.set_today(D(2026, 7, 9))  # the statement period is over
    decide = lpb.DecideListingRequest(
        request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="理由不成立"
    )
    await credit.as_role("credit_reviewer").lists.DecideListing(decide)
    return uscc, record_id, entry.entry_id


async def test_the_serious_list_publishes_a_listing_and_its_removal_at_the_end(credit: CreditWorld) -> None:
    uscc, record_id, entry_id = await _listed(credit)
    (_, _, record), (subject, entity, listing) = await published(credit)
    assert isinstance(record, pub.PublicRecord)
    assert record.record_class == "严重"
    assert (subject, entity) == ("public.listing", f"list_entry/{entry_id}")
    assert isinstance(listing, pub.PublicListing)
    assert (listing.entry_number, list(listing.record_numbers)) == (entry_id, [record_id])
    assert (listing.subject.code, listing.subject.key) == (uscc, uscc)
    assert (listing.department, listing.region_code) == ("350200-SCJ", "350200")
    assert "国办发〔2020〕49号" in listing.basis
    assert (convert.from_date(listing.listed_on), convert.from_date(listing.removal_due)) == (
        D(2026, 7, 9),
        D(2029, 7, 9),
    )

    credit.set_today(D(2029, 7, 9))
    await credit.run_jobs()

    ends = [(s, m) for s, _, m in await published(credit)][2:]
    assert [s for s, _ in ends] == ["public.record_withdrawn", "public.delisting"]
    (_, expired), (_, delisted) = ends
    assert isinstance(expired, pub.PublicRecordWithdrawn)
    assert (expired.reason, convert.from_date(expired.withdrawn_on)) == (
        pub.WITHDRAWAL_EXPIRED,
        D(2029, 6, 1),
    )
    assert isinstance(delisted, pub.PublicDelisting)
    assert (delisted.entry_number, delisted.subject_key, delisted.reason) == (
        entry_id,
        uscc,
        pub.WITHDRAWAL_EXPIRED,
    )
    assert convert.from_date(delisted.removed_on) == D(2029, 7, 9)


async def test_an_upheld_objection_revokes_the_record_and_the_listing_resting_on_it(
    credit: CreditWorld,
) -> None:
    uscc, record_id, entry_id = await _listed(credit)
    objection_id = await file_objection(credit, ref(uscc), record_id)
    await decide_objection(credit, objection_id, opb.OBJECTION_OUTCOME_REVOKE)

    after = [(s, m) for s, _, m in await published(credit)][2:]
    assert [s for s, _ in after] == ["public.record_disputed", "public.record_withdrawn", "public.delisting"]
    (_, disputed), (_, withdrawn), (_, delisted) = after
    assert isinstance(disputed, pub.PublicRecordDisputed)
    assert disputed.disputed
    assert isinstance(withdrawn, pub.PublicRecordWithdrawn)
    assert (withdrawn.record_number, withdrawn.reason) == (record_id, pub.WITHDRAWAL_REVOKED)
    assert isinstance(delisted, pub.PublicDelisting)
    assert (delisted.entry_number, delisted.reason) == (entry_id, pub.WITHDRAWAL_REVOKED)
    assert convert.from_date(delisted.removed_on) == D(2026, 7, 9)


async def test_the_credit_service_does_not_start_without_the_pseudonym_key(credit: CreditWorld) -> None:
    rt = credit.runtime
    settings = dataclasses.replace(rt.settings, pseudonym_key_file=None)  # CHENGNUO_PSEUDONYM_KEY_FILE unset
    keyless = Runtime(settings, rt.clock, rt.db, rt.bus, rt.calendar)
    with pytest.raises(ConfigError, match="CHENGNUO_PSEUDONYM_KEY_FILE is required"):
        build(keyless)
    assert keyless.jobs == []  # refused before anything was scheduled
