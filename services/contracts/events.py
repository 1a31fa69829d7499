"""Every event chengnuo publishes: its NATS subject, protobuf type and stream.

This is the one place subjects and types are documented; docs/events.md mirrors it.
Subjects are also the event names used in issues and docs (e.g. `commitment.recorded`).
"""

from __future__ import annotations

from chengnuo.events.v1 import commitment_events_pb2 as commitment
from chengnuo.events.v1 import credit_events_pb2 as credit
from chengnuo.events.v1 import verification_events_pb2 as verification
from services.kernel.events import EventCatalog, EventType, Stream
from services.kernel.runtime import CALENDAR_STREAM, CALENDAR_YEAR_LOADED

COMMITMENT_STREAM = Stream("COMMITMENT", ("commitment.>", "catalogue.>"), "commitments and catalogues")
VERIFICATION_STREAM = Stream("VERIFICATION", ("verification.>",), "verification outcomes")
CREDIT_STREAM = Stream("CREDIT", ("credit.>",), "credit records, restrictions and lists")

COMMITMENT_RECORDED = EventType("commitment.recorded", commitment.CommitmentRecorded, "COMMITMENT")
FALSE_COMMITMENT = EventType(
    "verification.false_commitment", verification.FalseCommitmentFound, "VERIFICATION"
)
VERIFICATION_CONCLUDED = EventType(
    "verification.concluded", verification.VerificationConcluded, "VERIFICATION"
)
RECORD_CREATED = EventType("credit.record_created", credit.RecordCreated, "CREDIT")
RESTRICTION_CHANGED = EventType("credit.restriction_changed", credit.RestrictionChanged, "CREDIT")

CATALOG = EventCatalog(
    streams=[COMMITMENT_STREAM, VERIFICATION_STREAM, CREDIT_STREAM, CALENDAR_STREAM],
    types=[
        COMMITMENT_RECORDED,
        FALSE_COMMITMENT,
        VERIFICATION_CONCLUDED,
        RECORD_CREATED,
        RESTRICTION_CHANGED,
        CALENDAR_YEAR_LOADED,
    ],
)
