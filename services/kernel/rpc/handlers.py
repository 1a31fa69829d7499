"""Decorators that declare, next to each RPC handler, who may call it and how it runs.

`@query(roles)` marks a read. `@command(roles, reply=...)` marks a change: it requires the
client's `request_id`, runs the handler in one unit of work, and answers a retried request with
the first answer (the replay check and the change share the transaction, so a retry racing the
original waits for it and then gets its answer).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from google.protobuf.message import Message

from services.kernel.auth import current_caller
from services.kernel.batch import DuplicateRequest, Plan, WriteBatcher
from services.kernel.db import one
from services.kernel.errors import InvalidArgument, ServiceError
from services.kernel.uow import Actor, Database, UnitOfWork

ROLES_ATTRIBUTE = "__chengnuo_roles__"
MAX_REQUEST_ID = 128


class HasDatabase(Protocol):
    db: Database


class MutatingRequest(Protocol):
    request_id: str

    def SerializeToString(self, *, deterministic: bool = ...) -> bytes: ...


S = TypeVar("S", bound=HasDatabase)
Q = TypeVar("Q")
Req = TypeVar("Req", bound=MutatingRequest)
R = TypeVar("R", bound=Message)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

Behavior = Callable[[S, Req, Any], Awaitable[R]]


def query(*roles: str) -> Callable[[F], F]:
    def mark(handler: F) -> F:
        setattr(handler, ROLES_ATTRIBUTE, roles)
        return handler

    return mark


def command(
    *roles: str, reply: type[R]
) -> Callable[[Callable[[S, Req, UnitOfWork], Awaitable[R]]], Behavior[S, Req, R]]:
    def wrap(handler: Callable[[S, Req, UnitOfWork], Awaitable[R]]) -> Behavior[S, Req, R]:
        scope = handler.__name__

        @functools.wraps(handler)
        async def behavior(self: S, request: Req, context: Any) -> R:
            _check_request_id(request.request_id)
            caller = current_caller()
            actor = Actor.of(caller)
            async with self.db.unit_of_work(actor, request.request_id) as uow:
                first = await _claim(uow, f"{scope}|{caller.subject}", request)
                if first is not None:
                    return reply.FromString(first)
                response = await handler(self, request, uow)
                await _remember(uow, f"{scope}|{caller.subject}", request.request_id, response)
                return response

        setattr(behavior, ROLES_ATTRIBUTE, roles)
        return behavior

    return wrap


class HasBatcher(HasDatabase, Protocol):
    @property
    def batcher(self) -> WriteBatcher: ...


B = TypeVar("B", bound=HasBatcher)


def batched_command(
    *roles: str, reply: type[R]
) -> Callable[[Callable[[B, Req, Plan], Awaitable[R]]], Behavior[B, Req, R]]:
    """Like @command, but the handler only reads and fills a Plan; the servicer's WriteBatcher
    commits it together with the plans of concurrent requests (group commit).

    A replay is recognised when its plan meets the stored idempotency record at commit (or,
    when the handler refuses it, by looking the record up): either way it gets the first
    answer, without a lookup on the common path of a new request. The handler must therefore
    have no effect besides its plan (reading, and taking a number from a sequence, is fine).
    """

    def wrap(handler: Callable[[B, Req, Plan], Awaitable[R]]) -> Behavior[B, Req, R]:
        scope = handler.__name__

        @functools.wraps(handler)
        async def behavior(self: B, request: Req, context: Any) -> R:
            _check_request_id(request.request_id)
            caller = current_caller()
            key, fingerprint = f"{scope}|{caller.subject}", _fingerprint(request)
            batcher = self.batcher
            plan = Plan(Actor.of(caller), request.request_id, self.db.clock.now())
            try:
                response = await handler(self, request, plan)
            except ServiceError:  # refused now; a replay still gets the first answer
                first = _first_answer(await batcher.stored(key, request.request_id), fingerprint)
                if first is None:
                    raise
                return reply.FromString(first)
            plan.idempotency = (key, request.request_id, fingerprint, response.SerializeToString())
            try:
                await batcher.submit(plan)
            except DuplicateRequest:  # a replay, or its original won the race: the first answer
                stored = await batcher.stored(key, request.request_id)
                return reply.FromString(_first_answer(stored, fingerprint) or b"")
            return response

        setattr(behavior, ROLES_ATTRIBUTE, roles)
        return behavior

    return wrap


def _fingerprint(request: MutatingRequest) -> bytes:
    return hashlib.sha256(request.SerializeToString(deterministic=True)).digest()


def _first_answer(stored: tuple[bytes, bytes] | None, fingerprint: bytes) -> bytes | None:
    if stored is None:
        return None
    if stored[0] != fingerprint:
        raise InvalidArgument.one("request_id", "already used for a different request")
    return stored[1]


def _check_request_id(request_id: str) -> None:
    if not request_id:
        raise InvalidArgument.one("request_id", "required: a client-chosen id that makes retries safe")
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument.one("request_id", f"at most {MAX_REQUEST_ID} characters")


async def _claim(uow: UnitOfWork, scope: str, request: MutatingRequest) -> bytes | None:
    """None when this is the first time; else the stored answer of the first request."""
    fingerprint = _fingerprint(request)
    inserted = await uow.conn.fetchval(
        "INSERT INTO idempotency (scope, request_id, request_hash) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        scope,
        request.request_id,
        fingerprint,
    )
    if inserted:
        return None
    row = one(
        await uow.conn.fetchrow(
            "SELECT request_hash, response FROM idempotency WHERE scope = $1 AND request_id = $2",
            scope,
            request.request_id,
        )
    )
    if bytes(row["request_hash"]) != fingerprint:
        raise InvalidArgument.one("request_id", "already used for a different request")
    return bytes(row["response"])


async def _remember(uow: UnitOfWork, scope: str, request_id: str, response: Message) -> None:
    await uow.conn.execute(
        "UPDATE idempotency SET response = $3 WHERE scope = $1 AND request_id = $2",
        scope,
        request_id,
        response.SerializeToString(),
    )
