"""RepairService: credit repair (信用修复) applied for by the subject, decided by the department
that made the record ("谁认定、谁修复"), within working-day deadlines."""

from __future__ import annotations

from typing import Any

import asyncpg

from chengnuo.credit.v1 import repair_pb2 as pb
from chengnuo.credit.v1 import repair_pb2_grpc
from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts import roles
from services.credit import messages, refresh
from services.credit.api import cases
from services.credit.api.common import acting_for, evidence, found, may_take_application, text
from services.credit.domain import cases as rules
from services.credit.domain.records import ACTIVE
from services.credit.store import cases as store
from services.credit.store import records
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, PreconditionViolation, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

PENDING = "REPAIR_STATUS_PENDING"


class RepairApi(repair_pb2_grpc.RepairServiceServicer):
    def __init__(self, db: Database, calendar: CalendarKeeper) -> None:
        self.db, self.calendar = db, calendar

    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.ApplyRepairResponse)
    async def ApplyRepair(self, request: pb.ApplyRepairRequest, uow: UnitOfWork) -> pb.ApplyRepairResponse:
        record_id = request_uuid("record_id", request.record_id, "record")
        v = Violations()
        obligations = text(v, "obligations_performed", request.obligations_performed)
        proof = evidence(v, "evidence", request.evidence)
        commitment = text(v, "repair_commitment", request.repair_commitment)
        record = found(
            await records.get(uow.conn, record_id, lock=True), "record", request.record_id, "record_id"
        )
        may_take_application(current_caller(), record["region_code"], record["deciding_department"], "record")
        acting_for(current_caller(), v, request.applicant, record["subject_code"], "record")
        v.raise_if_any()
        today = china_date(uow.now)
        blockers = rules.repair_blockers(
            request.record_id, record["status"], record["repairable_from"], today
        )
        if blockers:
            raise FailedPrecondition(
                f"credit repair may not be applied for now: {blockers[0].description}", blockers
            )
        rule_set, terms = await cases.terms_in_force(uow, record["region_code"], today, "repair")
        due = rules.deadline(terms, self.calendar.current, today)
        values = _application(record, obligations, proof, commitment) | {
            "applied_at": uow.now,
            "rule_set": rule_set,
        }
        values |= cases.deadline_columns(due)
        row = await store.insert(uow.conn, store.REPAIR, values)
        if row is None:
            raise FailedPrecondition(
                "a repair application for this record is pending",
                [PreconditionViolation("REPAIR_PENDING", request.record_id, "wait for its decision")],
            )
        uow.audit(
            "repair.apply",
            f"repair/{row['application_id']}",
            subject_code=row["subject_code"],
            change=commitment,
        )
        return pb.ApplyRepairResponse(application=messages.repair_application(row))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideRepairResponse)
    async def DecideRepair(self, request: pb.DecideRepairRequest, uow: UnitOfWork) -> pb.DecideRepairResponse:
        application_id = request_uuid("application_id", request.application_id, "application")
        v = Violations()
        approve = request.decision == pb.REPAIR_DECISION_APPROVE
        if request.decision not in (pb.REPAIR_DECISION_APPROVE, pb.REPAIR_DECISION_REFUSE):
            v.add("decision", "required: approve or refuse")
        # A refusal must say why (the subject is told); an approval may.
        reason = text(v, "reason", request.reason, required=not approve)
        v.raise_if_any()
        case = await cases.pending_case(uow, store.REPAIR, application_id, "repair application", PENDING)
        record = await records.get(uow.conn, case["record_id"], lock=True)
        assert record is not None
        if approve:
            record = await _repair(uow, record)
        decided = {
            "status": "REPAIR_STATUS_APPROVED" if approve else "REPAIR_STATUS_REFUSED",
            "decision_reason": reason,
            "decided_by": current_caller().subject,
            "decided_at": uow.now,
        }
        case = await store.update(uow.conn, store.REPAIR, application_id, decided)
        await _announce(uow, case, record, approve)
        return pb.DecideRepairResponse(
            application=messages.repair_application(case), record=messages.record(record)
        )

    @command(roles.CREDIT_REVIEWER, reply=pb.ExtendRepairDeadlineResponse)
    async def ExtendRepairDeadline(
        self, request: pb.ExtendRepairDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendRepairDeadlineResponse:
        application_id = request_uuid("application_id", request.application_id, "application")
        reason = cases.extension_reason(request.reason)
        case = await cases.pending_case(uow, store.REPAIR, application_id, "repair application", PENDING)
        row = await cases.extend(uow, self.calendar, store.REPAIR, case, reason=reason, section="repair")
        return pb.ExtendRepairDeadlineResponse(application=messages.repair_application(row))

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def ListRepairApplications(
        self, request: pb.ListRepairApplicationsRequest, context: Any
    ) -> pb.ListRepairApplicationsResponse:
        status = cases.status_filter(pb.RepairStatus, request.status)
        rows, next_token = await cases.queue(
            self.db.pool, store.REPAIR, status, request.page_token, request.page_size
        )
        return pb.ListRepairApplicationsResponse(
            applications=[messages.repair_application(r) for r in rows], next_page_token=next_token
        )


def _application(
    record: asyncpg.Record, obligations: str, proof: list[str], commitment: str
) -> dict[str, Any]:
    return {
        "record_id": record["record_id"],
        "subject_kind": record["subject_kind"],
        "subject_code": record["subject_code"],
        "department": record["deciding_department"],  # 谁认定、谁修复
        "obligations_performed": obligations,
        "evidence": proof,
        "repair_commitment": commitment,
        "applied_by": current_caller().subject,
        "status": PENDING,
    }


async def _repair(uow: UnitOfWork, record: asyncpg.Record) -> asyncpg.Record:
    if record["status"] not in ACTIVE:
        raise FailedPrecondition(
            "the record is no longer in force",
            [
                PreconditionViolation(
                    "RECORD_NOT_IN_FORCE", str(record["record_id"]), f"it is {record['status']}"
                )
            ],
        )
    return await records.set_status(
        uow.conn, record["record_id"], "RECORD_STATUS_REPAIRED", china_date(uow.now)
    )


async def _announce(uow: UnitOfWork, case: asyncpg.Record, record: asyncpg.Record, approved: bool) -> None:
    """Approval is one event (`credit.repaired`) plus the subject's lifted restrictions and grade."""
    target = f"repair/{case['application_id']}"
    uow.audit(
        "repair.decide",
        target,
        subject_code=case["subject_code"],
        change=[case["status"], case["decision_reason"]],
    )
    if not approved:
        return
    repaired = events.RecordRepaired(
        record=messages.record(record), application=messages.repair_application(case)
    )
    uow.emit(repaired, entity=f"record/{record['record_id']}")
    await refresh.subject(uow, record["subject_kind"], record["subject_code"])
