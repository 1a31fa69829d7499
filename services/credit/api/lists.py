"""The serious-dishonesty list (严重失信主体名单).

Proposal with a pre-notice and a statement period (陈述申辩), a listing decision by a reviewer of
the proposing department, early removal on application, automatic removal (jobs.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from typing import Any

from chengnuo.credit.v1 import lists_pb2 as pb
from services.contracts import roles
from services.contracts.subjects import Subject, parse_subject
from services.credit.api.deps import Deps
from services.credit.api.listing import basis_records
from services.credit.api.parse import (
    acting_for,
    decision_reason,
    evidence,
    may_take_application,
    record_ids,
    text,
)
from services.credit.domain import blacklist, measures
from services.credit.domain.blacklist import EarlyRemoval, ListEntry, Service, Statement
from services.credit.domain.records import Record
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.flows import publicity, refresh
from services.credit.store.lists import Proposal
from services.credit.wire import events
from services.credit.wire.lists import list_entry
from services.kernel import convert, lookup
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import UnitOfWork

# Other departments see list entries through CreditSharingService, within a sharing agreement.
READERS = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
MAX_PROOF_REFERENCE = 200  # a service receipt, tracking or announcement reference


class BlacklistHandlers(Handlers[Deps]):
    @command(roles.CREDIT_OFFICER, reply=pb.ProposeListingResponse)
    async def ProposeListing(
        self, request: pb.ProposeListingRequest, uow: UnitOfWork
    ) -> pb.ProposeListingResponse:
        v = Violations()
        screen = NameScreen.of(v, request.personal_names)
        subject = parse_subject(v, "subject", request.subject)
        reasons = text(v, "reasons", request.reasons)
        ids = record_ids(v, request.record_ids)
        subject = v.ok(subject)
        reasons = screen.text("reasons", reasons)  # published with the listing (公示)
        screen.check()
        today = china_date(uow.now)
        basis = await basis_records(self.deps.store, uow, subject, ids, today)
        proposal = await self._proposal(uow, subject, basis, reasons, today)
        entry = await self.deps.store.lists.propose(uow.conn, proposal, uow.now)
        if entry is None:
            raise blacklist.already_on_list(subject.code)
        _audit(uow, "list.propose", entry, reasons, screen)
        # The portal tells the subject; the notice itself still has to be served (RecordNoticeService).
        uow.emit(events.listing_proposed(entry), entity=f"list_entry/{entry.entry_id}")
        return pb.ProposeListingResponse(entry=list_entry(entry))

    async def _proposal(
        self, uow: UnitOfWork, subject: Subject, basis: list[Record], reasons: str, today: dt.date
    ) -> Proposal:
        region = basis[0].region_code
        loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
        rules = choose_rule_set(loaded, "blacklist", today, region)
        catalogue = choose_rule_set(loaded, "measures", today, region)
        codes, restricts = measures.pinned(catalogue, blacklist.LISTED_TRIGGER)
        names = [m.name for m in measures.by_code(catalogue, codes)]
        return Proposal(
            subject_kind=subject.kind,
            subject_code=subject.code,
            subject_name=basis[-1].subject_name,
            record_ids=[r.record_id for r in basis],
            department=current_caller().department,
            region_code=region,
            reasons=reasons,
            notice=blacklist.notice(rules, self.deps.calendar.current, today, reasons, names),
            proposed_on=today,
            proposed_by=current_caller().subject,
            rule_set=rules.id,
            measures=codes,
            measure_catalogue=catalogue.id,
            restricts=restricts,
        )

    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.SubmitStatementResponse)
    async def SubmitStatement(
        self, request: pb.SubmitStatementRequest, uow: UnitOfWork
    ) -> pb.SubmitStatementResponse:
        entry = await self._taken(uow, request.entry_id)
        v = Violations()
        statement = Statement(
            text(v, "text", request.text),
            tuple(evidence(v, "evidence", request.evidence)),
            current_caller().subject,
            uow.now,
        )
        acting_for(current_caller(), v, request.applicant, entry.subject_code, "list entry")
        v.raise_if_any()
        blacklist.may_state(entry, china_date(uow.now), request.entry_id)
        entry = await self.deps.store.lists.add_statement(uow.conn, entry.entry_id, statement)
        _audit(uow, "list.statement", entry, statement.as_json())
        return pb.SubmitStatementResponse(entry=list_entry(entry))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideListingResponse)
    async def DecideListing(
        self, request: pb.DecideListingRequest, uow: UnitOfWork
    ) -> pb.DecideListingResponse:
        store = self.deps.store
        listing = request.decision == pb.LISTING_DECISION_LIST
        choices = (pb.LISTING_DECISION_LIST, pb.LISTING_DECISION_DO_NOT_LIST)
        reason = decision_reason(request.decision in choices, request.reason, required=True)
        screen = NameScreen.checked(request.personal_names)
        reason = screen.text("reason", reason)  # shared with the listing in credit reports
        screen.check()
        entry = await self._reviewed(uow, request.entry_id)
        today = china_date(uow.now)
        blacklist.may_decide_listing(entry, today, request.entry_id, listing=listing)
        decided = {"decision_reason": reason, "decided_by": current_caller().subject}
        if not listing:
            entry = await store.lists.decide(
                uow.conn, entry.entry_id, decided | {"status": blacklist.NOT_LISTED}
            )
            _audit(uow, "list.not_listed", entry, reason, screen)
            return pb.DecideListingResponse(entry=list_entry(entry))
        blacklist.require_basis_in_force(entry, await store.records.some(uow.conn, list(entry.record_ids)))
        term = blacklist.term(find(await store.rule_sets.all_rule_sets(uow.conn), entry.rule_set), today)
        entry = await store.lists.decide(uow.conn, entry.entry_id, decided | _listed(term))
        uow.emit(events.subject_listed(entry), entity=f"list_entry/{entry.entry_id}")
        publicity.listed(uow, self.deps.publicity, entry)  # 严重失信主体名单, published
        _audit(uow, "list.list", entry, reason, screen)
        await refresh.subject(store, uow, entry.subject_kind, entry.subject_code)
        return pb.DecideListingResponse(entry=list_entry(entry))

    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.ApplyEarlyRemovalResponse)
    async def ApplyEarlyRemoval(
        self, request: pb.ApplyEarlyRemovalRequest, uow: UnitOfWork
    ) -> pb.ApplyEarlyRemovalResponse:
        store = self.deps.store
        entry = await self._taken(uow, request.entry_id)
        v = Violations()
        application = EarlyRemoval(
            text(v, "obligations_performed", request.obligations_performed),
            text(v, "harm_eliminated", request.harm_eliminated),
            tuple(evidence(v, "evidence", request.evidence)),
            uow.now,
        )
        acting_for(current_caller(), v, request.applicant, entry.subject_code, "list entry")
        v.raise_if_any()
        subject_records = await store.records.records_of(uow.conn, entry.subject_code)
        blacklist.may_apply_for_early_removal(entry, china_date(uow.now), subject_records)
        entry = await store.lists.decide(uow.conn, entry.entry_id, {"early_removal": application})
        _audit(uow, "list.apply_removal", entry, application.as_json())
        return pb.ApplyEarlyRemovalResponse(entry=list_entry(entry))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideEarlyRemovalResponse)
    async def DecideEarlyRemoval(
        self, request: pb.DecideEarlyRemovalRequest, uow: UnitOfWork
    ) -> pb.DecideEarlyRemovalResponse:
        approve = request.decision == pb.REMOVAL_DECISION_APPROVE
        choices = (pb.REMOVAL_DECISION_APPROVE, pb.REMOVAL_DECISION_REFUSE)
        reason = decision_reason(request.decision in choices, request.reason, required=not approve)
        screen = NameScreen.checked(request.personal_names)
        reason = screen.text("reason", reason)  # shared with the listing in credit reports
        screen.check()
        entry = await self._reviewed(uow, request.entry_id)
        application = blacklist.pending_early_removal(entry, request.entry_id)
        decided = replace(
            application,
            decision=pb.RemovalDecision.Name(request.decision),
            decision_reason=reason,
            decided_at=uow.now,
        )
        changes: dict[str, Any] = {"early_removal": decided}
        if approve:
            changes |= {
                "status": blacklist.REMOVED,
                "removed_on": china_date(uow.now),
                "removal_reason": "REMOVAL_REASON_EARLY_REMOVAL",
            }
        entry = await self.deps.store.lists.decide(uow.conn, entry.entry_id, changes)
        _audit(uow, "list.decide_removal", entry, decided.as_json(), screen)
        if approve:
            uow.emit(events.subject_delisted(entry), entity=f"list_entry/{entry.entry_id}")
            publicity.delisted(uow, self.deps.publicity, entry)
            await refresh.subject(self.deps.store, uow, entry.subject_kind, entry.subject_code)
        return pb.DecideEarlyRemovalResponse(entry=list_entry(entry))

    @command(roles.CREDIT_OFFICER, reply=pb.RecordNoticeServiceResponse)
    async def RecordNoticeService(
        self, request: pb.RecordNoticeServiceRequest, uow: UnitOfWork
    ) -> pb.RecordNoticeServiceResponse:
        v = Violations()
        methods = [m for m in pb.ServiceMethod.values() if m != pb.SERVICE_METHOD_UNSPECIFIED]
        if request.method not in methods:
            v.add("method", "required: one of " + ", ".join(pb.ServiceMethod.Name(m) for m in methods))
        served_on = convert.date_field(v, "served_on", request.served_on)
        proof = text(v, "proof_reference", request.proof_reference, limit=MAX_PROOF_REFERENCE)
        v.raise_if_any()
        assert served_on is not None
        entry = await self._entry(uow.conn, request.entry_id, lock=True)
        current_caller().require_department(entry.department)  # the proposing department serves
        blacklist.may_serve(entry, request.entry_id)
        today = china_date(uow.now)
        if served_on < entry.proposed_on:
            v.add("served_on", f"not before the proposal ({entry.proposed_on})")
        elif served_on > today:
            v.add("served_on", f"not after today ({today})")
        v.raise_if_any()
        service = Service(
            pb.ServiceMethod.Name(request.method), served_on, proof, current_caller().subject, uow.now
        )
        rules = find(await self.deps.store.rule_sets.all_rule_sets(uow.conn), entry.rule_set)
        notice = blacklist.served(rules, self.deps.calendar.current, entry.notice, service)
        entry = await self.deps.store.lists.set_notice(uow.conn, entry.entry_id, notice)
        _audit(uow, "list.serve", entry, service.as_json())
        uow.emit(events.notice_served(entry), entity=f"list_entry/{entry.entry_id}")
        return pb.RecordNoticeServiceResponse(entry=list_entry(entry))

    @query(*READERS)
    async def GetListEntry(self, request: pb.GetListEntryRequest, context: Any) -> pb.GetListEntryResponse:
        entry = await self._entry(self.db.pool, request.entry_id)
        return pb.GetListEntryResponse(entry=list_entry(entry))

    async def _entry(self, conn: Executor, value: str, *, lock: bool = False) -> ListEntry:
        """The entry the request's `entry_id` names."""
        get = partial(self.deps.store.lists.get, conn, lock=lock)
        return await lookup.by_id("entry_id", value, "list entry", get)

    async def _taken(self, uow: UnitOfWork, value: str) -> ListEntry:
        """The entry a subject's statement or application is about, locked, if the caller may
        take it."""
        entry = await self._entry(uow.conn, value, lock=True)
        may_take_application(current_caller(), entry.region_code, entry.department, "list entry")
        return entry

    async def _reviewed(self, uow: UnitOfWork, value: str) -> ListEntry:
        """The entry a reviewer decides on, locked: only the proposing department's."""
        entry = await self._entry(uow.conn, value, lock=True)
        current_caller().require_department(entry.department)
        return entry


def _listed(term: blacklist.Term) -> dict[str, Any]:
    return {
        "status": blacklist.LISTED,
        "listed_on": term.listed_on,
        "early_removal_from": term.early_removal_from,
        "removal_due": term.removal_due,
    }


def _audit(
    uow: UnitOfWork, action: str, entry: ListEntry, change: object, screen: NameScreen | None = None
) -> None:
    """The audit entry of a change of the entry, with the names screened out of its texts."""
    target = f"list_entry/{entry.entry_id}"
    uow.audit(action, target, subject_code=entry.subject_code, change=change)
    if screen is not None:
        screen.audit(uow, target, subject_code=entry.subject_code)
