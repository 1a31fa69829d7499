"""Recording commitments against the real database: subjects, signed letters, refusals that
store nothing, replays, codes under concurrent load, the certificate route and withdrawal."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from pathlib import Path

import grpc

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import (
    BUSINESS,
    LEGAL,
    NATURAL,
    CommitmentWorld,
    business_uscc,
    commitment_world,
    create,
    item,
    publish,
    published_item,
    record,
    resident_id,
    rid,
)
from tests.support import failure, new_uscc

Kind = catalogue_pb2.LetterFieldKind
FIELDS = [
    catalogue_pb2.LetterField(
        name="contact_phone", label="联系电话", kind=Kind.LETTER_FIELD_KIND_PHONE, required=True
    ),
    catalogue_pb2.LetterField(
        name="premises", label="经营场所", kind=Kind.LETTER_FIELD_KIND_TEXT, required=True
    ),
]
LETTER = (
    "承诺书\n承诺人：{subject_name}（{subject_code}）\n办件编号：{case_number}\n"
    "本人承诺对{premises}享有合法使用权。联系电话：{contact_phone}\n{signed_on}\n"
)


def lettered_item() -> catalogue_pb2.ItemDraft:
    made = item("场所使用权证明")
    made.letter.CopyFrom(catalogue_pb2.LetterTemplate(text=LETTER, fields=FIELDS))
    return made


def values(phone: str = "13800138000") -> list[commitment_pb2.LetterValue]:
    return [
        commitment_pb2.LetterValue(name="contact_phone", value=phone),
        commitment_pb2.LetterValue(name="premises", value="思明区湖滨南路1号"),
    ]


async def stored(world: CommitmentWorld) -> tuple[int, ...]:
    return tuple([await world.count(t) for t in ("commitment", "outbox", "idempotency", "certificate_route")])


async def test_every_subject_kind_commits_under_the_standard_letter(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, staff = world.as_role("portal"), world.as_role("verifier")
        for kind, code in ((LEGAL, new_uscc()), (NATURAL, resident_id()), (BUSINESS, business_uscc())):
            made = (
                await portal.commitments.RecordCommitment(record(code, item_id, kind=kind, name="王五"))
            ).commitment
            assert made.subject.kind == kind
            assert made.subject.code == code
            letter = made.letter
            assert "承诺人：王五\n" in letter.text
            assert code in letter.text
            assert made.case_number in letter.text
            assert "营业场所使用证明" in letter.text
            assert letter.sha256 == hashlib.sha256(letter.text.encode()).hexdigest()
            assert convert.from_date(letter.signed_on) == world.clock.today()
            assert (made.status, made.fulfilment.status) == (
                commitment_pb2.COMMITMENT_STATUS_ACTIVE,
                commitment_pb2.FULFILMENT_STATUS_PENDING,
            )
            again = await staff.commitments.GetCommitment(
                commitment_pb2.GetCommitmentRequest(commitment_id=made.commitment_id)
            )
            assert again.commitment == made
        events = [
            commitment_events_pb2.CommitmentRecorded.FromString(p)
            for p in await world.events("commitment.recorded")
        ]
        assert [e.subject.kind for e in events] == [LEGAL, NATURAL, BUSINESS]
        assert all(len(e.letter_sha256) == 64 for e in events)


async def test_a_letter_signed_as_rendered_is_kept_with_its_hash(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"), lettered_item())
        portal, uscc = world.as_role("portal"), new_uscc()
        request = record(uscc, item_id)
        rendered = await portal.commitments.RenderLetter(
            commitment_pb2.RenderLetterRequest(
                subject=request.subject,
                subject_name=request.subject_name,
                item_id=item_id,
                case_number=request.case_number,
                values=values(),
            )
        )
        assert rendered.item_version == 1
        assert "思明区湖滨南路1号" in rendered.text
        request.letter.CopyFrom(
            commitment_pb2.SignedLetter(
                text=rendered.text.replace("\n", "\r\n"),  # line endings of a Windows form do not matter
                values=values(),
                sha256=rendered.sha256,
                signature_method=commitment_pb2.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE,
                signature_reference="CA-2026-000123",
            )
        )
        made = (await portal.commitments.RecordCommitment(request)).commitment
        assert made.letter.text == rendered.text
        assert made.letter.sha256 == rendered.sha256
        assert [v.name for v in made.letter.values] == ["contact_phone", "premises"]
        stored_hash = await world.pool.fetchval("SELECT letter_sha256 FROM commitment")
        assert bytes(stored_hash).hex() == rendered.sha256


async def test_a_letter_that_is_not_the_filled_template_is_refused_by_field(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"), lettered_item())
        portal, uscc = world.as_role("portal"), new_uscc()
        good = record(uscc, item_id)
        rendered = await portal.commitments.RenderLetter(
            commitment_pb2.RenderLetterRequest(
                subject=good.subject,
                subject_name=good.subject_name,
                item_id=item_id,
                case_number=good.case_number,
                values=values(),
            )
        )
        signed = commitment_pb2.SignedLetter(
            text=rendered.text, values=values(), signature_method=commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN
        )
        before = await stored(world)

        async def refused(change: str, new: str, **letter_changes: object) -> tuple[list[str], str]:
            request = record(uscc, item_id, case=good.case_number)
            request.letter.CopyFrom(signed)
            request.letter.text = signed.text.replace(change, new)
            for name, value in letter_changes.items():
                setattr(request.letter, name, value)
            answer = await failure(portal.commitments.RecordCommitment(request))
            assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
            return answer.fields(), answer.message

        fields, why = await refused(good.case_number, "CASE-OTHER")
        assert fields == ["letter.text"]
        assert "{case_number}" in why
        assert "case_number" in why
        fields, why = await refused("享有合法使用权", "享有使用权")
        assert fields == ["letter.text"]
        assert "differs from the template text of item version 1 at line 4" in why
        fields, why = await refused("13800138000", "13900139000")
        assert fields == ["letter.text"]
        assert "{contact_phone}" in why
        assert (await refused("x", "x", sha256="0" * 64))[0] == ["letter.sha256"]
        assert (await refused("x", "x", signature_method=0))[0] == ["letter.signature_method"]
        no_values = record(uscc, item_id)
        no_values.letter.signature_method = commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN
        missing = await failure(portal.commitments.RecordCommitment(no_values))
        assert missing.fields() == ["letter.values", "letter.values"]  # both required fields
        assert await stored(world) == before


async def test_items_that_cannot_take_a_commitment_are_refused(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin, portal, uscc = world.as_role("catalogue_admin"), world.as_role("portal"), new_uscc()
        not_allowed = await create(admin, item("户籍证明", allowed=False))
        replaced = await create(admin, item())
        dropped = await create(admin, item("将被取消的证明"))
        await publish(admin)
        changed = item()
        changed.verification.time_limit_working_days = 10
        await admin.catalogue.UpdateItem(
            catalogue_pb2.UpdateItemRequest(request_id=rid(), item_id=replaced, item=changed)
        )
        await admin.catalogue.WithdrawItem(
            catalogue_pb2.WithdrawItemRequest(request_id=rid(), item_id=dropped, reason="法规修订后取消")
        )
        await publish(admin)
        draft_only = await create(admin, item("尚未公布的证明"))
        before = await stored(world)

        async def precondition(request: commitment_pb2.RecordCommitmentRequest) -> list[tuple[str, str]]:
            answer = await failure(portal.commitments.RecordCommitment(request))
            assert answer.code == grpc.StatusCode.FAILED_PRECONDITION
            return answer.precondition_types()

        assert await precondition(record(uscc, not_allowed)) == [("COMMITMENT_NOT_ALLOWED", not_allowed)]
        assert await precondition(record(uscc, draft_only)) == [("ITEM_NOT_IN_FORCE", draft_only)]
        assert await precondition(record(uscc, dropped)) == [("ITEM_NOT_IN_FORCE", dropped)]
        old_version = record(uscc, replaced)
        old_version.item_version = 1
        assert await precondition(old_version) == [("VERSION_NOT_IN_FORCE", replaced)]
        unknown = await failure(
            portal.commitments.RecordCommitment(record(uscc, "7f1e6f0c-6c39-4a49-9a3e-3c1b6f1d2a10"))
        )
        assert unknown.code == grpc.StatusCode.NOT_FOUND
        assert unknown.fields() == ["item_id"]
        assert await stored(world) == before
        current = record(uscc, replaced)
        current.item_version = 2
        made = (await portal.commitments.RecordCommitment(current)).commitment
        assert made.item_version == 2


async def test_invalid_input_is_refused_by_field_and_stores_nothing(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal = world.as_role("portal")
        before = await stored(world)

        async def fields(request: commitment_pb2.RecordCommitmentRequest) -> list[str]:
            answer = await failure(portal.commitments.RecordCommitment(request))
            assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
            return answer.fields()

        good_id = resident_id()
        assert await fields(
            record(good_id[:17] + ("0" if good_id[17] != "0" else "1"), item_id, kind=NATURAL)
        ) == ["subject.code"]
        assert await fields(record("110105198502301234", item_id, kind=NATURAL)) == ["subject.code"]
        assert await fields(record(new_uscc(), item_id, kind=0)) == ["subject.kind"]
        assert await fields(record(new_uscc(), "item-7")) == ["item_id"]
        assert await fields(record(new_uscc(), item_id, name="名" * 201, case="C" * 65)) == [
            "subject_name",
            "case_number",
        ]
        oversized = record(new_uscc(), item_id)
        oversized.letter.text = "字" * 40_001
        oversized.letter.signature_method = commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN
        oversized.letter.signature_reference = "r" * 257
        assert await fields(oversized) == ["letter.signature_reference", "letter.text"]
        future = record(new_uscc(), item_id)
        future.letter.signed_on.CopyFrom(convert.to_date(world.clock.today() + dt.timedelta(days=366)))
        assert await fields(future) == ["letter.signed_on"]
        assert await stored(world) == before


async def test_replays_keep_their_code_and_concurrent_requests_never_share_one(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        city = await create(admin, item("市级证明", region="350200"))
        district = await create(admin, item("区级证明", region="350203"))
        await publish(admin)
        portal = world.as_role("portal")
        request = record(new_uscc(), city)
        first = await portal.commitments.RecordCommitment(request)
        replays = await asyncio.gather(*(portal.commitments.RecordCommitment(request) for _ in range(5)))
        assert all(r == first for r in replays)
        requests = [record(new_uscc(), city if n % 2 else district) for n in range(200)]
        made = await asyncio.gather(*(portal.commitments.RecordCommitment(r) for r in requests))
        codes = [m.commitment.code for m in made]
        assert len(set(codes)) == 200
        assert first.commitment.code not in codes
        today = f"{world.clock.today():%Y%m%d}"
        for r, m in zip(requests, made, strict=True):
            region = "350200" if r.item_id == city else "350203"
            assert m.commitment.code.startswith(region + today)
            assert len(m.commitment.code) == 20
        assert await world.count("commitment") == 201
        assert await world.count("outbox", "subject = 'commitment.recorded'") == 201


async def test_the_certificate_route_and_withdrawal_before_conclusion(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, uscc = world.as_role("portal"), new_uscc()
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)
        route = await portal.commitments.RecordCertificateRoute(
            commitment_pb2.RecordCertificateRouteRequest(
                request_id=rid(),
                subject=subject,
                subject_name="厦门示例餐饮有限公司",
                item_id=item_id,
                case_number="CASE-A",
                channel=commitment_pb2.CHANNEL_WINDOW,
            )
        )
        assert route.route.item_version == 1
        chose_certificate = await failure(
            portal.commitments.RecordCommitment(record(uscc, item_id, case="CASE-A"))
        )
        assert chose_certificate.precondition_types() == [("CERTIFICATE_ROUTE_CHOSEN", item_id)]

        made = (await portal.commitments.RecordCommitment(record(uscc, item_id, case="CASE-B"))).commitment
        twice = await failure(portal.commitments.RecordCommitment(record(uscc, item_id, case="CASE-B")))
        assert twice.code == grpc.StatusCode.ALREADY_EXISTS
        withdrawn = await portal.commitments.WithdrawCommitment(
            commitment_pb2.WithdrawCommitmentRequest(
                request_id=rid(), commitment_id=made.commitment_id, reason="申请人改为提交证明"
            )
        )
        assert withdrawn.commitment.status == commitment_pb2.COMMITMENT_STATUS_WITHDRAWN
        assert withdrawn.route.withdrawn_commitment_id == made.commitment_id
        (payload,) = await world.events("commitment.withdrawn")
        event = commitment_events_pb2.CommitmentWithdrawn.FromString(payload)
        assert (event.commitment_id, event.code, event.reason) == (
            made.commitment_id,
            made.code,
            "申请人改为提交证明",
        )
        again = await failure(
            portal.commitments.WithdrawCommitment(
                commitment_pb2.WithdrawCommitmentRequest(request_id=rid(), commitment_id=made.commitment_id)
            )
        )
        assert again.precondition_types() == [("WITHDRAWN", made.commitment_id)]

        concluded = (
            await portal.commitments.RecordCommitment(record(uscc, item_id, case="CASE-C"))
        ).commitment
        answer = await portal.commitments.ConcludeMatter(
            commitment_pb2.ConcludeMatterRequest(
                request_id=rid(),
                commitment_id=concluded.commitment_id,
                concluded_on=convert.to_date(world.clock.today()),
            )
        )
        assert answer.commitment.status == commitment_pb2.COMMITMENT_STATUS_MATTER_CONCLUDED
        late = await failure(
            portal.commitments.WithdrawCommitment(
                commitment_pb2.WithdrawCommitmentRequest(
                    request_id=rid(), commitment_id=concluded.commitment_id
                )
            )
        )
        assert late.code == grpc.StatusCode.FAILED_PRECONDITION
        assert late.precondition_types() == [("MATTER_CONCLUDED", concluded.commitment_id)]
        in_case_c = await failure(
            portal.commitments.RecordCertificateRoute(
                commitment_pb2.RecordCertificateRouteRequest(
                    request_id=rid(),
                    subject=subject,
                    subject_name="厦门示例餐饮有限公司",
                    item_id=item_id,
                    case_number="CASE-C",
                    channel=commitment_pb2.CHANNEL_WINDOW,
                )
            )
        )
        assert in_case_c.precondition_types() == [("COMMITMENT_RECORDED", concluded.commitment_id)]
        elsewhere = world.as_role("portal", region="110000")
        far = await failure(
            elsewhere.commitments.WithdrawCommitment(
                commitment_pb2.WithdrawCommitmentRequest(
                    request_id=rid(), commitment_id=concluded.commitment_id
                )
            )
        )
        assert far.code == grpc.StatusCode.PERMISSION_DENIED
