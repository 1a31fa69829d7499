"""Event types, streams and their CloudEvents (NATS binding, binary mode) headers.

The catalogue of concrete events lives in services/contracts; the kernel only knows the shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from google.protobuf.message import Message

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"


@dataclass(frozen=True)
class Stream:
    name: str
    subjects: tuple[str, ...]
    description: str


# Platform feeds (services/kernel/features/sharing/feed.py): `feed.<receiver>.<event subject>`
# carries a receiver's copy of a pushed event, as its sharing agreement shapes it.
FEED_STREAM = Stream("FEED", ("feed.>",), "platform feeds: pushed events as each agreement shares them")
FEED_PREFIX = "feed."


def inner_subject(subject: str) -> str | None:
    """The pushed event's own subject inside a feed subject (`feed.<receiver>.<subject>`)."""
    if not subject.startswith(FEED_PREFIX):
        return None
    parts = subject.split(".", 2)
    return parts[2] if len(parts) == 3 else None


@dataclass(frozen=True)
class EventType:
    subject: str  # NATS subject, also the documented event name, e.g. "commitment.recorded"
    message: type[Message]
    stream: str

    @property
    def ce_type(self) -> str:
        return f"cn.chengnuo.{self.subject}.v1"

    @property
    def schema(self) -> str:
        return self.message.DESCRIPTOR.full_name


class EventCatalog:
    def __init__(self, streams: Iterable[Stream], types: Iterable[EventType]) -> None:
        self.streams = {s.name: s for s in streams}
        types = list(types)
        self._by_message = {t.message: t for t in types}
        # By subject from every type: one message may travel on several (audit.checkpoint.<service>).
        self._by_subject = {t.subject: t for t in types}
        unknown = {t.stream for t in types} - set(self.streams)
        if unknown:
            raise ValueError(f"event types name unknown streams: {sorted(unknown)}")

    def for_message(self, message: Message) -> EventType:
        return self._by_message[type(message)]

    def for_subject(self, subject: str) -> EventType | None:
        return self._by_subject.get(subject)

    def types(self) -> list[EventType]:
        return list(self._by_subject.values())


@dataclass(frozen=True)
class EventMeta:
    """The CloudEvents context attributes of a received event."""

    id: str
    type: str
    source: str
    subject: str
    time: dt.datetime

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> EventMeta:
        return cls(
            id=headers["ce-id"],
            type=headers.get("ce-type", ""),
            source=headers.get("ce-source", ""),
            subject=headers.get("ce-subject", ""),
            time=dt.datetime.fromisoformat(headers["ce-time"]),
        )


def headers(
    event_id: str, event_type: EventType, source: str, entity: str, time: dt.datetime
) -> dict[str, str]:
    return {
        "Nats-Msg-Id": event_id,  # JetStream drops a re-published copy within its window
        "ce-specversion": SPEC_VERSION,
        "ce-id": event_id,
        "ce-type": event_type.ce_type,
        "ce-source": source,
        "ce-subject": entity,
        "ce-time": time.isoformat(),
        "ce-dataschema": event_type.schema,
        "content-type": CONTENT_TYPE,
    }
