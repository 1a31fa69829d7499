"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from services.kernel import auth
from services.kernel.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char
from services.kernel.rpc import client
from services.kernel.rpc.status import details_of

T = TypeVar("T")


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
    return client.channel(address, lambda: token)


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
