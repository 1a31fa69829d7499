"""Closing a commitment's verification: the conclusion path ConcludeTask and daily supervision
(日常监管) share, with the escalation of an unverifiable check (无法核实) and the referral
(移送书) of a case sent to the judiciary; and the RecordSupervisionFinding and
CountOverdueEscalations handlers of VerificationService."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, NotFound, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import in_force, owned
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import STAFF
from services.verification.api.deps import Deps
from services.verification.domain import closing as rules
from services.verification.domain import deadlines
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.refusals import refuse
from services.verification.flows import publishing
from services.verification.store.referrals import NewReferral
from services.verification.store.tasks import Conclusion, Task
from services.verification.wire import closing as closing_wire
from services.verification.wire import events
from services.verification.wire import tasks as wire


@dataclass(frozen=True)
class Checked:
    """A conclusion whose request passed every check of its own: as it is kept (screened)."""

    request: pb.ConcludeTaskRequest
    decided: dt.date
    outcome: str
    kinds: list[str]
    screen: NameScreen


def check(request: pb.ConcludeTaskRequest, today: dt.date, *, supervision: bool = False) -> Checked:
    """Every problem of a conclusion's request, the escalation and referral included; raises them."""
    v = Violations()
    screen = NameScreen.of(v, request.personal_names)
    decided = parse.check_conclusion(v, request, today)
    outcome = pb.Outcome.Name(request.outcome) if request.outcome in pb.Outcome.values() else ""
    escalation = request.escalation
    if supervision:  # its request has no escalation to give
        rules.check_supervision_outcome(v, outcome)
    else:
        rules.check_escalation_request(
            v, outcome, request.HasField("escalation"), escalation.lead_department, escalation.lead_officer
        )
    kinds = [pb.MeasureKind.Name(m.kind) for m in request.measures if m.kind in pb.MeasureKind.values()]
    referral = request.referral
    rules.check_referral(
        v,
        "referral",
        kinds,
        request.HasField("referral"),
        offence=referral.suspected_offence,
        materials=referral.materials,
        organ=referral.receiving_organ,
    )
    day = v.ok(decided)
    kept = _screened(request, screen)
    screen.check()
    return Checked(kept, day, outcome, kinds, screen)


def _screened(request: pb.ConcludeTaskRequest, screen: NameScreen) -> pb.ConcludeTaskRequest:
    """The conclusion as it is kept: the findings and the measures' notes are shared (and the
    findings become the credit record's published facts), so they are screened for names."""
    kept = pb.ConcludeTaskRequest()
    kept.CopyFrom(request)
    kept.findings = screen.text("findings", request.findings)
    for i, measure in enumerate(kept.measures):
        measure.note = screen.text(f"measures[{i}].note", measure.note)
    return kept


async def close(deps: Deps, uow: UnitOfWork, task: Task, checked: Checked, via: str) -> Task:
    """Conclude `task` (locked, the caller's department's) as `checked` says: store it, escalate an
    unverifiable one, make the referral, and announce it as every conclusion is announced
    (`verification.concluded`, `verification.false_commitment` when false)."""
    request, decided = checked.request, checked.decided
    rule_book = deps.rules()
    publication = in_force("decision_date", lambda: rule_book.publication(decided, task.region_code))
    calendar = deps.calendar.current
    due = deadlines.publication_deadlines(calendar, publication, decided, checked.kinds)
    escalation = None
    if checked.outcome == rules.OUTCOME_UNVERIFIABLE:
        lead = request.escalation.lead_department.strip()
        if lead != task.department:  # a department above it: one the roster knows
            parents = await deps.store.rosters.department_parents(uow.conn)
            if lead not in parents:
                raise NotFound("department", lead, "escalation.lead_department")
            problem = rules.lead_problem(task.department, lead, Hierarchy(parents).ancestors(task.department))
            if problem:
                raise FailedPrecondition("the escalation lead may not resolve this task", [problem])
        escalation_rules = in_force("decision_date", lambda: rule_book.escalation(decided))
        deadline = deadlines.due_date(calendar, decided, escalation_rules.resolution_working_days)
        escalation = rules.Escalation(
            lead_department=lead,
            lead_officer=request.escalation.lead_officer.strip(),
            deadline=deadline.date,
            deadline_provisional=deadline.provisional,
            rule_set=escalation_rules.id,
            escalated_on=decided,
            escalated_by=current_caller().subject,
        )
    conclusion = _conclusion(
        request, decided, due, uow, outcome=checked.outcome, escalation=escalation, via=via
    )
    store = deps.store.tasks
    await store.conclude(uow.conn, task.task_id, conclusion)
    done = await store.one_task(uow.conn, task.task_id)
    events.concluded(uow, done)
    await publishing.conclusion(deps.publisher, uow, done, publication)
    target = f"task/{task.task_id}"
    uow.audit("task.conclude", target, subject_code=done.subject_code, change=_change(done, via))
    checked.screen.audit(uow, target, subject_code=done.subject_code)
    if escalation is not None:
        closing_wire.escalated(uow, done)
        uow.audit("task.escalate", target, subject_code=done.subject_code, change=escalation.as_json())
    if request.HasField("referral"):
        referral = await deps.store.referrals.insert(uow.conn, _referral(done, request, uow))
        closing_wire.referral_changed(uow, referral, created=True)
        uow.audit(
            "referral.create",
            f"referral/{referral.referral_id}",
            subject_code=done.subject_code,
            change={"task": str(done.task_id), "receiving_organ": referral.receiving_organ},
        )
    return done


def _change(t: Task, via: str) -> Any:
    return t.outcome if via == rules.VIA_TASK else {"outcome": t.outcome, "via": via}


def _conclusion(
    request: pb.ConcludeTaskRequest,
    decided: dt.date,
    due: deadlines.PublicationDeadlines,
    uow: UnitOfWork,
    *,
    outcome: str,
    escalation: rules.Escalation | None,
    via: str,
) -> Conclusion:
    return Conclusion(
        outcome=outcome,
        findings=request.findings.strip(),
        measures=[MessageToDict(m, preserving_proto_field_name=True) for m in request.measures],
        decision_date=decided,
        concluded_at=uow.now,
        concluded_by=current_caller().subject,
        evidence_refs=[r.strip() for r in request.evidence_refs],
        push_deadline=due.push,
        publication_deadline=due.publish.date,
        publication_provisional=due.publish.provisional or bool(due.decision and due.decision.provisional),
        decision_publication_deadline=due.decision.date if due.decision else None,
        publication_rule_set=due.rule_set,
        status=rules.status_after(outcome),
        escalation=escalation.as_json() if escalation else None,
        concluded_via=via,
    )


def _referral(t: Task, request: pb.ConcludeTaskRequest, uow: UnitOfWork) -> NewReferral:
    r = request.referral
    assert t.decision_date is not None
    return NewReferral(
        task_id=t.task_id,
        commitment_id=t.commitment_id,
        commitment_code=t.commitment_code,
        subject_kind=t.subject_kind,
        subject_code=t.subject_code,
        subject_name=t.subject_name,
        department=t.department,
        suspected_offence=r.suspected_offence.strip(),
        materials=tuple(m.strip() for m in r.materials),
        receiving_organ=r.receiving_organ.strip(),
        referred_on=t.decision_date,
        referred_by=current_caller().subject,
        created_at=uow.now,
    )


class ClosingHandlers(Handlers[Deps]):
    @command(*STAFF, reply=pb.RecordSupervisionFindingResponse)
    async def RecordSupervisionFinding(
        self, request: pb.RecordSupervisionFindingRequest, uow: UnitOfWork
    ) -> pb.RecordSupervisionFindingResponse:
        commitment_id = request_uuid("commitment_id", request.commitment_id, "commitment")
        today = china_date(uow.now)
        as_conclusion = pb.ConcludeTaskRequest(
            request_id=request.request_id,
            outcome=request.outcome,
            findings=request.findings,
            measures=request.measures,
            evidence_refs=request.evidence_refs,
            personal_names=request.personal_names,
        )
        if request.HasField("decision_date"):
            as_conclusion.decision_date.CopyFrom(request.decision_date)
        if request.HasField("referral"):
            as_conclusion.referral.CopyFrom(request.referral)
        checked = check(as_conclusion, today, supervision=True)
        task = await self._supervised_task(uow, commitment_id, request.commitment_id, checked.decided)
        superseded = rules.supervision_supersedes(
            request.commitment_id,
            task.status,
            task.outcome,
            decision_date=task.decision_date,
            task_id=str(task.task_id),
            found=checked.outcome,
        )
        done = await close(self.deps, uow, task, checked, rules.VIA_SUPERVISION)
        if superseded != "OUTCOME_UNSPECIFIED":  # the replaced conclusion stays in the audit trail
            earlier = {
                "outcome": task.outcome,
                "findings": task.findings,
                "decision_date": str(task.decision_date),
                "concluded_by": task.concluded_by,
            }
            uow.audit(
                "task.supersede", f"task/{task.task_id}", subject_code=task.subject_code, change=earlier
            )
        return pb.RecordSupervisionFindingResponse(
            task=wire.task(done, today), superseded_outcome=pb.Outcome.Value(superseded)
        )

    async def _supervised_task(
        self, uow: UnitOfWork, commitment_id: uuid.UUID, name: str, decided: dt.date
    ) -> Task:
        """The commitment's task, locked; a commitment waiting in the random-inspection pool
        (免予核查) gets its task now, dated the decision."""
        store = self.deps.store
        task = await store.tasks.task_of_commitment(uow.conn, commitment_id, lock=True)
        if task is not None:
            return owned(task, "commitment", name, "commitment_id")
        department = await store.pool.pooled_department(uow.conn, commitment_id)
        if department is None:
            if await store.pool.withdrawn(uow.conn, commitment_id):
                raise refuse("COMMITMENT_WITHDRAWN", name, "the commitment was withdrawn")
            raise NotFound("commitment", name, "commitment_id")
        current_caller().require_department(department)
        task_id = await store.pool.task_for_supervision(uow.conn, commitment_id, decided, uow.now)
        uow.audit("task.create", f"task/{task_id}", change="daily supervision (日常监管)")
        return await store.tasks.one_task(uow.conn, task_id)

    @query(*STAFF)
    async def CountOverdueEscalations(
        self, request: pb.CountOverdueEscalationsRequest, context: Any
    ) -> pb.CountOverdueEscalationsResponse:
        hierarchy = Hierarchy(await self.deps.store.rosters.department_parents(self.db.pool))
        scope = hierarchy.with_descendants(current_caller().department)
        today = self.db.clock.today()
        counts = await self.deps.store.tasks.escalation_counts(self.db.pool, scope, today)
        return closing_wire.escalation_counts(scope, counts, today)
