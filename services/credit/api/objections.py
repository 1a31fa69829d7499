"""Objections (异议) to a record, decided by the department that made it.

Filing marks the record disputed at once for every reader; an upheld objection corrects or
revokes the record, withdrawn everywhere through the events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.message import Message

from chengnuo.credit.v1 import credit_pb2
from chengnuo.credit.v1 import objections_pb2 as pb
from services.contracts import roles
from services.credit.api.cases import CaseHandlers, CaseKind, deadline_columns
from services.credit.api.listing import withdraw_unfounded
from services.credit.api.parse import evidence, text
from services.credit.domain import cases as rules
from services.credit.domain import measures
from services.credit.domain import records as record_rules
from services.credit.domain.cases import Objection
from services.credit.domain.records import UNDER_OBJECTION, Record
from services.credit.domain.rule_sets import find
from services.credit.flows import publicity, refresh
from services.credit.store.cases import OBJECTION
from services.credit.store.records import Correction
from services.credit.wire import events
from services.credit.wire.cases import objection as objection_message
from services.credit.wire.records import record as record_message
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import UnitOfWork

PENDING = rules.OBJECTION_PENDING
OBJECTIONS = CaseKind(OBJECTION, "objection", PENDING, "objection", pb.ObjectionStatus)
OUTCOMES = (pb.OBJECTION_OUTCOME_REVOKE, pb.OBJECTION_OUTCOME_CORRECT, pb.OBJECTION_OUTCOME_REJECT)


class ObjectionHandlers(CaseHandlers):
    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.FileObjectionResponse)
    async def FileObjection(
        self, request: pb.FileObjectionRequest, uow: UnitOfWork
    ) -> pb.FileObjectionResponse:
        store = self.deps.store
        record_id = request_uuid("record_id", request.record_id, "record")
        v = Violations()
        reason = text(v, "reason", request.reason)
        proof = evidence(v, "evidence", request.evidence)
        record = await self._applied_for(uow, v, record_id, request.record_id, request.applicant)
        v.raise_if_any()
        rules.may_object(record, request.record_id)
        today = china_date(uow.now)
        rule_set, terms = await self._terms_in_force(uow, record.region_code, today, OBJECTIONS)
        values = {
            "record_id": record_id,
            "subject_kind": record.subject_kind,
            "subject_code": record.subject_code,
            "department": record.deciding_department,
            "reason": reason,
            "evidence": proof,
            "filed_by": current_caller().subject,
            "filed_at": uow.now,
            "status": PENDING,
            "rule_set": rule_set,
        } | deadline_columns(rules.deadline(terms, self.deps.calendar.current, today))
        case = await store.cases.insert(uow.conn, OBJECTION, values)
        assert case is not None  # the record's lock and status rule out a second pending objection
        disputed = await store.records.set_status(uow.conn, record_id, UNDER_OBJECTION, None)
        publicity.record_changed(uow, self.deps.publicity, record, disputed)  # disputed at once
        record = disputed
        await self._announce(uow, case, record, events.objection_filed(case, record), "objection.file")
        return pb.FileObjectionResponse(objection=objection_message(case), record=record_message(record))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideObjectionResponse)
    async def DecideObjection(
        self, request: pb.DecideObjectionRequest, uow: UnitOfWork
    ) -> pb.DecideObjectionResponse:
        store = self.deps.store
        objection_id = request_uuid("objection_id", request.objection_id, "objection")
        outcome, screen = _check_decision(request)
        request = _screened(request, screen)
        screen.check()
        case = await self._pending(uow, OBJECTIONS, objection_id)
        before = await store.records.get(uow.conn, case.record_id, lock=True)
        assert before is not None
        record = await self._apply(uow, before, request, outcome)
        publicity.record_changed(uow, self.deps.publicity, before, record)
        await withdraw_unfounded(self.deps, uow, record)
        decided = {
            "status": rules.OBJECTION_REJECTED if outcome == "REJECT" else rules.OBJECTION_UPHELD,
            "outcome": f"OBJECTION_OUTCOME_{outcome}",
            "decision_reason": request.reason.strip(),
            "corrected_facts": request.corrected_facts.strip(),
            "corrected_class": record.record_class if outcome == "CORRECT" else "",
            "decided_by": current_caller().subject,
            "decided_at": uow.now,
        }
        case = await store.cases.update(uow.conn, OBJECTION, objection_id, decided)
        await self._announce(uow, case, record, events.objection_decided(case, record), "objection.decide")
        screen.audit(uow, f"objection/{objection_id}", subject_code=case.subject_code)
        return pb.DecideObjectionResponse(objection=objection_message(case), record=record_message(record))

    @command(roles.CREDIT_REVIEWER, reply=pb.ExtendObjectionDeadlineResponse)
    async def ExtendObjectionDeadline(
        self, request: pb.ExtendObjectionDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendObjectionDeadlineResponse:
        objection_id = request_uuid("objection_id", request.objection_id, "objection")
        extended = await self._extended(uow, OBJECTIONS, objection_id, request.reason)
        return pb.ExtendObjectionDeadlineResponse(objection=objection_message(extended))

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def ListObjections(
        self, request: pb.ListObjectionsRequest, context: Any
    ) -> pb.ListObjectionsResponse:
        page, next_token = await self._queue(OBJECTIONS, request)
        return pb.ListObjectionsResponse(
            objections=[objection_message(o) for o in page], next_page_token=next_token
        )

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def CountOverdueObjections(
        self, request: pb.CountOverdueObjectionsRequest, context: Any
    ) -> pb.CountOverdueObjectionsResponse:
        department, overdue, pending, today = await self._overdue_count(OBJECTIONS)
        return pb.CountOverdueObjectionsResponse(
            department=department, overdue=overdue, pending=pending, as_of=convert.to_date(today)
        )

    async def _apply(
        self, uow: UnitOfWork, record: Record, request: pb.DecideObjectionRequest, outcome: str
    ) -> Record:
        status = rules.status_after_objection(record.status, outcome)
        if outcome == "CORRECT":
            correction = await self._correction(uow, record, request)
            return await self.deps.store.records.correct(uow.conn, record.record_id, status, correction)
        ended: dt.date | None = china_date(uow.now) if outcome == "REVOKE" else record.ended_on
        return await self.deps.store.records.set_status(uow.conn, record.record_id, status, ended)

    async def _correction(
        self, uow: UnitOfWork, record: Record, request: pb.DecideObjectionRequest
    ) -> Correction:
        """The corrected record; a corrected class takes the periods and measures of that class
        under the rule sets the record was decided by."""
        loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
        new_class = (
            credit_pb2.RecordClass.Name(request.corrected_class).removeprefix("RECORD_CLASS_")
            if request.corrected_class
            else record.record_class
        )
        facts = record_rules.stored_facts(record.safety_related_item, record.decision_date)
        periods = record_rules.periods(find(loaded, record.rule_set), new_class, facts)
        catalogue = record.measure_catalogue
        codes, restricts = (
            measures.pinned(find(loaded, catalogue), new_class)
            if catalogue
            else (list(record.measures), list(record.restricts))  # decided before the catalogue
        )
        return Correction(
            request.corrected_facts.strip(),
            new_class,
            periods.repairable_from,
            periods.publicity_end,
            periods.published,
            codes,
            restricts,
        )

    async def _announce(
        self, uow: UnitOfWork, case: Objection, record: Record, event: Message, action: str
    ) -> None:
        uow.emit(event, entity=f"record/{record.record_id}")
        uow.audit(action, f"objection/{case.case_id}", subject_code=case.subject_code, change=case.outcome)
        await refresh.subject(self.deps.store, uow, record.subject_kind, record.subject_code)


def _check_decision(request: pb.DecideObjectionRequest) -> tuple[str, NameScreen]:
    v = Violations()
    screen = NameScreen.of(v, request.personal_names)
    if request.outcome not in OUTCOMES:
        v.add("outcome", "required: revoke, correct or reject")
    text(v, "reason", request.reason)
    correcting = request.outcome == pb.OBJECTION_OUTCOME_CORRECT
    text(v, "corrected_facts", request.corrected_facts, required=correcting)
    if request.corrected_facts and not correcting:
        v.add("corrected_facts", "only with the outcome correct")
    if request.corrected_class not in credit_pb2.RecordClass.values() or (
        request.corrected_class and not correcting
    ):
        v.add("corrected_class", "a record class, only with the outcome correct")
    v.raise_if_any()
    return pb.ObjectionOutcome.Name(request.outcome).removeprefix("OBJECTION_OUTCOME_"), screen


def _screened(request: pb.DecideObjectionRequest, screen: NameScreen) -> pb.DecideObjectionRequest:
    """The decision as it is kept: corrected facts become the record's published facts, so they
    are screened for names (the decision's own reason is neither published nor shared)."""
    kept = pb.DecideObjectionRequest()
    kept.CopyFrom(request)
    kept.corrected_facts = screen.text("corrected_facts", request.corrected_facts)
    return kept
