"""BlacklistService: the serious-dishonesty list (严重失信主体名单).

Proposal with a pre-notice and a statement period (陈述申辩), a listing decision by a reviewer of
the proposing department, early removal on application, automatic removal (jobs.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from chengnuo.credit.v1 import lists_pb2 as pb
from chengnuo.credit.v1 import lists_pb2_grpc
from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts import roles
from services.contracts.subjects import Subject, parse_subject
from services.credit import messages, refresh
from services.credit.api.common import (
    acting_for,
    decision_reason,
    evidence,
    found,
    may_take_application,
    refuse,
    text,
)
from services.credit.api.listing import basis_in_force, basis_records, check_early_removal, require_status
from services.credit.domain import blacklist, measures
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store import lists, rule_sets
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import request_uuid, uuid_field
from services.kernel.rpc.handlers import command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import Database, UnitOfWork

MAX_RECORDS = 20
MAX_STATEMENTS = 10
# Other departments see list entries through CreditSharingService, within a sharing agreement.
READERS = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)


class BlacklistApi(lists_pb2_grpc.BlacklistServiceServicer):
    def __init__(self, db: Database, calendar: CalendarKeeper) -> None:
        self.db, self.calendar = db, calendar

    @command(roles.CREDIT_OFFICER, reply=pb.ProposeListingResponse)
    async def ProposeListing(
        self, request: pb.ProposeListingRequest, uow: UnitOfWork
    ) -> pb.ProposeListingResponse:
        v = Violations()
        screen = NameScreen.of(v, request.personal_names)
        subject = parse_subject(v, "subject", request.subject)
        reasons = text(v, "reasons", request.reasons)
        ids = _record_ids(v, request.record_ids)
        subject = v.ok(subject)
        reasons = screen.text("reasons", reasons)  # published with the listing (公示)
        screen.check()
        today = china_date(uow.now)
        basis = await basis_records(uow, subject, ids, today)
        row = await lists.propose(
            uow.conn, await self._proposal(uow, subject, basis, reasons, today), uow.now
        )
        if row is None:
            refuse("ALREADY_ON_LIST", subject.code, "the subject is already proposed for or on the list")
        uow.audit("list.propose", f"list_entry/{row['entry_id']}", subject_code=subject.code, change=reasons)
        screen.audit(uow, f"list_entry/{row['entry_id']}", subject_code=subject.code)
        return pb.ProposeListingResponse(entry=messages.list_entry(row))

    async def _proposal(
        self, uow: UnitOfWork, subject: Subject, basis: list[asyncpg.Record], reasons: str, today: dt.date
    ) -> lists.Proposal:
        region = basis[0]["region_code"]
        loaded = await rule_sets.all_rule_sets(uow.conn)
        rules = choose_rule_set(loaded, "blacklist", today, region)
        catalogue = choose_rule_set(loaded, "measures", today, region)
        codes, restricts = measures.pinned(catalogue, "BLACKLISTED")
        names = [m.name for m in measures.by_code(catalogue, codes)]
        notice = blacklist.notice(rules, self.calendar.current, today, reasons, names)
        return lists.Proposal(
            subject_kind=subject.kind,
            subject_code=subject.code,
            subject_name=basis[-1]["subject_name"],
            record_ids=[r["record_id"] for r in basis],
            department=current_caller().department,
            region_code=region,
            reasons=reasons,
            notice=_notice(notice),
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
        entry = await _entry(uow, request.entry_id)
        may_take_application(current_caller(), entry["region_code"], entry["department"], "list entry")
        v = Violations()
        statement = {
            "text": text(v, "text", request.text),
            "evidence": evidence(v, "evidence", request.evidence),
            "submitted_by": current_caller().subject,
            "submitted_at": uow.now.isoformat(),
        }
        acting_for(current_caller(), v, request.applicant, entry["subject_code"], "list entry")
        v.raise_if_any()
        require_status(entry, lists.PROPOSED)
        until = dt.date.fromisoformat(entry["notice"]["statement_until"])
        if china_date(uow.now) > until:
            refuse("STATEMENT_PERIOD_OVER", request.entry_id, f"the statement period ended on {until}")
        if len(entry["statements"]) >= MAX_STATEMENTS:
            refuse("TOO_MANY_STATEMENTS", request.entry_id, f"at most {MAX_STATEMENTS} statements")
        row = await lists.add_statement(uow.conn, entry["entry_id"], statement)
        uow.audit(
            "list.statement",
            f"list_entry/{row['entry_id']}",
            subject_code=row["subject_code"],
            change=statement,
        )
        return pb.SubmitStatementResponse(entry=messages.list_entry(row))

    @command(roles.CREDIT_REVIEWER, reply=pb.DecideListingResponse)
    async def DecideListing(
        self, request: pb.DecideListingRequest, uow: UnitOfWork
    ) -> pb.DecideListingResponse:
        listing = request.decision == pb.LISTING_DECISION_LIST
        choices = (pb.LISTING_DECISION_LIST, pb.LISTING_DECISION_DO_NOT_LIST)
        reason = decision_reason(request.decision in choices, request.reason, required=True)
        screen = NameScreen.checked(request.personal_names)
        reason = screen.text("reason", reason)  # shared with the listing in credit reports
        screen.check()
        entry = await _entry(uow, request.entry_id)
        current_caller().require_department(entry["department"])
        require_status(entry, lists.PROPOSED)
        today = china_date(uow.now)
        until = dt.date.fromisoformat(entry["notice"]["statement_until"])
        if today <= until:
            refuse(
                "STATEMENT_PERIOD_RUNNING", request.entry_id, f"statements may be made until {until}", until
            )
        decided = {"decision_reason": reason, "decided_by": current_caller().subject}
        if not listing:
            row = await lists.decide(
                uow.conn, entry["entry_id"], decided | {"status": "LIST_ENTRY_STATUS_NOT_LISTED"}
            )
            uow.audit(
                "list.not_listed",
                f"list_entry/{row['entry_id']}",
                subject_code=row["subject_code"],
                change=reason,
            )
            screen.audit(uow, f"list_entry/{row['entry_id']}", subject_code=row["subject_code"])
            return pb.DecideListingResponse(entry=messages.list_entry(row))
        await basis_in_force(uow, entry)
        term = blacklist.term(find(await rule_sets.all_rule_sets(uow.conn), entry["rule_set"]), today)
        row = await lists.decide(uow.conn, entry["entry_id"], decided | _listed(term))
        uow.emit(events.SubjectListed(entry=messages.list_entry(row)), entity=f"list_entry/{row['entry_id']}")
        uow.audit(
            "list.list", f"list_entry/{row['entry_id']}", subject_code=row["subject_code"], change=reason
        )
        screen.audit(uow, f"list_entry/{row['entry_id']}", subject_code=row["subject_code"])
        await refresh.subject(uow, row["subject_kind"], row["subject_code"])
        return pb.DecideListingResponse(entry=messages.list_entry(row))

    @command(roles.PORTAL, roles.CREDIT_OFFICER, reply=pb.ApplyEarlyRemovalResponse)
    async def ApplyEarlyRemoval(
        self, request: pb.ApplyEarlyRemovalRequest, uow: UnitOfWork
    ) -> pb.ApplyEarlyRemovalResponse:
        entry = await _entry(uow, request.entry_id)
        may_take_application(current_caller(), entry["region_code"], entry["department"], "list entry")
        v = Violations()
        application = {
            "obligations_performed": text(v, "obligations_performed", request.obligations_performed),
            "harm_eliminated": text(v, "harm_eliminated", request.harm_eliminated),
            "evidence": evidence(v, "evidence", request.evidence),
            "applied_at": uow.now.isoformat(),
        }
        acting_for(current_caller(), v, request.applicant, entry["subject_code"], "list entry")
        v.raise_if_any()
        await check_early_removal(uow, entry)
        row = await lists.decide(uow.conn, entry["entry_id"], {"early_removal": application})
        uow.audit(
            "list.apply_removal",
            f"list_entry/{row['entry_id']}",
            subject_code=row["subject_code"],
            change=application,
        )
        return pb.ApplyEarlyRemovalResponse(entry=messages.list_entry(row))

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
        entry = await _entry(uow, request.entry_id)
        current_caller().require_department(entry["department"])
        require_status(entry, lists.LISTED)
        application = entry["early_removal"]
        if not application or application.get("decision"):
            refuse("NO_PENDING_APPLICATION", request.entry_id, "no early-removal application is pending")
        decided = application | {
            "decision": pb.RemovalDecision.Name(request.decision),
            "decision_reason": reason,
            "decided_at": uow.now.isoformat(),
        }
        changes: dict[str, Any] = {"early_removal": decided}
        if approve:
            changes |= {
                "status": "LIST_ENTRY_STATUS_REMOVED",
                "removed_on": china_date(uow.now),
                "removal_reason": "REMOVAL_REASON_EARLY_REMOVAL",
            }
        row = await lists.decide(uow.conn, entry["entry_id"], changes)
        uow.audit(
            "list.decide_removal",
            f"list_entry/{row['entry_id']}",
            subject_code=row["subject_code"],
            change=decided,
        )
        screen.audit(uow, f"list_entry/{row['entry_id']}", subject_code=row["subject_code"])
        if approve:
            uow.emit(
                events.SubjectDelisted(entry=messages.list_entry(row)), entity=f"list_entry/{row['entry_id']}"
            )
            await refresh.subject(uow, row["subject_kind"], row["subject_code"])
        return pb.DecideEarlyRemovalResponse(entry=messages.list_entry(row))

    @query(*READERS)
    async def GetListEntry(self, request: pb.GetListEntryRequest, context: Any) -> pb.GetListEntryResponse:
        entry_id = request_uuid("entry_id", request.entry_id, "list entry")
        row = found(await lists.get(self.db.pool, entry_id), "list entry", request.entry_id, "entry_id")
        return pb.GetListEntryResponse(entry=messages.list_entry(row))


def _record_ids(v: Violations, values: Any) -> list[uuid.UUID]:
    if not 1 <= len(values) <= MAX_RECORDS:
        v.add("record_ids", f"required: 1 to {MAX_RECORDS} serious dishonesty records as the basis")
    ids = [uuid_field(v, f"record_ids[{i}]", value, "record") for i, value in enumerate(values)]
    return [i for i in ids if i is not None]


def _notice(notice: blacklist.Notice) -> dict[str, Any]:
    return {
        "legal_basis": notice.legal_basis,
        "measures": list(notice.measures),
        "removal_conditions": notice.removal_conditions,
        "remedies": notice.remedies,
        "statement_until": notice.statement_until.isoformat(),
        "provisional": notice.provisional,
    }


def _listed(term: blacklist.Term) -> dict[str, Any]:
    return {
        "status": lists.LISTED,
        "listed_on": term.listed_on,
        "early_removal_from": term.early_removal_from,
        "removal_due": term.removal_due,
    }


async def _entry(uow: UnitOfWork, value: str) -> asyncpg.Record:
    entry_id = request_uuid("entry_id", value, "list entry")
    return found(await lists.get(uow.conn, entry_id, lock=True), "list entry", value, "entry_id")
