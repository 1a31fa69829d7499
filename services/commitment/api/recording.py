"""The applicant's side: eligibility, the letter to sign, recording a commitment or the
certificate route."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.commitment.v1 import commitment_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import letters, recording
from services.commitment.domain.recording import Found
from services.commitment.domain.signing import signed_letter
from services.commitment.store.items import ItemVersion
from services.commitment.store.stores import Conn
from services.commitment.wire import commitments as wire
from services.commitment.wire import events
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.kernel.auth import current_caller
from services.kernel.batch import Plan, WriteBatcher
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import uuid_field
from services.kernel.rpc.handlers import Handlers, batched_command, command, query
from services.kernel.uow import UnitOfWork


class RecordingHandlers(Handlers[Deps]):
    @query(roles.PORTAL, roles.CATALOGUE_ADMIN, roles.CREDIT_OFFICER, roles.SERVICE)
    async def CheckEligibility(
        self, request: pb.CheckEligibilityRequest, context: Any
    ) -> pb.CheckEligibilityResponse:
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        item_id = uuid_field(v, "item_id", request.item_id)
        subject, item_id = v.ok(subject), v.ok(item_id)
        now = self.db.clock.now()
        found = await self._find(item_id, now, subject.code, "")
        answer = recording.eligibility_of(found, china_date(now))
        return wire.eligibility(answer, self.deps.credit_view_as_of())

    @query(roles.PORTAL)
    async def RenderLetter(self, request: pb.RenderLetterRequest, context: Any) -> pb.RenderLetterResponse:
        v = Violations()
        applied = parse.application(v, request)
        day = parse.signing_day(v, request.signed_on, self.db.clock.today())
        applied = v.ok(applied)
        item = recording.committable(await self._find(applied.item_id, self.db.clock.now(), "", ""))
        letters.check_values(v, "values", item.draft.letter, request.values)
        v.raise_if_any()
        values = letters.filled(item.draft, item.department, applied.applicant(day), request.values)
        text = letters.render(item.draft.letter.text, values)
        return pb.RenderLetterResponse(text=text, sha256=letters.sha256(text), item_version=item.version)

    @batched_command(roles.PORTAL, reply=pb.RecordCommitmentResponse)
    async def RecordCommitment(
        self, request: pb.RecordCommitmentRequest, plan: Plan
    ) -> pb.RecordCommitmentResponse:
        """Reads, then plans its writes: the batcher commits them with concurrent requests' writes
        (group commit) and answers only once they are durable."""
        today = china_date(plan.now)
        asked = parse.recording(request, today)
        applied = asked.application
        found = await self._find(applied.item_id, plan.now, applied.subject_code, applied.case_number)
        item = recording.may_commit(found, asked.item_version, today)
        letter = signed_letter(asked.letter, item, applied.applicant(asked.signed_on))
        sequence = await self.deps.store.codes.next(item.draft.region_code, today)
        made = recording.new_commitment(
            applied,
            item,
            channel=asked.channel,
            publication_type=asked.publication_type,
            code=recording.commitment_code(item.draft.region_code, today, sequence),
            letter=letter,
            now=plan.now,
            by=plan.actor.name,
            by_department=plan.actor.department,
        )
        self.deps.store.commitments.insert(plan, made)
        commitment = wire.commitment(made)
        plan.emit(events.recorded(commitment, item), entity=f"commitment/{made.commitment_id}")
        plan.audit(
            "commitment.record",
            f"commitment/{made.commitment_id}",
            subject_code=made.subject_code,
            change={"code": made.code, "letter_sha256": letter.sha256},
        )
        return pb.RecordCommitmentResponse(commitment=commitment)

    @command(roles.PORTAL, reply=pb.RecordCertificateRouteResponse)
    async def RecordCertificateRoute(
        self, request: pb.RecordCertificateRouteRequest, uow: UnitOfWork
    ) -> pb.RecordCertificateRouteResponse:
        v = Violations()
        applied = parse.application(v, request)
        chosen = parse.channel(v, request.channel)
        applied = v.ok(applied)
        store = self.deps.store
        item = recording.listed(await self._find(applied.item_id, uow.now, "", applied.case_number, uow.conn))
        recording.may_choose_certificate(
            await store.commitments.live_in_case(uow.conn, item.item_id, applied.case_number)
        )
        route = recording.new_route(applied, item, v.ok(chosen), uow.now)
        await store.commitments.insert_route(uow.conn, route, uow.actor.name)
        uow.audit(
            "commitment.certificate_route", f"route/{route.route_id}", subject_code=applied.subject_code
        )
        return pb.RecordCertificateRouteResponse(route=wire.route(route))

    @property
    def batcher(self) -> WriteBatcher:
        return self.deps.batcher

    async def _find(
        self, item_id: uuid.UUID, at: dt.datetime, subject_code: str, case_number: str, conn: Conn = None
    ) -> Found[ItemVersion]:
        """The item in force and the subject's restrictions. Without `conn` the lookup goes to the
        database together with concurrent requests' lookups."""
        store, key = self.deps.store, (item_id, at, subject_code, case_number)
        lookup = await (store.commitments.lookup(conn, *key) if conn else self.deps.lookups.get(key))
        item = (
            await store.items.get(conn or self.db.pool, item_id, lookup.version) if lookup.version else None
        )
        return recording.found(item_id, lookup, item, current_caller())
