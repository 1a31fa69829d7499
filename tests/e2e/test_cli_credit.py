"""`chengnuo credit` against the running services: a subject's standing with its reasons, records
and measures; the reviewer's repair and objection queues; the serious-dishonesty list; rule sets."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import repair_pb2 as rpb
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import Credit, dishonest, recently, ref

Roles = Callable[..., Clients]


def listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    code, out = cli(*args, "--json")
    assert code == 0, out
    found: list[dict[str, Any]] = json.loads(out)
    return found


async def test_a_subjects_standing_records_and_measures(as_role: Roles, stack: Stack) -> None:
    uscc, _, record = await dishonest(as_role, await recently(stack))
    officer = Cli(stack, ["credit_officer"])
    code, out = officer("credit", "status", uscc, "--json")
    standing = json.loads(out)
    assert (code, standing["grade"]) == (0, "c")
    assert "ordinary_record" in [p["rule"] for p in standing["grade_points"]]
    officer.env["COLUMNS"] = "160"  # a wide terminal: table cells unwrapped
    code, out = officer("credit", "status", uscc)
    assert (code, f"{uscc}: grade C" in out, "no commitment" in out) == (0, True, True)
    assert [r["record_id"] for r in listed(officer, "credit", "records", uscc)] == [record.record_id]
    code, out = officer("credit", "record", record.record_id)
    assert (code, "信用修复告知" in out) == (0, True)

    in_force = listed(officer, "credit", "measures", "in-force", uscc)
    assert "NO_COMMITMENT_ROUTE" in [m["measure"]["code"] for m in in_force]
    today = (await service_today(stack, "credit")).isoformat()
    applied = ["--measure", "NO_COMMITMENT_ROUTE", "--source", record.record_id, "--on", today]
    code, out = officer("credit", "measures", "applied", uscc, *applied, "--action", "不予适用告知承诺制")
    assert (code, "350200-SCJ applied NO_COMMITMENT_ROUTE" in out) == (0, True)
    (route,) = [
        m
        for m in listed(officer, "credit", "measures", "in-force", uscc)
        if m["measure"]["code"] == "NO_COMMITMENT_ROUTE"
    ]
    assert route["feedback"][0]["action"] == "不予适用告知承诺制"
    code, out = officer("credit", "measures", "catalogue", "--json")
    assert "NO_COMMITMENT_ROUTE" in [m["code"] for m in json.loads(out)]


async def test_refusals_name_the_status_and_the_field(as_role: Roles, stack: Stack) -> None:
    code, out = Cli(stack, ["verifier"])("credit", "status", "91350200MA2Y0QJ46X")
    assert code == 1
    assert out.startswith(
        "error: PERMISSION_DENIED requires one of the roles credit_officer, credit_reviewer"
    )
    officer = Cli(stack, ["credit_officer"])
    code, out = officer("credit", "status", "91350200MA2Y0QJ46")
    assert (code, out.strip()) == (1, "error: INVALID_ARGUMENT subject.code: a USCC has 18 characters")
    code, out = officer("credit", "record", str(uuid.uuid4()))
    assert (code, out.startswith("error: NOT_FOUND")) == (1, True)
    code, out = officer("credit", "status", "91350200MA2Y0QJ46X", "--kind", "company")
    assert (code, "--kind: 'company' is not one of legal, person, individual" in out) == (1, True)


async def test_the_reviewers_repair_and_objection_queues(as_role: Roles, stack: Stack) -> None:
    repaired_uscc, _, old = await dishonest(as_role, dt.date(2025, 6, 2))  # repairable since 2025-09-02
    disputed_uscc, _, recent = await dishonest(as_role, await recently(stack))
    portal = Credit(stack, as_role("portal"))
    try:
        applied = await portal.repair.ApplyRepair(
            rpb.ApplyRepairRequest(
                request_id=str(uuid.uuid4()),
                record_id=old.record_id,
                applicant=ref(repaired_uscc),
                obligations_performed="已补正经营场所使用权证明",
                repair_commitment="本单位承诺依法诚信经营",
            )
        )
        filed = await portal.objections.FileObjection(
            opb.FileObjectionRequest(
                request_id=str(uuid.uuid4()),
                record_id=recent.record_id,
                applicant=ref(disputed_uscc),
                reason="并非本单位",
            )
        )
    finally:
        await portal.channel.close()
    application = applied.application.application_id
    objection = filed.objection.objection_id

    reviewer = Cli(stack, ["credit_reviewer"])
    assert application in [a["application_id"] for a in listed(reviewer, "credit", "repairs", "list")]
    code, out = reviewer("credit", "repairs", "extend", application, "--reason", "需核实整改材料")
    assert (code, "(extended)" in out) == (0, True)
    code, out = reviewer("credit", "repairs", "decide", application, "refuse")
    assert (code, out.startswith("error: INVALID_ARGUMENT reason:")) == (1, True)
    code, out = Cli(stack, ["credit_officer"])("credit", "repairs", "decide", application, "approve")
    assert (code, "PERMISSION_DENIED" in out) == (1, True)
    code, out = reviewer("credit", "repairs", "decide", application, "approve")
    assert (code, f"record {old.record_id} is repaired" in out) == (0, True)
    approved = listed(reviewer, "credit", "repairs", "list", "--status", "approved")
    assert application in [a["application_id"] for a in approved]

    assert objection in [o["objection_id"] for o in listed(reviewer, "credit", "objections", "list")]
    code, out = reviewer("credit", "objections", "extend", objection, "--reason", "需调取核查档案")
    assert (code, "(extended)" in out) == (0, True)
    code, out = reviewer(
        "credit", "objections", "decide", objection, "reject", "--reason", "核查记录完整，异议不成立"
    )
    assert (code, f"objection {objection}: rejected; record {recent.record_id} is published" in out) == (
        0,
        True,
    )
    assert objection in [
        o["objection_id"] for o in listed(reviewer, "credit", "objections", "list", "--status", "rejected")
    ]


@pytest.fixture
async def own_roles(own_stack: Stack) -> AsyncIterator[Roles]:
    made: list[Clients] = []

    def make(*names: str, department: str = "350200-SCJ") -> Clients:
        made.append(Clients(own_stack, names, department))
        return made[-1]

    yield make
    for clients in made:
        await clients.close()


async def test_a_subject_is_proposed_listed_and_published_on_the_blacklist(
    own_stack: Stack, own_roles: Roles
) -> None:
    today = await service_today(own_stack, "credit")
    uscc, _, serious = await dishonest(own_roles, today, referred=True)
    officer = Cli(own_stack, ["credit_officer"])
    propose = ["credit", "blacklist", "propose", uscc, "--record", serious.record_id]
    code, out = officer(*propose, "--reasons", "两年内两次作出虚假承诺，情节严重")
    assert (code, "serve the pre-notice" in out) == (0, True)
    entry = out.split()[1]
    code, out = officer(*propose, "--reasons", "重复提议")
    assert (code, f"FAILED_PRECONDITION ALREADY_ON_LIST {uscc}" in out) == (1, True)

    reviewer = Cli(own_stack, ["credit_reviewer"])
    decide = ["credit", "blacklist", "decide", entry, "list", "--reason", "陈述申辩理由不成立"]
    code, out = reviewer(*decide)
    assert (code, f"FAILED_PRECONDITION NOTICE_NOT_SERVED {entry}" in out) == (1, True)
    serve = ["credit", "blacklist", "serve", entry, "--proof", "EMS 1100000000001"]
    code, out = officer(*serve, "--method", "pigeon")
    assert (code, "--method" in out) == (1, True)
    code, out = officer(*serve, "--method", "post")
    assert (code, f"pre-notice served on {today}; statements may be made until" in out) == (0, True)
    code, out = reviewer(*decide)
    assert (code, f"FAILED_PRECONDITION STATEMENT_PERIOD_RUNNING {entry}" in out) == (1, True)
    assert Cli(own_stack, ["admin"])("clock", "advance", "14d")[0] == 0
    code, out = reviewer(*decide)
    assert (code, f"entry {entry}: listed; early removal from" in out) == (0, True)

    assert entry in [
        e["entry_id"] for e in listed(officer, "credit", "blacklist", "list", "--region", "350200")
    ]
    code, out = officer("credit", "blacklist", "show", entry)
    assert (code, "两年内两次作出虚假承诺，情节严重" in out) == (0, True)
    code, out = officer("credit", "status", uscc, "--json")
    assert json.loads(out)["list_entries"][0]["entry_id"] == entry
    code, out = reviewer("credit", "blacklist", "removal", entry, "approve", "--reason", "已整改")
    assert (code, out.startswith("error: FAILED_PRECONDITION")) == (1, True)


def test_rule_sets_are_listed_and_shown(stack: Stack) -> None:
    officer = Cli(stack, ["credit_officer"])
    assert {"NDRC-58", "NDRC-36"} <= {
        r["id"] for r in listed(officer, "credit", "rules", "list", "--kind", "records")
    }
    code, out = officer("credit", "rules", "show", "NDRC-58")
    assert (code, json.loads(out)["id"]) == (0, "NDRC-58")
    code, out = officer("credit", "rules", "show", "NOPE-1")
    assert (code, out.startswith("error: NOT_FOUND")) == (1, True)
    code, out = officer("credit", "rules", "list", "--kind", "bogus")
    assert (code, "--kind: 'bogus' is not one of" in out) == (1, True)
