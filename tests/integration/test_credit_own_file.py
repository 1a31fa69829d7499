"""The subject's own credit file through a portal (OwnCreditService.GetOwnCreditFile): only with
the applicant's authorisation and a purpose, both audited; only that subject's data of the
portal's region; third parties' personal data in free text masked, deciding staff not named."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import own_pb2 as pb
from chengnuo.credit.v1 import own_pb2_grpc
from chengnuo.credit.v1 import repair_pb2 as rpb
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_blacklist import proposal
from tests.integration.test_credit_objections import objection
from tests.integration.test_credit_repair import application
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref
from tests.support import failure, new_uscc

D = dt.date
THIRD_PARTY = "经办人张三丰（身份证号110101199003077778，电话13800138000）当场确认核查数据已过期"


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def own(credit: CreditWorld, *roles: str, region: str = "350200") -> own_pb2_grpc.OwnCreditServiceAsyncStub:
    return own_pb2_grpc.OwnCreditServiceStub(credit.as_role(*roles, region=region).channel)


def asked(uscc: str, **changes: str) -> pb.GetOwnCreditFileRequest:
    values = {"authorisation_reference": "统一身份认证 session 7f3a9c", "purpose": "查询本单位信用记录"}
    return pb.GetOwnCreditFileRequest(subject=ref(uscc), **(values | changes))


async def test_a_portal_reads_the_subjects_own_file_masked_and_audited(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 3, 1))
    await record_of(credit, uscc, D(2026, 4, 2))
    repaired, disputed = [
        str(r["record_id"])
        for r in await credit.pool.fetch(
            "SELECT record_id FROM dishonesty_record WHERE subject_code = $1 ORDER BY decision_date", uscc
        )
    ]
    someone_else = await record_of(credit, new_uscc(), D(2026, 3, 1))
    portal = credit.as_role("portal")
    applied = (await portal.repair.ApplyRepair(application(repaired, uscc))).application
    filing = objection(disputed, uscc)
    filing.reason = THIRD_PARTY
    filed = (await portal.objections.FileObjection(filing)).objection

    file = await own(credit, "portal").GetOwnCreditFile(asked(uscc))
    assert sorted(r.record_id for r in file.records) == sorted([repaired, disputed])
    assert someone_else not in str(file)
    assert [a.application_id for a in file.repair_applications] == [applied.application_id]
    assert [a.status for a in file.repair_applications] == [rpb.REPAIR_STATUS_PENDING]
    (shown,) = file.objections
    assert (shown.objection_id, shown.status) == (filed.objection_id, opb.OBJECTION_STATUS_PENDING)
    assert "张三丰" not in shown.reason
    assert "110101199003077778" not in shown.reason
    assert "13800138000" not in shown.reason
    assert shown.reason.startswith("经办人张**")
    assert filed.filed_by  # the officers' view names who took it; the subject's does not
    assert shown.filed_by == ""
    assert convert.from_date(file.as_of) == D(2026, 7, 1)

    audits = await credit.pool.fetch(
        "SELECT purpose, role FROM audit_log WHERE action = 'credit.read_own' AND subject_code = $1", uscc
    )
    assert [(a["purpose"], a["role"]) for a in audits] == [
        ("查询本单位信用记录 (authorisation: 统一身份认证 session 7f3a9c)", "portal")
    ]


async def test_a_subject_without_records_has_an_empty_file(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, new_uscc(), D(2026, 3, 1))
    file = await own(credit, "portal").GetOwnCreditFile(asked(uscc))
    assert (list(file.records), list(file.list_entries), list(file.objections)) == ([], [], [])


async def test_a_portal_of_another_region_reads_nothing_of_this_one(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 3, 1))
    file = await own(credit, "portal", region="350100").GetOwnCreditFile(asked(uscc))
    assert list(file.records) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"authorisation_reference": ""}, "authorisation_reference"),
        ({"authorisation_reference": "x" * 65}, "authorisation_reference"),
        ({"purpose": " "}, "purpose"),
        ({"purpose": "查" * 201}, "purpose"),
    ],
)
async def test_a_read_without_authorisation_or_purpose_is_refused_and_not_logged(
    credit: CreditWorld, changes: dict[str, str], field: str
) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 3, 1))
    before = await credit.count("audit_log")
    refused = await failure(own(credit, "portal").GetOwnCreditFile(asked(uscc, **changes)))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == [field]
    assert await credit.count("audit_log") == before


async def test_a_bad_subject_is_refused_naming_the_field(credit: CreditWorld) -> None:
    request = asked(new_uscc())
    request.subject.code = "not-a-uscc"
    refused = await failure(own(credit, "portal").GetOwnCreditFile(request))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["subject.code"]


@pytest.mark.parametrize("role", ["credit_officer", "credit_reviewer", "verifier"])
async def test_only_a_portal_reads_a_subjects_own_file(credit: CreditWorld, role: str) -> None:
    refused = await failure(own(credit, role).GetOwnCreditFile(asked(new_uscc())))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert "portal" in refused.message


async def test_the_file_shows_a_proposed_listing_with_its_pre_notice(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    proposed = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    (entry,) = (await own(credit, "portal").GetOwnCreditFile(asked(uscc))).list_entries
    assert (entry.entry_id, entry.status) == (proposed.entry_id, proposed.status)
    assert entry.notice.reasons == "两年内两次作出虚假承诺，情节严重"
    assert entry.notice.removal_conditions == proposed.notice.removal_conditions
