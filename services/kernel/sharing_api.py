"""SharingService: agreements (administrators), pushes and their acknowledgements (receivers)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from chengnuo.common.v1 import sharing_pb2 as pb
from chengnuo.common.v1 import sharing_pb2_grpc
from services.kernel import convert, paging
from services.kernel.audit_api import AUDITOR
from services.kernel.auth import ADMIN, SERVICE, current_caller
from services.kernel.clock import china_date
from services.kernel.db import Connection
from services.kernel.errors import NotFound, Violations
from services.kernel.events import EventMeta
from services.kernel.identifiers import validate_region_code
from services.kernel.ids import request_uuid
from services.kernel.inbox import Handler
from services.kernel.rpc.handlers import command, query
from services.kernel.sharing import PURPOSE, SharingSpec
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
        row = await uow.conn.fetchrow(
            "INSERT INTO sharing_agreement VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)"
            " RETURNING *",
            uuid.uuid4(),
            a.consumer.strip(),
            a.data_class,
            sorted(set(a.purposes)),
            a.region_code,
            sorted(set(a.fields)),
            valid_from,
            valid_until,
            a.push,
            a.legal_basis.strip(),
            uow.now,
            current_caller().subject,
        )
        assert row is not None
        uow.audit("sharing.create_agreement", f"agreement/{row['agreement_id']}", change=dict(row))
        return pb.CreateAgreementResponse(agreement=_agreement(row))

    @command(ADMIN, reply=pb.RevokeAgreementResponse)
    async def RevokeAgreement(
        self, request: pb.RevokeAgreementRequest, uow: UnitOfWork
    ) -> pb.RevokeAgreementResponse:
        agreement_id = request_uuid("agreement_id", request.agreement_id)
        row = await uow.conn.fetchrow(
            "UPDATE sharing_agreement SET revoked_at = coalesce(revoked_at, $2)"
            " WHERE agreement_id = $1 RETURNING *",
            agreement_id,
            uow.now,
        )
        if row is None:
            raise NotFound("agreement", request.agreement_id, "agreement_id")
        uow.audit("sharing.revoke_agreement", f"agreement/{agreement_id}", change=request.reason)
        return pb.RevokeAgreementResponse(agreement=_agreement(row))

    @query(ADMIN, AUDITOR, DATA_CONSUMER)
    async def ListAgreements(
        self, request: pb.ListAgreementsRequest, context: Any
    ) -> pb.ListAgreementsResponse:
        consumer = _own_or(request.consumer)
        rows = await self.db.pool.fetch(
            "SELECT * FROM sharing_agreement WHERE ($1 = '' OR consumer = $1) ORDER BY created_at", consumer
        )
        return pb.ListAgreementsResponse(agreements=[_agreement(r) for r in rows])

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
        row = await _acknowledge(uow.conn, event_id, current_caller().department, request, uow.now)
        uow.audit("sharing.acknowledge", f"push/{event_id}", change=pb.PushOutcome.Name(request.outcome))
        return pb.AcknowledgePushResponse(delivery=_delivery(row))

    @query(ADMIN, AUDITOR, DATA_CONSUMER)
    async def ListUnacknowledged(
        self, request: pb.ListUnacknowledgedRequest, context: Any
    ) -> pb.ListUnacknowledgedResponse:
        receiver, size, after = (
            _own_or(request.receiver),
            paging.page_size(request.page_size),
            paging.after(request.page_token, paging.instant, uuid.UUID),
        )
        async with self.db.pool.acquire() as conn:
            rows = await _pending(conn, receiver, after, size)
            counts = await conn.fetch(
                "SELECT receiver, count(*) AS n FROM push_delivery WHERE acknowledged_at IS NULL"
                " AND ($1 = '' OR receiver = $1) GROUP BY receiver",
                receiver,
            )
        token = paging.next_token(rows, size, "occurred_at", "event_id")
        return pb.ListUnacknowledgedResponse(
            deliveries=[_delivery(r) for r in rows],
            next_page_token=token,
            pending_by_receiver={r["receiver"]: r["n"] for r in counts},
        )


def push_handlers(spec: SharingSpec) -> dict[str, Handler]:
    """For each pushed event subject, a handler recording one delivery per receiver whose push
    agreement is in force when the event happened."""
    return {
        subject: _recorder(subject, data_class) for subject, data_class in (spec.pushed_events or {}).items()
    }


def _recorder(subject: str, data_class: str) -> Handler:
    async def record(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        rows = await uow.conn.fetch(
            "INSERT INTO push_delivery (event_id, receiver, event, data_class, entity, occurred_at)"
            " SELECT DISTINCT $1::uuid, consumer, $2, $3, $4, $5::timestamptz FROM sharing_agreement"
            " WHERE data_class = $3 AND push AND revoked_at IS NULL"
            " AND $6::date BETWEEN valid_from AND valid_until ON CONFLICT DO NOTHING RETURNING receiver",
            uuid.UUID(meta.id),
            subject,
            data_class,
            meta.subject,
            meta.time,
            china_date(meta.time),
        )
        if rows:  # a delivery is a change of this service's state: audited like any other
            receivers = sorted(r["receiver"] for r in rows)
            uow.audit("sharing.push", f"push/{meta.id}", change={"event": subject, "receivers": receivers})

    return record


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


async def _acknowledge(
    conn: Connection, event_id: uuid.UUID, receiver: str, request: pb.AcknowledgePushRequest, now: dt.datetime
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "UPDATE push_delivery SET acknowledged_at = $3, outcome = $4, feedback = $5"
        " WHERE event_id = $1 AND receiver = $2 RETURNING *",
        event_id,
        receiver,
        now,
        pb.PushOutcome.Name(request.outcome),
        request.feedback.strip(),
    )
    if row is None:
        raise NotFound("push delivery", str(event_id), "event_id")
    return row


async def _pending(
    conn: Connection, receiver: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM push_delivery WHERE acknowledged_at IS NULL AND ($1 = '' OR receiver = $1)"
        " AND ($2::timestamptz IS NULL OR (occurred_at, event_id) > ($2, $3))"
        " ORDER BY occurred_at, event_id LIMIT $4",
        receiver,
        after[0] if after else None,
        after[1] if after else None,
        size,
    )


def _agreement(row: asyncpg.Record) -> pb.Agreement:
    agreement = pb.Agreement(
        agreement_id=str(row["agreement_id"]),
        consumer=row["consumer"],
        data_class=row["data_class"],
        purposes=row["purposes"],
        region_code=row["region_code"],
        fields=row["fields"],
        valid_from=convert.to_date(row["valid_from"]),
        valid_until=convert.to_date(row["valid_until"]),
        push=row["push"],
        legal_basis=row["legal_basis"],
        created_at=convert.to_timestamp(row["created_at"]),
    )
    if row["revoked_at"]:
        agreement.revoked_at.CopyFrom(convert.to_timestamp(row["revoked_at"]))
    return agreement


def _delivery(row: asyncpg.Record) -> pb.PushDelivery:
    delivery = pb.PushDelivery(
        event_id=str(row["event_id"]),
        receiver=row["receiver"],
        event=row["event"],
        data_class=row["data_class"],
        entity=row["entity"],
        occurred_at=convert.to_timestamp(row["occurred_at"]),
        outcome=pb.PushOutcome.Value(row["outcome"]),
        feedback=row["feedback"],
    )
    if row["acknowledged_at"]:
        delivery.acknowledged_at.CopyFrom(convert.to_timestamp(row["acknowledged_at"]))
    return delivery
