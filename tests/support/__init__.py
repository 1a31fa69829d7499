"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from services.kernel import auth
from services.kernel.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char
from services.kernel.rpc import client
from services.kernel.rpc.status import details_of
from services.kernel.rpc.tls import TlsFiles
from services.launcher.embedded import RESERVED_PORTS

if TYPE_CHECKING:
    from services.launcher.stack import Stack

T = TypeVar("T")
# What a client retries with the same request_id (the service answers a retry with the first answer).
# CANCELLED is among them although these clients never cancel: gRPC core ends calls that reached a
# server but were not yet handed to a handler when a graceful stop begins with CANCELLED instead of
# UNAVAILABLE (grpc/grpc#41785, open; fix proposed in grpc/grpc#41786).
RETRYABLE = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
)

# Every stack serves mutual TLS with a CA of its own. The stacks a test session started, and the
# stack.json files it read, tell which client certificate an address wants, so a test connects to
# whichever service it was handed without naming certificates. Only running stacks count: a port
# a stopped stack had may be reused by a plaintext server a later test starts.
_STACKS: list[Stack] = []
_STATES: dict[str, tuple[TlsFiles, Path]] = {}  # by address: the certificate and its stack.json


def trust(stack: Stack) -> Stack:
    """Connect to `stack`'s services (any replica, also after a restart) with its client certificate."""
    _STACKS.insert(0, stack)
    return stack


def trust_state(state_file: Path) -> dict[str, Any]:
    """The stack.json of a `chengnuo up` process, whose endpoints are then connected to with the
    client certificate it names."""
    state: dict[str, Any] = json.loads(state_file.read_text())
    tls = TlsFiles.from_json(state.get("tls"))
    for address in state.get("endpoints", {}).values():
        if tls is None:
            _STATES.pop(address, None)
        else:
            _STATES[address] = (tls, state_file)
    return state


def client_tls(address: str) -> TlsFiles | None:
    """The client certificate for `address`: None for a server the tests started in plaintext."""
    for stack in _STACKS:
        running = (p.address for p in stack.processes.values() if p.process.returncode is None)
        if address in running:
            return stack.client_tls
    tls, state_file = _STATES.get(address, (None, None))
    return tls if state_file is not None and state_file.exists() else None  # `up` removes it on stop


def mint(
    signing_key: Any, roles: Sequence[str], department: str = "", region: str = "", subject: str = "tester"
) -> str:
    return auth.mint(
        signing_key,
        subject=subject,
        department=department,
        region=region,
        roles=roles,
        now=dt.datetime.now(dt.UTC),
        ttl=dt.timedelta(hours=1),
    )


def channel(address: str, token: str) -> grpc.aio.Channel:
    return client.channel(address, lambda: token, tls=client_tls(address))


def bare_channel(address: str) -> grpc.aio.Channel:
    """No token and no deadline, over the transport `address` wants: for calls a token must not need
    (health, reflection) and refusals of calls without one."""
    tls = client_tls(address)
    if tls is None:
        return grpc.aio.insecure_channel(address)
    return grpc.aio.secure_channel(address, tls.channel_credentials())


def bare_sync_channel(address: str) -> grpc.Channel:
    """`bare_channel` for grpc's synchronous clients (grpc_reflection's descriptor database)."""
    tls = client_tls(address)
    if tls is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, tls.channel_credentials())


class RpcFailure:
    def __init__(self, error: grpc.aio.AioRpcError) -> None:
        self.code = error.code()
        self.message = error.details() or ""
        self.details: list[Message] = details_of(error.trailing_metadata())  # type: ignore[arg-type]

    def fields(self) -> list[str]:
        return [
            v.field
            for d in self.details
            if isinstance(d, error_details_pb2.BadRequest)
            for v in d.field_violations
        ]

    def precondition_types(self) -> list[tuple[str, str]]:
        return [
            (v.type, v.subject)
            for d in self.details
            if isinstance(d, error_details_pb2.PreconditionFailure)
            for v in d.violations
        ]


async def failure(call: Awaitable[Any]) -> RpcFailure:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return RpcFailure(error)
    raise AssertionError("the call succeeded but was expected to fail")


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 20.0, what: str = "") -> T:
    """Poll until `probe` returns something truthy (events flow asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        await asyncio.sleep(0.1)


def new_uscc(region: str = "350200") -> str:
    """A fresh valid USCC, so every test has subjects of its own on the shared stack."""
    org8 = "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = f"91{region}{org8}{org_code_check_char(org8)}"
    if any(c not in USCC_ALPHABET for c in first17):
        return new_uscc(region)
    return first17 + uscc_check_char(first17)


def free_port() -> int:
    """A loopback port nothing listens on now, never one of the machine's own servers' (5432, 4222)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port
