"""Authorisation matrix, generated from the role declarations (issue 14, "Access").

Every RPC of every servicer the three processes serve (found through gRPC reflection, roles read
from the handlers' @query/@command declarations) is called with callers it must refuse:

- no token, a bad signature, an expired token: UNAUTHENTICATED;
- a token without scope (roles that act for a department, no department or region, signed with
  the real key as a careless issuer would): UNAUTHENTICATED;
- a token of every role the RPC does not declare: PERMISSION_DENIED;
- the declared roles of another department in the same region, and of a department in another
  region, asking for data of department A (a published item, commitments, tasks, a dishonesty
  record, a subject import made by A first): PERMISSION_DENIED for A's data named by id (existence
  of a random id is no secret), or, for a list scoped in SQL to the caller's own department, an
  answer with none of A's data in it.

No refused call may change anything: the row counts of every table of the three service schemas
(outbox, inbox, idempotency and audit trail included) are the same after each RPC's cells.

Not refused by design, so not cells: the public RPCs (ANY_ROLE) have no wrong role and no
department; the RPCs only system-wide roles may call (admin, service, auditor) have no department;
and a portal of another department of the same region may check eligibility, render the letter and
record a commitment or certificate route for A's published item (a service hall records for the
handling department; RecordCommitment checks the region), and read the published commitments
(公示), so those RPCs get only the other-region cell.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import asyncpg
import grpc
import jwt
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2, feeds_pb2, feeds_pb2_grpc, persons_pb2
from chengnuo.verification.v1 import (
    referrals_pb2,
    registrations_pb2,
    registrations_pb2_grpc,
    results_pb2,
    rosters_pb2,
    rosters_pb2_grpc,
    verification_pb2,
)
from services.contracts import roles as role_names
from services.kernel import auth, convert
from services.launcher.stack import Stack
from tests.e2e.conftest import DEPARTMENT, REGION, Clients, service_today
from tests.e2e.test_hostile_input import Rpc, discover
from tests.e2e.test_inspection_results import owned_result
from tests.e2e.test_thin_flow import draft, false_conclusion, opened_on, publish_item, record_request, task_of
from tests.support import bare_channel, channel, eventually, new_uscc

OTHER_DEPARTMENT = ("350200-SWJ", REGION)  # another bureau of the same city
OTHER_REGION = ("350100-SCJ", "350100")  # the same kind of bureau in another city
SCHEMAS = ("commitment", "verification", "credit")
CALL_TIMEOUT = 20.0
UNAUTHENTICATED, DENIED, NOT_FOUND, OK = (
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.OK,
)
# Open to any department of the region by design (see the module docstring).
REGION_ONLY = {"CheckEligibility", "RenderLetter", "RecordCommitment", "RecordCertificateRoute"}
REGION_ONLY |= {"GetOwnCreditFile"}  # a portal of the region shows the subject its own file
# Reads a caller may make that are audited (what of the region's file it got, possibly nothing).
LOGGED_READS = {"GetOwnCreditFile": ("credit.audit_log",)}
# Other authorities' lists are imported once per region (FeedService): every credit officer and
# reviewer of the region reads them; an officer imports its own region's feed only.
REGION_ONLY |= {"ListFeedEntries"}
# Other departments' information is gathered under the subjects of the region by its credit
# officers, and read by the region's credit officers and reviewers.
REGION_ONLY |= {"GatherInformation", "ListGatheredInformation"}
PUBLISHED = {"ListPublishedCommitments"}
# Commands on the caller's own department only (its catalogue, plans, rosters): nothing of A's.
OWN_DEPARTMENT = {
    "CreateItem",
    "ImportCatalogue",
    "PublishCatalogue",
    "RecordFiling",
    "CreatePlan",
    "PlanJointInspections",
    "ImportInspectors",
    "BeginSubjectImport",
    "ImportFeedSnapshot",
}
# A subject applies through a portal of its region, or to the deciding department's officers.
APPLICANT_DESKS = {"FileObjection", "ApplyRepair", "SubmitStatement", "ApplyEarlyRemoval"}
# A subject's credit standing is every department's to apply (联合惩戒); each read is logged.
SUBJECT_WIDE = {"GetCreditStatus", "ListMeasuresInForce", "GetRecord"}
# So are the measures that reach a natural person through a recorded or listed enterprise (other
# departments read them within their sharing agreements).
SUBJECT_WIDE |= {"GetPersonMeasures"}


@dataclass
class Owned:
    """Department A's data, and the strings that must not reach another department."""

    ids: dict[str, str]
    subject: subject_pb2.SubjectRef
    today: dt.date
    markers: list[bytes] = field(default_factory=list)


@dataclass
class Cell:
    rpc: Rpc
    caller: str
    code: grpc.StatusCode
    problem: str = ""


class Calls:
    def __init__(self, stack: Stack) -> None:
        self.key = auth.load_private_key(stack.keys.signing_key)
        self.channels = {p: bare_channel(a) for p, a in stack.endpoints().items()}

    def token(self, roles: list[str], scope: tuple[str, str], *, age: dt.timedelta = dt.timedelta(0)) -> str:
        now = dt.datetime.now(dt.UTC) - age
        return auth.mint(
            self.key,
            subject="matrix",
            department=scope[0],
            region=scope[1],
            roles=roles,
            now=now,
            ttl=dt.timedelta(hours=1),
        )

    def scopeless(self, roles: list[str]) -> str:
        """Signed with the real key, as an issuer that skips auth.mint's checks would."""
        now = int(dt.datetime.now(dt.UTC).timestamp())
        claims: dict[str, object] = {"iss": auth.ISSUER, "aud": auth.AUDIENCE, "sub": "matrix"}
        claims |= {"dept": "", "region": "", "roles": roles, "iat": now, "exp": now + 3600}
        kid = auth.key_id(self.key.public_key())
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": kid})

    async def call(self, rpc: Rpc, request: Message, token: str | None) -> tuple[grpc.StatusCode, bytes]:
        method = self.channels[rpc.process].unary_unary(
            rpc.path, request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        metadata = (("authorization", f"Bearer {token}"),) if token is not None else ()
        try:
            answer = await method(request.SerializeToString(), metadata=metadata, timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            return error.code(), (error.details() or "").encode()
        return OK, bytes(answer)

    async def close(self) -> None:
        for ch in self.channels.values():
            await ch.close()


# Requests naming department A's data.


def request_for(rpc: Rpc, owned: Owned) -> Message:
    """The RPC's request filled with A's ids by field name; the RPCs whose checks come after
    validation get a request complete enough to pass it."""
    made = message_factory.GetMessageClass(rpc.method.input_type)()
    for f in rpc.method.input_type.fields:
        if f.name == "request_id":
            setattr(made, f.name, str(uuid.uuid4()))
        elif f.type == FieldDescriptor.TYPE_STRING and not f.is_repeated:
            known = owned.ids.get(f.name) or (str(uuid.uuid4()) if f.name.endswith("_id") else "")
            setattr(made, f.name, known)
        elif f.message_type is not None and f.message_type.full_name == "chengnuo.common.v1.SubjectRef":
            target = getattr(made, f.name)
            target.add().CopyFrom(owned.subject) if f.is_repeated else target.CopyFrom(owned.subject)
    for name, value in _complete(rpc.method.name, owned).items():
        if isinstance(value, Message):
            getattr(made, name).CopyFrom(value)
        elif isinstance(value, list):
            getattr(made, name).extend(value)
        else:
            setattr(made, name, value)
    return made


def _complete(name: str, owned: Owned) -> dict[str, object]:
    today = convert.to_date(owned.today)
    applicant = {"applicant": owned.subject}
    fields: dict[str, dict[str, object]] = {
        "ConcludeMatter": {"concluded_on": today},
        "WithdrawCommitment": {"reason": "撤回"},
        "UpdateItem": {"item": _draft(), "expected_revision": 1},
        "WithdrawItem": {"reason": "调整"},
        "ConcludeTask": {
            "outcome": verification_pb2.OUTCOME_TRUE,
            "findings": "核查属实",
            "decision_date": today,
        },
        "RecordRectification": {"completed_on": today, "assessment": "已整改"},
        "AssignTask": {"certificate_numbers": ["ZF35020001"]},
        "ExtendDeadline": {"working_days": 5, "reason": "需外地协查"},
        "RequestAssistance": {
            "to_department": "350200-GAJ",
            "question": "是否有登记记录?",
            "answer_by": convert.to_date(owned.today + dt.timedelta(days=10)),
        },
        "FileObjection": {**applicant, "reason": "认定有误"},
        "ApplyRepair": {**applicant, "obligations_performed": "已履行", "repair_commitment": "承诺守信"},
        "UploadSubjects": {"chunk_number": 1, "first_row": 1},
        "RecordSupervisionFinding": {
            "outcome": verification_pb2.OUTCOME_TRUE,
            "findings": "日常监管未发现问题",
            "decision_date": today,
        },
        "RecordReferralReceipt": {"received_on": today, "receiver": "李警官"},
        "RecordReferralOutcome": {"outcome": referrals_pb2.REFERRAL_OUTCOME_FILED, "decided_on": today},
        "CancelRegistration": {"reason": "误报"},
        "GetOwnCreditFile": {"authorisation_reference": "统一身份认证会话", "purpose": "查询本单位信用"},
        "ListFeedEntries": {"source": feeds_pb2.FEED_SOURCE_COURT_DISHONEST_DEBTORS},
        "NameResponsiblePerson": {
            "entry_id": "",  # A's record, named by record_id
            "person": _person(),
            "person_name": "王建国",
            "role": persons_pb2.PERSON_ROLE_LEGAL_REPRESENTATIVE,
            "basis": "营业执照登记的法定代表人",
        },
        "WithdrawResponsiblePerson": {"reason": "经核实非涉案企业法定代表人"},
        "ListResponsiblePersons": {"entry_id": ""},
        "GetPersonMeasures": {"person": _person()},
        "GatherInformation": {
            "source_department": "350200-SWJ",
            "kind": feeds_pb2.GATHERED_KIND_ADMINISTRATIVE_PENALTY,
            "decision_date": today,
            "basis": "《中华人民共和国税收征收管理法》第六十三条",
            "case_number": "厦税罚〔2026〕1号",
        },
        "RecordInspectionResult": {
            "joint_inspection_id": "",  # A's drawn subject, named by draw_id and subject_code
            "registration_id": "",
            "inspection_date": today,
            "items": [
                results_pb2.ItemResult(check_item="SC-01", outcome=results_pb2.ITEM_OUTCOME_NO_PROBLEM)
            ],
            "inspectors": owned.ids["team"].split(","),
            "acknowledgement": results_pb2.ACKNOWLEDGEMENT_SIGNED,
        },
    }
    return fields.get(name, {})


COMPLETED = {
    "ConcludeMatter",
    "WithdrawCommitment",
    "UpdateItem",
    "WithdrawItem",
    "ConcludeTask",
    "RecordRectification",
    "AssignTask",
    "ExtendDeadline",
    "RequestAssistance",
    "FileObjection",
    "ApplyRepair",
    "GetCommitment",
    "GetTask",
    "GetSubjectImport",
    "CommitSubjectImport",
    "ListSubjectImportErrors",
    "RecordSupervisionFinding",
    "RecordReferralReceipt",
    "RecordReferralOutcome",
    "GetRegistration",
    "CancelRegistration",
    "RecordInspectionResult",
    "GetInspectionResult",
    "GetOwnCreditFile",
    "ListFeedEntries",
    "GatherInformation",
    "ListGatheredInformation",
    "NameResponsiblePerson",
    "WithdrawResponsiblePerson",
    "ListResponsiblePersons",
}


def _person() -> subject_pb2.SubjectRef:
    """A natural person (a valid resident ID) to name on A's record."""
    return subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code="11010519491231002X")


def _draft() -> catalogue_pb2.ItemDraft:
    return draft("营业场所使用证明(修订)")


# Department A's data.


async def _owned(stack: Stack) -> Owned:
    key = auth.load_private_key(stack.keys.signing_key)
    made: list[Clients] = []

    def a(*roles: str) -> Clients:
        made.append(Clients(stack, roles, DEPARTMENT, REGION))
        return made[-1]

    try:
        return await _make_owned(stack, a, key)
    finally:
        for c in made:
            await c.close()


async def _make_owned(stack: Stack, a: Callable[..., Clients], key: object) -> Owned:
    admin, portal, verifier = a("catalogue_admin"), a("portal"), a("verifier")
    officer, lead = a("credit_officer"), a("verification_lead")
    item_id = await publish_item(admin)
    open_uscc, false_uscc = new_uscc(), new_uscc()
    kept = (await portal.commitments.RecordCommitment(record_request(open_uscc, item_id))).commitment
    proven = (await portal.commitments.RecordCommitment(record_request(false_uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, kept.commitment_id), what="task of A")
    false_task = await eventually(lambda: task_of(verifier, proven.commitment_id), what="task of A")
    await verifier.verification.ConcludeTask(false_conclusion(false_task.task_id, opened_on(false_task)))
    false_subject = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=false_uscc)

    async def record() -> str | None:
        status = await officer.credit.GetCreditStatus(
            credit_pb2.GetCreditStatusRequest(subject=false_subject)
        )
        return status.records[0].record_id if status.records else None

    record_id = await eventually(record, what="dishonesty record of A")
    court_basis = await _court_list(stack, officer, false_subject, await service_today(stack, "credit"))
    began = await lead_import(stack, lead)
    registration_id = await _registration(stack, lead, verifier, open_uscc)
    inspected = await owned_result(stack, DEPARTMENT)
    ids = {
        "item_id": item_id,
        "commitment_id": kept.commitment_id,
        "task_id": task.task_id,
        "record_id": record_id,
        "import_id": began,
        "department": DEPARTMENT,
        "consumer": DEPARTMENT,
        "receiver": DEPARTMENT,
        "region_code": REGION,
        "registration_id": registration_id,
        "draw_id": inspected.draw_id,
        "subject_code": inspected.subject_code,
        "result_id": inspected.result_id,
        "team": ",".join(inspected.team),  # no request field of this name: for _complete
    }
    markers = [kept.commitment_id, proven.commitment_id, task.task_id, false_task.task_id, record_id, began]
    markers.append(registration_id)
    markers += [inspected.result_id, inspected.subject_code, court_basis]
    return Owned(
        ids,
        false_subject,
        await service_today(stack),
        [m.encode() for m in [*markers, open_uscc, false_uscc]],
    )


async def _court_list(stack: Stack, officer: Clients, subject: subject_pb2.SubjectRef, today: dt.date) -> str:
    """A's region's court list (失信被执行人) naming A's subject; its basis is the marker."""
    basis = f"(2026)闽0203执{uuid.uuid4().hex[:8]}号"
    row = feeds_pb2.FeedRow(subject=subject, basis=basis, listed_on=convert.to_date(today))
    async with channel(stack.endpoints()["credit"], officer.token) as ch:
        await feeds_pb2_grpc.FeedServiceStub(ch).ImportFeedSnapshot(
            feeds_pb2.ImportFeedSnapshotRequest(
                request_id=str(uuid.uuid4()),
                source=feeds_pb2.FEED_SOURCE_COURT_DISHONEST_DEBTORS,
                snapshot_date=convert.to_date(today),
                rows=[row],
            )
        )
    return basis


async def lead_import(stack: Stack, lead: Clients) -> str:
    async with channel(stack.endpoints()["verification"], lead.token) as ch:
        return await _begin_import(rosters_pb2_grpc.RosterServiceStub(ch))


async def _registration(stack: Stack, lead: Clients, verifier: Clients, uscc: str) -> str:
    """A's registration (报备) of a safety inspection ten days ahead, by two of A's inspectors."""
    numbers = [f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)]
    staff = [rosters_pb2.Inspector(certificate_number=n, name="执法员", active=True) for n in numbers]
    address = stack.endpoints()["verification"]
    async with channel(address, lead.token) as ch:
        await rosters_pb2_grpc.RosterServiceStub(ch).ImportInspectors(
            rosters_pb2.ImportInspectorsRequest(request_id=str(uuid.uuid4()), inspectors=staff)
        )
    planned = registrations_pb2.PlannedInspection(
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=uscc),
        subject_name="厦门示例有限公司",
        department=DEPARTMENT,
        inspection_type="SAFETY",
        check_items=["AQ-01"],
        planned_date=convert.to_date(await service_today(stack) + dt.timedelta(days=10)),
        basis="安全生产专项检查",
        advance_notice=True,
        certificate_numbers=numbers,
    )
    async with channel(address, verifier.token) as ch:
        made = await registrations_pb2_grpc.InspectionRegistrationServiceStub(ch).RegisterInspection(
            registrations_pb2.RegisterInspectionRequest(request_id=str(uuid.uuid4()), inspection=planned)
        )
    return str(made.registration.registration_id)


async def _begin_import(stub: rosters_pb2_grpc.RosterServiceAsyncStub) -> str:
    began = await stub.BeginSubjectImport(
        rosters_pb2.BeginSubjectImportRequest(
            request_id=str(uuid.uuid4()), mode=rosters_pb2.IMPORT_MODE_MERGE, source="市场主体名录"
        )
    )
    return str(began.subject_import.import_id)


# Row counts.


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
        list(SCHEMAS),
    )
    names = [f"{t['table_schema']}.{t['table_name']}" for t in tables]
    union = " UNION ALL ".join(
        f'SELECT \'{n}\', count(*) FROM "{n.split(".")[0]}"."{n.split(".")[1]}"' for n in names
    )
    return {r[0]: int(r[1]) for r in await conn.fetch(union)}


async def settled(conn: asyncpg.Connection) -> dict[str, int]:
    """The counts once the events of the setup have flowed (two equal readings a second apart)."""
    last = await row_counts(conn)
    for _ in range(30):
        await asyncio.sleep(1.0)
        now = await row_counts(conn)
        if now == last:
            return now
        last = now
    raise AssertionError("the stack did not settle")


# The matrix.


def _scoped(roles: tuple[str, ...]) -> list[str]:
    return sorted(set(roles) & role_names.DEPARTMENT_ROLES)


def _callers(rpc: Rpc, calls: Calls) -> list[tuple[str, str | None, set[grpc.StatusCode]]]:
    declared = list(rpc.roles)
    public = auth.ANY_ROLE in rpc.roles
    shown = ["admin"] if public else declared
    good = calls.token(shown, (DEPARTMENT, REGION))
    head, body, signature = good.split(".")
    bad_signature = f"{head}.{body}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    made: list[tuple[str, str | None, set[grpc.StatusCode]]] = [
        ("no token", None, {UNAUTHENTICATED}),
        ("bad signature", bad_signature, {UNAUTHENTICATED}),
        ("expired", calls.token(shown, (DEPARTMENT, REGION), age=dt.timedelta(hours=2)), {UNAUTHENTICATED}),
    ]
    if public:
        return made
    others = sorted(set(role_names.ALL) - set(declared))
    made.append(("wrong role", calls.token(others, (DEPARTMENT, REGION)), {DENIED}))
    scoped = _scoped(rpc.roles)
    if scoped:
        made.append(("no scope", calls.scopeless(scoped), {UNAUTHENTICATED}))
    return made


def _scope_callers(rpc: Rpc, calls: Calls) -> list[tuple[str, str]]:
    scoped = _scoped(rpc.roles)
    if rpc.method.name in SUBJECT_WIDE:
        return []
    if not scoped or rpc.method.name in PUBLISHED:
        return [("other region", calls.token(scoped, OTHER_REGION))] if rpc.method.name in PUBLISHED else []
    if rpc.method.name in OWN_DEPARTMENT:
        return []
    made = [("other region", calls.token(scoped, OTHER_REGION))]
    if rpc.method.name in APPLICANT_DESKS:
        scoped = [r for r in scoped if r != role_names.PORTAL]
    if rpc.method.name not in REGION_ONLY:
        made.insert(0, ("other department", calls.token(scoped, OTHER_DEPARTMENT)))
    return made


def _judge_scope(rpc: Rpc, caller: str, code: grpc.StatusCode, answer: bytes, owned: Owned) -> str:
    """Why this answer to another department's or region's caller is wrong ("" when it is fine)."""
    if code in {DENIED, NOT_FOUND}:
        return ""
    refused_request = code == grpc.StatusCode.INVALID_ARGUMENT and b"outside the caller's region" in answer
    if refused_request or (code == grpc.StatusCode.INVALID_ARGUMENT and rpc.method.name not in COMPLETED):
        UNREACHED[rpc.method.name] += 1
        return ""  # refused on its own terms; the requests naming A's data are in _complete
    if code != OK:
        return f"answered {code.name} ({answer.decode(errors='replace')[:160]}) instead of refusing"
    if _is_command(rpc):
        return "accepted a change to another department's data"
    if rpc.method.name in PUBLISHED and caller == "other region":
        return ""  # filtered by the request's region; the answer is checked below
    leaked = [m.decode() for m in owned.markers if m in answer]
    return f"answered with department A's data {leaked}" if leaked else ""


def _is_command(rpc: Rpc) -> bool:
    return any(f.name == "request_id" for f in rpc.method.input_type.fields)


@pytest.fixture(scope="module")
async def calls(own_stack: Stack) -> AsyncIterator[Calls]:
    made = Calls(own_stack)
    yield made
    await made.close()


TALLY: collections.Counter[str] = collections.Counter()  # cells by caller
UNREACHED: collections.Counter[str] = collections.Counter()  # scope cells refused as invalid first


async def test_every_rpc_refuses_every_caller_it_must_and_changes_nothing(
    own_stack: Stack, calls: Calls
) -> None:
    owned = await _owned(own_stack)
    rpcs = await discover(own_stack)
    assert len({r.path for r in rpcs}) > 80, "reflection should list every RPC of the three services"
    conn = await asyncpg.connect(own_stack.pg_dsn)
    bad: list[Cell] = []
    try:
        before = await settled(conn)
        for rpc in rpcs:
            request = request_for(rpc, owned)
            for caller, token, expected in _callers(rpc, calls):
                code, details = await calls.call(rpc, request, token)
                TALLY[caller] += 1
                if code not in expected:
                    bad.append(Cell(rpc, caller, code, details.decode(errors="replace")[:160]))
            for caller, token in _scope_callers(rpc, calls):
                code, answer = await calls.call(rpc, request_for(rpc, owned), token)
                TALLY[caller] += 1
                problem = _judge_scope(rpc, caller, code, answer, owned)
                if problem:
                    bad.append(Cell(rpc, caller, code, problem))
            after = await row_counts(conn)
            if rpc.method.name in LOGGED_READS:  # the read it answered is logged, nothing else
                before = before | {t: after[t] for t in LOGGED_READS[rpc.method.name]}
            if after != before:
                changed = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
                bad.append(Cell(rpc, "any", OK, f"changed rows {changed}"))
                before = after
    finally:
        await conn.close()
    print(f"\ncells by caller: {dict(TALLY)}; {sum(TALLY.values())} cells, {len(bad)} wrong")
    print(f"scope cells refused as invalid before the scope check: {sum(UNREACHED.values())}")
    assert not bad, "\n".join(f"{c.rpc} as {c.caller}: {c.code.name} {c.problem}" for c in bad)
