"""Credit repair (信用修复) applied for by the subject, decided by the department that made the
record ("谁认定、谁修复"), within working-day deadlines."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import repair_pb2 as pb
from services.contracts import roles
from services.credit.api.cases import CaseHandlers, CaseKind, deadline_columns
from services.credit.api.listing import end_repaired
from services.credit.api.parse import evidence, text
from services.credit.domain import cases as rules
from services.credit.domain.records import REPAIRED, Record
from services.credit.flows import publicity, refresh
from services.credit.store.cases import REPAIR
from services.credit.wire import events
from services.credit.wire.cases import repair_application
from services.credit.wire.records import record as record_message
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork

PENDING = rules.REPAIR_PENDING
REPAIRS = CaseKind(REPAIR, "repair application", PENDING, "repair", pb.RepairStatus)


class RepairHandlers(CaseHandlers):
    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.ApplyRepairResponse)
    async def ApplyRepair(self, request: pb.ApplyRepairRequest, uow: UnitOfWork) -> pb.ApplyRepairResponse:
        store = self.deps.store
        record_id = request_uuid("record_id", request.record_id, "record")
        v = Violations()
        obligations = text(v, "obligations_performed", request.obligations_performed)
        proof = evidence(v, "evidence", request.evidence)
        commitment = text(v, "repair_commitment", request.repair_commitment)
        record = await self._applied_for(uow, v, record_id, request.record_id, request.applicant)
        v.raise_if_any()
        today = china_date(uow.now)
        rules.may_apply_for_repair(record, today, request.record_id)
        rule_set, terms = await self._terms_in_force(uow, record.region_code, today, REPAIRS)
        due = rules.deadline(terms, self.deps.calendar.current, today)
        values = _application(record, obligations, proof, commitment) | {
            "applied_at": uow.now,
            "rule_set": rule_set,
        }
        values |= deadline_columns(due)
        application = await store.cases.insert(uow.conn, REPAIR, values)
        if application is None:
            raise rules.repair_pending(request.record_id)
        target = f"repair/{application.case_id}"
        uow.audit("repair.apply", target, subject_code=application.subject_code, change=commitment)
        return pb.ApplyRepairResponse(application=repair_application(application))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideRepairResponse)
    async def DecideRepair(self, request: pb.DecideRepairRequest, uow: UnitOfWork) -> pb.DecideRepairResponse:
        store = self.deps.store
        application_id = request_uuid("application_id", request.application_id, "application")
        v = Violations()
        approve = request.decision == pb.REPAIR_DECISION_APPROVE
        if request.decision not in (pb.REPAIR_DECISION_APPROVE, pb.REPAIR_DECISION_REFUSE):
            v.add("decision", "required: approve or refuse")
        # A refusal must say why (the subject is told); an approval may.
        reason = text(v, "reason", request.reason, required=not approve)
        v.raise_if_any()
        case = await self._pending(uow, REPAIRS, application_id)
        before = await store.records.get(uow.conn, case.record_id, lock=True)
        assert before is not None
        record = before
        if approve:
            rules.require_repairable(record)
            record = await store.records.set_status(uow.conn, record.record_id, REPAIRED, china_date(uow.now))
        decided = {
            "status": rules.REPAIR_APPROVED if approve else rules.REPAIR_REFUSED,
            "decision_reason": reason,
            "decided_by": current_caller().subject,
            "decided_at": uow.now,
        }
        case = await store.cases.update(uow.conn, REPAIR, application_id, decided)
        uow.audit(
            "repair.decide",
            f"repair/{case.case_id}",
            subject_code=case.subject_code,
            change=[case.status, case.decision_reason],
        )
        if approve:
            # Approval is one event (`credit.repaired`) plus the subject's lifted restrictions and grade.
            uow.emit(events.record_repaired(record, case), entity=f"record/{record.record_id}")
            publicity.record_changed(uow, self.deps.publicity, before, record)  # no longer published
            await end_repaired(self.deps, uow, record)  # a listing resting only on repaired records ends
            await refresh.subject(store, uow, record.subject_kind, record.subject_code)
        return pb.DecideRepairResponse(application=repair_application(case), record=record_message(record))

    @command(roles.CREDIT_REVIEWER, reply=pb.ExtendRepairDeadlineResponse)
    async def ExtendRepairDeadline(
        self, request: pb.ExtendRepairDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendRepairDeadlineResponse:
        application_id = request_uuid("application_id", request.application_id, "application")
        extended = await self._extended(uow, REPAIRS, application_id, request.reason)
        return pb.ExtendRepairDeadlineResponse(application=repair_application(extended))

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def ListRepairApplications(
        self, request: pb.ListRepairApplicationsRequest, context: Any
    ) -> pb.ListRepairApplicationsResponse:
        page, next_token = await self._queue(REPAIRS, request)
        return pb.ListRepairApplicationsResponse(
            applications=[repair_application(a) for a in page], next_page_token=next_token
        )

    @query(roles.CREDIT_REVIEWER, roles.CREDIT_OFFICER)
    async def CountOverdueRepairApplications(
        self, request: pb.CountOverdueRepairApplicationsRequest, context: Any
    ) -> pb.CountOverdueRepairApplicationsResponse:
        department, overdue, pending, today = await self._overdue_count(REPAIRS)
        return pb.CountOverdueRepairApplicationsResponse(
            department=department, overdue=overdue, pending=pending, as_of=convert.to_date(today)
        )


def _application(record: Record, obligations: str, proof: list[str], commitment: str) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "subject_kind": record.subject_kind,
        "subject_code": record.subject_code,
        "department": record.deciding_department,  # 谁认定、谁修复
        "obligations_performed": obligations,
        "evidence": proof,
        "repair_commitment": commitment,
        "applied_by": current_caller().subject,
        "status": PENDING,
    }
