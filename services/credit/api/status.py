"""A subject's credit status, records, and the punishment measures (CreditService)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2 as pb
from services.contracts import roles
from services.contracts.subjects import parse_subject, public_code
from services.credit.api.deps import Deps
from services.credit.api.parse import region_field, text
from services.credit.api.standing import standing_of
from services.credit.domain import standing
from services.credit.domain.measures import Report
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.wire import records as wire
from services.credit.wire.standing import status_response
from services.kernel import convert, lookup
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import Actor, UnitOfWork

# The credit department's own staff and services. Other departments (data_consumer) read through
# CreditSharingService, within a sharing agreement: no agreement, no data (信用信息的归集、推送、
# 反馈, 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)13).
READERS = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
MAX_PURPOSE = 500


class StatusHandlers(Handlers[Deps]):
    @query(*READERS)
    async def GetCreditStatus(
        self, request: pb.GetCreditStatusRequest, context: Any
    ) -> pb.GetCreditStatusResponse:
        today = self.db.clock.today()
        view = await self._logged_read(request.subject, request.purpose, today)
        return status_response(view, today)

    async def _logged_read(
        self, ref: subject_pb2.SubjectRef, purpose: str, today: dt.date
    ) -> standing.Standing:
        """A subject's standing, read in the same unit of work that logs who read it and why."""
        caller = current_caller()
        v = Violations()
        subject = parse_subject(v, "subject", ref)
        # Every query is logged, with its purpose when the reader states one.
        purpose = text(v, "purpose", purpose, required=False, limit=MAX_PURPOSE)
        subject = v.ok(subject)
        async with self.db.unit_of_work(Actor.of(caller)) as uow:
            view = await standing_of(self.deps.store, uow.conn, subject, today)
            target = f"subject/{public_code(subject.kind, subject.code)}"
            uow.audit(
                "credit.read", target, subject_code=subject.code, purpose=purpose or "credit supervision"
            )
        return view

    @query(roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
    async def GetRecord(self, request: pb.GetRecordRequest, context: Any) -> pb.GetRecordResponse:
        get = partial(self.deps.store.records.get, self.db.pool)
        record = await lookup.by_id("record_id", request.record_id, "record", get)
        return pb.GetRecordResponse(record=wire.record(record))

    @query(roles.ANY_ROLE)
    async def ListMeasureCatalogue(
        self, request: pb.ListMeasureCatalogueRequest, context: Any
    ) -> pb.ListMeasureCatalogueResponse:
        v = Violations()
        day = convert.date_field(v, "as_of", request.as_of, required=False) or self.db.clock.today()
        region = region_field(v, request.region_code)
        v.raise_if_any()
        loaded = await self.deps.store.rule_sets.all_rule_sets(self.db.pool)
        chosen = lookup.in_force("as_of", lambda: choose_rule_set(loaded, "measures", day, region))
        return wire.catalogue(chosen)

    @query(*READERS)
    async def ListMeasuresInForce(
        self, request: pb.ListMeasuresInForceRequest, context: Any
    ) -> pb.ListMeasuresInForceResponse:
        view = await self._logged_read(request.subject, request.purpose, self.db.clock.today())
        return pb.ListMeasuresInForceResponse(measures=wire.measures_in_force(view.measures))

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
        view = await standing_of(self.deps.store, uow.conn, subject, china_date(uow.now))
        standing.require_measure_in_force(view, request.measure_code, request.source_id)
        report = Report(
            subject.code,
            request.measure_code,
            source_id,
            caller.department,
            v.ok(applied_on),
            action,
            caller.subject,
        )
        reported = await self.deps.store.feedback.insert(uow.conn, report, uow.now)
        target = f"feedback/{reported.feedback_id}"
        uow.audit("measure.feedback", target, subject_code=subject.code, change=action)
        screen.audit(uow, target, subject_code=subject.code)
        return pb.ReportMeasureAppliedResponse(feedback=wire.feedback(reported))
