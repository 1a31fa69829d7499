"""The life of a commitment after recording: withdrawal before the matter concludes, and the
matter's conclusion (办结), after which it can no longer be withdrawn
(《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from chengnuo.commitment.v1 import commitment_pb2
from services.commitment import commitment_store, requests
from services.commitment.commitment_store import ACTIVE
from services.commitment.outgoing import withdrawn_event
from services.contracts import roles
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
    Violations,
)
from services.kernel.ids import uuid_field
from services.kernel.rpc.handlers import command
from services.kernel.uow import Database, UnitOfWork


class LifecycleApi:
    db: Database

    @command(roles.PORTAL, reply=commitment_pb2.WithdrawCommitmentResponse)
    async def WithdrawCommitment(
        self, request: commitment_pb2.WithdrawCommitmentRequest, uow: UnitOfWork
    ) -> commitment_pb2.WithdrawCommitmentResponse:
        v = Violations()
        commitment_id = uuid_field(v, "commitment_id", request.commitment_id)
        reason = requests.text(v, "reason", request.reason, requests.MAX_REASON, required=False)
        row = await _active(uow, v.ok(commitment_id))
        withdrawn = commitment_store.to_proto(
            await commitment_store.withdraw(uow.conn, row["commitment_id"], reason, uow.now)
        )
        route = _fallback_route(row, uow.now)
        await commitment_store.insert_route(uow.conn, route, uow.actor.name)
        uow.emit(withdrawn_event(withdrawn), entity=f"commitment/{withdrawn.commitment_id}")
        uow.audit(
            "commitment.withdraw",
            f"commitment/{withdrawn.commitment_id}",
            subject_code=row["subject_code"],
            change=reason,
        )
        return commitment_pb2.WithdrawCommitmentResponse(commitment=withdrawn, route=route)

    @command(roles.PORTAL, reply=commitment_pb2.ConcludeMatterResponse)
    async def ConcludeMatter(
        self, request: commitment_pb2.ConcludeMatterRequest, uow: UnitOfWork
    ) -> commitment_pb2.ConcludeMatterResponse:
        v = Violations()
        commitment_id = uuid_field(v, "commitment_id", request.commitment_id)
        day = convert.date_field(v, "concluded_on", request.concluded_on)
        if day and day > china_date(uow.now):
            v.add("concluded_on", "must not be in the future")
        row = await _active(uow, v.ok(commitment_id))
        day = v.ok(day)
        if day < china_date(row["recorded_at"]):
            raise FailedPrecondition(
                "a matter cannot conclude before its commitment was recorded",
                [PreconditionViolation("BEFORE_RECORDING", str(commitment_id), "check concluded_on")],
            )
        concluded = await commitment_store.conclude(uow.conn, row["commitment_id"], day)
        uow.audit("commitment.conclude_matter", f"commitment/{commitment_id}", change=day.isoformat())
        return commitment_pb2.ConcludeMatterResponse(commitment=commitment_store.to_proto(concluded))


async def _active(uow: UnitOfWork, commitment_id: uuid.UUID) -> asyncpg.Record:
    """The commitment, locked, if the caller may act on it and its matter is still open."""
    row = await commitment_store.lock_commitment(uow.conn, commitment_id)
    if row is None:
        raise NotFound("commitment", str(commitment_id), "commitment_id")
    _require_scope(row)
    if row["status"] != ACTIVE:
        kind = row["status"].removeprefix("COMMITMENT_STATUS_")
        raise FailedPrecondition(
            "the commitment is no longer open",
            [
                PreconditionViolation(
                    kind, str(commitment_id), f"the commitment is {kind.lower().replace('_', ' ')}"
                )
            ],
        )
    return row


def _require_scope(row: asyncpg.Record) -> None:
    """As in RecordCommitment, a portal acts in its region (the token verifier refuses a portal of
    none); of the portals there, the handling department's own and the one that recorded the case
    (a service hall recording for it) may withdraw or conclude it, no other department's."""
    caller = current_caller()
    caller.require_region(row["region_code"], "commitment")
    if caller.department not in {row["department"], row["recorded_by_department"]}:
        raise PermissionDenied(
            f"the commitment is handled by department {row['department']!r}; the caller acts for"
            f" {caller.department!r}, which neither handles nor recorded it"
        )


def _fallback_route(row: asyncpg.Record, now: dt.datetime) -> commitment_pb2.CertificateRoute:
    """Withdrawing means going the certificate route in the same case (办结前撤回)."""
    return commitment_pb2.CertificateRoute(
        route_id=str(uuid.uuid4()),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        item_id=str(row["item_id"]),
        item_version=row["item_version"],
        department=row["department"],
        case_number=row["case_number"],
        channel=commitment_pb2.Channel.Value(row["channel"]),
        chosen_at=convert.to_timestamp(now),
        withdrawn_commitment_id=str(row["commitment_id"]),
    )
