"""The serious-dishonesty list (严重失信主体名单): notice, statements, listing, removal."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import public_pb2
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref, rid, serve_notice
from tests.support import failure, new_uscc

D = dt.date


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def proposal(uscc: str, *record_ids: str) -> lpb.ProposeListingRequest:
    return lpb.ProposeListingRequest(
        request_id=rid(),
        subject=ref(uscc),
        record_ids=list(record_ids),
        reasons="两年内两次作出虚假承诺，情节严重",
    )


async def _listed(credit: CreditWorld) -> tuple[str, str, lpb.ListEntry]:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    await serve_notice(credit, entry.entry_id)
    credit.set_today(D(2026, 7, 9))
    decide = lpb.DecideListingRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        decision=lpb.LISTING_DECISION_LIST,
        reason="陈述申辩理由不成立",
    )
    listed = (await credit.as_role("credit_reviewer").lists.DecideListing(decide)).entry
    return uscc, record_id, listed


async def test_only_serious_records_in_force_are_a_basis(credit: CreditWorld) -> None:
    uscc = new_uscc()
    ordinary = await record_of(credit, uscc, D(2026, 6, 1))
    refused = await failure(credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, ordinary)))
    assert refused.precondition_types() == [("NOT_A_LISTING_BASIS", ordinary)]
    other = await failure(
        credit.as_role("credit_officer").lists.ProposeListing(proposal(new_uscc(), ordinary))
    )
    assert (other.code, other.fields()) == (grpc.StatusCode.NOT_FOUND, ["record_ids[0]"])
    assert await credit.count("list_entry") == 0


async def test_the_pre_notice_states_basis_reasons_measures_removal_and_remedies(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    notice = entry.notice
    assert entry.status == lpb.LIST_ENTRY_STATUS_PROPOSED
    assert "国办发〔2020〕49号" in notice.legal_basis
    assert notice.reasons == "两年内两次作出虚假承诺，情节严重"
    assert {"不适用告知承诺制", "列为重点监管对象", "限制参加政府采购活动"} <= set(notice.measures)
    assert "满12个月" in notice.removal_conditions
    assert "满36个月" in notice.removal_conditions
    assert not notice.HasField("statement_until")  # the period runs from service (送达)
    assert "本告知书送达之日起第5个工作日" in notice.remedies
    assert "行政复议" in notice.remedies
    (told,) = [events.ListingProposed.FromString(e) for e in await credit.events("credit.listing_proposed")]
    assert (told.entry.entry_id, told.entry.status) == (entry.entry_id, lpb.LIST_ENTRY_STATUS_PROPOSED)
    again = await failure(credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id)))
    assert again.precondition_types() == [("ALREADY_ON_LIST", uscc)]


async def test_listing_waits_for_the_statement_period_then_restricts(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    await serve_notice(credit, entry.entry_id)
    statement = lpb.SubmitStatementRequest(
        request_id=rid(), entry_id=entry.entry_id, applicant=ref(uscc), text="已主动纠正，请求不予列入"
    )
    stated = (await credit.as_role("portal").lists.SubmitStatement(statement)).entry
    assert [s.text for s in stated.statements] == ["已主动纠正，请求不予列入"]
    decide = lpb.DecideListingRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        decision=lpb.LISTING_DECISION_LIST,
        reason="陈述申辩理由不成立",
    )
    reviewer = credit.as_role("credit_reviewer")
    early = await failure(reviewer.lists.DecideListing(decide))
    assert early.precondition_types() == [("STATEMENT_PERIOD_RUNNING", entry.entry_id)]
    credit.set_today(D(2026, 7, 9))
    statement.request_id = rid()
    late = await failure(credit.as_role("portal").lists.SubmitStatement(statement))
    assert late.precondition_types() == [("STATEMENT_PERIOD_OVER", entry.entry_id)]
    listed = (await reviewer.lists.DecideListing(decide)).entry
    assert (listed.status, convert.from_date(listed.listed_on)) == (
        lpb.LIST_ENTRY_STATUS_LISTED,
        D(2026, 7, 9),
    )
    assert convert.from_date(listed.early_removal_from) == D(2027, 7, 9)
    assert convert.from_date(listed.removal_due) == D(2029, 7, 9)
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    blacklisted = [r.kind for r in status.restrictions if r.cause == pb.RESTRICTION_CAUSE_BLACKLISTED]
    assert blacklisted == [pb.RESTRICTION_KIND_NO_COMMITMENT, pb.RESTRICTION_KIND_PRIORITY_SUPERVISION]
    assert status.grade == pb.GRADE_D
    (event,) = [events.SubjectListed.FromString(e) for e in await credit.events("credit.listed")]
    assert event.entry.entry_id == entry.entry_id


async def test_the_public_list_shows_listed_subjects_masked(credit: CreditWorld) -> None:
    uscc, _, listed = await _listed(credit)
    page = await credit.as_role("portal").public.ListBlacklist(
        public_pb2.ListBlacklistRequest(region_code="350200")
    )
    (entry,) = page.entries
    assert (entry.entry_id, entry.subject_code, entry.subject_name) == (
        listed.entry_id,
        uscc,
        "厦门示例餐饮有限公司",
    )
    elsewhere = await credit.as_role("portal").public.ListBlacklist(
        public_pb2.ListBlacklistRequest(region_code="110000")
    )
    assert list(elsewhere.entries) == []


async def test_early_removal_after_a_year_on_application(credit: CreditWorld) -> None:
    uscc, _, listed = await _listed(credit)
    apply = lpb.ApplyEarlyRemovalRequest(
        request_id=rid(),
        entry_id=listed.entry_id,
        applicant=ref(uscc),
        obligations_performed="已缴清罚款并完成整改",
        harm_eliminated="已向相关当事人赔偿并公开致歉",
    )
    early = await failure(credit.as_role("portal").lists.ApplyEarlyRemoval(apply))
    assert early.precondition_types() == [("MINIMUM_LISTING_PERIOD_NOT_ENDED", listed.entry_id)]
    credit.set_today(D(2027, 7, 9))
    apply.request_id = rid()
    applied = (await credit.as_role("portal").lists.ApplyEarlyRemoval(apply)).entry
    assert applied.early_removal.obligations_performed == "已缴清罚款并完成整改"
    decide = lpb.DecideEarlyRemovalRequest(
        request_id=rid(), entry_id=listed.entry_id, decision=lpb.REMOVAL_DECISION_APPROVE
    )
    removed = (await credit.as_role("credit_reviewer").lists.DecideEarlyRemoval(decide)).entry
    assert (removed.status, removed.removal_reason) == (
        lpb.LIST_ENTRY_STATUS_REMOVED,
        lpb.REMOVAL_REASON_EARLY_REMOVAL,
    )
    assert len(await credit.events("credit.delisted")) == 1
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert not [r for r in status.restrictions if r.cause == pb.RESTRICTION_CAUSE_BLACKLISTED]


async def test_automatic_removal_after_three_years(credit: CreditWorld) -> None:
    _, _, listed = await _listed(credit)
    credit.set_today(D(2029, 7, 8))
    await credit.run_jobs()
    assert await credit.events("credit.delisted") == []
    credit.set_today(D(2029, 7, 9))
    await credit.run_jobs()
    (event,) = [events.SubjectDelisted.FromString(e) for e in await credit.events("credit.delisted")]
    assert (event.entry.entry_id, event.entry.removal_reason) == (
        listed.entry_id,
        lpb.REMOVAL_REASON_PERIOD_ENDED,
    )
    last = events.RestrictionChanged.FromString((await credit.events("credit.restriction_changed"))[-1])
    assert list(last.restrictions) == []


async def test_measures_in_force_and_a_department_reports_applying_one(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    finance = credit.as_role("data_consumer", department="350200-CZJ")
    catalogue = await finance.credit.ListMeasureCatalogue(pb.ListMeasureCatalogueRequest())
    assert catalogue.rule_set == "MEASURES-2020"
    procurement = next(m for m in catalogue.measures if m.code == "PROCUREMENT_LIMIT")
    assert procurement.applies_to == [pb.MEASURE_TRIGGER_BLACKLISTED]
    assert "政府采购法" in procurement.legal_basis
    report = pb.ReportMeasureAppliedRequest(
        request_id=rid(),
        subject=ref(uscc),
        measure_code="SUBSIDY_LIMIT",
        source_id=record_id,
        applied_on=convert.to_date(D(2026, 7, 1)),
        action="暂停其2026年度专项补贴申报资格",
    )
    reported = (await finance.credit.ReportMeasureApplied(report)).feedback
    assert (reported.department, reported.measure_code) == ("350200-CZJ", "SUBSIDY_LIMIT")
    in_force = await credit.as_role("credit_officer").credit.ListMeasuresInForce(
        pb.ListMeasuresInForceRequest(subject=ref(uscc))
    )
    subsidy = next(m for m in in_force.measures if m.measure.code == "SUBSIDY_LIMIT")
    assert [f.action for f in subsidy.feedback] == ["暂停其2026年度专项补贴申报资格"]
    report.request_id, report.measure_code = rid(), "PROCUREMENT_LIMIT"  # only for listed subjects
    refused = await failure(finance.credit.ReportMeasureApplied(report))
    assert refused.precondition_types() == [("MEASURE_NOT_IN_FORCE", record_id)]


async def _object_and_decide(
    credit: CreditWorld, uscc: str, record_id: str, decide: opb.DecideObjectionRequest
) -> None:
    filed = opb.FileObjectionRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=ref(uscc),
        reason="移送司法机关的决定已被撤销",
        evidence=["撤销决定书 2026-07-20"],
    )
    objection = (await credit.as_role("portal").objections.FileObjection(filed)).objection
    decide.objection_id = objection.objection_id
    await credit.as_role("credit_reviewer").objections.DecideObjection(decide)


async def test_a_revoked_basis_withdraws_the_listing_everywhere(credit: CreditWorld) -> None:
    uscc, record_id, listed = await _listed(credit)
    revoke = opb.DecideObjectionRequest(
        request_id=rid(), outcome=opb.OBJECTION_OUTCOME_REVOKE, reason="经复核，异议成立"
    )
    await _object_and_decide(credit, uscc, record_id, revoke)
    entry = (
        await credit.as_role("credit_officer").lists.GetListEntry(
            lpb.GetListEntryRequest(entry_id=listed.entry_id)
        )
    ).entry
    assert (entry.status, entry.removal_reason, convert.from_date(entry.removed_on)) == (
        lpb.LIST_ENTRY_STATUS_REMOVED,
        lpb.REMOVAL_REASON_BASIS_WITHDRAWN,
        D(2026, 7, 9),
    )
    (event,) = [events.SubjectDelisted.FromString(e) for e in await credit.events("credit.delisted")]
    assert event.entry.removal_reason == lpb.REMOVAL_REASON_BASIS_WITHDRAWN
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert list(status.restrictions) == []
    public = await credit.as_role("portal").public.ListBlacklist(
        public_pb2.ListBlacklistRequest(region_code="350200")
    )
    assert list(public.entries) == []


async def test_a_basis_corrected_below_serious_ends_a_proposal(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    correct = opb.DecideObjectionRequest(
        request_id=rid(),
        outcome=opb.OBJECTION_OUTCOME_CORRECT,
        reason="经复核，异议成立",
        corrected_facts="未移送司法机关",
        corrected_class=pb.RECORD_CLASS_ORDINARY,
    )
    await _object_and_decide(credit, uscc, record_id, correct)
    ended = (
        await credit.as_role("credit_officer").lists.GetListEntry(
            lpb.GetListEntryRequest(entry_id=entry.entry_id)
        )
    ).entry
    assert ended.status == lpb.LIST_ENTRY_STATUS_NOT_LISTED
    assert "upheld objection" in ended.decision_reason
    assert await credit.events("credit.delisted") == []
    again = await failure(credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id)))
    assert again.precondition_types() == [("NOT_A_LISTING_BASIS", record_id)]


def _repair(record_id: str, uscc: str) -> rpb.ApplyRepairRequest:
    return rpb.ApplyRepairRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=ref(uscc),
        obligations_performed="已履行法定义务并纠正失信行为",
        evidence=["整改报告 2027-05-20"],
        repair_commitment="本单位承诺今后依法诚信经营（信用修复承诺）",
    )


async def _repaired(credit: CreditWorld, uscc: str, record_id: str) -> None:
    applied = (await credit.as_role("portal").repair.ApplyRepair(_repair(record_id, uscc))).application
    approve = rpb.DecideRepairRequest(
        request_id=rid(), application_id=applied.application_id, decision=rpb.REPAIR_DECISION_APPROVE
    )
    await credit.as_role("credit_reviewer").repair.DecideRepair(approve)


async def _readers(credit: CreditWorld, uscc: str, entry_id: str) -> tuple[Any, ...]:
    """What the entry, the status, the public list and the last restriction event say."""
    entry = (
        await credit.as_role("credit_officer").lists.GetListEntry(lpb.GetListEntryRequest(entry_id=entry_id))
    ).entry
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    public = await credit.as_role("portal").public.ListBlacklist(
        public_pb2.ListBlacklistRequest(region_code="350200")
    )
    changes = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    last = [c for c in changes if c.subject.code == uscc][-1]
    return (
        entry.status,
        entry.removal_reason,
        sorted({r.cause for r in status.restrictions}),
        len(public.entries),
        sorted({r.cause for r in last.restrictions}),
    )


async def test_repair_of_the_basis_removes_the_listing_everywhere(credit: CreditWorld) -> None:
    uscc, record_id, listed = await _listed(credit)
    credit.set_today(D(2027, 6, 1))  # a serious record is repairable after 12 months (令第36号)
    await _repaired(credit, uscc, record_id)
    assert await _readers(credit, uscc, listed.entry_id) == (
        lpb.LIST_ENTRY_STATUS_REMOVED,
        lpb.REMOVAL_REASON_BASIS_REPAIRED,
        [],
        0,
        [],
    )
    (event,) = [events.SubjectDelisted.FromString(e) for e in await credit.events("credit.delisted")]
    assert (event.entry.entry_id, convert.from_date(event.entry.removed_on)) == (
        listed.entry_id,
        D(2027, 6, 1),
    )
    grade = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert (grade.grade, list(grade.measures)) == (pb.GRADE_B, [])  # nothing in force counts any more


async def test_a_listing_stays_while_any_record_it_rests_on_is_in_force(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    await record_of(credit, uscc, D(2026, 6, 2), referred=True)
    rows = await credit.pool.fetch(
        "SELECT record_id FROM dishonesty_record WHERE subject_code = $1 ORDER BY decision_date", uscc
    )
    first, second = (str(r["record_id"]) for r in rows)
    officer = credit.as_role("credit_officer")
    entry = (await officer.lists.ProposeListing(proposal(uscc, first, second))).entry
    await serve_notice(credit, entry.entry_id)
    credit.set_today(D(2026, 7, 9))
    decide = lpb.DecideListingRequest(
        request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="理由不成立"
    )
    await credit.as_role("credit_reviewer").lists.DecideListing(decide)
    credit.set_today(D(2027, 6, 3))
    await _repaired(credit, uscc, first)
    blacklisted = pb.RESTRICTION_CAUSE_BLACKLISTED
    still = await _readers(credit, uscc, entry.entry_id)
    assert (still[0], still[3]) == (lpb.LIST_ENTRY_STATUS_LISTED, 1)
    assert blacklisted in still[2]  # the status
    assert blacklisted in still[4]  # the commitment service's projection
    assert await credit.events("credit.delisted") == []
    await _repaired(credit, uscc, second)
    assert await _readers(credit, uscc, entry.entry_id) == (
        lpb.LIST_ENTRY_STATUS_REMOVED,
        lpb.REMOVAL_REASON_BASIS_REPAIRED,
        [],
        0,
        [],
    )


def _served(entry_id: str, **fields: Any) -> lpb.RecordNoticeServiceRequest:
    request = lpb.RecordNoticeServiceRequest(
        request_id=rid(),
        entry_id=entry_id,
        method=lpb.SERVICE_METHOD_DIRECT,
        served_on=convert.to_date(D(2026, 7, 2)),
        proof_reference="送达回证 厦市监送〔2026〕12号",
    )
    for name, value in fields.items():
        if isinstance(value, Message):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


async def _proposed(credit: CreditWorld) -> tuple[str, lpb.ListEntry]:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal(uscc, record_id))).entry
    return uscc, entry


def _listing(entry_id: str) -> lpb.DecideListingRequest:
    return lpb.DecideListingRequest(
        request_id=rid(), entry_id=entry_id, decision=lpb.LISTING_DECISION_LIST, reason="陈述申辩理由不成立"
    )


async def _notices(credit: CreditWorld) -> tuple[Any, ...]:
    return (
        await credit.pool.fetchval("SELECT count(*) FROM list_entry WHERE notice ? 'service'"),
        await credit.count("outbox", "subject = 'credit.notice_served'"),
    )


async def test_the_statement_period_runs_from_service_and_the_refusal_names_the_day(
    credit: CreditWorld,
) -> None:
    uscc, entry = await _proposed(credit)
    reviewer = credit.as_role("credit_reviewer")
    credit.set_today(D(2026, 7, 3))  # a Friday
    served = (await credit.as_role("credit_officer").lists.RecordNoticeService(_served(entry.entry_id))).entry
    service = served.notice.service
    assert (service.method, convert.from_date(service.served_on), service.proof_reference) == (
        lpb.SERVICE_METHOD_DIRECT,
        D(2026, 7, 2),
        "送达回证 厦市监送〔2026〕12号",
    )
    # 5 working days from Thursday 07-02, not from the proposal on Wednesday 07-01
    assert convert.from_date(served.notice.statement_until) == D(2026, 7, 9)
    (event,) = [events.NoticeServed.FromString(e) for e in await credit.events("credit.notice_served")]
    assert convert.from_date(event.entry.notice.statement_until) == D(2026, 7, 9)
    credit.set_today(D(2026, 7, 9))  # the proposal's period would have run; service's has not
    early = await failure(reviewer.lists.DecideListing(_listing(entry.entry_id)))
    assert early.code == grpc.StatusCode.FAILED_PRECONDITION
    assert early.precondition_types() == [("STATEMENT_PERIOD_RUNNING", entry.entry_id)]
    (info,) = [d for d in early.details if isinstance(d, error_details_pb2.ErrorInfo)]
    assert info.metadata[f"until.{entry.entry_id}"] == "2026-07-10"
    assert "2026-07-10" in early.message
    statement = lpb.SubmitStatementRequest(
        request_id=rid(), entry_id=entry.entry_id, applicant=ref(uscc), text="请求不予列入"
    )
    await credit.as_role("portal").lists.SubmitStatement(statement)  # still within the period
    assert await credit.count("list_entry", "status = 'LIST_ENTRY_STATUS_PROPOSED'") == 1
    credit.set_today(D(2026, 7, 10))
    listed = (await reviewer.lists.DecideListing(_listing(entry.entry_id))).entry
    assert listed.status == lpb.LIST_ENTRY_STATUS_LISTED


async def test_a_listing_whose_notice_was_never_served_is_refused(credit: CreditWorld) -> None:
    _, entry = await _proposed(credit)
    credit.set_today(D(2026, 8, 3))
    reviewer = credit.as_role("credit_reviewer")
    refused = await failure(reviewer.lists.DecideListing(_listing(entry.entry_id)))
    assert refused.precondition_types() == [("NOTICE_NOT_SERVED", entry.entry_id)]
    assert await credit.count("list_entry", "status = 'LIST_ENTRY_STATUS_PROPOSED'") == 1
    assert await credit.events("credit.listed") == []
    dropped = _listing(entry.entry_id)
    dropped.decision = lpb.LISTING_DECISION_DO_NOT_LIST  # closing an unserved proposal harms no one
    assert (await reviewer.lists.DecideListing(dropped)).entry.status == lpb.LIST_ENTRY_STATUS_NOT_LISTED


async def test_bad_service_is_refused_precisely_with_nothing_stored(credit: CreditWorld) -> None:
    _, entry = await _proposed(credit)
    officer = credit.as_role("credit_officer")
    before = await _notices(credit)
    cases = [
        (_served(entry.entry_id, method=lpb.SERVICE_METHOD_UNSPECIFIED), ["method"]),
        (_served(entry.entry_id, method=99), ["method"]),
        (_served(entry.entry_id, proof_reference=" "), ["proof_reference"]),
        (_served(entry.entry_id, proof_reference="号" * 201), ["proof_reference"]),
        (_served(entry.entry_id, served_on=convert.to_date(D(2026, 6, 30))), ["served_on"]),  # before it
        (_served(entry.entry_id, served_on=convert.to_date(D(2026, 7, 2))), ["served_on"]),  # tomorrow
    ]
    missing = _served(entry.entry_id)
    missing.ClearField("served_on")
    cases.append((missing, ["served_on"]))
    for request, fields in cases:
        refused = await failure(officer.lists.RecordNoticeService(request))
        assert (refused.code, refused.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, fields)
    unknown = await failure(officer.lists.RecordNoticeService(_served("not-an-id")))
    assert (unknown.code, unknown.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["entry_id"])
    assert await _notices(credit) == before
    credit.set_today(D(2026, 7, 2))
    await officer.lists.RecordNoticeService(_served(entry.entry_id))
    twice = await failure(officer.lists.RecordNoticeService(_served(entry.entry_id)))
    assert twice.precondition_types() == [("ALREADY_SERVED", entry.entry_id)]
    assert await _notices(credit) == (before[0] + 1, before[1] + 1)


async def test_only_an_officer_of_the_proposing_department_records_service(credit: CreditWorld) -> None:
    _, entry = await _proposed(credit)
    before = await _notices(credit)
    for caller in (
        credit.as_role("credit_reviewer"),
        credit.as_role("portal"),
        credit.as_role("credit_officer", department="350100-SCJ"),
    ):
        refused = await failure(caller.lists.RecordNoticeService(_served(entry.entry_id)))
        assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert await _notices(credit) == before
