"""Publication (公示) on the real consumer and handler set with the in-memory stores: every decision
about a record writes its publication-safe event (stream PUBLIC) in the same unit of work, and an
unpublished class (轻微) writes none."""

from __future__ import annotations

import datetime as dt
import uuid

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.events.v1 import public_events_pb2 as public_events
from chengnuo.events.v1 import verification_events_pb2 as verification_events
from services.contracts import public_events as public_types
from services.credit.api.objections import ObjectionHandlers
from services.kernel import convert
from services.kernel.events import EventMeta
from services.kernel.identifiers import resident_id_check_char
from tests.support.memory import Emitted, acting_as
from tests.support.memory_credit import credit_deps
from tests.unit.test_credit_handlers import PORTAL, REVIEWER, World

D = dt.date
FIRST17 = "35020319900101123"
PERSON_ID = FIRST17 + resident_id_check_char(FIRST17)
PERSON_NAME = "王小明"


class PublicWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.objections = ObjectionHandlers(credit_deps(self.db, self.store))

    def public(self) -> list[Emitted]:
        return [e for e in self.db.events if e.subject.startswith("public.")]

    def person_false_commitment(self) -> verification_events.FalseCommitmentFound:
        event = self.false_commitment()
        event.subject.CopyFrom(
            subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=PERSON_ID)
        )
        event.subject_name = PERSON_NAME
        event.findings = f"{PERSON_NAME}（身份证号{PERSON_ID}）提交的场所证明不实"
        self.uscc = PERSON_ID  # the applicant the portal acts for
        return event

    async def rectify(self, commitment_id: str) -> None:
        event = verification_events.RectificationRecorded(
            task_id=str(uuid.uuid4()),
            commitment_id=commitment_id,
            corrected_in_time_without_harm=True,
        )
        event.rectification.completed_on.CopyFrom(convert.to_date(D(2026, 6, 2)))
        meta = EventMeta(str(uuid.uuid4()), "", "/test", "", self.clock.now())
        async with self.db.unit_of_work(request_id=meta.id) as uow:
            await self.consumers.on_rectified(event, uow, meta)

    async def file(self, record_id: str) -> str:
        request = opb.FileObjectionRequest(
            request_id=str(uuid.uuid4()),
            record_id=record_id,
            applicant=subject_pb2.SubjectRef(kind=self.kind(), code=self.uscc),
            reason="场所使用权证明已于核查前补交",
            evidence=["不动产权证书 2026-05-20"],
        )
        with acting_as(PORTAL):
            return (await self.objections.FileObjection(request, None)).objection.objection_id

    def kind(self) -> subject_pb2.SubjectKind.ValueType:
        natural = self.uscc == PERSON_ID
        return subject_pb2.SUBJECT_KIND_NATURAL_PERSON if natural else subject_pb2.SUBJECT_KIND_LEGAL_PERSON

    async def decide_objection(
        self,
        objection_id: str,
        outcome: opb.ObjectionOutcome.ValueType,
        corrected_facts: str = "",
        corrected_class: credit_pb2.RecordClass.ValueType = credit_pb2.RECORD_CLASS_UNSPECIFIED,
    ) -> opb.DecideObjectionResponse:
        request = opb.DecideObjectionRequest(
            request_id=str(uuid.uuid4()),
            objection_id=objection_id,
            outcome=outcome,
            reason="经复核",
            corrected_facts=corrected_facts,
            corrected_class=corrected_class,
        )
        with acting_as(REVIEWER):
            return await self.objections.DecideObjection(request, None)


async def test_a_natural_persons_record_is_published_masked() -> None:
    world = PublicWorld()
    await world.deliver(world.person_false_commitment())

    (published,) = world.public()
    assert published.subject == public_types.RECORD.subject
    assert isinstance(published.message, public_events.PublicRecord)
    record = published.message
    (row,) = world.records()
    assert (published.entity, record.record_number) == (f"record/{row['record_id']}", str(row["record_id"]))
    assert (record.subject.name, record.record_class) == ("王**", "一般")
    assert convert.from_date(record.publicity_end) == D(2027, 6, 1)  # NDRC-36, 一般: 12 months
    assert "王**" in record.facts
    payload = record.SerializeToString()
    assert PERSON_ID.encode() not in payload
    assert PERSON_NAME.encode() not in payload


async def test_an_objection_disputes_the_record_and_a_rejection_ends_the_dispute() -> None:
    world = PublicWorld()
    record_id = await world.record_id()
    before = len(world.public())

    objection_id = await world.file(record_id)
    await world.decide_objection(objection_id, opb.OBJECTION_OUTCOME_REJECT)

    filed, decided = world.public()[before:]
    assert isinstance(filed.message, public_events.PublicRecordDisputed)
    assert isinstance(decided.message, public_events.PublicRecordDisputed)
    assert (filed.message.record_number, filed.message.disputed) == (record_id, True)
    assert (decided.message.record_number, decided.message.disputed) == (record_id, False)
    assert filed.message.subject_key == world.uscc


async def test_an_upheld_objection_revokes_the_record_from_publication() -> None:
    world = PublicWorld()
    record_id = await world.record_id()
    objection_id = await world.file(record_id)
    before = len(world.public())

    await world.decide_objection(objection_id, opb.OBJECTION_OUTCOME_REVOKE)

    (withdrawn,) = world.public()[before:]
    assert isinstance(withdrawn.message, public_events.PublicRecordWithdrawn)
    assert (withdrawn.message.record_number, withdrawn.message.reason) == (
        record_id,
        public_events.WITHDRAWAL_REVOKED,
    )
    assert convert.from_date(withdrawn.message.withdrawn_on) == D(2026, 6, 3)


async def test_a_correction_publishes_the_corrected_revision() -> None:
    world = PublicWorld()
    record_id = await world.record_id()
    objection_id = await world.file(record_id)
    before = len(world.public())

    await world.decide_objection(
        objection_id,
        opb.OBJECTION_OUTCOME_CORRECT,
        corrected_facts="经复核，场所证明部分不实",
        corrected_class=credit_pb2.RECORD_CLASS_SERIOUS,
    )

    undisputed, revision = world.public()[before:]
    assert isinstance(undisputed.message, public_events.PublicRecordDisputed)
    assert not undisputed.message.disputed
    assert isinstance(revision.message, public_events.PublicRecord)
    assert (revision.message.revision, revision.message.record_class) == (1, "严重")
    assert revision.message.facts == "经复核，场所证明部分不实"
    assert not revision.message.disputed
    # The rule set's maximum for the corrected class, counted from the decision.
    assert convert.from_date(revision.message.publicity_end) == D(2029, 6, 1)


async def test_a_correction_to_the_minor_class_withdraws_the_record() -> None:
    world = PublicWorld()
    record_id = await world.record_id()
    objection_id = await world.file(record_id)
    before = len(world.public())

    await world.decide_objection(
        objection_id,
        opb.OBJECTION_OUTCOME_CORRECT,
        corrected_facts="经复核，已在整改期限内纠正且未造成危害",
        corrected_class=credit_pb2.RECORD_CLASS_MINOR,
    )

    (withdrawn,) = world.public()[before:]
    assert isinstance(withdrawn.message, public_events.PublicRecordWithdrawn)
    assert withdrawn.message.reason == public_events.WITHDRAWAL_RECLASSIFIED


async def test_a_rectification_in_time_withdraws_the_record_it_makes_minor() -> None:
    world = PublicWorld()
    event = world.false_commitment()
    await world.deliver(event)
    before = len(world.public())

    await world.rectify(event.commitment_id)

    (row,) = world.records()
    assert row["record_class"] == "MINOR"
    (withdrawn,) = world.public()[before:]
    assert isinstance(withdrawn.message, public_events.PublicRecordWithdrawn)
    assert withdrawn.message.reason == public_events.WITHDRAWAL_RECLASSIFIED


async def test_a_minor_record_is_never_published_nor_its_objection() -> None:
    world = PublicWorld()
    event = world.false_commitment()
    await world.rectify(event.commitment_id)  # reported before the record came
    await world.deliver(event)
    (row,) = world.records()
    assert (row["record_class"], row["published"]) == ("MINOR", False)

    objection_id = await world.file(str(row["record_id"]))
    await world.decide_objection(objection_id, opb.OBJECTION_OUTCOME_REVOKE)

    assert world.public() == []
