"""Events the credit service applies: verification outcomes become records and kept commitments,
and a correction in time without harm makes a record minor (轻微).

The consumers reach the stores as the handlers do, through the `Stores` main.py hands them, and
publish (公示) what they decided with the pseudonym key it hands them (flows/publicity.py).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import verification_events_pb2
from chengnuo.verification.v1 import results_pb2, verification_pb2
from services.credit.domain import inspections, measures
from services.credit.domain import records as rules
from services.credit.domain.rule_sets import choose_rule_set, find, subject_region
from services.credit.flows import publicity, refresh
from services.credit.store.records import Consequences, Correction, NewRecord
from services.credit.store.stores import Stores
from services.credit.wire import events
from services.kernel import convert
from services.kernel.events import EventMeta
from services.kernel.rule_sets import RuleSet
from services.kernel.uow import UnitOfWork


def consequences(catalogue: RuleSet, trigger: str) -> Consequences:
    codes, restricts = measures.pinned(catalogue, trigger)
    return Consequences(codes, catalogue.id, restricts, repair_notice="")


class Consumers:
    def __init__(self, store: Stores, publicity_key: bytes) -> None:
        self.store = store
        self.publicity_key = publicity_key

    async def on_false_commitment(
        self, event: verification_events_pb2.FalseCommitmentFound, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        records = self.store.records
        decided = convert.from_date(event.decision_date)
        loaded = await self.store.rule_sets.all_rule_sets(uow.conn)
        rule_set = choose_rule_set(loaded, "records", decided, event.region_code)
        facts = rules.Facts(
            referred_to_judiciary=event.referred_to_judiciary,
            earlier_false_commitments=await records.earlier_false_commitments(uow.conn, event.subject.code),
            safety_related_item=event.safety_related_item,
            # the correction may have been reported before this event (another subject of the stream)
            corrected_in_time_without_harm=await records.rectified(uow.conn, uuid.UUID(event.commitment_id)),
            decided=decided,
        )
        decision = rules.decide(rule_set, facts)
        catalogue = choose_rule_set(loaded, "measures", decided, event.region_code)
        new = _new_record(event, meta, rule_set)
        then = consequences(catalogue, decision.record_class)
        notice = rules.repair_notice(rule_set, event.deciding_department, decision)
        record = await records.insert_record(
            uow.conn, new, decision, replace(then, repair_notice=notice), uow.now
        )
        if record is None:
            return  # the same event applied before
        uow.emit(events.record_created(record), entity=f"record/{record.record_id}")
        publicity.record_changed(uow, self.publicity_key, None, record)
        uow.audit(
            "record.create", f"record/{record.record_id}", subject_code=new.subject_code, change=meta.id
        )
        await refresh.subject(self.store, uow, new.subject_kind, new.subject_code)

    async def on_rectified(
        self, event: verification_events_pb2.RectificationRecorded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        """Corrected in time without harm: the commitment's record, now or when it comes, is minor."""
        if not event.corrected_in_time_without_harm:
            return
        records = self.store.records
        commitment_id = uuid.UUID(event.commitment_id)
        completed = convert.from_date(event.rectification.completed_on)
        task_id = uuid.UUID(event.task_id)
        if not await records.add_rectification(
            uow.conn, commitment_id, task_id, completed, event=meta.id, now=uow.now
        ):
            return
        record = await records.of_commitment(uow.conn, commitment_id)
        if record is None or not record.in_force:
            return  # created minor when it comes; an ended record stays ended
        loaded = await self.store.rule_sets.all_rule_sets(uow.conn)
        rule_set = find(loaded, record.rule_set)
        facts = rules.stored_facts(record.safety_related_item, record.decision_date)
        decision = rules.after_rectification(rule_set, record.rule, facts)
        if decision is None:
            return  # a serious record stays serious
        then = consequences(find(loaded, record.measure_catalogue), decision.record_class)
        reason = f"corrected on {completed} within the rectification deadline, without harm (轻微)"
        correction = Correction(
            f"{record.facts} Subject {reason}.",
            decision.record_class,
            decision.repairable_from,
            decision.publicity_end,
            decision.periods.published,
            then.measures,
            then.restricts,
            rule=decision.rule,
            repair_notice=rules.repair_notice(rule_set, record.deciding_department, decision),
        )
        corrected = await records.correct(uow.conn, record.record_id, record.status, correction)
        target = f"record/{corrected.record_id}"
        uow.emit(events.record_reclassified(corrected, record.record_class, reason), entity=target)
        publicity.record_changed(uow, self.publicity_key, record, corrected)
        uow.audit("record.reclassify", target, subject_code=corrected.subject_code, change=decision.rule)
        await refresh.subject(self.store, uow, corrected.subject_kind, corrected.subject_code)

    async def on_concluded(
        self, event: verification_events_pb2.VerificationConcluded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        """A commitment verified true is a kept commitment (守信记录), which the grade counts."""
        if event.outcome != verification_pb2.OUTCOME_TRUE:
            return
        kind = subject_pb2.SubjectKind.Name(event.subject.kind)
        decided = convert.from_date(event.decision_date)
        code = event.subject.code
        if await self.store.subjects.add_kept(
            uow.conn, event.commitment_id, kind=kind, code=code, decided=decided, event_id=meta.id
        ):
            uow.audit("commitment.kept", f"commitment/{event.commitment_id}", subject_code=code)
            await refresh.subject(self.store, uow, kind, code)

    async def on_inspection_result(
        self, event: verification_events_pb2.InspectionResultRecorded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        """A random or joint inspection's result becomes a dishonesty record where the
        `inspection_records` rule set in force says so; then the subject is re-graded, as for a
        false commitment."""
        kind = subject_pb2.SubjectKind.Name(event.subject.kind)
        code = event.subject.code
        decided = convert.from_date(event.inspection_date)
        region = subject_region(kind, code)
        loaded = await self.store.rule_sets.all_rule_sets(uow.conn)
        which = choose_rule_set(loaded, "inspection_records", decided, region)
        taken = [results_pb2.ResultMeasureKind.Name(m.kind) for m in event.measures]
        found = inspections.record_rule(which, event.problem_found, taken)
        if found is None:
            return  # no dishonesty information by the rule set in force
        rule_set = choose_rule_set(loaded, "records", decided, region)
        facts = rules.stored_facts(False, decided)
        periods = rules.periods(rule_set, found.record_class, facts)
        decision = rules.Decision(found.record_class, rule_set.id, found.rule, periods)
        new = NewRecord(
            subject_kind=kind,
            subject_code=code,
            subject_name=event.subject_name,
            source_event_id=meta.id,
            commitment_id="",
            facts=_inspection_facts(event),
            legal_basis=which.rules["record_legal_basis"],
            deciding_department=event.recording_department,
            region_code=region,
            decision_date=decided,
            safety_related_item=False,
        )
        then = consequences(choose_rule_set(loaded, "measures", decided, region), decision.record_class)
        notice = rules.repair_notice(rule_set, event.recording_department, decision)
        record = await self.store.records.insert_record(
            uow.conn, new, decision, replace(then, repair_notice=notice), uow.now
        )
        if record is None:
            return  # the same event applied before
        uow.emit(events.record_created(record), entity=f"record/{record.record_id}")
        publicity.record_changed(uow, self.publicity_key, None, record)
        uow.audit("record.create", f"record/{record.record_id}", subject_code=code, change=meta.id)
        await refresh.subject(self.store, uow, kind, code)


def _inspection_facts(event: verification_events_pb2.InspectionResultRecorded) -> str:
    inspection = (
        f"joint inspection {event.joint_inspection_id}"
        if event.joint_inspection_id
        else (f"random inspection (draw {event.draw_id})")
    )
    found = "; ".join(
        f"{i.check_item}: {i.findings}"
        for i in event.items
        if i.outcome == results_pb2.ITEM_OUTCOME_PROBLEM_FOUND
    )
    cases = ", ".join(m.case_number for m in event.measures if m.case_number)
    return f"Problems found by {inspection} on {convert.from_date(event.inspection_date)}: {found}." + (
        f" Penalty case {cases} opened (立案查处)." if cases else ""
    )


def _new_record(
    event: verification_events_pb2.FalseCommitmentFound, meta: EventMeta, rule_set: RuleSet
) -> NewRecord:
    return NewRecord(
        subject_kind=subject_pb2.SubjectKind.Name(event.subject.kind),
        subject_code=event.subject.code,
        subject_name=event.subject_name,
        source_event_id=meta.id,
        commitment_id=event.commitment_id,
        facts=f"False commitment {event.commitment_code} for {event.item_name}: {event.findings}",
        legal_basis=rule_set.rules["record_legal_basis"],
        deciding_department=event.deciding_department,
        region_code=event.region_code,
        decision_date=convert.from_date(event.decision_date),
        safety_related_item=event.safety_related_item,
    )
