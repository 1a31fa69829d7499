"""CreditService: a subject's credit status, records, and the punishment measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import credit_pb2_grpc
from services.contracts import roles
from services.contracts.subjects import parse_subject, public_code
from services.credit import messages, views
from services.credit.api.common import found, region_field, text
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store import feedback, records, rule_sets
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, InvalidArgument, PreconditionViolation, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import Actor, Database, UnitOfWork

# The credit department's own staff and services. Other departments (data_consumer) read through
# CreditSharingService, within a sharing agreement: no agreement, no data (domain.md §6).
READERS = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
MAX_PURPOSE = 500


class CreditApi(credit_pb2_grpc.CreditServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    @query(*READERS)
    async def GetCreditStatus(
        self, request: pb.GetCreditStatusRequest, context: Any
    ) -> pb.GetCreditStatusResponse:
        today = self.db.clock.today()
        view = await self._logged_read(request.subject, request.purpose, today)
        return views.status_response(view, today)

    async def _logged_read(self, ref: subject_pb2.SubjectRef, purpose: str, today: dt.date) -> views.Standing:
        """A subject's standing, read in the same unit of work that logs who read it and why."""
        caller = current_caller()
        v = Violations()
        subject = parse_subject(v, "subject", ref)
        # Every query is logged, with its purpose when the reader states one.
        purpose = text(v, "purpose", purpose, required=False, limit=MAX_PURPOSE)
        subject = v.ok(subject)
        async with self.db.unit_of_work(Actor.of(caller)) as uow:
            view = await views.standing_of(uow.conn, subject, today)
            target = f"subject/{public_code(subject.kind, subject.code)}"
            uow.audit(
                "credit.read", target, subject_code=subject.code, purpose=purpose or "credit supervision"
            )
        return view

    @query(roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
    async def GetRecord(self, request: pb.GetRecordRequest, context: Any) -> pb.GetRecordResponse:
        record_id = request_uuid("record_id", request.record_id, "record")
        row = found(await records.get(self.db.pool, record_id), "record", request.record_id, "record_id")
        return pb.GetRecordResponse(record=messages.record(row))

    @query(roles.ANY_ROLE)
    async def ListMeasureCatalogue(
        self, request: pb.ListMeasureCatalogueRequest, context: Any
    ) -> pb.ListMeasureCatalogueResponse:
        v = Violations()
        day = convert.date_field(v, "as_of", request.as_of, required=False) or self.db.clock.today()
        region = region_field(v, request.region_code)
        v.raise_if_any()
        try:
            chosen = choose_rule_set(await rule_sets.all_rule_sets(self.db.pool), "measures", day, region)
        except LookupError as exc:
            raise InvalidArgument.one("as_of", str(exc)) from None
        return messages.catalogue(chosen)

    @query(*READERS)
    async def ListMeasuresInForce(
        self, request: pb.ListMeasuresInForceRequest, context: Any
    ) -> pb.ListMeasuresInForceResponse:
        view = await self._logged_read(request.subject, request.purpose, self.db.clock.today())
        return pb.ListMeasuresInForceResponse(measures=view.measures)

    @command(roles.CREDIT_OFFICER, roles.DATA_CONSUMER, roles.SERVICE, reply=pb.ReportMeasureAppliedResponse)
    async def ReportMeasureApplied(
        self, request: pb.ReportMeasureAppliedRequest, uow: UnitOfWork
    ) -> pb.ReportMeasureAppliedResponse:
        caller = current_caller()
        v = Violations()
        screen = NameScreen.of(v, request.personal_names)
        subject = parse_subject(v, "subject", request.subject)
        applied_on = convert.date_field(v, "applied_on", request.applied_on)
        action = text(v, "action", request.action)
        if not caller.department:
            v.add("department", "the caller's token names no department to report for")
        source_id = request_uuid("source_id", request.source_id, "record or list entry")
        subject = v.ok(subject)
        action = screen.text("action", action)  # shared with the measures in credit reports
        screen.check()
        view = await views.standing_of(uow.conn, subject, china_date(uow.now))
        _require_in_force(view, request.measure_code, request.source_id)
        report = feedback.Report(
            subject.code,
            request.measure_code,
            source_id,
            caller.department,
            v.ok(applied_on),
            action,
            caller.subject,
        )
        row = await feedback.insert(uow.conn, report, uow.now)
        uow.audit(
            "measure.feedback", f"feedback/{row['feedback_id']}", subject_code=subject.code, change=action
        )
        screen.audit(uow, f"feedback/{row['feedback_id']}", subject_code=subject.code)
        return pb.ReportMeasureAppliedResponse(feedback=messages.feedback(row))


def _require_in_force(view: views.Standing, measure_code: str, source_id: str) -> None:
    if not any(m.measure.code == measure_code and m.source_id == source_id for m in view.measures):
        raise FailedPrecondition(
            "the measure is not in force for this subject",
            [
                PreconditionViolation(
                    "MEASURE_NOT_IN_FORCE",
                    source_id,
                    f"measure {measure_code!r} is not in force for the subject through {source_id}",
                )
            ],
        )
