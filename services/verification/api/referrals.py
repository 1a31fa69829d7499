"""ReferralService handlers: the referrals (移送司法机关) of the caller's department, their receipt
(回执) and the judicial organ's decision. Referrals are made by the conclusion (api/closing.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.verification.v1 import referrals_pb2 as pb
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import owned
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api.common import STAFF
from services.verification.api.deps import Deps
from services.verification.domain import closing as rules
from services.verification.store.referrals import Referral
from services.verification.wire import closing as wire


class ReferralHandlers(Handlers[Deps]):
    async def _referral(self, uow: UnitOfWork, name: str) -> Referral:
        """The caller's department's referral the request names, locked for the change."""
        referral_id = request_uuid("referral_id", name, "referral")
        found = await self.deps.store.referrals.get(uow.conn, referral_id, lock=True)
        return owned(found, "referral", name, "referral_id")

    @query(*STAFF)
    async def GetReferral(self, request: pb.GetReferralRequest, context: Any) -> pb.GetReferralResponse:
        referral_id = request_uuid("referral_id", request.referral_id, "referral")
        found = await self.deps.store.referrals.get(self.db.pool, referral_id)
        return pb.GetReferralResponse(
            referral=wire.referral(owned(found, "referral", request.referral_id, "referral_id"))
        )

    @query(*STAFF)
    async def ListReferrals(self, request: pb.ListReferralsRequest, context: Any) -> pb.ListReferralsResponse:
        if request.status not in pb.ReferralStatus.values():
            raise InvalidArgument.one("status", "not a referral status")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, dt.datetime.fromisoformat, uuid.UUID)
        status = pb.ReferralStatus.Name(request.status) if request.status else None
        found = await self.deps.store.referrals.listing(
            self.db.pool, current_caller().department, status, after, size
        )
        last = paging.next_token(found, size, "created_at", "referral_id")
        return pb.ListReferralsResponse(referrals=[wire.referral(r) for r in found], next_page_token=last)

    @command(*STAFF, reply=pb.RecordReferralReceiptResponse)
    async def RecordReferralReceipt(
        self, request: pb.RecordReferralReceiptRequest, uow: UnitOfWork
    ) -> pb.RecordReferralReceiptResponse:
        request_uuid("referral_id", request.referral_id, "referral")
        today = china_date(uow.now)
        v = Violations()
        received = _past_date(v, "received_on", request.received_on, today)
        if not request.receiver.strip() or len(request.receiver) > rules.MAX_RECEIVER:
            v.add(
                "receiver", f"required: who received it at the organ, at most {rules.MAX_RECEIVER} characters"
            )
        on = v.ok(received)
        referral = await self._referral(uow, request.referral_id)
        rules.check_receipt(request.referral_id, referral.status, referral.referred_on, on)
        store = self.deps.store.referrals
        done = await store.receive(uow.conn, referral.referral_id, on, request.receiver.strip(), uow.now)
        wire.referral_changed(uow, done, created=False)
        change = {"received_on": on.isoformat(), "receiver": done.receiver}
        uow.audit(
            "referral.receipt", f"referral/{done.referral_id}", subject_code=done.subject_code, change=change
        )
        return pb.RecordReferralReceiptResponse(referral=wire.referral(done))

    @command(*STAFF, reply=pb.RecordReferralOutcomeResponse)
    async def RecordReferralOutcome(
        self, request: pb.RecordReferralOutcomeRequest, uow: UnitOfWork
    ) -> pb.RecordReferralOutcomeResponse:
        request_uuid("referral_id", request.referral_id, "referral")
        today = china_date(uow.now)
        v = Violations()
        known = request.outcome in pb.ReferralOutcome.values()
        if request.outcome == pb.REFERRAL_OUTCOME_UNSPECIFIED or not known:
            v.add("outcome", "required: filed, not filed or returned")
        outcome = pb.ReferralOutcome.Name(request.outcome) if known else ""
        decided = _past_date(v, "decided_on", request.decided_on, today)
        rules.check_outcome_note(v, outcome, request.note)
        on = v.ok(decided)
        referral = await self._referral(uow, request.referral_id)
        rules.check_decision(request.referral_id, referral.status, referral.received_on, on)
        store = self.deps.store.referrals
        done = await store.decide(
            uow.conn, referral.referral_id, outcome, on=on, note=request.note.strip(), now=uow.now
        )
        wire.referral_changed(uow, done, created=False)
        change = {"outcome": outcome, "outcome_on": on.isoformat()}
        uow.audit(
            "referral.outcome", f"referral/{done.referral_id}", subject_code=done.subject_code, change=change
        )
        return pb.RecordReferralOutcomeResponse(referral=wire.referral(done))


def _past_date(v: Violations, field: str, value: Any, today: dt.date) -> dt.date | None:
    """A required date no later than today."""
    day = convert.date_field(v, field, value)
    if day and day > today:
        v.add(field, f"{day} is in the future")
    return day
