"""Steps 7 and 10–11: dishonesty records, the serious-dishonesty list, credit repair."""

from __future__ import annotations

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.credit.v1 import credit_pb2, lists_pb2, public_pb2, repair_pb2
from services.cli.demo.commitment_steps import record
from services.cli.demo.data import MARKET, Enterprise
from services.cli.demo.world import World, ref, rid, until
from services.kernel import convert

CLASS = {
    credit_pb2.RECORD_CLASS_MINOR: "轻微",
    credit_pb2.RECORD_CLASS_ORDINARY: "一般",
    credit_pb2.RECORD_CLASS_SERIOUS: "严重",
}
GRADE = {credit_pb2.GRADE_A: "A", credit_pb2.GRADE_B: "B", credit_pb2.GRADE_C: "C", credit_pb2.GRADE_D: "D"}


async def status(world: World, enterprise: Enterprise) -> credit_pb2.GetCreditStatusResponse:
    desk = world.office.desk("credit_officer", MARKET.code)
    return await desk.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=ref(enterprise)))


async def _recorded(world: World, enterprise: Enterprise) -> credit_pb2.GetCreditStatusResponse:
    async def found() -> credit_pb2.GetCreditStatusResponse | None:
        answer = await status(world, enterprise)
        return answer if answer.records and answer.restrictions else None

    return await until(found, f"the credit record of {enterprise.code}")


async def records(world: World) -> None:
    with world.say.step(
        "The credit service records the dishonesty (失信信息) and restricts the subjects",
        "Class and publicity periods come from the rule set in force on the decision date "
        "(NDRC-36 from 2026-04-01); the restriction reaches the commitment service as an event.",
    ):
        found = [await _recorded(world, e) for e in world.false_subjects]
        for enterprise, answer in list(zip(world.false_subjects, found, strict=True))[:2]:
            r = answer.records[0]
            world.say.say(
                f"{enterprise.name}: {CLASS[r.record_class]} ({r.rule_set}/{r.rule}), repairable from "
                f"{convert.from_date(r.repairable_from)}, ends {convert.from_date(r.publicity_end)}, "
                f"grade {GRADE.get(answer.grade, '?')}"
            )
        world.say.record("credit", f"{len(found)} dishonesty records, subjects barred from commitment")


async def blacklist(world: World) -> None:
    assert world.referred is not None
    with world.say.step(
        "The serious case goes on the serious-dishonesty list (严重失信主体名单)",
        "A listing needs a pre-notice with basis, reasons, measures, removal conditions and remedies, "
        "served (送达), and a statement period (陈述申辩) from service before the decision; time passes "
        "in the demo.",
    ):
        officer = world.office.desk("credit_officer", MARKET.code)
        serious = [r.record_id for r in (await status(world, world.referred)).records]
        proposal = lists_pb2.ProposeListingRequest(
            request_id=rid(),
            subject=ref(world.referred),
            record_ids=serious,
            reasons="以虚假承诺取得行政许可，已移送司法机关",
        )
        entry = (await officer.lists.ProposeListing(proposal)).entry
        served = lists_pb2.RecordNoticeServiceRequest(
            request_id=rid(),
            entry_id=entry.entry_id,
            method=lists_pb2.SERVICE_METHOD_POSTAL,
            served_on=convert.to_date(await world.today()),
            proof_reference="EMS 1100000000001",
        )
        entry = (await officer.lists.RecordNoticeService(served)).entry  # 送达: the period runs from it
        until = convert.from_date(entry.notice.statement_until)
        world.say.say(f"pre-notice served by post; statements until {until}")
        await world.let_time_pass((until - await world.today()).days + 1)
        reviewer = world.office.desk("credit_reviewer", MARKET.code)
        decision = lists_pb2.DecideListingRequest(
            request_id=rid(),
            entry_id=entry.entry_id,
            decision=lists_pb2.LISTING_DECISION_LIST,
            reason="未提出陈述申辩",
        )
        await reviewer.lists.DecideListing(decision)
        public = await world.office.desk("portal", "350200-ZWFW").public.ListBlacklist(
            public_pb2.ListBlacklistRequest()
        )
        shown = [e.subject_name for e in public.entries if e.subject_code == world.referred.code]
        world.say.say(f"listed; the public list now shows {', '.join(shown)} (of {len(public.entries)})")
        world.say.record("blacklist", f"{len(public.entries)} subject on the serious-dishonesty list")


async def repair(world: World) -> None:
    applicant = world.false_subjects[1]  # an ordinary record; [0] is serious and on the list
    with world.say.step(
        "Credit repair (信用修复) after the minimum period, and eligible again",
        "After the minimum publicity period the subject applies, with proof of performed obligations "
        "and a credit-repair commitment; the department decides within 3 working days.",
    ):
        record_ = (await status(world, applicant)).records[0]
        repairable = convert.from_date(record_.repairable_from)
        today = await world.let_time_pass(max(0, (repairable - await world.today()).days))
        world.say.say(f"time passes to {today}: repair may be applied for from {repairable}")
        application = repair_pb2.ApplyRepairRequest(
            request_id=rid(),
            record_id=record_.record_id,
            applicant=ref(applicant),
            obligations_performed="已补交不动产租赁备案，撤销的许可已重新依法申请",
            evidence=["租赁备案证明 2027-XM-0012"],
            repair_commitment="本单位承诺今后如实承诺，自愿接受监督",
        )
        applied = await world.office.desk("portal", "350200-ZWFW").repair.ApplyRepair(application)
        decide = repair_pb2.DecideRepairRequest(
            request_id=rid(),
            application_id=applied.application.application_id,
            decision=repair_pb2.REPAIR_DECISION_APPROVE,
        )
        await world.office.desk("credit_reviewer", MARKET.code).repair.DecideRepair(decide)
        await _eligible_again(world, applicant)
        refusals = await record(world, [applicant], start=20_000)
        outcome = "refused" if refusals else "recorded"
        world.say.say(f"repaired; its next commitment is {outcome}")
        world.say.record("repair", f"1 record repaired; the subject's next commitment {outcome}")


async def _eligible_again(world: World, enterprise: Enterprise) -> None:
    portal = world.office.desk("portal", "350200-ZWFW")
    check = commitment_pb2.CheckEligibilityRequest(
        subject=ref(enterprise), item_id=world.items["经营场所使用证明"]
    )

    async def eligible() -> bool:
        return bool((await portal.commitments.CheckEligibility(check)).eligible)

    await until(eligible, "the repaired subject to be eligible again")
