"""Platform feeds (平台订阅): what an external credit platform may read of the pushed events.

A platform never reads a service's own stream. Each pushed event that a receiver's agreement
covers (its data class, its region, on the day the event happened) is copied into the
receiver's feed, `feed.<receiver>.<event subject>` on the FEED stream, written through the
outbox like any event. The copy keeps only the fields the agreement shares (top-level fields of
the event; empty: all) and masks personal data everywhere (shaping.py); a natural person's
resident ID becomes a stable pseudonym, the HMAC of the number under the installation's
pseudonym key (CHENGNUO_PSEUDONYM_KEY_FILE), so a platform can follow one person's events
without learning the number. Without that key the number is masked instead.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message

from services.kernel.events import FEED_PREFIX, FEED_STREAM, EventType
from services.kernel.features.sharing.gate import Grant, registered_region
from services.kernel.features.sharing.shaping import NATURAL_PERSON, shape

# A receiver's name is one NATS subject token in its feed subjects, and its NATS user's name.
FEED_RECEIVER = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
PSEUDONYM_PREFIX = "pn-"


def feed_subject(receiver: str, subject: str) -> str:
    return f"{FEED_PREFIX}{receiver}.{subject}"


def feed_kind(subject: str, event: Message) -> EventType:
    """The event type of a feed copy: the original message on the receiver's feed subject."""
    return EventType(subject, type(event), FEED_STREAM.name)


def pseudonym(key: bytes, code: str) -> str:
    """A natural person's stable pseudonym in every feed: keyed, so it cannot be reversed by
    hashing all resident IDs (the number space is small)."""
    digest = hmac.new(key, b"feed-pseudonym\x00" + code.upper().encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]


def subject_refs(message: Message) -> Iterator[Any]:
    """Every SubjectRef in the message, at any depth."""
    for field_, value in message.ListFields():
        if field_.message_type is None or field_.message_type.GetOptions().map_entry:
            continue
        for item in value if field_.is_repeated else [value]:
            if field_.message_type.full_name == "chengnuo.common.v1.SubjectRef":
                yield item
            else:
                yield from subject_refs(item)


def regions(message: Message) -> set[str]:
    """The regions where the subjects the event is about are registered."""
    return {
        registered_region(ref.kind == NATURAL_PERSON, ref.code) for ref in subject_refs(message) if ref.code
    }


def feed_copy(event: Any, grant: Grant, key: bytes | None) -> Message | None:
    """The receiver's copy of the event, or None when its agreement's region does not cover a
    subject the event is about."""
    if not all(grant.covers(region) for region in regions(event)):
        return None
    copy = type(event)()
    copy.CopyFrom(event)
    for ref in subject_refs(copy):
        if ref.kind == NATURAL_PERSON and key and not grant.resident_ids:
            ref.code = pseudonym(key, ref.code)  # before masking, which would shorten it
    shaped: Message = shape(copy, grant)
    return shaped
