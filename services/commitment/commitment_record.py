"""The applicant's side: eligibility, the letter to sign, recording a commitment or the
certificate route."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chengnuo.commitment.v1 import commitment_pb2
from services.commitment import commitment_parse, commitment_store, domain, letters, signed_letters
from services.commitment.code_sequences import CodeSequences
from services.commitment.commitment_parse import Application
from services.commitment.commitment_store import Lookup
from services.commitment.item_versions import ItemVersion, ItemVersions
from services.commitment.outgoing import eligibility_response, new_commitment, new_route, recorded_event
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.kernel.auth import current_caller
from services.kernel.batch import Plan, WriteBatcher
from services.kernel.clock import china_date
from services.kernel.coalesce import Coalescer
from services.kernel.db import Executor
from services.kernel.errors import (
    FailedPrecondition,
    NotFound,
    PreconditionViolation,
    Violations,
)
from services.kernel.ids import uuid_field
from services.kernel.rpc.handlers import batched_command, command, query
from services.kernel.uow import Database, UnitOfWork

Freshness = Callable[[], dt.datetime | None]


@dataclass(frozen=True)
class Found:
    item_id: str
    lookup: Lookup
    item: ItemVersion | None


class RecordApi:
    db: Database
    items: ItemVersions
    codes: CodeSequences
    credit_view_as_of: Freshness

    @query(roles.PORTAL, roles.CATALOGUE_ADMIN, roles.CREDIT_OFFICER, roles.SERVICE)
    async def CheckEligibility(
        self, request: commitment_pb2.CheckEligibilityRequest, context: Any
    ) -> commitment_pb2.CheckEligibilityResponse:
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        item_id = uuid_field(v, "item_id", request.item_id)
        subject, item_id = v.ok(subject), v.ok(item_id)
        now = self.db.clock.now()
        found = await self._find(item_id, now, subject.code, "")
        answer = _eligibility(found, china_date(now))
        return eligibility_response(answer, self.credit_view_as_of())

    @query(roles.PORTAL)
    async def RenderLetter(
        self, request: commitment_pb2.RenderLetterRequest, context: Any
    ) -> commitment_pb2.RenderLetterResponse:
        v = Violations()
        applied = commitment_parse.application(v, request)
        today = self.db.clock.today()
        day = signed_letters.signing_day(v, commitment_pb2.SignedLetter(signed_on=request.signed_on), today)
        applied = v.ok(applied)
        item = _committable(await self._find(applied.item_id, self.db.clock.now(), "", ""))
        letters.check_values(v, "values", item.draft.letter, request.values)
        v.raise_if_any()
        values = letters.filled(item.draft, item.department, _applicant(applied, day), request.values)
        text = letters.render(item.draft.letter.text, values)
        return commitment_pb2.RenderLetterResponse(
            text=text, sha256=letters.sha256(text), item_version=item.version
        )

    @batched_command(roles.PORTAL, reply=commitment_pb2.RecordCommitmentResponse)
    async def RecordCommitment(
        self, request: commitment_pb2.RecordCommitmentRequest, plan: Plan
    ) -> commitment_pb2.RecordCommitmentResponse:
        """Reads, then plans its writes: the batcher commits them with concurrent requests' writes
        (group commit) and answers only once they are durable."""
        today = china_date(plan.now)
        applied, day = _parse_record(request, today)
        found = await self._find(applied.item_id, plan.now, applied.subject.code, applied.case_number)
        item = _may_commit(found, request.item_version, today)
        letter = signed_letters.signed_letter(
            request.letter, request.HasField("letter"), item, _applicant(applied, day)
        )
        sequence = await self.codes.next(item.draft.region_code, today)
        code = domain.commitment_code(item.draft.region_code, today, sequence)
        commitment = new_commitment(request, applied, item, code=code, letter=letter, now=plan.now)
        row = commitment_store.commitment_row(commitment, plan.actor.name, plan.actor.department)
        plan.insert("commitment", commitment_store.COMMITMENT_COLUMNS, row)
        plan.refuse_duplicate("commitment", commitment_store.duplicate_commitment(commitment))
        plan.emit(recorded_event(commitment, item), entity=f"commitment/{commitment.commitment_id}")
        plan.audit(
            "commitment.record",
            f"commitment/{commitment.commitment_id}",
            subject_code=applied.subject.code,
            change={"code": code, "letter_sha256": letter.sha256},
        )
        return commitment_pb2.RecordCommitmentResponse(commitment=commitment)

    @command(roles.PORTAL, reply=commitment_pb2.RecordCertificateRouteResponse)
    async def RecordCertificateRoute(
        self, request: commitment_pb2.RecordCertificateRouteRequest, uow: UnitOfWork
    ) -> commitment_pb2.RecordCertificateRouteResponse:
        v = Violations()
        applied = commitment_parse.application(v, request)
        commitment_parse.channel(v, request.channel)
        applied = v.ok(applied)
        found = await self._find(applied.item_id, uow.now, "", applied.case_number, uow.conn)
        item = _listed(found)
        live = await commitment_store.live_commitment_in_case(uow.conn, item.item_id, applied.case_number)
        if live is not None:
            raise FailedPrecondition(
                "a commitment for this item was recorded in this case",
                [PreconditionViolation("COMMITMENT_RECORDED", str(live), "withdraw the commitment instead")],
            )
        route = new_route(applied, item, request.channel, uow.now)
        await commitment_store.insert_route(uow.conn, route, uow.actor.name)
        uow.audit(
            "commitment.certificate_route", f"route/{route.route_id}", subject_code=applied.subject.code
        )
        return commitment_pb2.RecordCertificateRouteResponse(route=route)

    @functools.cached_property
    def batcher(self) -> WriteBatcher:
        return WriteBatcher(self.db)

    @functools.cached_property
    def _lookups(self) -> Coalescer[commitment_store.LookupKey, Lookup]:
        return Coalescer(self.db.pool, commitment_store.lookups)

    async def _find(
        self,
        item_id: uuid.UUID,
        at: dt.datetime,
        subject_code: str,
        case_number: str,
        conn: Executor | None = None,
    ) -> Found:
        """The item in force and the subject's restrictions; NOT_FOUND for an unknown item and
        PERMISSION_DENIED for an item outside the caller's region. Without `conn` the lookup
        goes to the database together with concurrent requests' lookups."""
        key = (item_id, at, subject_code, case_number)
        lookup = await (commitment_store.lookup(conn, *key) if conn else self._lookups.get(key))
        if not lookup.known:
            raise NotFound("catalogue item", str(item_id), "item_id")
        item = await self.items.get(conn or self.db.pool, item_id, lookup.version) if lookup.version else None
        if item:  # a caller of no region is a system-wide one (auth.Caller.covers_region)
            current_caller().require_region(item.draft.region_code, "item")
        return Found(str(item_id), lookup, item)


def _parse_record(
    request: commitment_pb2.RecordCommitmentRequest, today: dt.date
) -> tuple[Application, dt.date]:
    v = Violations()
    applied = commitment_parse.application(v, request)
    commitment_parse.channel(v, request.channel)
    commitment_parse.publication_type(v, request.publication_type)
    day = signed_letters.signing_day(v, request.letter, today)
    if request.item_version < 0:
        v.add("item_version", "a published version number, or 0 for the version in force")
    return v.ok(applied), day


def _applicant(applied: Application, day: dt.date) -> letters.Applicant:
    return letters.Applicant(
        applied.subject.kind, applied.subject.code, applied.subject_name, applied.case_number, day
    )


def _eligibility(found: Found, today: dt.date) -> domain.Eligibility:
    item = found.item
    reasons = domain.item_reasons(
        found.item_id, item is not None, bool(item and item.draft.commitment_allowed)
    )
    return domain.eligibility(reasons + found.lookup.restrictions, today)


def _may_commit(found: Found, version: int, today: dt.date) -> ItemVersion:
    """The item version to commit under, or FAILED_PRECONDITION with every reason why not."""
    answer = _eligibility(found, today)
    if not answer.eligible:
        raise FailedPrecondition("the subject may not use the commitment route", answer.refusal())
    item = _committable(found)
    if version and version != item.version:
        raise FailedPrecondition(
            "the item version is not in force",
            [
                PreconditionViolation(
                    "VERSION_NOT_IN_FORCE", str(item.item_id), f"version {item.version} is in force"
                )
            ],
        )
    if found.lookup.certificate_route:
        raise FailedPrecondition(
            "the applicant chose the certificate route in this case",
            [PreconditionViolation("CERTIFICATE_ROUTE_CHOSEN", str(item.item_id), "submit the certificate")],
        )
    return item


def _listed(found: Found) -> ItemVersion:
    if found.item is None:
        reasons = domain.item_reasons(found.item_id, in_force=False, commitment_allowed=False)
        raise FailedPrecondition(
            "the item is not in force", domain.eligibility(reasons, dt.date.min).refusal()
        )
    return found.item


def _committable(found: Found) -> ItemVersion:
    item = _listed(found)
    if not item.draft.commitment_allowed:
        reasons = domain.item_reasons(str(item.item_id), in_force=True, commitment_allowed=False)
        raise FailedPrecondition(
            "the item does not allow commitment", domain.eligibility(reasons, dt.date.min).refusal()
        )
    return item
