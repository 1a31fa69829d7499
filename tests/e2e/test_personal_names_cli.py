"""`chengnuo verify conclude --names`: findings naming a natural person are refused by the running
services with the excerpts found and the option that decides; masked on request, kept when the
officer confirms there is none; what other departments are shared is masked the same way."""

from __future__ import annotations

import json
from collections.abc import Callable

from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import sharing_pb2 as vspb
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients
from tests.e2e.test_cli_verify import open_task
from tests.e2e.test_sharing_queries import Consumer, agree
from tests.e2e.test_verification_flow import department
from tests.support import new_uscc

Roles = Callable[..., Clients]
FINDINGS = "经核查，代理人张三丰提交的租赁合同系伪造，法定代表人：李四称不知情"


async def test_names_in_findings_are_flagged_then_masked_on_request(as_role: Roles, stack: Stack) -> None:
    dept = department()
    uscc = new_uscc()
    task = await open_task(as_role, dept, uscc=uscc, on_site=False)
    verifier = Cli(stack, ["verifier"], department=dept)
    conclude = ["verify", "conclude", task.task_id, "--outcome", "属实", "--findings", FINDINGS]

    code, out = verifier(*conclude)
    assert code == 1
    assert out.startswith("error: INVALID_ARGUMENT findings: likely names of natural persons: ")
    assert "代理人张三丰; 法定代表人：李四" in out
    assert "rerun with --names mask" in out
    assert "--names none" in out
    code, out = verifier("verify", "task", task.task_id, "--json")
    assert json.loads(out)["status"] == "open"  # nothing was concluded

    code, out = verifier(*conclude, "--names", "maybe")
    assert (code, "--names: 'maybe' is not one of ask, mask, none" in out) == (1, True)
    code, out = verifier(*conclude, "--names", "mask")
    assert code == 0, out
    code, out = verifier("verify", "task", task.task_id, "--json")
    assert json.loads(out)["findings"] == "经核查，代理人张**提交的租赁合同系伪造，法定代表人：李*称不知情"

    consumer_dept = department()
    await agree(stack, "verification_results", consumer_dept, ["daily_supervision"])
    consumer = Consumer(stack, consumer_dept, ["data_consumer"])
    try:
        shared = await consumer.verification.ListVerificationResults(
            vspb.ListVerificationResultsRequest(
                subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=uscc),
                purpose="daily_supervision",
            )
        )
    finally:
        await consumer.close()
    assert [r.findings for r in shared.results] == [
        "经核查，代理人张**提交的租赁合同系伪造，法定代表人：李*称不知情"
    ]


async def test_an_officer_confirms_there_is_no_name(as_role: Roles, stack: Stack) -> None:
    dept = department()
    task = await open_task(as_role, dept, on_site=False)
    verifier = Cli(stack, ["verifier"], department=dept)
    findings = "店长王府井分店负责人未到场，经电话核实场所已停业"  # a shop, not a person
    conclude = ["verify", "conclude", task.task_id, "--outcome", "无法核实", "--findings", findings]
    conclude += ["--lead-department", dept, "--lead-officer", "ZF-LEAD-01"]  # 无法核实 is escalated
    code, out = verifier(*conclude)
    assert (code, "店长王府井" in out) == (1, True)
    code, out = verifier(*conclude, "--names", "none")
    assert code == 0, out
    code, out = verifier("verify", "task", task.task_id, "--json")
    assert json.loads(out)["findings"] == findings
