"""Published and shared outputs never contain an unmasked resident ID or phone number
(个人信息): every public and shared response shape of the three services, for a natural person whose
letter, findings, facts and listing reasons are full of them, serialised and scanned. They are
written every way free text holds them: 18-digit and 15-digit (一代) IDs, IDs in groups with
spaces or hyphens, mobiles with dots, hyphens, full-width or mixed digits. A name an officer
wrote into the findings and asked to mask is in no answer either.

A stack of its own: listing the person needs the statement period to pass on the clocks."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from google.protobuf import text_format
from google.protobuf.message import Message

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.commitment.v1 import sharing_pb2 as cspb
from chengnuo.common.v1 import personal_data_pb2, subject_pb2
from chengnuo.credit.v1 import credit_pb2, lists_pb2_grpc, public_pb2, public_pb2_grpc
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import sharing_pb2 as crspb
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import referrals_pb2 as rfpb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import sharing_pb2 as vspb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert
from services.kernel.identifiers import resident_id_check_char
from services.kernel.pii import fold
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_sharing_queries import Consumer, agree
from tests.e2e.test_thin_flow import draft, publish_item, task_of
from tests.e2e.test_verification_flow import Staff, inspectors, rid
from tests.support import eventually, new_uscc

Roles = Callable[..., Clients]
PERSON_KIND = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
DEPARTMENT = "350200-SCJ"
PHONE, CONTACT_PHONE = "13912345678", "13800138000"
OLD_ID = "350203850314123"  # 一代身份证: region, YYMMDD, 3 digits
DOTTED, WIDE = "139.1234.5678", "１３８００１３８０００"
MIXED = "１３９-12３4-５678"
AGENT = "张三丰"  # named in the findings by the officer, masked on request
Kind = catalogue_pb2.LetterFieldKind
FIELDS = [
    ("premises", "经营场所", Kind.LETTER_FIELD_KIND_TEXT),
    ("contact_name", "联系人", Kind.LETTER_FIELD_KIND_PERSON_NAME),
    ("contact_id", "身份证号", Kind.LETTER_FIELD_KIND_RESIDENT_ID),
    ("contact_phone", "联系电话", Kind.LETTER_FIELD_KIND_PHONE),
    ("home", "住址", Kind.LETTER_FIELD_KIND_PRIVATE),
]
TEMPLATE = catalogue_pb2.LetterTemplate(
    text="承诺人{subject_name}（{subject_code}）承诺：经营场所{premises}可合法使用；联系人{contact_name}"
    "（身份证{contact_id}，电话{contact_phone}）；住址{home}。{signed_on}",
    fields=[catalogue_pb2.LetterField(name=n, label=label, kind=kind) for n, label, kind in FIELDS],
)
# An 18-character resident ID whose digits 7-14 are a real birth date, a 15-digit one whose
# digits 7-12 are, and a mobile number: searched in the text with full-width digits folded.
RESIDENT_ID = re.compile(r"(?<![0-9])\d{6}((?:19|20)\d{6})\d{3}[0-9Xx](?![0-9])")
OLD_RESIDENT_ID = re.compile(r"(?<![0-9])\d{6}(\d{6})\d{3}(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def resident_id(born: dt.date, region: str = "350203") -> str:
    first17 = f"{region}{born:%Y%m%d}{uuid.uuid4().int % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def leaks(message: Message, *planted: str) -> list[str]:
    """Unmasked resident IDs and mobile numbers anywhere in the message as serialised, also in
    full-width digits; and each planted number however its digits are separated."""
    text = fold(text_format.MessageToString(_without_digests(message), as_utf8=True))
    found = [m.group(0) for m in MOBILE.finditer(text)]
    for pattern, born in ((RESIDENT_ID, "%Y%m%d"), (OLD_RESIDENT_ID, "%y%m%d")):
        for match in pattern.finditer(text):
            try:
                dt.datetime.strptime(match.group(1), born)
            except ValueError:
                continue  # not a birth date: not a resident ID
            found.append(match.group(0))
    for number in planted:  # 350203 19850314 1234, 139.1234.5678, 1-3-9 …
        spread = r"[\s.\-·]*".join(re.escape(d) for d in number)
        found += [m.group(0) for m in re.finditer(rf"(?<![0-9]){spread}(?![0-9])", text)]
    return found


def spaced(code: str) -> str:
    """An ID as often typed: region, birth date and the rest apart."""
    return f"{code[:6]} {code[6:14]} {code[14:]}"


def _without_digests(message: Message) -> Message:
    """A copy without the draw's random hex seed and digests, which are no personal data but may
    hold 11 decimal digits in a row by chance."""
    copy = type(message)()
    copy.CopyFrom(message)
    if isinstance(copy, ipb.GetPublicDrawResponse):
        for name in ("seed", "pool_digest", "inspector_digest", "result_digest"):
            copy.draw.ClearField(name)
    return copy


@pytest.fixture
async def roles(own_stack: Stack) -> AsyncIterator[Roles]:
    made: list[Clients] = []

    def make(*names: str, department: str = DEPARTMENT) -> Clients:
        made.append(Clients(own_stack, names, department))
        return made[-1]

    yield make
    for c in made:
        await c.close()


@pytest.fixture
async def desks(own_stack: Stack) -> AsyncIterator[Callable[..., Consumer]]:
    """Channels to every service for one role, for the stubs `Clients` has none of."""
    made: list[Consumer] = []

    def make(department: str, *names: str) -> Consumer:
        made.append(Consumer(own_stack, department, names))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def test_no_public_or_shared_answer_holds_a_resident_id_or_phone_number(
    own_stack: Stack, roles: Roles, desks: Callable[..., Consumer]
) -> None:
    person, contact = resident_id(dt.date(1985, 3, 14)), resident_id(dt.date(1990, 8, 8))
    commitment = await _committed(roles, person, contact)
    await _found_false(roles, commitment.commitment_id, person)
    record_id = await _serious_record(roles, person)
    entry_id = await _listed(own_stack, desks, person, record_id)
    draw = await _drawn(own_stack, roles, person)
    consumer = await _consumer(own_stack, desks)
    subject = subject_pb2.SubjectRef(kind=PERSON_KIND, code=person)
    public_credit = public_pb2_grpc.PublicCreditServiceStub(desks("350200-ZWFW", "portal").channels["credit"])
    inspections = Staff(roles("portal", department="350200-ZWFW"), own_stack).inspections

    answers: dict[str, Message] = {
        "ListPublishedCommitments": await roles("portal").commitments.ListPublishedCommitments(
            commitment_pb2.ListPublishedCommitmentsRequest(department=DEPARTMENT, page_size=200)
        ),
        "ListPublicRecords": await public_credit.ListPublicRecords(public_pb2.ListPublicRecordsRequest()),
        "ListBlacklist": await public_credit.ListBlacklist(public_pb2.ListBlacklistRequest()),
        "GetPublicDraw": await inspections.GetPublicDraw(ipb.GetPublicDrawRequest(draw_id=draw)),
        "ListPublicDrawResults": await inspections.ListPublicDrawResults(
            ipb.ListPublicDrawResultsRequest(draw_id=draw, page_size=1000)
        ),
        "GetCreditReport": await consumer.credit.GetCreditReport(
            crspb.GetCreditReportRequest(subject=subject, purpose="daily_supervision")
        ),
        "ListSubjectCommitments": await consumer.commitments.ListSubjectCommitments(
            cspb.ListSubjectCommitmentsRequest(subject=subject, purpose="daily_supervision")
        ),
        "ListVerificationResults": await consumer.verification.ListVerificationResults(
            vspb.ListVerificationResultsRequest(subject=subject, purpose="daily_supervision")
        ),
        "BulkMatch": await consumer.credit.BulkMatch(
            crspb.BulkMatchRequest(purpose="daily_supervision", subjects=[subject, subject])
        ),
    }
    planted = (person, contact, OLD_ID, PHONE, CONTACT_PHONE)
    assert {name: leaks(answer, *planted) for name, answer in answers.items()} == {
        name: [] for name in answers
    }
    assert [n for n, a in answers.items() if AGENT in text_format.MessageToString(a, as_utf8=True)] == []
    masked_agent = f"代理人{AGENT[0]}**"
    for name in ("ListPublicRecords", "GetCreditReport", "ListVerificationResults"):  # the findings are there
        assert masked_agent in text_format.MessageToString(answers[name], as_utf8=True), name
    masked = f"{person[:6]}********{person[-4:]}"
    about_the_person = {n: a for n, a in answers.items() if n not in ("GetPublicDraw", "BulkMatch")}
    for name, answer in about_the_person.items():  # each answer is about the person: not vacuous
        assert masked in text_format.MessageToString(answer, as_utf8=True), name
    assert [h.index for h in answers["BulkMatch"].hits] == [0, 1]  # type: ignore[attr-defined]
    assert entry_id in text_format.MessageToString(answers["ListBlacklist"], as_utf8=True)


async def _committed(roles: Roles, person: str, contact: str) -> commitment_pb2.Commitment:
    item = draft("个人经营场所使用证明")
    item.letter.CopyFrom(TEMPLATE)
    item_id = await publish_item(roles("catalogue_admin"), item)
    letter = commitment_pb2.SignedLetter(
        values=[
            commitment_pb2.LetterValue(
                name="premises",
                value=f"思明区中山路8号（产权人身份证{person}，旧证{OLD_ID}，手机{PHONE}，备用{WIDE}）",
            ),
            commitment_pb2.LetterValue(name="contact_name", value="王小五"),
            commitment_pb2.LetterValue(name="contact_id", value=contact),
            commitment_pb2.LetterValue(name="contact_phone", value=CONTACT_PHONE),
            commitment_pb2.LetterValue(name="home", value="湖里区某小区3栋502"),
        ],
        signature_method=commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN,
    )
    request = commitment_pb2.RecordCommitmentRequest(
        request_id=rid(),
        subject=subject_pb2.SubjectRef(kind=PERSON_KIND, code=person),
        subject_name="陈小明",
        item_id=item_id,
        case_number=f"CASE-{uuid.uuid4().hex[:8]}",
        channel=commitment_pb2.CHANNEL_WINDOW,
        publication_type=commitment_pb2.PUBLICATION_TYPE_PUBLIC,
        letter=letter,
    )
    return (await roles("portal").commitments.RecordCommitment(request)).commitment


async def _found_false(roles: Roles, commitment_id: str, person: str) -> None:
    verifier = roles("verifier")
    task = await eventually(lambda: task_of(verifier, commitment_id), what="verification task")
    await verifier.verification.ConcludeTask(
        vpb.ConcludeTaskRequest(
            request_id=rid(),
            task_id=task.task_id,
            outcome=vpb.OUTCOME_FALSE,
            findings=f"经核查，承诺人（身份证号{spaced(person)}，一代证{OLD_ID}，联系电话{DOTTED}、{MIXED}）"
            f"对该场所无使用权，代理人{AGENT}提交的租赁合同系伪造",
            personal_names=personal_data_pb2.PERSONAL_NAMES_MASK,
            measures=[
                vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《行政许可法》第六十九条"),
                vpb.Measure(
                    kind=vpb.MEASURE_KIND_REFER_TO_JUDICIARY,
                    legal_basis="《刑法》",
                    note=f"联系人电话{WIDE}",
                ),
            ],
            decision_date=task.base_date,
            referral=rfpb.ReferralDetail(
                suspected_offence="涉嫌伪造国家机关证件罪",
                materials=["涉嫌犯罪案件移送书"],
                receiving_organ="厦门市公安局",
            ),
        )
    )


async def _serious_record(roles: Roles, person: str) -> str:
    officer = roles("credit_officer")
    subject = subject_pb2.SubjectRef(kind=PERSON_KIND, code=person)

    async def recorded() -> str | None:
        status = await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))
        return status.records[0].record_id if status.records else None

    return await eventually(recorded, what="the dishonesty record")


async def _listed(stack: Stack, desks: Callable[..., Consumer], person: str, record_id: str) -> str:
    subject = subject_pb2.SubjectRef(kind=PERSON_KIND, code=person)
    officer = lists_pb2_grpc.BlacklistServiceStub(desks(DEPARTMENT, "credit_officer").channels["credit"])
    proposal = lpb.ProposeListingRequest(
        request_id=rid(),
        subject=subject,
        record_ids=[record_id],
        reasons=f"当事人（身份证{person[:6]}-{person[6:14]}-{person[14:]}，电话{PHONE}、１３９．１２３４．５６７８）"
        "虚假承诺情节严重",
    )
    entry = (await officer.ProposeListing(proposal)).entry
    code, out = Cli(stack, ["credit_officer"], department=DEPARTMENT)(
        "credit", "blacklist", "serve", entry.entry_id, "--method", "direct", "--proof", "送达回证 第1号"
    )
    assert code == 0, out
    code, out = Cli(stack, ["admin"])("clock", "advance", "20d")  # past the statement period
    assert code == 0, out
    reviewer = lists_pb2_grpc.BlacklistServiceStub(desks(DEPARTMENT, "credit_reviewer").channels["credit"])
    decision = lpb.DecideListingRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        decision=lpb.LISTING_DECISION_LIST,
        reason="未陈述申辩",
    )
    await reviewer.DecideListing(decision)
    return entry.entry_id


async def _drawn(stack: Stack, roles: Roles, person: str) -> str:
    lead = Staff(roles("verification_lead"), stack)
    rows = [
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=PERSON_KIND, code=person), name="陈小明", region_code="350203"
        ),
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=new_uscc()),
            name="厦门示例有限公司",
            region_code="350203",
        ),
    ]
    begun = await lead.rosters.BeginSubjectImport(
        rpb.BeginSubjectImportRequest(request_id=rid(), mode=rpb.IMPORT_MODE_MERGE)
    )
    import_id = begun.subject_import.import_id
    upload = rpb.UploadSubjectsRequest(request_id=rid(), import_id=import_id, first_row=1, rows=rows)
    await lead.rosters.UploadSubjects(upload)
    await lead.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=import_id)
    )
    await inspectors(lead, *[f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)])
    today = await service_today(stack, "verification")
    masked = f"{person[:6]}********{person[-4:]}"

    async def drawn() -> str | None:  # once the credit service's priority supervision arrived
        plan = await lead.inspections.CreatePlan(_plan(today))
        draw = await lead.inspections.DrawPlan(
            ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id)
        )
        results = await lead.inspections.ListPublicDrawResults(
            ipb.ListPublicDrawResultsRequest(draw_id=draw.draw.draw_id, page_size=1000)
        )
        return draw.draw.draw_id if any(r.subject.code == masked for r in results.subjects) else None

    return await eventually(drawn, timeout=30, what="a draw with the person under priority supervision")


def _plan(today: dt.date) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=rid(),
        name="双随机抽查",
        departments=[DEPARTMENT],
        # a type of its own per attempt: a retried draw must not find the subjects an earlier
        # attempt drew left out by the annual cap (同一年度同类检查不超过1次)
        check_items=[ipb.CheckItem(code="SC-01", name="经营许可", inspection_type=_fresh_type())],
        ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=100)],
        inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
        window_start=convert.to_date(today),
        window_end=convert.to_date(dt.date(today.year, 12, 31)),
    )


async def _consumer(stack: Stack, desks: Callable[..., Consumer]) -> Consumer:
    department = "350200-FGW"
    for data_class in ("commitments", "verification_results", "credit_records", "blacklist", "grades"):
        await agree(stack, data_class, department, ["daily_supervision"])
    return desks(department, "data_consumer")


def _fresh_type() -> str:
    return f"FOOD_SAFETY_{uuid.uuid4().hex[:8].upper()}"
