"""InspectionResultService: results of random inspections (双随机) and joint inspections
(综合查一次), 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四)-(五)."""

from __future__ import annotations

import uuid
from typing import Any

from chengnuo.verification.v1 import results_pb2 as pb
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import AlreadyExists, FailedPrecondition, PermissionDenied, Violations
from services.kernel.ids import optional_uuid, request_uuid, uuid_field
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import UnitOfWork
from services.verification.api.common import STAFF
from services.verification.api.deps import Deps
from services.verification.domain import deadlines
from services.verification.domain import results as rules
from services.verification.flows import publishing
from services.verification.store.results import NewResult, ResultFilter, StoredResult, Target
from services.verification.wire import results as wire

MAX_CODE = rules.MAX_CODE


class ResultHandlers(Handlers[Deps]):
    @command(*STAFF, reply=pb.RecordInspectionResultResponse)
    async def RecordInspectionResult(
        self, request: pb.RecordInspectionResultRequest, uow: UnitOfWork
    ) -> pb.RecordInspectionResultResponse:
        caller = current_caller()
        today = china_date(uow.now)
        v = Violations()
        screen = NameScreen.of(v, request.personal_names)
        keys = _keys(v, request)
        draft = _draft(v, request, screen)
        book = self.deps.rules()
        minimum = in_force("inspection_date", lambda: book.sampling(draft.inspection_date or today))
        rules.check_draft(v, draft, today, minimum.minimum_team, caller.department)
        v.raise_if_any()
        screen.check()
        assert draft.inspection_date is not None
        target = await self._target(uow, request, keys)
        refusal = rules.may_record(target.inspection, caller.department)
        if refusal:
            raise PermissionDenied(refusal)
        earlier = await self.deps.store.results.of_target(uow.conn, target)
        if earlier is not None:
            raise AlreadyExists(f"inspection result of {target.inspection.name}", str(earlier))
        problems = rules.fit_problems(target.inspection, draft)
        if problems:
            raise FailedPrecondition(f"the result does not fit {target.inspection.name}", problems)
        day = draft.inspection_date
        publication = in_force("inspection_date", lambda: book.publication(day, target.region_code))
        # The same deadlines as a verification conclusion's: the 5-day push and the 20 working
        # days of publication count from the inspection, the day the result is known.
        due = deadlines.publication_deadlines(self.deps.calendar.current, publication, day, ())
        stored = await self.deps.store.results.insert(uow.conn, _new(target, draft, due, uow))
        wire.recorded(uow, stored)
        await publishing.result(self.deps.publisher, uow, stored, target.region_code)
        entity = f"result/{stored.result_id}"
        change = {"inspection": target.inspection.name, "problem_found": str(stored.problem_found)}
        uow.audit("inspection.record_result", entity, subject_code=stored.subject_code, change=change)
        screen.audit(uow, entity, subject_code=stored.subject_code)
        return pb.RecordInspectionResultResponse(result=wire.result(stored))

    @query(*STAFF)
    async def GetInspectionResult(
        self, request: pb.GetInspectionResultRequest, context: Any
    ) -> pb.GetInspectionResultResponse:
        result_id = request_uuid("result_id", request.result_id, "inspection result")
        found = await self.deps.store.results.get(self.db.pool, result_id)
        stored = _taking_part(lookup.found(found, "inspection result", request.result_id, "result_id"))
        return pb.GetInspectionResultResponse(result=wire.result(stored))

    @query(*STAFF)
    async def ListInspectionResults(
        self, request: pb.ListInspectionResultsRequest, context: Any
    ) -> pb.ListInspectionResultsResponse:
        where = _filter(request)
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        department = current_caller().department
        found = await self.deps.store.results.listing(self.db.pool, department, where, after, size)
        last = paging.next_token(found, size, "recorded_at", "result_id")
        return pb.ListInspectionResultsResponse(results=[wire.result(r) for r in found], next_page_token=last)

    async def _target(
        self, uow: UnitOfWork, request: pb.RecordInspectionResultRequest, keys: tuple[uuid.UUID, str | None]
    ) -> Target:
        key, code = keys
        store = self.deps.store.results
        if code is not None:
            drawn = await store.drawn(uow.conn, key, code)
            if drawn is None and await self.deps.store.draws.get(uow.conn, key) is None:
                lookup.found(None, "draw", request.draw_id, "draw_id")
            return lookup.found(drawn, f"drawn subject of draw {key}", code, "subject_code")
        if request.registration_id:
            registered = await store.registered(uow.conn, key)
            return lookup.found(registered, "registration", request.registration_id, "registration_id")
        found = await store.joint(uow.conn, key)
        return lookup.found(found, "joint inspection", request.joint_inspection_id, "joint_inspection_id")


def _taking_part(r: StoredResult) -> StoredResult:
    """The result, if the caller's department takes part (records it or recognises it, 互认)."""
    department = current_caller().department
    if department not in r.departments:
        raise PermissionDenied(f"department {department!r} does not take part in result {r.result_id}")
    return r


def _keys(v: Violations, request: pb.RecordInspectionResultRequest) -> tuple[uuid.UUID, str | None]:
    """The inspection named: (draw id, subject code), or (joint inspection or registration id, None)."""
    by_draw = bool(request.draw_id or request.subject_code)
    if by_draw + bool(request.joint_inspection_id) + bool(request.registration_id) != 1:
        v.add("draw_id", "exactly one of: draw_id with subject_code, joint_inspection_id, or registration_id")
        return uuid.UUID(int=0), None
    if request.registration_id:
        return uuid_field(v, "registration_id", request.registration_id, "registration") or uuid.UUID(
            int=0
        ), None
    if not by_draw:
        return uuid_field(
            v, "joint_inspection_id", request.joint_inspection_id, "joint inspection"
        ) or uuid.UUID(int=0), None
    draw_id = optional_uuid(v, "draw_id", request.draw_id, "draw")
    if not request.draw_id:
        v.add("draw_id", "required with subject_code: the draw that drew the subject")
    code = request.subject_code.strip()
    if not code or len(code) > MAX_CODE:
        v.add("subject_code", f"required with draw_id: the drawn subject's code, at most {MAX_CODE}")
    return draw_id or uuid.UUID(int=0), code


def _draft(v: Violations, request: pb.RecordInspectionResultRequest, screen: NameScreen) -> rules.Draft:
    items = []
    for i, item in enumerate(request.items):
        outcome = pb.ItemOutcome.Name(item.outcome) if item.outcome in pb.ItemOutcome.values() else ""
        findings = screen.text(f"items[{i}].findings", item.findings.strip())
        items.append(rules.ItemResult(item.check_item.strip(), outcome, findings))
    measures = []
    for i, m in enumerate(request.measures):
        kind = pb.ResultMeasureKind.Name(m.kind) if m.kind in pb.ResultMeasureKind.values() else ""
        deadline = None
        if m.HasField("deadline"):
            deadline = convert.date_field(v, f"measures[{i}].deadline", m.deadline)
        measures.append(
            rules.Measure(
                kind,
                m.legal_basis.strip(),
                deadline,
                m.case_number.strip(),
                m.to_department.strip(),
                screen.text(f"measures[{i}].note", m.note.strip()),
            )
        )
    ack = request.acknowledgement
    return rules.Draft(
        inspection_date=convert.date_field(v, "inspection_date", request.inspection_date),
        items=tuple(items),
        inspectors=tuple(n.strip() for n in request.inspectors),
        evidence_refs=tuple(r.strip() for r in request.evidence_refs),
        acknowledgement=pb.Acknowledgement.Name(ack) if ack in pb.Acknowledgement.values() else "",
        refusal_note=screen.text("refusal_note", request.refusal_note.strip()),
        measures=tuple(measures),
    )


def _new(target: Target, d: rules.Draft, due: deadlines.PublicationDeadlines, uow: UnitOfWork) -> NewResult:
    i = target.inspection
    assert d.inspection_date is not None
    return NewResult(
        result_id=uuid.uuid4(),
        draw_id=target.draw_id,
        position=target.position,
        joint_id=target.joint_id,
        subject_code=i.subject_code,
        subject_kind=i.subject_kind,
        subject_name=i.subject_name,
        recording_department=current_caller().department,
        departments=i.departments,
        year=d.inspection_date.year,
        inspection_date=d.inspection_date,
        items=d.items,
        problem_found=d.problem_found,
        measures=d.measures,
        evidence_refs=d.evidence_refs,
        inspectors=d.inspectors,
        acknowledgement=d.acknowledgement,
        refusal_note=d.refusal_note,
        push_deadline=due.push,
        publication_deadline=due.publish.date,
        publication_provisional=due.publish.provisional,
        publication_rule_set=due.rule_set,
        recorded_by=current_caller().subject,
        recorded_at=uow.now,
        registration_id=target.registration_id,
    )


def _filter(request: pb.ListInspectionResultsRequest) -> ResultFilter:
    v = Violations()
    draw_id = optional_uuid(v, "draw_id", request.draw_id, "draw")
    joint_id = optional_uuid(v, "joint_inspection_id", request.joint_inspection_id, "joint inspection")
    for name in ("subject_code", "recording_department"):
        if len(getattr(request, name)) > MAX_CODE:
            v.add(name, f"at most {MAX_CODE} characters")
    if request.year and not 2000 <= request.year <= 2100:
        v.add("year", "0 (any year) or 2000 to 2100")
    v.raise_if_any()
    return ResultFilter(
        draw_id=draw_id,
        joint_id=joint_id,
        subject_code=request.subject_code.strip() or None,
        recording_department=request.recording_department.strip() or None,
        year=request.year or None,
    )
