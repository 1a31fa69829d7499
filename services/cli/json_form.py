"""Protobuf messages as the JSON every `--json` option prints (documented in docs/cli-json.md).

Protobuf's own JSON mapping is close, but awkward for scripts: a google.type.Date becomes
{"year": …, "month": …, "day": …}, an enum `RECORD_STATUS_EXPIRED`, an int64 a string. Here a date
is "2026-05-04", an enum "expired", an int64 a number. Field names stay as the .proto spells them
and fields at their default (0, false, "", empty, unset) are left out, as protobuf does.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

DATE = "google.type.Date"
TIMESTAMP = "google.protobuf.Timestamp"
DURATION = "google.protobuf.Duration"


def message_json(message: Message) -> dict[str, Any]:
    return {field.name: _field(field, value) for field, value in message.ListFields()}


def enum_name(enum: EnumDescriptor, number: int) -> str | int:
    """`RECORD_STATUS_EXPIRED` as "expired", `GRADE_B` as "b"; a number this build does not know
    stays a number. The prefix is what the enum's zero value (`X_UNSPECIFIED`) starts with."""
    value = enum.values_by_number.get(number)
    if value is None:
        return number
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED") if 0 in enum.values_by_number else ""
    return value.name.removeprefix(prefix).lower()


def _field(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        entry = field.message_type.fields_by_name["value"]
        return {str(k): _single(entry, v) for k, v in value.items()}
    if field.is_repeated:
        return [_single(field, v) for v in value]
    return _single(field, value)


def _single(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None:
        return _message(value)
    if field.enum_type is not None:
        return enum_name(field.enum_type, value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value  # str, bool, float and every integer (int64 too) as JSON has them


def _message(value: Message) -> Any:
    kind = value.DESCRIPTOR.full_name
    if kind == DATE:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"  # type: ignore[attr-defined]
    if kind in (TIMESTAMP, DURATION):
        return value.ToJsonString()  # type: ignore[attr-defined]
    if kind.startswith("google.protobuf."):  # other well-known types: protobuf's own mapping
        return MessageToDict(value)
    return message_json(value)
