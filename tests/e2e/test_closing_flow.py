"""Closing the inspection loop across the three service processes, through the CLI: daily
supervision (日常监管) finds an exempt commitment false and the credit service records it as it
does a task's conclusion; its referral to the judiciary (移送司法机关) is received and decided; an
unverifiable check (无法核实) is escalated and listed; 部门间协查 is asked, listed and counted."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_thin_flow import draft, publish_item, record_request, task_of
from tests.e2e.test_verification_flow import department
from tests.support import eventually, new_uscc

Roles = Callable[..., Clients]
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


def json_of(cli: Cli, *args: str) -> Any:
    code, out = cli(*args, "--json")
    assert code == 0, out
    return json.loads(out)


async def pooled(stack: Stack, commitment_id: str) -> bool | None:
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        found = await conn.fetchval(
            "SELECT true FROM verification.pooled_commitment WHERE commitment_id = $1",
            uuid.UUID(commitment_id),
        )
    finally:
        await conn.close()
    return True if found else None


async def test_daily_supervision_finds_an_exempt_commitment_false_and_credit_records_it(
    as_role: Roles, stack: Stack
) -> None:
    dept = department()
    item = draft("营业场所使用证明(免予核查)")
    item.verification.method = catalogue_pb2.VERIFICATION_METHOD_EXEMPT
    item_id = await publish_item(as_role("catalogue_admin", department=dept), item)
    uscc = new_uscc()
    recorded = (
        await as_role("portal").commitments.RecordCommitment(record_request(uscc, item_id))
    ).commitment
    await eventually(lambda: pooled(stack, recorded.commitment_id), what="commitment in the pool")

    verifier = Cli(stack, ["verifier"], department=dept)
    finding = [
        "verify",
        "finding",
        "record",
        recorded.commitment_id,
        "--outcome",
        "false",
        "--findings",
        "日常巡查发现经营场所已被他人占用,承诺的使用权不实",
        "--measure",
        "stop-processing | 《中华人民共和国行政许可法》第六十九条",
        "--measure",
        "refer | 《行政执法机关移送涉嫌犯罪案件的规定》第三条",
        "--offence",
        "涉嫌伪造国家机关证件罪",
        "--material",
        "案件移送书",
        "--material",
        "涉嫌犯罪案件调查报告",
        "--organ",
        "厦门市公安局",
        "--names",
        "none",
    ]
    code, out = verifier(*finding)
    assert code == 0, out
    assert f"commitment {recorded.commitment_id} concluded" in out

    officer = as_role("credit_officer", department=dept)
    subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)

    async def record() -> credit_pb2.DishonestyRecord | None:
        status = await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))
        return status.records[0] if status.records else None

    found = await eventually(record, what="dishonesty record from daily supervision")
    assert found.commitment_id == recorded.commitment_id
    assert "日常巡查" in found.facts
    assert found.record_class == credit_pb2.RECORD_CLASS_SERIOUS  # referred to the judiciary

    code, out = verifier(*finding)  # concluded false already: refused, naming the conclusion
    assert code == 1
    assert "ALREADY_CONCLUDED_FALSE" in out

    (referral,) = json_of(verifier, "verify", "referral", "list")
    assert referral["detail"]["materials"] == ["案件移送书", "涉嫌犯罪案件调查报告"]
    assert referral["status"] == "sent"
    today = str(await service_today(stack, "verification"))
    code, out = verifier("verify", "referral", "outcome", referral["referral_id"], "--outcome", "filed")
    assert code == 1
    assert "REFERRAL_NOT_RECEIVED" in out
    code, out = verifier(
        "verify", "referral", "receipt", referral["referral_id"], "--receiver", "李警官", "--on", today
    )
    assert code == 0, out
    code, out = verifier("verify", "referral", "outcome", referral["referral_id"], "--outcome", "filed")
    assert code == 0, out
    shown = json_of(verifier, "verify", "referral", "show", referral["referral_id"])
    assert (shown["status"], shown["outcome"], shown["receiver"]) == (
        "decided",
        "filed",
        "李警官",
    )
    other = Cli(stack, ["verifier"], department=department())
    code, out = other("verify", "referral", "show", referral["referral_id"])
    assert code == 1
    assert "PERMISSION_DENIED" in out


async def test_an_unverifiable_check_is_escalated_and_assistance_is_asked_and_counted(
    as_role: Roles, stack: Stack
) -> None:
    dept, asked = department(), department()
    admin = Cli(stack, ["admin"])
    for code_ in (dept, asked):
        code, out = admin(
            "verify", "roster", "add-department", code_, "--name", "测试局", "--region", "350200"
        )
        assert code == 0, out
    item_id = await publish_item(as_role("catalogue_admin", department=dept), draft())
    verifier_stubs = as_role("verifier", department=dept)
    portal = as_role("portal")

    async def open_task() -> vpb.Task:
        recorded = await portal.commitments.RecordCommitment(record_request(new_uscc(), item_id))
        return await eventually(
            lambda: task_of(verifier_stubs, recorded.commitment.commitment_id), what="task"
        )

    tasks = [await open_task(), await open_task()]
    verifier = Cli(stack, ["verifier"], department=dept)
    conclude = [
        "verify",
        "conclude",
        tasks[0].task_id,
        "--outcome",
        "unverifiable",
        "--findings",
        "出租人下落不明",
    ]
    code, out = verifier(*conclude)
    assert code == 1
    assert "escalation.lead_department" in out
    code, out = verifier(*conclude, "--lead-department", dept, "--lead-officer", "王科长")
    assert code == 0, out
    (escalated,) = json_of(verifier, "verify", "escalated")
    assert (escalated["task_id"], escalated["escalation"]["lead_officer"]) == (tasks[0].task_id, "王科长")
    counts = json_of(verifier, "verify", "escalated", "--counts")
    assert counts["departments"] == [{"department": dept, "escalated": 1}]  # none overdue (zeros omitted)

    today = await service_today(stack, "verification")
    by = str(today + dt.timedelta(days=10))
    question = "请核实该经营场所的房屋权属登记情况"
    code, out = verifier(
        "verify", "assist", "ask", tasks[1].task_id, "--to", asked, "--question", question, "--by", by
    )
    assert code == 0, out
    (outgoing,) = json_of(verifier, "verify", "assist", "list", "--direction", "outgoing")
    assert (outgoing["to_department"], outgoing["status"]) == (asked, "pending")
    helper = Cli(stack, ["verifier"], department=asked)
    overdue = json_of(helper, "verify", "assist", "overdue")
    assert overdue["departments"] == [{"department": asked, "pending": 1}]
    assert json_of(helper, "verify", "assist", "list", "--overdue") == []
    code, out = helper(
        "verify",
        "assist",
        "answer",
        outgoing["assistance_id"],
        "--finding",
        "contradicted",
        "--answer",
        "权利人不一致",
    )
    assert code == 0, out
    (answered,) = json_of(helper, "verify", "assist", "list", "--status", "answered")
    assert answered["finding"] == "contradicted"
