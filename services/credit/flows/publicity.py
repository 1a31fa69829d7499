"""Publication (公示) of what credit decided: the publication-safe events (stream PUBLIC) written
into the caller's unit of work, so they commit with the decision they publish, or not at all.

`key` is the installation's pseudonym key (Runtime.public_key()): it keys natural persons' public
pages. Which change publishes what is decided by domain/public_view.py.
"""

from __future__ import annotations

from services.credit.domain import public_view
from services.credit.domain.blacklist import ListEntry
from services.credit.domain.public_view import RecordChange
from services.credit.domain.records import Record
from services.credit.wire import public_events
from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork


def record_changed(uow: UnitOfWork, key: bytes, before: Record | None, after: Record) -> None:
    """After a record was created (`before` None) or changed, in the same unit of work."""
    _tell(uow, key, after, public_view.record_change(before, after))


def record_ended(uow: UnitOfWork, key: bytes, after: Record) -> None:
    """After a record in force ended without the caller holding its earlier state (expiry)."""
    _tell(uow, key, after, public_view.record_ended(after))


def listed(uow: UnitOfWork, key: bytes, entry: ListEntry) -> None:
    uow.emit(public_events.listing(key, entry, uow.now), entity=f"list_entry/{entry.entry_id}")


def delisted(uow: UnitOfWork, key: bytes, entry: ListEntry) -> None:
    uow.emit(public_events.delisting(key, entry, uow.now), entity=f"list_entry/{entry.entry_id}")


def _tell(uow: UnitOfWork, key: bytes, r: Record, change: RecordChange) -> None:
    entity = f"record/{r.record_id}"
    if change.withdrawal:
        on = r.ended_on or china_date(uow.now)  # an expired record: its publicity_end
        uow.emit(public_events.record_withdrawn(key, r, change.withdrawal, on, uow.now), entity=entity)
    if change.disputed is not None:
        uow.emit(public_events.record_disputed(key, r, change.disputed, uow.now), entity=entity)
    if change.publish:
        uow.emit(public_events.record(key, r, uow.now), entity=entity)
