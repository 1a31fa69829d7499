"""InspectionRegistrationService: inspections outside the annual plans (计划外检查), registered
(报备) ahead and checked against the inspection ledger
(《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三))."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from chengnuo.verification.v1 import registrations_pb2 as gpb
from services.contracts.subjects import parse_subject
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Connection
from services.kernel.errors import FailedPrecondition, InvalidArgument, PreconditionViolation, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import STAFF
from services.verification.api.deps import Deps
from services.verification.domain import registrations as rules
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.ledger import REGISTRATION
from services.verification.domain.registrations import Proposed, Refusal
from services.verification.domain.rules import JointRules, RegistrationRules
from services.verification.store.registrations import NewRegistration
from services.verification.wire import registrations as wire

MAX_YEAR, MIN_YEAR = 2100, 2000


class RegistrationHandlers(Handlers[Deps]):
    @command(*STAFF, reply=gpb.RegisterInspectionResponse)
    async def RegisterInspection(
        self, request: gpb.RegisterInspectionRequest, uow: UnitOfWork
    ) -> gpb.RegisterInspectionResponse:
        caller = current_caller()
        v = Violations()
        draft = parse.parse_planned_inspection(
            v, request.inspection, caller.department, by=caller.subject, now=uow.now
        )
        v.raise_if_any()
        assert draft is not None
        field = "inspection.planned_date"
        joint_rules, reg_rules = self._rules(field, draft.planned_date)
        minimum = in_force(
            field, lambda: self.deps.rules().tasks(draft.planned_date)
        ).on_site_minimum_inspectors
        if len(draft.certificate_numbers) < minimum:
            raise InvalidArgument.one(
                "inspection.certificate_numbers",
                f"at least {minimum} inspectors for an inspection on site (rule set of kind tasks)",
            )
        store = self.deps.store
        await store.joint.lock_planning(uow.conn)  # the ledger is read, then added to
        proposed = Proposed(
            draft.subject_code,
            draft.department,
            draft.inspection_type,
            draft.planned_date,
            draft.consent_reference,
        )
        found = await self._refusals(uow.conn, proposed, china_date(uow.now), joint_rules, reg_rules)
        if found:
            raise FailedPrecondition(
                "the inspection outside the plans may not be registered", [r.violation() for r in found]
            )
        await self._require_inspectors(uow.conn, draft)
        await self._notice_allowed(uow.conn, draft)
        stored = await store.registrations.insert(
            uow.conn, dataclasses.replace(draft, rule_sets=(joint_rules.id, reg_rules.id))
        )
        entry = (draft.subject_code, draft.department, draft.inspection_type, draft.planned_date)
        await store.ledger.record_registration(uow.conn, stored.registration_id, entry, uow.now)
        uow.audit(
            "inspection.register",
            f"registration/{stored.registration_id}",
            subject_code=draft.subject_code,
            change=[draft.inspection_type, draft.planned_date.isoformat()],
        )
        return gpb.RegisterInspectionResponse(registration=wire.registration(stored))

    @query(*STAFF)
    async def GetRegistration(
        self, request: gpb.GetRegistrationRequest, context: Any
    ) -> gpb.GetRegistrationResponse:
        registration_id = request_uuid("registration_id", request.registration_id, "registration")
        stored = await self.deps.store.registrations.get(self.db.pool, registration_id)
        found = lookup.owned(stored, "registration", request.registration_id, "registration_id")
        return gpb.GetRegistrationResponse(registration=wire.registration(found))

    @query(*STAFF)
    async def ListRegistrations(
        self, request: gpb.ListRegistrationsRequest, context: Any
    ) -> gpb.ListRegistrationsResponse:
        if not MIN_YEAR <= request.year <= MAX_YEAR:
            raise InvalidArgument.one(
                "year", f"required: the year of the planned dates, {MIN_YEAR} to {MAX_YEAR}"
            )
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID)
        department = current_caller().department
        found = await self.deps.store.registrations.listing(
            self.db.pool, department, request.year, after, size
        )
        last = paging.next_token(found, size, "planned_date", "registration_id")
        return gpb.ListRegistrationsResponse(
            registrations=[wire.registration(r) for r in found], next_page_token=last
        )

    @command(*STAFF, reply=gpb.CancelRegistrationResponse)
    async def CancelRegistration(
        self, request: gpb.CancelRegistrationRequest, uow: UnitOfWork
    ) -> gpb.CancelRegistrationResponse:
        registration_id = request_uuid("registration_id", request.registration_id, "registration")
        reason = request.reason.strip()
        if not reason or len(request.reason) > rules.MAX_REASON:
            raise InvalidArgument.one(
                "reason", f"required: why it is withdrawn, at most {rules.MAX_REASON} characters"
            )
        store = self.deps.store
        stored = await store.registrations.get(uow.conn, registration_id, lock=True)
        found = lookup.owned(stored, "registration", request.registration_id, "registration_id")
        problems = rules.check_cancellable(
            request.registration_id, found.status, found.planned_date, china_date(uow.now)
        )
        if problems:
            raise FailedPrecondition(
                problems[0],
                [PreconditionViolation(rules.NOT_REGISTERED, request.registration_id, problems[0])],
            )
        cancelled = await store.registrations.cancel(
            uow.conn, registration_id, reason, current_caller().subject, uow.now
        )
        await store.ledger.cancel(uow.conn, REGISTRATION, [str(registration_id)], uow.now)
        uow.audit(
            "inspection.registration_cancel",
            f"registration/{registration_id}",
            subject_code=found.subject_code,
            change=reason,
        )
        return gpb.CancelRegistrationResponse(registration=wire.registration(cancelled))

    @query(*STAFF)
    async def CheckInspectionAllowed(
        self, request: gpb.CheckInspectionAllowedRequest, context: Any
    ) -> gpb.CheckInspectionAllowedResponse:
        caller = current_caller()
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        parse.check_registering_department(v, "department", request.department, caller.department)
        parse.check_inspection_type(v, "inspection_type", request.inspection_type)
        planned = convert.date_field(v, "planned_date", request.planned_date)
        parse.check_consent_reference(v, "consent_reference", request.consent_reference)
        v.raise_if_any()
        assert subject is not None
        assert planned is not None
        joint_rules, reg_rules = self._rules("planned_date", planned)
        proposed = Proposed(
            subject.code,
            request.department,
            request.inspection_type,
            planned,
            request.consent_reference.strip(),
        )
        async with self.db.pool.acquire() as conn:
            today = china_date(self.db.clock.now())
            found = await self._refusals(conn, proposed, today, joint_rules, reg_rules)
        return wire.allowed(found, [joint_rules.id, reg_rules.id])

    def _rules(self, field: str, day: dt.date) -> tuple[JointRules, RegistrationRules]:
        book = self.deps.rules()
        return in_force(field, lambda: book.joint(day)), in_force(field, lambda: book.registration(day))

    async def _refusals(
        self, conn: Connection, p: Proposed, today: dt.date, joint: JointRules, reg: RegistrationRules
    ) -> list[Refusal]:
        store = self.deps.store
        parents = await store.rosters.department_parents(conn)
        earlier = await store.ledger.of_subject(conn, p.subject_code, p.planned_date.year)
        return rules.refusals(p, today, earlier, hierarchy=Hierarchy(parents), joint=joint, rules=reg)

    async def _notice_allowed(self, conn: Connection, draft: NewRegistration) -> None:
        """Advance notice of time, basis and method is the rule, unless an item of the department's
        random inspection list (随机抽查事项清单) that the inspection checks says it may not be given."""
        if not draft.advance_notice:
            return
        store = self.deps.store.check_items
        refused = []
        for i, code in enumerate(draft.check_items):
            item = await store.in_force(conn, draft.department, code, draft.planned_date)
            if item is not None and not item.advance_notice_allowed:
                why = f"check item {code} may not be notified in advance: {item.no_notice_reason}"
                refused.append(
                    PreconditionViolation("ADVANCE_NOTICE_NOT_ALLOWED", f"inspection.check_items[{i}]", why)
                )
        if refused:
            raise FailedPrecondition("the subject may not be told of this inspection in advance", refused)

    async def _require_inspectors(self, conn: Connection, draft: NewRegistration) -> None:
        """The inspectors are on the registering department's roster and qualified on the day."""
        numbers: Sequence[str] = draft.certificate_numbers
        facts = {f.certificate_number: f for f in await self.deps.store.tasks.inspector_facts(conn, numbers)}
        problems = []
        for number in numbers:
            f = facts.get(number)
            why = ""
            if f is None or f.department != draft.department:
                why = f"is not on the inspectors' roster of {draft.department}"
            elif not f.qualified_on(draft.planned_date):
                why = f"is inactive or the enforcement certificate has expired by {draft.planned_date}"
            elif draft.subject_code in f.conflicts:
                why = "declared a conflict with the subject (回避)"
            if why:
                problems.append(
                    PreconditionViolation("INSPECTOR_NOT_QUALIFIED", number, f"inspector {number} {why}")
                )
        if problems:
            raise FailedPrecondition("these inspectors may not make the inspection", problems)
