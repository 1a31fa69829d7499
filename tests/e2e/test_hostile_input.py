"""Hostile input on every RPC of every service: a user's mistake is never INTERNAL.

Requests are generated from the protobuf descriptors of the RPCs the running processes serve
(found through gRPC reflection): NUL characters, strings of 20,000 characters, extreme integers and
floats, unknown enum values, impossible and out-of-range dates, timestamps and durations, repeated
fields of 20,000 items, and now and then a string field that is not UTF-8 appended on the wire.
Alongside them plausible values (request ids, USCCs, the caller's department, dates near the
stack's clock) so that requests also pass the first checks and reach deeper code. Each call goes
to the real processes with a token of the roles the handler declares. Any INTERNAL, UNKNOWN,
RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED answer fails the test, and every process must still be
healthy at the end.

Generation is derandomized (same requests every run); CHENGNUO_HOSTILE_EXAMPLES sets the number
of requests per RPC (default 40: about 4,300 calls, under a minute on the stack).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import math
import os
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory, text_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import services.commitment.main
import services.credit.main
import services.kernel.runtime
import services.verification.main
from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import audit_pb2, calendar_pb2, dev_clock_pb2, subject_pb2
from chengnuo.verification.v1 import verification_pb2
from services.kernel import auth, errors
from services.kernel.auth import ANY_ROLE
from services.kernel.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char
from services.kernel.rpc.handlers import ROLES_ATTRIBUTE
from services.launcher.stack import Stack
from tests.conftest import CLOCK_START
from tests.e2e.conftest import DEPARTMENT, REGION
from tests.support import RpcFailure, bare_channel, mint

EXAMPLES = int(os.environ.get("CHENGNUO_HOSTILE_EXAMPLES", "40"))
CALL_TIMEOUT = 20.0
FORBIDDEN = {
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
MAX_DEPTH = 4
HUGE = 20_000
TALLY: collections.Counter[str] = collections.Counter()
_IMPLEMENTATIONS = (
    services.commitment.main,
    services.credit.main,
    services.verification.main,
    services.kernel.runtime,
)


@dataclass(frozen=True)
class Rpc:
    process: str
    method: MethodDescriptor
    roles: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    def __str__(self) -> str:
        return f"{self.process}:{self.method.containing_service.name}.{self.method.name}"


# Values.

TODAY = dt.date.fromisoformat(CLOCK_START[:10])
SPECIAL_TEXT = [
    "",
    "\x00",
    "a\x00b",
    " ",
    "\t\n",
    "-1",
    "9" * 40,
    "\u202e\u200b",
    "😀" * 30,
    "' OR 1=1; --",
    "%s%n{0}",
    "../../etc/passwd",
    "NaN",
    TODAY.isoformat(),
]
HUGE_TEXT = ["x" * HUGE, "中" * HUGE, "a\x00" * (HUGE // 2)]
BAD_DATES = [
    (9999, 12, 31),
    (1, 1, 1),
    (0, 0, 0),
    (0, 1, 1),
    (2026, 2, 30),
    (2026, 13, 1),
    (2026, 0, 15),
    (-1, -1, -1),
    (2**31 - 1, 2**31 - 1, 2**31 - 1),
    (-(2**31), 1, 1),
    (1899, 12, 31),
    (1900, 1, 1),
    (2199, 12, 31),
    (2200, 1, 1),
]
INSTANT_SECONDS = [
    -1,
    0,
    -62135596800,
    -62135596801,
    253402300799,
    253402300800,
    2**63 - 1,
    -(2**63),
    -2208988800,  # 1900-01-01
    7258118400,  # 2200-01-01
]
NANOS = [0, 1, -1, 999_999_999, 1_000_000_000, 2**31 - 1, -(2**31)]
DURATION_SECONDS = [0, 1, -1, 3600, 86_400, 30 * 86_400, 36_524 * 86_400, 3_652_500 * 86_400, 315_576_000_001]
INT_LIMITS = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
FLOATS = [0.0, -0.0, 0.5, -1.0, math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-300]
# Of ten draws of a repeated field's length, two are huge.
LENGTHS = [0, 0, 1, 1, 1, 2, 2, 3, 1000, HUGE]


def plausible_text(name: str) -> st.SearchStrategy[str]:
    """A value a real client might send for a field of this name."""
    if name == "page_token":
        return st.just("")
    if name == "request_id" or name.endswith("_id") or name == "id":
        return st.uuids().map(str)
    if "department" in name:
        return st.sampled_from([DEPARTMENT, "350200-SFJ", "110000-SCJ"])
    if "region" in name:
        return st.sampled_from([REGION, "350203", "110000"])
    if "code" in name or "uscc" in name:
        return st.text(ORG_ALPHABET, min_size=8, max_size=8).map(_uscc).filter(bool)
    return st.one_of(
        st.sampled_from(WORDS), st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
    )


ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WORDS = ["厦门示例餐饮有限公司", "食品经营许可", "营业场所使用证明", "从业人员健康证明", "ZF35020001", "note"]


def _uscc(org8: str) -> str:
    """A valid USCC around a drawn organisation code ('' when its check character does not fit)."""
    first17 = f"91{REGION}{org8}{org_code_check_char(org8)}"
    return first17 + uscc_check_char(first17) if all(c in USCC_ALPHABET for c in first17) else ""


def hostile_text(huge: bool) -> st.SearchStrategy[str]:
    choices = [st.sampled_from(SPECIAL_TEXT), st.text(max_size=8)]
    return st.one_of(*choices, st.sampled_from(HUGE_TEXT)) if huge else st.one_of(*choices)


def integers(field: FieldDescriptor) -> st.SearchStrategy[int]:
    low, high = INT_LIMITS[field.cpp_type]
    edges = [
        v for v in (0, 1, -1, 2, 7, 30, 100, 1000, 100_000, low, high, low + 1, high - 1) if low <= v <= high
    ]
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def hostile_scalar(field: FieldDescriptor, huge: bool) -> st.SearchStrategy[object]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return hostile_text(huge)
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.one_of(st.binary(max_size=16), st.just(b"\x00" * (HUGE if huge else 8)))
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in _enum(field).values]
        return st.sampled_from([*known, max(known) + 1, 999, -1, 2**31 - 1])
    if field.cpp_type in (FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE):
        floats = st.floats(width=32) if kind == FieldDescriptor.TYPE_FLOAT else st.floats()
        return st.one_of(st.sampled_from(FLOATS), floats)
    return integers(field)


def _enum(field: FieldDescriptor) -> EnumDescriptor:
    assert field.enum_type is not None
    return field.enum_type


def plausible_scalar(field: FieldDescriptor) -> st.SearchStrategy[object]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return plausible_text(field.name)
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(min_size=1, max_size=16)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_ENUM:
        return st.sampled_from([v.number for v in _enum(field).values if v.number] or [0])
    if field.cpp_type in (FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE):
        return st.floats(0, 100)
    return st.integers(1, 30)


# Messages.


class Gen:
    """Draws one request. A calm request sets every field to a plausible value except about one
    in ten, which is hostile (so it gets past the first checks); a wild one is hostile throughout."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.calm = data.draw(st.booleans())

    def chance(self, tenths: int) -> bool:
        return self.data.draw(st.integers(0, 9)) < tenths

    def hostile(self) -> bool:
        return not self.calm or self.chance(1)

    def message(self, descriptor: Descriptor, depth: int = 0, huge: bool = True) -> Message:
        special = self.well_known(descriptor)
        if special is not None:
            return special
        message = message_factory.GetMessageClass(descriptor)()
        for field in descriptor.fields:
            if field.name != "request_id" and not self.chance(9 if self.calm else 5):
                continue
            if field.message_type is not None and depth >= MAX_DEPTH:
                continue
            self.set_field(message, field, depth, huge)
        return message

    def scalar(self, field: FieldDescriptor, huge: bool) -> object:
        hostile = self.chance(1) if field.name == "request_id" else self.hostile()
        return self.data.draw(hostile_scalar(field, huge) if hostile else plausible_scalar(field))

    def set_field(self, message: Message, field: FieldDescriptor, depth: int, huge: bool) -> None:
        target = getattr(message, field.name)
        if not field.is_repeated:
            if field.message_type is not None:
                target.CopyFrom(self.message(field.message_type, depth + 1, huge))
            else:
                setattr(message, field.name, self.scalar(field, huge))
            return
        lengths = LENGTHS if huge and self.hostile() else [1, 1, 2, 3]
        count = self.data.draw(st.sampled_from(lengths))
        small = huge and count < 10  # a huge list repeats small values: the request stays a few MB
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
            for i in range(count):
                key = self.scalar(key_field, False) if i < 3 else f"k{i}"
                if value_field.message_type is not None:
                    target[key].CopyFrom(self.message(value_field.message_type, depth + 1, False))
                else:
                    target[key] = self.scalar(value_field, False)
        elif entry is not None:
            item = self.message(entry, depth + 1, small)
            for _ in range(count):
                target.add().CopyFrom(item)
        else:
            target.extend([self.scalar(field, small)] * count)

    def well_known(self, descriptor: Descriptor) -> Message | None:
        make: Callable[..., Message] = message_factory.GetMessageClass(descriptor)  # fields: run time
        name, draw = descriptor.full_name, self.data.draw
        if name == "google.type.Date":
            near = st.dates(TODAY - dt.timedelta(days=800), TODAY + dt.timedelta(days=800))
            if self.hostile():
                year, month, day = draw(st.sampled_from(BAD_DATES))
                return make(year=year, month=month, day=day)
            return make(**{k: getattr(d, k) for d in [draw(near)] for k in ("year", "month", "day")})
        if name == "google.protobuf.Timestamp":
            base = int(dt.datetime.combine(TODAY, dt.time(), dt.UTC).timestamp())
            if self.hostile():
                return make(
                    seconds=draw(st.sampled_from(INSTANT_SECONDS)), nanos=draw(st.sampled_from(NANOS))
                )
            return make(seconds=draw(st.integers(base - 800 * 86_400, base + 800 * 86_400)))
        if name == "google.protobuf.Duration":
            if self.hostile():
                seconds = draw(st.one_of(st.sampled_from(DURATION_SECONDS), st.integers(-(2**63), 2**63 - 1)))
                return make(seconds=seconds, nanos=draw(st.sampled_from(NANOS)))
            return make(seconds=draw(st.integers(1, 30)) * 86_400)
        return None


def wire(data: st.DataObject, message: Message, calm: bool) -> bytes:
    """The request's bytes; now and then with a top-level string field that is not UTF-8 appended
    (a later value of a field replaces an earlier one, so the request is otherwise the same)."""
    raw = message.SerializeToString()
    strings = [f for f in message.DESCRIPTOR.fields if f.type == FieldDescriptor.TYPE_STRING]
    if strings and not calm and data.draw(st.integers(0, 4)) == 0:
        field = data.draw(st.sampled_from(strings))
        bad = b"ok\xed\xa0\x80\xff"
        raw += _varint(field.number << 3 | 2) + _varint(len(bad)) + bad
    return raw


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


# The RPCs.


def _roles(method: MethodDescriptor) -> tuple[str, ...]:
    """The roles the handler declares, read from the servicer classes that implement it."""
    service = method.containing_service
    module_name = service.file.name.removesuffix(".proto").replace("/", ".") + "_pb2_grpc"
    base = getattr(__import__(module_name, fromlist=["_"]), f"{service.name}Servicer")
    for implementation in _subclasses(base):
        roles = getattr(getattr(implementation, method.name, None), ROLES_ATTRIBUTE, None)
        if roles:
            return tuple(roles)
    raise AssertionError(f"no implementation of {service.full_name}.{method.name} declares roles")


def _subclasses(base: type) -> list[type]:
    subs: list[type] = base.__subclasses__()
    return [found for sub in subs for found in (sub, *_subclasses(sub))]


async def _served(address: str) -> list[str]:
    async with bare_channel(address) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for answer in stub.ServerReflectionInfo(iter([request])):
            return [s.name for s in answer.list_services_response.service if s.name.startswith("chengnuo.")]
    return []


async def discover(stack: Stack) -> list[Rpc]:
    assert _IMPLEMENTATIONS  # imported so that every servicer class is defined
    found = []
    for process, address in sorted(stack.endpoints().items()):
        for name in sorted(await _served(address)):
            service = descriptor_pool.Default().FindServiceByName(name)
            found += [Rpc(process, m, _roles(m)) for m in service.methods]
    # Moving the clock last keeps the other RPCs on the stack's own dates.
    return sorted(found, key=lambda r: r.method.containing_service.name == "DevClockService")


class Caller:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.key = auth.load_private_key(stack.keys.signing_key)
        self.channels = {p: bare_channel(a) for p, a in stack.endpoints().items()}

    async def call(self, rpc: Rpc, raw: bytes) -> grpc.StatusCode:
        roles = ["admin"] if rpc.roles == (ANY_ROLE,) else list(rpc.roles)
        error = await self.invoke(rpc.process, rpc.path, raw, roles)
        return grpc.StatusCode.OK if error is None else error.code

    async def invoke(
        self, process: str, path: str, request: bytes | Message, roles: Sequence[str]
    ) -> RpcFailure | None:
        """The failure of one call as `roles` of the test department, or None when it succeeded."""
        raw = request if isinstance(request, bytes) else request.SerializeToString()
        token = mint(self.key, roles, DEPARTMENT, REGION)
        method = self.channels[process].unary_unary(
            path, request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        try:
            await method(raw, metadata=(("authorization", f"Bearer {token}"),), timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            return RpcFailure(error)
        return None

    async def close(self) -> None:
        for ch in self.channels.values():
            await ch.close()


@dataclass
class Bad:
    rpc: Rpc
    code: grpc.StatusCode
    request: str


def fuzz(rpc: Rpc, caller: Caller, loop: asyncio.AbstractEventLoop) -> list[Bad]:
    """Run in a worker thread: hypothesis drives the examples, each call runs on the test's loop."""
    bad: list[Bad] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # every bad answer is listed, none shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        gen = Gen(data)
        message = gen.message(rpc.method.input_type)
        raw = wire(data, message, gen.calm)
        code = asyncio.run_coroutine_threadsafe(caller.call(rpc, raw), loop).result()
        TALLY[code.name] += 1
        if code in FORBIDDEN:
            shown = text_format.MessageToString(message, as_one_line=True)
            bad.append(Bad(rpc, code, shown[:300]))

    one()
    return bad


@pytest.fixture(scope="module")
async def caller(own_stack: Stack) -> AsyncIterator[Caller]:
    made = Caller(own_stack)
    yield made
    await made.close()
    print("\nanswers by status code:", dict(sorted(TALLY.items())))


CATALOGUE = "/chengnuo.commitment.v1.CatalogueService/"
COMMITMENTS = "/chengnuo.commitment.v1.CommitmentService/"
CALENDAR = "/chengnuo.common.v1.CalendarService/"
AUDIT = "/chengnuo.common.v1.AuditService/"
CLOCK = "/chengnuo.common.v1.DevClockService/"
VERIFICATION = "/chengnuo.verification.v1.VerificationService/"


async def _refusal(
    caller: Caller, process: str, path: str, request: bytes | Message, *roles: str
) -> RpcFailure:
    failure = await caller.invoke(process, path, request, roles)
    assert failure is not None, f"{path} accepted the request"
    return failure


async def test_the_reported_cases_are_refused_naming_the_field(caller: Caller) -> None:
    """The outside tester's findings, one by one: each was INTERNAL or RESOURCE_EXHAUSTED."""
    cases: list[tuple[str, str, Message, str, str]] = [
        (
            CATALOGUE + "ListCatalogue",
            "portal",
            catalogue_pb2.ListCatalogueRequest(matter="a\x00b"),
            "matter",
            "NUL",
        ),
        (
            COMMITMENTS + "WithdrawCommitment",
            "portal",
            commitment_pb2.WithdrawCommitmentRequest(request_id="w1", commitment_id="c", reason="x\x00"),
            "reason",
            "NUL",
        ),
        (
            AUDIT + "ListAuditRows",
            "auditor",
            audit_pb2.ListAuditRowsRequest(since=Timestamp(seconds=-1, nanos=2147483647)),
            "since",
            "nanos",
        ),
        (
            COMMITMENTS + "ListCommitments",
            "verifier",
            commitment_pb2.ListCommitmentsRequest(recorded_to=Date(year=9999, month=12, day=31)),
            "recorded_to",
            "out of range",
        ),
        (
            CALENDAR + "AddWorkingDays",
            "admin",
            calendar_pb2.AddWorkingDaysRequest(start=Date(year=9999, month=12, day=31), working_days=1000),
            "start",
            "out of range",
        ),
    ]
    for path, role, request, field, reason in cases:
        refused = await _refusal(caller, "commitment", path, request, role)
        assert refused.code == grpc.StatusCode.INVALID_ARGUMENT, (path, refused.message)
        assert refused.fields() == [field], path
        assert reason in refused.message, path


async def test_a_huge_value_is_refused_with_a_bounded_excerpt(caller: Caller) -> None:
    huge = "中" * 20_000
    subject = commitment_pb2.ListCommitmentsRequest(
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=huge)
    )
    region = catalogue_pb2.ListCatalogueRequest(region_code=huge)
    for refused in (
        await _refusal(caller, "commitment", COMMITMENTS + "ListCommitments", subject, "verifier"),
        await _refusal(caller, "commitment", CATALOGUE + "ListCatalogue", region, "portal"),
    ):
        assert refused.code == grpc.StatusCode.INVALID_ARGUMENT, refused.message
        assert len(refused.message) <= errors.MESSAGE_LIMIT


async def test_a_string_that_is_not_utf8_is_invalid_argument(caller: Caller) -> None:
    bad = catalogue_pb2.ListCatalogueRequest(page_size=1).SerializeToString() + b"\x22\x03\xed\xa0\x80"
    refused = await _refusal(caller, "commitment", CATALOGUE + "ListCatalogue", bad, "portal")
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["request"]


async def test_advancing_ten_thousand_years_is_refused_and_the_clock_keeps_working(caller: Caller) -> None:
    by = Duration()
    by.FromTimedelta(dt.timedelta(days=3_652_425))
    request = dev_clock_pb2.AdvanceRequest(request_id="far", by=by)
    refused = await _refusal(caller, "verification", CLOCK + "Advance", request, "admin")
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["by"]
    assert (
        await caller.invoke("verification", CLOCK + "GetTime", dev_clock_pb2.GetTimeRequest(), ["admin"])
        is None
    )
    tasks = verification_pb2.ListTasksRequest(page_size=1)
    assert await caller.invoke("verification", VERIFICATION + "ListTasks", tasks, ["verifier"]) is None


async def test_no_rpc_answers_hostile_input_with_a_server_error(own_stack: Stack, caller: Caller) -> None:
    rpcs = await discover(own_stack)
    assert len({r.path for r in rpcs}) > 80, "reflection should list every RPC of the three services"
    loop = asyncio.get_running_loop()
    bad: list[Bad] = []
    for rpc in rpcs:
        bad += await asyncio.to_thread(fuzz, rpc, caller, loop)
    for process in own_stack.processes.values():
        assert process.process.returncode is None, f"{process.name} exited"
    assert not bad, "server errors for bad input:\n" + "\n".join(_summary(bad))


def _summary(bad: Sequence[Bad]) -> list[str]:
    return [f"{b.rpc} {b.code.name} {b.request}" for b in bad[:60]]
