"""Pushed events (信息推送): each event of a pushed subject becomes one delivery per receiver whose
push agreement is in force when the event happened; receivers acknowledge them (api.py)."""

from __future__ import annotations

import uuid
from typing import Any

from services.kernel.clock import china_date
from services.kernel.events import EventMeta
from services.kernel.features.sharing import store
from services.kernel.features.sharing.gate import SharingSpec
from services.kernel.inbox import Handler
from services.kernel.uow import UnitOfWork


def push_handlers(spec: SharingSpec) -> dict[str, Handler]:
    """For each pushed event subject, a handler recording one delivery per receiver whose push
    agreement is in force when the event happened."""
    return {
        subject: _recorder(subject, data_class) for subject, data_class in (spec.pushed_events or {}).items()
    }


def _recorder(subject: str, data_class: str) -> Handler:
    async def record(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        receivers = await store.record_push(
            uow.conn,
            event_id=uuid.UUID(meta.id),
            subject=subject,
            data_class=data_class,
            entity=meta.subject,
            occurred_at=meta.time,
            day=china_date(meta.time),
        )
        if receivers:  # a delivery is a change of this service's state: audited like any other
            change = {"event": subject, "receivers": sorted(receivers)}
            uow.audit("sharing.push", f"push/{meta.id}", change=change)

    return record
