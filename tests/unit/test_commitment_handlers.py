"""RecordCommitment on the real handler set, with the kernel's in-memory database and the memory
versions of the commitment stores: no PostgreSQL, no NATS (the integration tests cover SQL)."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.commitment.api.deps import Deps
from services.commitment.api.recording import RecordingHandlers
from services.commitment.domain import letters
from services.commitment.domain.eligibility import Restriction
from services.commitment.store.items import ItemVersion
from services.commitment.wire.catalogue import with_standard_text
from services.contracts import roles
from services.contracts.events import CATALOG
from services.kernel.clock import CHINA, FixedClock
from services.kernel.errors import FailedPrecondition, ServiceError
from services.kernel.rpc.status import to_status
from tests.support import new_uscc
from tests.support.memory import MemoryDatabase, acting_as, caller
from tests.support.memory_commitment import MemoryCodes, MemoryLookups, commitment_deps, publish, restrict

DEPARTMENT = "350200-SCJ"
NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=CHINA)
PORTAL = caller(roles.PORTAL, subject="portal:xm", department=DEPARTMENT, region="350200")


class World:
    def __init__(self) -> None:
        self.db = MemoryDatabase(FixedClock(NOW), CATALOG)
        self.deps: Deps = commitment_deps(self.db)
        self.handlers = RecordingHandlers(self.deps)
        draft = catalogue_pb2.ItemDraft(
            name="营业场所使用证明",
            legal_basis="《食品经营许可和备案管理办法》第十二条",
            certified_content="申请人对经营场所享有合法使用权",
            region_code="350200",
            commitment_allowed=True,
            verification=catalogue_pb2.VerificationRule(
                method=catalogue_pb2.VERIFICATION_METHOD_DOCUMENT, time_limit_working_days=20
            ),
        )
        self.item: ItemVersion = publish(
            self.db.tables,
            with_standard_text(draft, DEPARTMENT),
            department=DEPARTMENT,
            at=NOW - dt.timedelta(days=1),
        )

    async def record(
        self, request: commitment_pb2.RecordCommitmentRequest
    ) -> commitment_pb2.RecordCommitmentResponse:
        with acting_as(PORTAL):
            return await self.handlers.RecordCommitment(request, None)

    async def refusal(self, request: commitment_pb2.RecordCommitmentRequest) -> ServiceError:
        with pytest.raises(ServiceError) as refused:
            await self.record(request)
        return refused.value

    def request(self, subject_code: str = "", **changes: object) -> commitment_pb2.RecordCommitmentRequest:
        made = commitment_pb2.RecordCommitmentRequest(
            request_id=str(uuid.uuid4()),
            subject=subject_pb2.SubjectRef(
                kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=subject_code or new_uscc()
            ),
            subject_name="厦门示例餐饮有限公司",
            item_id=str(self.item.item_id),
            case_number="CASE-0001",
            channel=commitment_pb2.CHANNEL_ONLINE,
            publication_type=commitment_pb2.PUBLICATION_TYPE_PUBLIC,
            letter=commitment_pb2.SignedLetter(
                signature_method=commitment_pb2.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE
            ),
        )
        for name, value in changes.items():
            setattr(made, name, value)
        return made

    def stored(self) -> list[dict[str, object]]:
        return self.db.tables.rows("commitment")


def fields(error: ServiceError) -> list[str]:
    return [v.field for v in getattr(error, "violations", [])]


async def test_a_commitment_is_recorded_stored_announced_and_audited() -> None:
    world = World()
    request = world.request()
    reply = (await world.record(request)).commitment

    assert reply.code == "35020020260302000001"  # region, the day in China, the first sequence number
    assert reply.status == commitment_pb2.COMMITMENT_STATUS_ACTIVE
    assert reply.fulfilment.status == commitment_pb2.FULFILMENT_STATUS_PENDING
    assert (reply.item_id, reply.item_version, reply.department) == (str(world.item.item_id), 1, DEPARTMENT)
    assert reply.subject == request.subject
    assert reply.recorded_at.ToDatetime(tzinfo=dt.UTC) == NOW
    # No text sent: the letter is the item's template filled with the request's data, hashed.
    assert "厦门示例餐饮有限公司" in reply.letter.text
    assert "营业场所使用证明" in reply.letter.text
    assert reply.letter.sha256 == letters.sha256(reply.letter.text)
    assert reply.letter.signed_on.day == 2

    (row,) = world.stored()
    assert row["commitment_id"] == uuid.UUID(reply.commitment_id)
    assert row["code"] == reply.code
    assert row["subject_code"] == request.subject.code
    assert row["case_number"] == "CASE-0001"
    assert row["channel"] == "CHANNEL_ONLINE"
    assert row["letter_sha256"] == bytes.fromhex(reply.letter.sha256)
    assert (row["recorded_by"], row["recorded_by_department"]) == ("portal:xm", DEPARTMENT)

    (event,) = world.db.events
    assert event.entity == f"commitment/{reply.commitment_id}"
    recorded = event.message
    assert isinstance(recorded, commitment_events_pb2.CommitmentRecorded)
    assert (recorded.commitment_id, recorded.code) == (reply.commitment_id, reply.code)
    assert recorded.item_name == "营业场所使用证明"
    assert recorded.verification.time_limit_working_days == 20
    assert recorded.letter_sha256 == reply.letter.sha256

    (entry,) = world.db.audits
    assert (entry.action, entry.target) == ("commitment.record", f"commitment/{reply.commitment_id}")
    assert entry.subject_code == request.subject.code
    assert (entry.actor, entry.department, entry.request_id) == ("portal:xm", DEPARTMENT, request.request_id)


async def test_a_subject_the_credit_service_restricts_is_refused_with_the_reason() -> None:
    world = World()
    code = new_uscc()
    false = Restriction(
        "EARLIER_FALSE_COMMITMENT", "rec-1", "a false commitment", dt.date(2026, 9, 1), dt.date(2027, 3, 1)
    )
    restrict(world.db.tables, code, [false])

    refused = await world.refusal(world.request(code))

    assert to_status(refused).code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.message == "the subject may not use the commitment route"
    assert isinstance(refused, FailedPrecondition)
    (why,) = refused.violations
    assert (why.type, why.subject, why.until) == ("EARLIER_FALSE_COMMITMENT", "rec-1", dt.date(2026, 9, 1))
    assert world.stored() == []
    assert world.db.events == []
    assert world.db.audits == []


async def test_a_restriction_past_its_end_no_longer_bars() -> None:
    world = World()
    code = new_uscc()
    ended = Restriction("EARLIER_FALSE_COMMITMENT", "rec-1", "a false commitment", None, NOW.date())
    restrict(world.db.tables, code, [ended])

    reply = await world.record(world.request(code))

    assert reply.commitment.subject.code == code
    assert len(world.stored()) == 1


async def test_bad_input_is_refused_naming_every_field_and_stores_nothing() -> None:
    world = World()
    lookups = world.deps.lookups
    assert isinstance(lookups, MemoryLookups)
    request = world.request(subject_name=" ", channel=commitment_pb2.CHANNEL_UNSPECIFIED, item_version=-1)

    refused = await world.refusal(request)

    assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields(refused) == ["subject_name", "channel", "item_version"]
    assert lookups.keys == []  # refused before anything is read
    assert world.stored() == []
    assert world.db.events == []
    assert world.db.audits == []


async def test_a_letter_that_is_not_the_template_is_refused_naming_the_field() -> None:
    world = World()
    letter = commitment_pb2.SignedLetter(
        text="我承诺。", signature_method=commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN
    )

    request = world.request()
    request.letter.CopyFrom(letter)

    refused = await world.refusal(request)

    assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields(refused) == ["letter.text"]
    assert "item version 1" in refused.message
    assert world.stored() == []


async def test_a_replay_gets_the_first_answer_and_records_once() -> None:
    world = World()
    request = world.request()

    first = await world.record(request)
    again = await world.record(request)

    assert again == first
    assert len(world.stored()) == 1
    assert len(world.db.messages(commitment_events_pb2.CommitmentRecorded)) == 1
    assert [a.action for a in world.db.audits] == ["commitment.record"]

    other = world.request(case_number="CASE-0002")
    other.request_id = request.request_id  # the same id for a different request
    refused = await world.refusal(other)
    assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields(refused) == ["request_id"]
    assert len(world.stored()) == 1


async def test_a_second_commitment_for_the_item_in_the_case_already_exists() -> None:
    world = World()
    await world.record(world.request())

    refused = await world.refusal(world.request())

    assert to_status(refused).code == grpc.StatusCode.ALREADY_EXISTS
    assert f"item {world.item.item_id} in case CASE-0001" in refused.message
    assert len(world.stored()) == 1
    codes = world.deps.store.codes
    assert isinstance(codes, MemoryCodes)
    assert codes.issued == {("350200", NOW.date()): 2}  # numbers are unique, not gapless


async def test_an_item_outside_the_portals_region_is_not_its_to_record() -> None:
    world = World()
    elsewhere = caller(roles.PORTAL, subject="portal:fz", department="350100-SCJ", region="350100")

    with acting_as(elsewhere), pytest.raises(ServiceError) as refused:
        await world.handlers.RecordCommitment(world.request(), None)

    assert to_status(refused.value).code == grpc.StatusCode.PERMISSION_DENIED
    assert world.stored() == []
