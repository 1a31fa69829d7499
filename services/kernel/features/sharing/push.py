"""Pushed events (信息推送): each event of a pushed subject becomes one delivery per receiver whose
push agreement is in force when the event happened; receivers acknowledge them (api.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.kernel import convert
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
            push_deadline=_push_deadline(event),
        )
        if receivers:  # a delivery is a change of this service's state: audited like any other
            change = {"event": subject, "receivers": sorted(receivers)}
            uow.audit("sharing.push", f"push/{meta.id}", change=change)

    return record


def _push_deadline(event: Any) -> dt.date | None:
    """The date the event says its data must reach the receivers by (its `push_deadline`, as the
    verification events state the 5-day push), if it says one."""
    try:
        has = event.HasField("push_deadline")
    except ValueError:  # the event has no such field
        return None
    return convert.from_date(event.push_deadline) if has else None
