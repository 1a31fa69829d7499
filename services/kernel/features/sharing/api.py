"""SharingService: agreements (administrators), pushes and their acknowledgements (receivers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from chengnuo.common.v1 import sharing_pb2 as pb
from chengnuo.common.v1 import sharing_pb2_grpc
from services.kernel import convert, lookup, paging
from services.kernel.auth import ADMIN, AUDITOR, SERVICE, current_caller
from services.kernel.errors import Violations
from services.kernel.features.sharing import store
from services.kernel.features.sharing.gate import PURPOSE, SharingSpec
from services.kernel.features.sharing.store import Agreement, Delivery
from services.kernel.identifiers import validate_region_code
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

DATA_CONSUMER = "data_consumer"
MAX_TEXT, MAX_FEEDBACK = 200, 2000


class SharingApi(sharing_pb2_grpc.SharingServiceServicer):
    def __init__(self, db: Database, spec: SharingSpec) -> None:
        self.db, self.spec = db, spec

    @command(ADMIN, reply=pb.CreateAgreementResponse)
    async def CreateAgreement(
        self, request: pb.CreateAgreementRequest, uow: UnitOfWork
    ) -> pb.CreateAgreementResponse:
        a = request.agreement
        valid_from, valid_until = _check_agreement(a, self.spec)
        agreement = await store.create(
            uow.conn,
            Agreement(
                agreement_id=uuid.uuid4(),
                consumer=a.consumer.strip(),
                data_class=a.data_class,
                purposes=tuple(sorted(set(a.purposes))),
                region_code=a.region_code,
                fields=tuple(sorted(set(a.fields))),
                valid_from=valid_from,
                valid_until=valid_until,
                push=a.push,
                legal_basis=a.legal_basis.strip(),
                created_at=uow.now,
                created_by=current_caller().subject,
                revoked_at=None,
                resident_ids=a.resident_ids,
            ),
        )
        uow.audit(
            "sharing.create_agreement",
            f"agreement/{agreement.agreement_id}",
            change=dataclasses.asdict(agreement),
        )
        return pb.CreateAgreementResponse(agreement=_agreement(agreement))

    @command(ADMIN, reply=pb.RevokeAgreementResponse)
    async def RevokeAgreement(
        self, request: pb.RevokeAgreementRequest, uow: UnitOfWork
    ) -> pb.RevokeAgreementResponse:
        agreement_id = request_uuid("agreement_id", request.agreement_id)
        revoked = await store.revoke(uow.conn, agreement_id, uow.now)
        agreement = lookup.found(revoked, "agreement", request.agreement_id, "agreement_id")
        uow.audit("sharing.revoke_agreement", f"agreement/{agreement_id}", change=request.reason)
        return pb.RevokeAgreementResponse(agreement=_agreement(agreement))

    @query(ADMIN, AUDITOR, DATA_CONSUMER)
    async def ListAgreements(
        self, request: pb.ListAgreementsRequest, context: Any
    ) -> pb.ListAgreementsResponse:
        found = await store.listing(self.db.pool, _own_or(request.consumer))
        return pb.ListAgreementsResponse(agreements=[_agreement(a) for a in found])

    @command(DATA_CONSUMER, SERVICE, reply=pb.AcknowledgePushResponse)
    async def AcknowledgePush(
        self, request: pb.AcknowledgePushRequest, uow: UnitOfWork
    ) -> pb.AcknowledgePushResponse:
        event_id = request_uuid("event_id", request.event_id)
        v = Violations()
        if request.outcome == pb.PUSH_OUTCOME_UNSPECIFIED or request.outcome not in pb.PushOutcome.values():
            v.add("outcome", "required: received, applied or not applicable")
        if len(request.feedback) > MAX_FEEDBACK:
            v.add("feedback", f"at most {MAX_FEEDBACK} characters")
        v.raise_if_any()
        outcome = pb.PushOutcome.Name(request.outcome)
        acknowledged = await store.acknowledge(
            uow.conn,
            event_id=event_id,
            receiver=current_caller().department,
            outcome=outcome,
            feedback=request.feedback.strip(),
            now=uow.now,
        )
        delivery = lookup.found(acknowledged, "push delivery", str(event_id), "event_id")
        uow.audit("sharing.acknowledge", f"push/{event_id}", change=outcome)
        return pb.AcknowledgePushResponse(delivery=_delivery(delivery, self.db.clock.today()))

    @query(ADMIN, AUDITOR, DATA_CONSUMER)
    async def ListUnacknowledged(
        self, request: pb.ListUnacknowledgedRequest, context: Any
    ) -> pb.ListUnacknowledgedResponse:
        receiver, size, after = (
            _own_or(request.receiver),
            paging.page_size(request.page_size),
            paging.after(request.page_token, paging.instant, uuid.UUID),
        )
        today = self.db.clock.today()
        overdue_on = today if request.overdue_only else None
        async with self.db.pool.acquire() as conn:
            found = await store.pending(conn, receiver, after, size, overdue_on)
            counts = await store.pending_counts(conn, receiver)
        token = paging.next_token(found, size, "occurred_at", "event_id")
        return pb.ListUnacknowledgedResponse(
            deliveries=[_delivery(d, today) for d in found], next_page_token=token, pending_by_receiver=counts
        )


def _check_agreement(a: pb.Agreement, spec: SharingSpec) -> tuple[dt.date, dt.date]:
    v = Violations()
    if not a.consumer.strip() or len(a.consumer) > MAX_TEXT:
        v.add(
            "agreement.consumer",
            f"required: the receiving department or platform, at most {MAX_TEXT} characters",
        )
    if a.data_class not in spec.data_classes:
        v.add("agreement.data_class", f"one of {', '.join(spec.data_classes) or 'none on this service'}")
    if not a.purposes or any(not PURPOSE.fullmatch(p) for p in a.purposes):
        v.add("agreement.purposes", "at least one purpose, each lower_snake_case up to 64 characters")
    try:
        validate_region_code(a.region_code)
    except ValueError as exc:
        v.add("agreement.region_code", str(exc))
    if not a.legal_basis.strip() or len(a.legal_basis) > MAX_TEXT * 5:
        v.add("agreement.legal_basis", "required: the law or document that allows the sharing")
    start = convert.date_field(v, "agreement.valid_from", a.valid_from)
    end = convert.date_field(v, "agreement.valid_until", a.valid_until)
    if start and end and end < start:
        v.add("agreement.valid_until", "must not be before valid_from")
    return v.ok(start), v.ok(end)


def _own_or(requested: str) -> str:
    """Data consumers see only their own; administrators and auditors whatever they ask for."""
    caller = current_caller()
    if caller.has_any([ADMIN, AUDITOR]):
        return requested
    return caller.department


def _agreement(a: Agreement) -> pb.Agreement:
    return pb.Agreement(
        agreement_id=str(a.agreement_id),
        consumer=a.consumer,
        data_class=a.data_class,
        purposes=a.purposes,
        region_code=a.region_code,
        fields=a.fields,
        valid_from=convert.to_date(a.valid_from),
        valid_until=convert.to_date(a.valid_until),
        push=a.push,
        legal_basis=a.legal_basis,
        created_at=convert.to_timestamp(a.created_at),
        revoked_at=convert.opt_timestamp(a.revoked_at),
        resident_ids=a.resident_ids,
    )


def _delivery(d: Delivery, today: dt.date) -> pb.PushDelivery:
    return pb.PushDelivery(
        event_id=str(d.event_id),
        receiver=d.receiver,
        event=d.event,
        data_class=d.data_class,
        entity=d.entity,
        occurred_at=convert.to_timestamp(d.occurred_at),
        outcome=pb.PushOutcome.Value(d.outcome),
        feedback=d.feedback,
        acknowledged_at=convert.opt_timestamp(d.acknowledged_at),
        push_deadline=convert.opt_date(d.push_deadline),
        overdue=d.acknowledged_at is None and d.push_deadline is not None and d.push_deadline < today,
    )
