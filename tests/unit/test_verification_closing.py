"""The rules of closing a verification (domain/closing.py): escalation of 无法核实, daily
supervision (日常监管), referrals (移送司法机关); and the escalation through the real ConcludeTask
handler on the in-memory stores."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, Violations
from services.verification.domain import closing
from services.verification.domain.tasks import CANCELLED, CONCLUDED, OPEN, REFER_TO_JUDICIARY
from tests.unit.test_verification_handlers import TODAY, World, conclusion

D = dt.date(2026, 7, 1)


def refused(call: object) -> str:
    assert isinstance(call, FailedPrecondition)
    (v,) = call.violations
    return v.type


def raised(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(FailedPrecondition) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    return refused(caught.value)


def fields(v: Violations) -> list[str]:
    return [f.field for f in v.items]


def test_an_escalated_task_takes_only_a_final_conclusion() -> None:
    closing.check_concludable("t", OPEN, closing.OUTCOME_UNVERIFIABLE)
    closing.check_concludable("t", closing.ESCALATED, closing.OUTCOME_TRUE)
    assert raised(closing.check_concludable, "t", closing.ESCALATED, closing.OUTCOME_UNVERIFIABLE) == (
        "ALREADY_ESCALATED"
    )
    assert raised(closing.check_concludable, "t", CONCLUDED, closing.OUTCOME_TRUE) == "TASK_NOT_OPEN"
    assert closing.status_after(closing.OUTCOME_UNVERIFIABLE) == closing.ESCALATED
    assert closing.status_after("OUTCOME_FALSE") == CONCLUDED


def test_an_unverifiable_outcome_names_its_lead_and_no_other_outcome_does() -> None:
    v = Violations()
    closing.check_escalation_request(v, closing.OUTCOME_UNVERIFIABLE, False, "", " ")
    assert fields(v) == ["escalation.lead_department", "escalation.lead_officer"]
    v = Violations()
    closing.check_escalation_request(v, closing.OUTCOME_UNVERIFIABLE, True, "X" * 65, "王" * 101)
    assert fields(v) == ["escalation.lead_department", "escalation.lead_officer"]
    v = Violations()
    closing.check_escalation_request(v, closing.OUTCOME_TRUE, True, "350200-SCJ", "王科长")
    assert fields(v) == ["escalation"]
    v = Violations()
    closing.check_escalation_request(v, closing.OUTCOME_UNVERIFIABLE, True, "350200-SCJ", "王科长")
    assert not v.items


def test_the_lead_is_the_task_department_or_one_above_it() -> None:
    assert closing.lead_problem("CITY", "CITY", []) is None
    assert closing.lead_problem("CITY", "PROVINCE", ["PROVINCE"]) is None
    problem = closing.lead_problem("CITY", "TAX", ["PROVINCE"])
    assert problem is not None
    assert (problem.type, problem.subject) == ("ESCALATION_LEAD_OUTSIDE", "escalation.lead_department")


def test_an_escalation_is_overdue_only_while_escalated_and_past_its_deadline() -> None:
    e = closing.Escalation("CITY", "王科长", D, False, "ESCALATION-2020", D - dt.timedelta(days=28), "v")
    assert not e.overdue(closing.ESCALATED, D)
    assert e.overdue(closing.ESCALATED, D + dt.timedelta(days=1))
    assert not e.overdue(CONCLUDED, D + dt.timedelta(days=1))
    assert closing.Escalation.of_json(e.as_json()) == e


def test_daily_supervision_concludes_true_or_false_and_never_overturns_a_false_commitment() -> None:
    v = Violations()
    closing.check_supervision_outcome(v, closing.OUTCOME_UNVERIFIABLE)
    assert fields(v) == ["outcome"]

    def supersedes(status: str, outcome: str, found: str) -> str:
        return closing.supervision_supersedes("c", status, outcome, decision_date=D, task_id="t", found=found)

    assert supersedes(OPEN, "OUTCOME_UNSPECIFIED", "OUTCOME_FALSE") == "OUTCOME_UNSPECIFIED"
    assert (
        supersedes(closing.ESCALATED, closing.OUTCOME_UNVERIFIABLE, "OUTCOME_FALSE") == "OUTCOME_UNSPECIFIED"
    )
    assert supersedes(CONCLUDED, closing.OUTCOME_TRUE, "OUTCOME_FALSE") == closing.OUTCOME_TRUE
    with pytest.raises(FailedPrecondition) as earlier:
        supersedes(CONCLUDED, "OUTCOME_FALSE", "OUTCOME_FALSE")
    (violation,) = earlier.value.violations
    assert violation.type == "ALREADY_CONCLUDED_FALSE"
    assert "2026-07-01" in violation.description
    assert "task t" in violation.description
    with pytest.raises(FailedPrecondition) as kept:
        supersedes(CONCLUDED, closing.OUTCOME_TRUE, closing.OUTCOME_TRUE)
    assert refused(kept.value) == "ALREADY_CONCLUDED_TRUE"
    with pytest.raises(FailedPrecondition) as gone:
        supersedes(CANCELLED, "OUTCOME_UNSPECIFIED", "OUTCOME_FALSE")
    assert refused(gone.value) == "COMMITMENT_WITHDRAWN"


def test_a_referral_comes_with_its_measure_and_names_offence_materials_and_organ() -> None:
    def check(kinds: list[str], given: bool, offence: str, materials: list[str], organ: str) -> list[str]:
        v = Violations()
        closing.check_referral(v, "referral", kinds, given, offence=offence, materials=materials, organ=organ)
        return fields(v)

    assert check([REFER_TO_JUDICIARY], False, "", [], "") == [
        "referral.suspected_offence",
        "referral.materials",
        "referral.receiving_organ",
    ]
    assert check([], True, "涉嫌伪造", ["移送书"], "公安局") == ["referral"]
    assert check([REFER_TO_JUDICIARY], True, "涉嫌伪造", ["移送书"] * 51, "公安局") == ["referral.materials"]
    assert check([REFER_TO_JUDICIARY], True, "涉嫌伪造", [" ", "x" * 501], "公安局") == [
        "referral.materials[0]",
        "referral.materials[1]",
    ]
    assert check([REFER_TO_JUDICIARY], True, "x" * 501, ["移送书"], "y" * 201) == [
        "referral.suspected_offence",
        "referral.receiving_organ",
    ]
    assert check([REFER_TO_JUDICIARY], True, "涉嫌伪造", ["移送书"], "公安局") == []


def test_a_referral_is_received_then_decided_once_each_in_date_order() -> None:
    assert raised(closing.check_receipt, "r", closing.SENT, D, D - dt.timedelta(days=1)) == "BEFORE_REFERRAL"
    closing.check_receipt("r", closing.SENT, D, D)
    assert raised(closing.check_receipt, "r", closing.RECEIVED, D, D) == "REFERRAL_ALREADY_RECEIVED"
    assert raised(closing.check_decision, "r", closing.SENT, None, D) == "REFERRAL_NOT_RECEIVED"
    assert (
        raised(closing.check_decision, "r", closing.RECEIVED, D, D - dt.timedelta(days=1)) == "BEFORE_RECEIPT"
    )
    closing.check_decision("r", closing.RECEIVED, D, D)
    assert raised(closing.check_decision, "r", closing.DECIDED, D, D) == "REFERRAL_ALREADY_DECIDED"
    v = Violations()
    closing.check_outcome_note(v, closing.NOT_FILED, " ")
    closing.check_outcome_note(v, "REFERRAL_OUTCOME_FILED", "x" * 1001)
    assert fields(v) == ["note", "note"]


async def test_concluding_unverifiable_escalates_with_the_rule_set_deadline() -> None:
    world = World()
    task_id = world.task()
    request = conclusion(
        task_id,
        outcome=pb.OUTCOME_UNVERIFIABLE,
        escalation=pb.EscalationRequest(lead_department="350200-SCJ", lead_officer="王科长"),
    )
    done = await world.conclude(request)
    assert done.status == pb.TASK_STATUS_ESCALATED
    deadline = world.deps.calendar.current.add_working_days(TODAY, 20).date
    assert convert.from_date(done.escalation.deadline) == deadline
    assert [e.subject for e in world.db.events] == [
        "verification.concluded",
        "public.verification_outcome",  # 无法核实, published as such until the final conclusion
        "verification.task_escalated",
    ]
    assert world.row(task_id)["escalation"]["lead_officer"] == "王科长"
