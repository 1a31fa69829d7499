"""Reading what staff type on the command line, and showing protobuf values back to them."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

import grpc
import jwt
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc, subject_pb2
from services.cli.connection import Connection
from services.cli.output import fail
from services.kernel import convert
from services.kernel.clock import CHINA
from services.kernel.identifiers import validate_resident_id, validate_uscc

Kind = subject_pb2.SubjectKind
_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dXx]")
KINDS: dict[str, Any] = {
    "legal": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "person": Kind.SUBJECT_KIND_NATURAL_PERSON,
    "individual": Kind.SUBJECT_KIND_INDIVIDUAL_BUSINESS,
}


def request_id() -> str:
    return str(uuid.uuid4())


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def proto_date(value: str, option: str) -> Date:
    return convert.to_date(parse_date(value, option))


def choose(value: str, choices: Mapping[str, Any], option: str) -> Any:
    """An enum value from its name as typed (English slug or Chinese term, any case)."""
    key = value.strip().lower().replace("_", "-")
    if key not in choices:
        fail(f"{option}: {value!r} is not one of {', '.join(choices)}")
    return choices[key]


def guess_kind(code: str) -> Any:
    """A USCC names an organisation, a resident ID a natural person (individual businesses: say so).
    A code valid as neither is taken by its shape, so the service names the broken check."""
    for validate, kind in ((validate_uscc, "legal"), (validate_resident_id, "person")):
        try:
            validate(code)
        except ValueError:
            continue
        return KINDS[kind]
    return KINDS["person"] if _RESIDENT_ID_SHAPE.fullmatch(code.strip()) else KINDS["legal"]


def subject(code: str, kind: str = "auto") -> subject_pb2.SubjectRef:
    """The subject a command is about; the service checks the code and says what is wrong."""
    chosen = guess_kind(code) if kind == "auto" else choose(kind, KINDS, "--kind")
    return subject_pb2.SubjectRef(kind=chosen, code=code.strip().upper())


def claim(conn: Connection, name: str) -> str:
    """What the token says about the caller ("sub", "dept", "region"). Read only for defaults:
    the services check the signature and act on the verified claims."""
    if not conn.token:
        return ""
    try:
        claims = jwt.decode(conn.token, options={"verify_signature": False})
    except jwt.PyJWTError:
        fail("the token cannot be read; mint a new one with `chengnuo token`")
    return str(claims.get(name, ""))


def service_today(conn: Connection, service: str) -> dt.date:
    """Today on the service's clock (a development stack may have let time pass), else China today."""
    try:
        answer = conn.stub(service, dev_clock_pb2_grpc.DevClockServiceStub).GetTime(
            dev_clock_pb2.GetTimeRequest()
        )
    except grpc.RpcError as error:
        call: Any = error  # a grpc.Call as well
        if call.code() != grpc.StatusCode.UNIMPLEMENTED:  # production serves no development clock
            raise
        return dt.datetime.now(CHINA).date()
    return china_time(answer.now).date()


def label(enum: Any, value: int) -> str:
    """`FILING_STATUS_FILED_LATE` shown as `filed late`: the enum's prefix dropped."""
    name: str = enum.Name(value) if value in enum.values() else str(value)
    prefix = enum.Name(0).removesuffix("UNSPECIFIED")
    return "" if value == 0 else name.removeprefix(prefix).lower().replace("_", " ")


def day(value: Date) -> str:
    return convert.from_date(value).isoformat() if convert.is_set(value) else ""


def china_time(value: Timestamp) -> dt.datetime:
    return convert.from_timestamp(value).astimezone(CHINA)


def moment(value: Timestamp) -> str:
    return china_time(value).strftime("%Y-%m-%d %H:%M") if value.seconds else ""


def yes(flag: bool) -> str:
    return "yes" if flag else ""
