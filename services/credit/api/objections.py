"""ObjectionService: objections (异议) to a record, decided by the department that made it.

Filing marks the record disputed at once for every reader; an upheld objection corrects or
revokes the record, withdrawn everywhere through the events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from chengnuo.credit.v1 import credit_pb2, objections_pb2_grpc
from chengnuo.credit.v1 import objections_pb2 as pb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts import roles
from services.credit import messages, refresh
from services.credit.api import cases
from services.credit.api.common import acting_for, evidence, found, may_take_application, text
from services.credit.api.listing import withdraw_unfounded
from services.credit.domain import cases as rules
from services.credit.domain import measures
from services.credit.domain import records as record_rules
from services.credit.domain.rule_sets import find
from services.credit.store import cases as store
from services.credit.store import records, rule_sets
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import Database, UnitOfWork

PENDING = "OBJECTION_STATUS_PENDING"
OUTCOMES = (pb.OBJECTION_OUTCOME_REVOKE, pb.OBJECTION_OUTCOME_CORRECT, pb.OBJECTION_OUTCOME_REJECT)


class ObjectionApi(objections_pb2_grpc.ObjectionServiceServicer):
    def __init__(self, db: Database, calendar: CalendarKeeper) -> None:
        self.db, self.calendar = db, calendar

    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.FileObjectionResponse)
    async def FileObjection(
        self, request: pb.FileObjectionRequest, uow: UnitOfWork
    ) -> pb.FileObjectionResponse:
        record_id = request_uuid("record_id", request.record_id, "record")
        v = Violations()
        reason = text(v, "reason", request.reason)
        proof = evidence(v, "evidence", request.evidence)
        record = found(
            await records.get(uow.conn, record_id, lock=True), "record", request.record_id, "record_id"
        )
        may_take_application(current_caller(), record["region_code"], record["deciding_department"], "record")
        acting_for(current_caller(), v, request.applicant, record["subject_code"], "record")
        v.raise_if_any()
        blockers = rules.objection_blockers(request.record_id, record["status"])
        if blockers:
            raise FailedPrecondition(
                f"an objection may not be filed now: {blockers[0].description}", blockers
            )
        today = china_date(uow.now)
        rule_set, terms = await cases.terms_in_force(uow, record["region_code"], today, "objection")
        values = {
            "record_id": record_id,
            "subject_kind": record["subject_kind"],
            "subject_code": record["subject_code"],
            "department": record["deciding_department"],
            "reason": reason,
            "evidence": proof,
            "filed_by": current_caller().subject,
            "filed_at": uow.now,
            "status": PENDING,
            "rule_set": rule_set,
        } | cases.deadline_columns(rules.deadline(terms, self.calendar.current, today))
        case = await store.insert(uow.conn, store.OBJECTION, values)
        assert case is not None  # the record's lock and status rule out a second pending objection
        record = await records.set_status(uow.conn, record_id, "RECORD_STATUS_UNDER_OBJECTION", None)
        filed = events.ObjectionFiled(objection=messages.objection(case), record=messages.record(record))
        await _announce(uow, case, record, filed, "objection.file")
        return pb.FileObjectionResponse(objection=messages.objection(case), record=messages.record(record))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideObjectionResponse)
    async def DecideObjection(
        self, request: pb.DecideObjectionRequest, uow: UnitOfWork
    ) -> pb.DecideObjectionResponse:
        objection_id = request_uuid("objection_id", request.objection_id, "objection")
        outcome, screen = _check_decision(request)
        request = _screened(request, screen)
        screen.check()
        case = await cases.pending_case(uow, store.OBJECTION, objection_id, "objection", PENDING)
        record = await records.get(uow.conn, case["record_id"], lock=True)
        assert record is not None
        record = await _apply(uow, record, request, outcome)
        await withdraw_unfounded(uow, record)
        decided = {
            "status": "OBJECTION_STATUS_REJECTED" if outcome == "REJECT" else "OBJECTION_STATUS_UPHELD",
            "outcome": f"OBJECTION_OUTCOME_{outcome}",
            "decision_reason": request.reason.strip(),
            "corrected_facts": request.corrected_facts.strip(),
            "corrected_class": record["record_class"] if outcome == "CORRECT" else "",
            "decided_by": current_caller().subject,
            "decided_at": uow.now,
        }
        case = await store.update(uow.conn, store.OBJECTION, objection_id, decided)
        message = events.ObjectionDecided(objection=messages.objection(case), record=messages.record(record))
        await _announce(uow, case, record, message, "objection.decide")
        screen.audit(uow, f"objection/{objection_id}", subject_code=case["subject_code"])
        return pb.DecideObjectionResponse(objection=messages.objection(case), record=messages.record(record))

    @command(roles.CREDIT_REVIEWER, reply=pb.ExtendObjectionDeadlineResponse)
    async def ExtendObjectionDeadline(
        self, request: pb.ExtendObjectionDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendObjectionDeadlineResponse:
        objection_id = request_uuid("objection_id", request.objection_id, "objection")
        reason = cases.extension_reason(request.reason)
        case = await cases.pending_case(uow, store.OBJECTION, objection_id, "objection", PENDING)
        row = await cases.extend(
            uow, self.calendar, store.OBJECTION, case, reason=reason, section="objection"
        )
        return pb.ExtendObjectionDeadlineResponse(objection=messages.objection(row))

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def ListObjections(
        self, request: pb.ListObjectionsRequest, context: Any
    ) -> pb.ListObjectionsResponse:
        status = cases.status_filter(pb.ObjectionStatus, request.status)
        rows, next_token = await cases.queue(
            self.db.pool, store.OBJECTION, status, request.page_token, request.page_size
        )
        return pb.ListObjectionsResponse(
            objections=[messages.objection(r) for r in rows], next_page_token=next_token
        )


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


async def _apply(
    uow: UnitOfWork, record: asyncpg.Record, request: pb.DecideObjectionRequest, outcome: str
) -> asyncpg.Record:
    status = rules.status_after_objection(record["status"], outcome)
    if outcome == "CORRECT":
        return await records.correct(
            uow.conn, record["record_id"], status, await _correction(uow, record, request)
        )
    ended: dt.date | None = china_date(uow.now) if outcome == "REVOKE" else record["ended_on"]
    return await records.set_status(uow.conn, record["record_id"], status, ended)


async def _correction(
    uow: UnitOfWork, record: asyncpg.Record, request: pb.DecideObjectionRequest
) -> records.Correction:
    """The corrected record; a corrected class takes the periods and measures of that class
    under the rule sets the record was decided by."""
    loaded = await rule_sets.all_rule_sets(uow.conn)
    new_class = (
        credit_pb2.RecordClass.Name(request.corrected_class).removeprefix("RECORD_CLASS_")
        if request.corrected_class
        else record["record_class"]
    )
    facts = record_rules.stored_facts(record["safety_related_item"], record["decision_date"])
    periods = record_rules.periods(find(loaded, record["rule_set"]), new_class, facts)
    catalogue = record["measure_catalogue"]
    codes, restricts = (
        measures.pinned(find(loaded, catalogue), new_class)
        if catalogue
        else (list(record["measures"]), list(record["restricts"]))  # decided before the catalogue
    )
    return records.Correction(
        request.corrected_facts.strip(),
        new_class,
        periods.repairable_from,
        periods.publicity_end,
        periods.published,
        codes,
        restricts,
    )


async def _announce(
    uow: UnitOfWork, case: asyncpg.Record, record: asyncpg.Record, event: Any, action: str
) -> None:
    uow.emit(event, entity=f"record/{record['record_id']}")
    uow.audit(
        action, f"objection/{case['objection_id']}", subject_code=case["subject_code"], change=case["outcome"]
    )
    await refresh.subject(uow, record["subject_kind"], record["subject_code"])
