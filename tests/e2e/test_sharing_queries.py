"""Shared queries through the service processes: agreements made by an administrator, answers
only within them, PERMISSION_DENIED with the denial in the audit trail, and the auditor's
question "who saw this enterprise's record last month, and why"."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import grpc
import pytest

from chengnuo.commitment.v1 import sharing_pb2 as cspb
from chengnuo.commitment.v1 import sharing_pb2_grpc as cs_grpc
from chengnuo.common.v1 import sharing_pb2 as pb
from chengnuo.common.v1 import sharing_pb2_grpc, subject_pb2
from chengnuo.credit.v1 import sharing_pb2 as crspb
from chengnuo.credit.v1 import sharing_pb2_grpc as crs_grpc
from chengnuo.verification.v1 import sharing_pb2 as vspb
from chengnuo.verification.v1 import sharing_pb2_grpc as vs_grpc
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.cli.sharing_cmd import OWNER
from services.kernel import auth, convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.e2e.test_credit_flow import Roles, dishonest, ref
from tests.support import channel, failure, mint

SERVICES = ("commitment", "verification", "credit")


def department() -> str:
    """A department of the test's own, so tests on the shared stack never see each other's."""
    return f"350200-S{uuid.uuid4().hex[:8].upper()}"


class Consumer:
    """Another department (role data_consumer unless told) with the sharing stubs of every service."""

    def __init__(self, stack: Stack, department: str, roles: Sequence[str] = ("data_consumer",)) -> None:
        token = mint(auth.load_private_key(stack.keys.signing_key), roles, department, "350200")
        endpoints = stack.endpoints()
        self.channels = {name: channel(endpoints[name], token) for name in SERVICES}
        self.commitments = cs_grpc.CommitmentSharingServiceStub(self.channels["commitment"])
        self.verification = vs_grpc.VerificationSharingServiceStub(self.channels["verification"])
        self.credit = crs_grpc.CreditSharingServiceStub(self.channels["credit"])
        self.sharing = {n: sharing_pb2_grpc.SharingServiceStub(ch) for n, ch in self.channels.items()}

    async def close(self) -> None:
        for made in self.channels.values():
            await made.close()


Consumers = Callable[..., Consumer]


@pytest.fixture
async def consumers(stack: Stack) -> AsyncIterator[Consumers]:
    made: list[Consumer] = []

    def make(name: str, *roles: str) -> Consumer:
        made.append(Consumer(stack, name, roles or ("data_consumer",)))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def agree(
    stack: Stack,
    data_class: str,
    consumer: str,
    purposes: Sequence[str],
    *,
    valid: tuple[dt.date, dt.date] | None = None,
    push: bool = False,
) -> str:
    """An administrator's agreement on the service owning the data class (SharingService)."""
    service = OWNER[data_class]
    today = await service_today(stack, service)
    start, end = valid or (today - dt.timedelta(days=1), today + dt.timedelta(days=365))
    agreement = pb.Agreement(
        consumer=consumer,
        data_class=data_class,
        purposes=purposes,
        region_code="350200",
        valid_from=convert.to_date(start),
        valid_until=convert.to_date(end),
        push=push,
        legal_basis="《社会信用体系建设规划纲要》; 厦门市公共信用信息共享协议",
    )
    token = mint(auth.load_private_key(stack.keys.signing_key), ["admin"], "350200-DSJ", "350200")
    async with channel(stack.endpoints()[service], token) as ch:
        made = await sharing_pb2_grpc.SharingServiceStub(ch).CreateAgreement(
            pb.CreateAgreementRequest(request_id=str(uuid.uuid4()), agreement=agreement)
        )
    return made.agreement.agreement_id


def audit_show(stack: Stack, *args: str) -> list[dict[str, str]]:
    code, out = Cli(stack, ["auditor"], department="350200-SFJ")("audit", "show", *args, "--json")
    assert code == 0, out
    rows: list[dict[str, str]] = json.loads(out)
    return rows


async def test_who_saw_this_enterprises_record_last_month_and_why(
    as_role: Roles, consumers: Consumers, stack: Stack
) -> None:
    today = await service_today(stack, "credit")
    uscc, _, record = await dishonest(as_role, await service_today(stack, "verification"))
    procurement, subsidy = department(), department()
    await agree(stack, "credit_records", procurement, ["public_procurement"])
    await agree(stack, "credit_records", subsidy, ["fiscal_subsidy"])
    asked = crspb.GetCreditReportRequest(subject=ref(uscc), purpose="public_procurement")

    report = await consumers(procurement).credit.GetCreditReport(asked)
    assert [r.record_id for r in report.credit_records.records] == [record.record_id]
    assert {w.data_class for w in report.withheld} == {"blacklist", "grades"}
    refused = await failure(consumers(subsidy).credit.GetCreditReport(asked))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert "credit_records: no agreement in force allows the purpose 'public_procurement'" in refused.message

    since = (today - dt.timedelta(days=31)).isoformat()
    rows = audit_show(stack, "--subject", uscc, "--action", "share.credit_records", "--since", since)
    seen = {(r["service"], r["department"], r["purpose"], r["outcome"]) for r in rows}
    assert seen == {
        ("credit", procurement, "public_procurement", "allowed"),
        ("credit", subsidy, "public_procurement", "denied"),
    }
    assert all(r.get("request_id") for r in rows)  # the RPC's id: the row leads to the logs


async def test_commitments_and_verification_results_answer_only_within_an_agreement(
    as_role: Roles, consumers: Consumers, stack: Stack
) -> None:
    today = await service_today(stack, "verification")
    uscc, item_id, record = await dishonest(as_role, today)
    subject = ref(uscc)
    stranger, lapsed, licensing = department(), department(), department()
    lapsed_window = _last_year(today)
    await agree(stack, "verification_results", lapsed, ["administrative_licensing"], valid=lapsed_window)
    await agree(stack, "commitments", licensing, ["administrative_licensing"])
    await agree(stack, "verification_results", licensing, ["administrative_licensing"])
    commitments = cspb.ListSubjectCommitmentsRequest(subject=subject, purpose="administrative_licensing")
    results = vspb.ListVerificationResultsRequest(subject=subject, purpose="administrative_licensing")

    none = await failure(consumers(stranger).commitments.ListSubjectCommitments(commitments))
    assert (none.code, none.message) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "no sharing agreement covers this data class for the caller",
    )
    expired = await failure(consumers(lapsed).verification.ListVerificationResults(results))
    assert "not in force" in expired.message
    other = cspb.ListSubjectCommitmentsRequest(subject=subject, purpose="daily_supervision")
    wrong = await failure(consumers(licensing).commitments.ListSubjectCommitments(other))
    assert "purpose 'daily_supervision'" in wrong.message

    (shared,) = (await consumers(licensing).commitments.ListSubjectCommitments(commitments)).commitments
    assert (shared.commitment_id, shared.subject.code, shared.item_id) == (
        record.commitment_id,
        uscc,
        item_id,
    )
    assert "承诺" in shared.letter_text
    (result,) = (await consumers(licensing).verification.ListVerificationResults(results)).results
    assert (result.commitment_id, result.outcome) == (shared.commitment_id, vpb.OUTCOME_FALSE)
    assert result.findings

    rows = audit_show(stack, "--subject", uscc, "--action", "share.")
    seen = sorted((r["service"], r["department"], r["purpose"], r["outcome"]) for r in rows)
    assert seen == sorted(
        [
            ("commitment", stranger, "administrative_licensing", "denied"),
            ("verification", lapsed, "administrative_licensing", "denied"),
            ("commitment", licensing, "daily_supervision", "denied"),
            ("commitment", licensing, "administrative_licensing", "allowed"),
            ("verification", licensing, "administrative_licensing", "allowed"),
        ]
    )


def _last_year(today: dt.date) -> tuple[dt.date, dt.date]:
    year = today.year - 1
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


async def test_a_department_sees_only_its_own_agreements(consumers: Consumers, stack: Stack) -> None:
    mine, theirs = department(), department()
    made = await agree(stack, "grades", mine, ["daily_supervision"])
    await agree(stack, "grades", theirs, ["daily_supervision"])
    listed = await consumers(mine).sharing["credit"].ListAgreements(pb.ListAgreementsRequest(consumer=theirs))
    assert [a.agreement_id for a in listed.agreements] == [made]
    refused = await failure(
        consumers(mine)
        .sharing["credit"]
        .CreateAgreement(
            pb.CreateAgreementRequest(request_id=str(uuid.uuid4()), agreement=pb.Agreement(consumer=mine))
        )
    )
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED  # only an administrator agrees
    unknown = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code="91350200MA2YJ1XR9G")
    report = await failure(
        consumers(mine).credit.GetCreditReport(crspb.GetCreditReportRequest(subject=unknown, purpose="x"))
    )
    assert (report.code, report.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["purpose"])
