"""Decorators that declare, next to each RPC handler, who may call it and how it runs.

`@query(roles)` marks a read. `@command(roles, reply=...)` marks a change: it requires the
client's `request_id`, runs the handler in one unit of work, and answers a retried request with
the first answer (the replay check and the change share the transaction, so a retry racing the
original waits for it and then gets its answer).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from google.protobuf.message import Message

from services.kernel import idempotency
from services.kernel.auth import current_caller
from services.kernel.batch import DuplicateRequest, Plan, WriteBatcher
from services.kernel.errors import ServiceError
from services.kernel.idempotency import Request as MutatingRequest
from services.kernel.uow import Actor, Database, UnitOfWork

ROLES_ATTRIBUTE = "__chengnuo_roles__"


class HasDatabase(Protocol):
    @property
    def db(self) -> Database: ...


D = TypeVar("D", bound=HasDatabase)


class Handlers(Generic[D]):
    """The base of every handler set (one way to compose a servicer in every service).

    A service's composition root (`main.py`) builds one `Deps` holding everything its handlers
    use; `api/servicers.py` joins handler sets into the servicer of each proto service, built
    from that one `Deps`. The decorators below reach the database through `db`.
    """

    def __init__(self, deps: D) -> None:
        self.deps = deps

    @property
    def db(self) -> Database:
        return self.deps.db


S = TypeVar("S", bound=HasDatabase)
Q = TypeVar("Q")
Req = TypeVar("Req", bound=MutatingRequest)
R = TypeVar("R", bound=Message)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

Behavior = Callable[[S, Req, Any], Awaitable[R]]


def query(*roles: str) -> Callable[[F], F]:
    def mark(handler: F) -> F:
        return _declaring(roles, handler)

    return mark


def _declaring(roles: tuple[str, ...], handler: F) -> F:
    """`handler`, carrying the roles that may call it (the auth interceptor reads them)."""
    setattr(handler, ROLES_ATTRIBUTE, roles)
    return handler


@dataclass(frozen=True)
class _Call:
    """A mutating call: who makes it, and the key and digest its idempotency record carries."""

    actor: Actor
    key: str
    fingerprint: bytes

    @classmethod
    def of(cls, scope: str, request: MutatingRequest) -> _Call:
        idempotency.check_request_id(request.request_id)
        caller = current_caller()
        return cls(Actor.of(caller), f"{scope}|{caller.subject}", idempotency.fingerprint(request))


def command(
    *roles: str, reply: type[R]
) -> Callable[[Callable[[S, Req, UnitOfWork], Awaitable[R]]], Behavior[S, Req, R]]:
    def wrap(handler: Callable[[S, Req, UnitOfWork], Awaitable[R]]) -> Behavior[S, Req, R]:
        scope = handler.__name__

        @functools.wraps(handler)
        async def behavior(self: S, request: Req, context: Any) -> R:
            call = _Call.of(scope, request)
            store = self.db.idempotency
            async with self.db.unit_of_work(call.actor, request.request_id) as uow:
                claimed = await store.claim(uow.conn, call.key, request.request_id, call.fingerprint)
                first = idempotency.first_answer(claimed, call.fingerprint)
                if first is not None:
                    return reply.FromString(first)
                response = await handler(self, request, uow)
                await store.remember(uow.conn, call.key, request.request_id, response.SerializeToString())
                return response

        return _declaring(roles, behavior)

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
            call = _Call.of(scope, request)
            batcher = self.batcher
            plan = Plan(call.actor, request.request_id, self.db.clock.now())
            try:
                response = await handler(self, request, plan)
            except ServiceError:  # refused now; a replay still gets the first answer
                first = idempotency.first_answer(
                    await batcher.stored(call.key, request.request_id), call.fingerprint
                )
                if first is None:
                    raise
                return reply.FromString(first)
            plan.idempotency = (call.key, request.request_id, call.fingerprint, response.SerializeToString())
            try:
                await batcher.submit(plan)
            except DuplicateRequest:  # a replay, or its original won the race: the first answer
                stored = await batcher.stored(call.key, request.request_id)
                return reply.FromString(idempotency.first_answer(stored, call.fingerprint) or b"")
            return response

        return _declaring(roles, behavior)

    return wrap
