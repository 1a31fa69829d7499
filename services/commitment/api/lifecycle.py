"""The life of a commitment after recording: withdrawal before the matter concludes, and the
matter's conclusion (domain/commitments.py)."""

from __future__ import annotations

import uuid

from chengnuo.commitment.v1 import commitment_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import commitments
from services.commitment.wire import commitments as wire
from services.commitment.wire import events
from services.contracts import roles
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.ids import uuid_field
from services.kernel.rpc.handlers import Handlers, command
from services.kernel.uow import UnitOfWork


class LifecycleHandlers(Handlers[Deps]):
    @command(roles.PORTAL, reply=pb.WithdrawCommitmentResponse)
    async def WithdrawCommitment(
        self, request: pb.WithdrawCommitmentRequest, uow: UnitOfWork
    ) -> pb.WithdrawCommitmentResponse:
        v = Violations()
        commitment_id = uuid_field(v, "commitment_id", request.commitment_id)
        reason = parse.text(v, "reason", request.reason, parse.MAX_REASON, required=False)
        found = await self._open(uow, v.ok(commitment_id))
        store = self.deps.store.commitments
        withdrawn = wire.commitment(await store.withdraw(uow.conn, found.commitment_id, reason, uow.now))
        route = commitments.fallback_route(found, uow.now)
        await store.insert_route(uow.conn, route, uow.actor.name)
        uow.emit(events.withdrawn(withdrawn), entity=f"commitment/{withdrawn.commitment_id}")
        uow.audit(
            "commitment.withdraw",
            f"commitment/{withdrawn.commitment_id}",
            subject_code=found.subject_code,
            change=reason,
        )
        return pb.WithdrawCommitmentResponse(commitment=withdrawn, route=wire.route(route))

    @command(roles.PORTAL, reply=pb.ConcludeMatterResponse)
    async def ConcludeMatter(
        self, request: pb.ConcludeMatterRequest, uow: UnitOfWork
    ) -> pb.ConcludeMatterResponse:
        v = Violations()
        commitment_id = uuid_field(v, "commitment_id", request.commitment_id)
        day = convert.date_field(v, "concluded_on", request.concluded_on)
        if day and day > china_date(uow.now):
            v.add("concluded_on", "must not be in the future")
        commitment_id = v.ok(commitment_id)
        found = await self._open(uow, commitment_id)
        day = v.ok(day)
        commitments.check_conclusion(found, day)
        concluded = await self.deps.store.commitments.conclude(uow.conn, found.commitment_id, day)
        uow.audit("commitment.conclude_matter", f"commitment/{commitment_id}", change=day.isoformat())
        return pb.ConcludeMatterResponse(commitment=wire.commitment(concluded))

    async def _open(self, uow: UnitOfWork, commitment_id: uuid.UUID) -> commitments.Commitment:
        """The commitment, locked, if the caller may act on it and its matter is still open."""
        found = await self.deps.store.commitments.lock(uow.conn, commitment_id)
        return commitments.open_for(found, commitment_id, current_caller())
