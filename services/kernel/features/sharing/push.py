"""Pushed events (信息推送): each event of a pushed subject becomes one delivery per receiver whose
push agreement is in force when the event happened and covers the region of the subjects it is
about; receivers acknowledge them (api.py). Each delivery's event is also written, as the
receiver's agreement shapes it, to the receiver's feed (feed.py), the only events a platform reads."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.events import EventMeta
from services.kernel.features.sharing import store
from services.kernel.features.sharing.feed import FEED_RECEIVER, feed_copy, feed_kind, feed_subject, regions
from services.kernel.features.sharing.gate import Grant, SharingSpec
from services.kernel.features.sharing.store import Agreement
from services.kernel.inbox import Handler
from services.kernel.masking import mask_free_text
from services.kernel.uow import UnitOfWork


def push_handlers(spec: SharingSpec, pseudonym_key: bytes | None = None) -> dict[str, Handler]:
    """For each pushed event subject, a handler recording one delivery per receiver whose push
    agreement is in force when the event happened, and writing its feed copy."""
    return {
        subject: _recorder(subject, data_class, pseudonym_key)
        for subject, data_class in (spec.pushed_events or {}).items()
    }


def _recorder(subject: str, data_class: str, key: bytes | None) -> Handler:
    async def record(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        day = china_date(meta.time)
        grants = _grants(await store.pushing(uow.conn, data_class, day), regions(event))
        receivers = await store.record_push(
            uow.conn,
            event_id=uuid.UUID(meta.id),
            subject=subject,
            data_class=data_class,
            entity=meta.subject,
            occurred_at=meta.time,
            day=day,
            push_deadline=_push_deadline(event),
            receivers=sorted(grants),
        )
        for receiver in receivers:
            copy = feed_copy(event, grants[receiver], key) if FEED_RECEIVER.fullmatch(receiver) else None
            if copy is not None:
                kind = feed_kind(feed_subject(receiver, subject), copy)
                uow.emit(copy, entity=mask_free_text(meta.subject), kind=kind)
        if receivers:  # a delivery is a change of this service's state: audited like any other
            change = {"event": subject, "receivers": sorted(receivers)}
            uow.audit("sharing.push", f"push/{meta.id}", change=change)

    return record


def _grants(agreements: list[Agreement], event_regions: set[str]) -> dict[str, Grant]:
    """Per receiver, the first of its agreements covering every region the event is about."""
    grants: dict[str, Grant] = {}
    for a in agreements:
        grant = Grant(str(a.agreement_id), frozenset(a.fields), a.region_code, a.resident_ids)
        if a.consumer not in grants and all(grant.covers(r) for r in event_regions):
            grants[a.consumer] = grant
    return grants


def _push_deadline(event: Any) -> dt.date | None:
    """The date the event says its data must reach the receivers by (its `push_deadline`, as the
    verification events state the 5-day push), if it says one."""
    try:
        has = event.HasField("push_deadline")
    except ValueError:  # the event has no such field
        return None
    return convert.from_date(event.push_deadline) if has else None
