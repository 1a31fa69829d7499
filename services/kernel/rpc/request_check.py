"""Checks every request passes before its handler, whatever the RPC: well-formed protobuf, text
that PostgreSQL can store, and dates, timestamps and durations that mean something.

PostgreSQL `text` refuses U+0000, and a lone surrogate is no Unicode text at all (protobuf refuses
to parse it from the wire; it could only come from an in-process caller). A Timestamp or Date
outside the range of services.kernel.convert (years 1900..2199), or a Duration outside protobuf's
own range, would overflow Python's or PostgreSQL's dates wherever a handler used it. Rather than
every RPC guarding every field, the interceptor refuses such a request once, naming each field
path. Handlers still parse dates through convert.date_field, which applies the same range.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from services.kernel import convert
from services.kernel.errors import FieldViolation, InvalidArgument

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TIMESTAMP, _DATE, _DURATION = "google.protobuf.Timestamp", "google.type.Date", "google.protobuf.Duration"
# protobuf's own range of a Duration: about 10,000 years either way.
LONGEST_DURATION = dt.timedelta(seconds=315_576_000_000)
MAX_REPORTED = 10  # enough to show the pattern; the error budget would cut the rest anyway


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request whose bytes did not parse, so the call can be refused precisely."""

    type_name: str

    def refusal(self) -> InvalidArgument:
        return InvalidArgument.one(
            "request",
            f"not a valid {self.type_name}: corrupt wire format or a string field that is not UTF-8",
        )


def tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """`deserializer`, answering Undecodable instead of raising (grpc would answer UNKNOWN)."""
    if deserializer is None:
        return None
    name = _type_name(deserializer)

    def parse(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except Exception:  # DecodeError, or RecursionError on absurd nesting
            return Undecodable(name)

    return parse


def _type_name(deserializer: Callable[[bytes], Any]) -> str:
    owner = getattr(deserializer, "__self__", None)  # generated stubs pass Message.FromString
    descriptor = getattr(owner, "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "request message"))


def check(request: Any) -> None:
    """Refuse an undecodable request, or one with a string PostgreSQL cannot store."""
    if isinstance(request, Undecodable):
        raise request.refusal()
    if isinstance(request, Message):
        found: list[FieldViolation] = []
        _walk(request, "", found)
        if found:
            raise InvalidArgument(found)


def _walk(message: Message, prefix: str, found: list[FieldViolation]) -> None:
    for field, value in message.ListFields():
        if len(found) >= MAX_REPORTED:
            return
        if not _needs_check(field):
            continue
        path = prefix + field.name
        if _is_map(field):
            entry = field.message_type
            assert entry is not None
            for key, item in value.items():
                _check_value(entry.fields_by_name["key"], key, f"{path}[{key!r}]", found)
                _check_value(entry.fields_by_name["value"], item, f"{path}[{key!r}]", found)
        elif field.is_repeated:
            for index, item in enumerate(value):
                _check_value(field, item, f"{path}[{index}]", found)
        else:
            _check_value(field, value, path, found)


def _check_value(field: FieldDescriptor, value: Any, path: str, found: list[FieldViolation]) -> None:
    if field.type == FieldDescriptor.TYPE_STRING:
        bad = _UNSTORABLE.search(value)
        if bad:
            what = "the NUL character (U+0000)" if bad.group() == "\x00" else "a lone surrogate"
            found.append(FieldViolation(path, f"must not contain {what}"))
    elif field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        problem = _well_known_problem(value)
        if problem:
            found.append(FieldViolation(path, problem))
        else:
            _walk(value, f"{path}.", found)


def _well_known_problem(value: Message) -> str | None:
    name = value.DESCRIPTOR.full_name
    if name == _TIMESTAMP:
        return convert.timestamp_problem(value)  # type: ignore[arg-type]
    if name == _DATE:  # an unset date is the handler's business (optional or required)
        return convert.date_problem(value) if convert.is_set(value) else None  # type: ignore[arg-type]
    if name == _DURATION:
        return convert.duration_problem(value, LONGEST_DURATION)  # type: ignore[arg-type]
    return None


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _needs_check(field: FieldDescriptor) -> bool:
    if field.type == FieldDescriptor.TYPE_STRING:
        return True
    return field.message_type is not None and _holds_checked(field.message_type)


@functools.cache
def _holds_checked(descriptor: Descriptor, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a message type has a string or a date, timestamp or duration anywhere inside
    (numbers and flags alone need no walk)."""
    if descriptor.full_name in (_TIMESTAMP, _DATE, _DURATION):
        return True
    seen = seen | {descriptor.full_name}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            return True
        inner = field.message_type
        if inner is not None and inner.full_name not in seen and _holds_checked(inner, seen):
            return True
    return False
