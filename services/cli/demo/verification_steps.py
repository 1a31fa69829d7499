"""Steps 5–6: verification deadlines on the working-day calendar, and the outcomes."""

from __future__ import annotations

import datetime as dt

from chengnuo.verification.v1 import referrals_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.cli.demo.data import HOUSING, MARKET
from services.cli.demo.world import World, rid, until
from services.kernel import convert

FALSE_COUNT = 8
TRUE_COUNT = 52


async def open_tasks(world: World, department: str) -> list[vpb.Task]:
    desk, token = world.office.desk("verifier", department), ""
    found: list[vpb.Task] = []
    while True:
        page = await desk.tasks.ListTasks(
            vpb.ListTasksRequest(status=vpb.TASK_STATUS_OPEN, page_size=1000, page_token=token)
        )
        found += page.tasks
        token = page.next_page_token
        if not token:
            return found


async def _all_scheduled(world: World) -> list[vpb.Task]:
    async def scheduled() -> list[vpb.Task] | None:
        tasks = await open_tasks(world, MARKET.code) + await open_tasks(world, HOUSING.code)
        return tasks if len(tasks) >= len(world.accepted) else None

    return await until(scheduled, "a verification task per commitment")


async def deadlines(world: World) -> None:
    with world.say.step(
        "Verification tasks are scheduled in working days (事中事后核查)",
        "Each commitment becomes a task due a number of working days after approval, counted on the "
        "official calendar with its holidays and make-up days (调休). A deadline in a year whose "
        "schedule is not loaded yet is provisional, and is recomputed when the year is loaded.",
    ):
        tasks = await _all_scheduled(world)
        sample = max(tasks, key=lambda t: (t.due_date.year, t.due_date.month, t.due_date.day))
        due = convert.from_date(sample.due_date)
        world.say.say(
            f"{len(tasks)} tasks; the latest is due {due} "
            f"({'provisional' if sample.due_date_provisional else 'official calendar'})"
        )
        if sample.due_date_provisional:
            # The State Council publishes each year's holidays and 调休 days late in the year before;
            # the demo never guesses them: the deadline stays provisional until they are loaded.
            world.say.say(
                f"{due.year} has no official schedule loaded, so deadlines in it count weekdays "
                "only; they are recomputed when an administrator loads the State Council's notice "
                "(`chengnuo calendar load`)"
            )
        provisional = sum(t.due_date_provisional for t in tasks)
        world.say.record(
            "deadlines", f"{len(tasks)} tasks scheduled in working days, {provisional} provisional"
        )


def _conclusion(task: vpb.Task, outcome: int, decided: dt.date, referred: bool) -> vpb.ConcludeTaskRequest:
    measures = [
        vpb.Measure(
            kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《中华人民共和国行政许可法》第六十九条"
        )
    ]
    if referred:
        measures.append(
            vpb.Measure(
                kind=vpb.MEASURE_KIND_REFER_TO_JUDICIARY, legal_basis="《中华人民共和国刑法》第二百八十条之一"
            )
        )
    false = outcome == vpb.OUTCOME_FALSE
    referral = (
        rpb.ReferralDetail(
            suspected_offence="涉嫌伪造、变造、买卖国家机关公文、证件罪",
            materials=["涉嫌犯罪案件移送书", "涉嫌犯罪案件调查报告", "涉案物品清单"],
            receiving_organ="厦门市公安局",
        )
        if false and referred
        else None
    )
    return vpb.ConcludeTaskRequest(
        referral=referral,
        request_id=rid(),
        task_id=task.task_id,
        outcome=outcome,  # type: ignore[arg-type]
        findings="不动产登记系统中无该经营场所的使用权记录" if false else "核查属实",
        measures=measures if false else [],
        decision_date=convert.to_date(decided),
        evidence_refs=[f"EV-{task.commitment_code}"],
    )


async def outcomes(world: World) -> None:
    with world.say.step(
        "Verifiers conclude: most commitments are true, a few are false (承诺不实)",
        "A false commitment brings measures (revoke the decision, Art. 69 行政许可法) and, pushed over "
        "NATS, a dishonesty record at the credit service; one case is referred to the judiciary.",
    ):
        tasks = sorted(await open_tasks(world, MARKET.code), key=lambda t: t.commitment_code)
        decided = await world.today()
        desk = world.office.desk("verifier", MARKET.code)
        chosen = tasks[: FALSE_COUNT + TRUE_COUNT]
        for n, task in enumerate(chosen):
            outcome = vpb.OUTCOME_FALSE if n < FALSE_COUNT else vpb.OUTCOME_TRUE
            await desk.tasks.ConcludeTask(_conclusion(task, outcome, decided, referred=n == 0))
        codes = [t.subject.code for t in chosen[:FALSE_COUNT]]
        by_code = {e.code: e for e in world.roster}
        world.false_subjects = [by_code[c] for c in codes]  # the first is the one referred
        world.referred = world.false_subjects[0]
        world.say.say(f"{FALSE_COUNT} false (one referred to the judiciary), {TRUE_COUNT} true")
        world.say.record("verification", f"{FALSE_COUNT + TRUE_COUNT} concluded: {FALSE_COUNT} false")
