"""Every event chengnuo publishes: its NATS subject, protobuf type and stream.

Each publishing service declares its events in its own module here; docs/events.md lists them
all. Subjects double as the event names used in docs and issues (e.g. `commitment.recorded`).
"""

from __future__ import annotations

from services.contracts import commitment_events, credit_events, public_events, verification_events
from services.kernel import audit_witness
from services.kernel.events import EventCatalog
from services.kernel.features.calendar.keeper import CALENDAR_STREAM, CALENDAR_YEAR_LOADED

CATALOG = EventCatalog(
    streams=[
        commitment_events.STREAM,
        verification_events.STREAM,
        credit_events.STREAM,
        public_events.STREAM,
        CALENDAR_STREAM,
        audit_witness.STREAM,
    ],
    types=[
        *commitment_events.TYPES,
        *verification_events.TYPES,
        *credit_events.TYPES,
        *public_events.TYPES,
        CALENDAR_YEAR_LOADED,
        *audit_witness.TYPES,
    ],
)
