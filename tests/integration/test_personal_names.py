"""Names of natural persons in free text an officer enters that is published or shared (个人信息):
flagged at entry, refused until the request says what to do (mask them, or confirm there are
none), masked on request, and the choice audited. Every RPC whose text leaves the department:
ConcludeTask (findings, measure notes), ProposeListing (reasons, published), DecideListing and
DecideEarlyRemoval (reasons, shared), DecideObjection (corrected facts, published),
ReportMeasureApplied (action, shared)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2

from chengnuo.common.v1 import personal_data_pb2 as names
from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import public_pb2
from chengnuo.events.v1 import verification_events_pb2 as vevents
from services.kernel import convert
from services.kernel.screening import NamesFlagged
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref, rid, serve_notice
from tests.integration.test_verification_tasks import false_conclusion, only_task
from tests.integration.test_verification_world import VWorld, vworld_fixture  # noqa: F401
from tests.support import RpcFailure, failure, new_uscc

D = dt.date
MASK, NONE = names.PERSONAL_NAMES_MASK, names.PERSONAL_NAMES_NONE
WRITTEN = ("list_entry", "objection", "measure_feedback", "outbox", "audit_log", "idempotency")


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def flagged(refused: RpcFailure) -> dict[str, str]:
    return {
        v.field: v.description
        for d in refused.details
        if isinstance(d, error_details_pb2.BadRequest)
        for v in d.field_violations
    }


async def written(credit: CreditWorld) -> list[int]:
    return [await credit.count(t) for t in WRITTEN]


async def audited(pool: object, action_prefix: str = "personal_names.") -> list[tuple[str, str]]:
    rows = await pool.fetch(  # type: ignore[attr-defined]
        "SELECT action, target FROM audit_log WHERE action LIKE $1 ORDER BY seq", f"{action_prefix}%"
    )
    return [(r["action"], r["target"]) for r in rows]


async def test_listing_reasons_naming_a_person_are_refused_then_masked_or_kept_and_audited(
    credit: CreditWorld,
) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    officer = credit.as_role("credit_officer")
    proposal = lpb.ProposeListingRequest(
        request_id=rid(),
        subject=ref(uscc),
        record_ids=[record_id],
        reasons="法定代表人：李四两年内两次作出虚假承诺，经办人王五、赵六知情",
    )
    before = await written(credit)
    refused = await failure(officer.lists.ProposeListing(proposal))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    shown = flagged(refused)
    assert list(shown) == ["personal_names", "reasons"]
    assert "法定代表人：李四; 经办人王五; 经办人王五、赵六" in shown["reasons"]
    assert "PERSONAL_NAMES_MASK" in shown["personal_names"]
    assert not any(n in refused.message for n in ("李四", "王五", "赵六"))  # the logged message
    assert await written(credit) == before

    proposal.personal_names = MASK
    entry = (await officer.lists.ProposeListing(proposal)).entry
    await serve_notice(credit, entry.entry_id)
    assert entry.notice.reasons == "法定代表人：李*两年内两次作出虚假承诺，经办人王*、赵*知情"
    credit.set_today(D(2026, 7, 9))
    decide = lpb.DecideListingRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        decision=lpb.LISTING_DECISION_LIST,
        reason="经理王府井未申辩",
    )
    reviewer = credit.as_role("credit_reviewer")
    assert list(flagged(await failure(reviewer.lists.DecideListing(decide)))) == ["personal_names", "reason"]
    decide.personal_names = NONE  # the reviewer confirms: 王府井 is a shop, not a person
    listed = (await reviewer.lists.DecideListing(decide)).entry
    assert listed.decision_reason == "经理王府井未申辩"
    public = await credit.as_role("portal").public.ListBlacklist(public_pb2.ListBlacklistRequest())
    (shown_entry,) = [e for e in public.entries if e.entry_id == entry.entry_id]
    assert "李四" not in shown_entry.reasons
    assert "李*" in shown_entry.reasons
    target = f"list_entry/{entry.entry_id}"
    assert await audited(credit.pool) == [("personal_names.mask", target), ("personal_names.none", target)]

    credit.set_today(D(2027, 7, 9))
    apply = lpb.ApplyEarlyRemovalRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        applicant=ref(uscc),
        obligations_performed="已缴清罚款",
        harm_eliminated="已公开致歉",
    )
    await credit.as_role("portal").lists.ApplyEarlyRemoval(apply)
    removal = lpb.DecideEarlyRemovalRequest(
        request_id=rid(),
        entry_id=entry.entry_id,
        decision=lpb.REMOVAL_DECISION_REFUSE,
        reason="负责人陈小明未提交整改材料",
    )
    assert list(flagged(await failure(reviewer.lists.DecideEarlyRemoval(removal)))) == [
        "personal_names",
        "reason",
    ]
    removal.personal_names = MASK
    refused_removal = (await reviewer.lists.DecideEarlyRemoval(removal)).entry
    assert refused_removal.early_removal.decision_reason == "负责人陈**未提交整改材料"


async def test_corrected_facts_are_screened_before_they_are_published(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    filed = opb.FileObjectionRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=ref(uscc),
        reason="核查使用了过期数据",
        evidence=["不动产登记簿查询结果"],
    )
    objection = (await credit.as_role("portal").objections.FileObjection(filed)).objection
    decide = opb.DecideObjectionRequest(
        request_id=rid(),
        objection_id=objection.objection_id,
        outcome=opb.OBJECTION_OUTCOME_CORRECT,
        reason="经复核，代理人张三丰的陈述属实",  # told to the subject, neither published nor shared
        corrected_facts="委托代理人张三丰提交的租赁合同已过期",
    )
    reviewer = credit.as_role("credit_reviewer")
    before = await written(credit)
    refused = await failure(reviewer.objections.DecideObjection(decide))
    assert list(flagged(refused)) == ["personal_names", "corrected_facts"]
    assert "委托代理人张三丰" in flagged(refused)["corrected_facts"]
    assert await written(credit) == before
    decide.personal_names = MASK
    done = await reviewer.objections.DecideObjection(decide)
    assert done.record.facts == "委托代理人张**提交的租赁合同已过期"
    assert done.objection.decision_reason == "经复核，代理人张三丰的陈述属实"
    page = await credit.as_role("portal").public.ListPublicRecords(public_pb2.ListPublicRecordsRequest())
    (public,) = [r for r in page.records if r.record_id == record_id]
    assert public.facts == "委托代理人张**提交的租赁合同已过期"
    assert await audited(credit.pool) == [("personal_names.mask", f"objection/{objection.objection_id}")]


async def test_a_measure_reported_as_applied_is_screened_as_it_is_shared(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    finance = credit.as_role("data_consumer", department="350200-CZJ")
    report = pb.ReportMeasureAppliedRequest(
        request_id=rid(),
        subject=ref(uscc),
        measure_code="SUBSIDY_LIMIT",
        source_id=record_id,
        applied_on=convert.to_date(D(2026, 7, 1)),
        action="经办人刘洋暂停其补贴申报资格",
    )
    assert list(flagged(await failure(finance.credit.ReportMeasureApplied(report)))) == [
        "personal_names",
        "action",
    ]
    report.personal_names = MASK
    assert (
        await finance.credit.ReportMeasureApplied(report)
    ).feedback.action == "经办人刘*暂停其补贴申报资格"
    report.request_id, report.personal_names = rid(), names.PersonalNames.ValueType(9)  # no such value
    bad = await failure(finance.credit.ReportMeasureApplied(report))
    assert (bad.code, bad.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["personal_names"])


async def test_text_without_names_needs_no_choice(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    proposal = lpb.ProposeListingRequest(
        request_id=rid(),
        subject=ref(uscc),
        record_ids=[record_id],
        reasons="两年内两次作出虚假承诺，情节严重",
    )
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal)).entry
    assert entry.notice.reasons == proposal.reasons
    assert await audited(credit.pool) == []


async def test_findings_naming_persons_are_refused_masked_on_request_and_the_choice_audited(
    vworld: VWorld,
) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    request = false_conclusion(task.task_id, today)
    request.findings = "代理人张三丰提交的租赁合同系伪造，法定代表人：李四称不知情"
    request.measures[0].note = "经办人王五到场"
    tables = ("task_extension", "outbox", "audit_log", "idempotency")
    before = await vworld.counts(tables)
    vworld.verifier()
    with pytest.raises(NamesFlagged) as refused:
        await vworld.tasks.ConcludeTask(request, None)
    shown = {v.field: v.description for v in refused.value.violations}
    assert list(shown) == ["personal_names", "findings", "measures[0].note"]
    assert "代理人张三丰; 法定代表人：李四" in shown["findings"]
    assert "经办人王五" in shown["measures[0].note"]
    assert not any(n in refused.value.message for n in ("张三丰", "李四", "王五"))
    assert await vworld.counts(tables) == before

    request.personal_names = MASK
    done = (await vworld.tasks.ConcludeTask(request, None)).task
    assert done.findings == "代理人张**提交的租赁合同系伪造，法定代表人：李*称不知情"
    assert done.measures[0].note == "经办人王*到场"
    (false,) = [
        vevents.FalseCommitmentFound.FromString(b)
        for b in await vworld.events("verification.false_commitment")
    ]
    assert false.findings == done.findings  # the credit record's facts, published
    assert false.measures[0].note == "经办人王*到场"
    (concluded,) = [
        vevents.VerificationConcluded.FromString(b) for b in await vworld.events("verification.concluded")
    ]
    assert concluded.measures[0].note == "经办人王*到场"
    assert await audited(vworld.pool) == [("personal_names.mask", f"task/{task.task_id}")]


async def test_confirmed_findings_are_kept_as_written(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc()))
    request = false_conclusion(task.task_id, vworld.clock.today())
    request.findings = "店长王府井分店未在场"  # a shop, not a person: the officer confirms
    request.personal_names = NONE
    vworld.verifier()
    done = (await vworld.tasks.ConcludeTask(request, None)).task
    assert done.findings == "店长王府井分店未在场"
    assert await audited(vworld.pool) == [("personal_names.none", f"task/{task.task_id}")]
    other = await only_task(vworld, await vworld.record(new_uscc()))
    plain = false_conclusion(other.task_id, vworld.clock.today())
    await vworld.tasks.ConcludeTask(plain, None)  # no name found, nothing to say
    assert len(await audited(vworld.pool)) == 1
