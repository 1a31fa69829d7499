"""Background loops that outlive transient faults, and how faults are told apart.

Every loop a service runs besides answering calls (the outbox relay, job runners, consumers, the
development clock's follower, the database watch) runs its body through `forever`: a failure is
logged and the body runs again after a pause that doubles up to a cap. A fault of the
infrastructure (PostgreSQL restarting or out of reach, NATS reconnecting, a service answering
UNAVAILABLE) is expected and recovers by itself: a warning, and pauses of at most a few seconds.
Anything else is a bug: an error with its traceback (never frame locals, see log.py), and longer
pauses, so a loop that fails on every run neither spins nor takes the process down with it.

`dependency` is also how an RPC failing on such a fault is answered UNAVAILABLE (rpc/interceptor).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import grpc
import nats.errors
import nats.js.errors
import structlog

from services.kernel.errors import excerpt

log = structlog.get_logger()

DATABASE, BROKER, SERVICE, NETWORK = "database", "broker", "service", "network"
ERROR_EXCERPT = 200  # characters of an error's text in the log

# Server-side errors that mean "not now": the server is starting up, shutting down, restarted,
# or has no connection slot left. Errors about the request itself (constraints, syntax, data)
# are not among them.
_POSTGRES_DOWN: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # includes ConnectionDoesNotExistError, ConnectionFailureError
    asyncpg.CannotConnectNowError,  # "the database system is starting up / shutting down"
    asyncpg.AdminShutdownError,  # "terminating connection due to administrator command"
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
_NATS_DOWN: tuple[type[Exception], ...] = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.NoRespondersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.TimeoutError,
    nats.js.errors.ServiceUnavailableError,  # JetStream has no leader (a cluster electing one)
)
_CAUSES_FOLLOWED = 5


def dependency(exc: BaseException) -> str | None:
    """What was out of reach when `exc` was raised (DATABASE, BROKER, SERVICE or NETWORK), or None
    when `exc` is not a fault of the infrastructure. Its causes count: `raise … from`, and the
    error being handled when it was raised, as when a rollback or the release of a connection
    fails after the connection was lost (asyncpg's "another operation is in progress")."""
    seen: BaseException | None = exc
    for _ in range(_CAUSES_FOLLOWED):
        if seen is None:
            return None
        found = _dependency(seen)
        if found:
            return found
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return None


def _dependency(exc: BaseException) -> str | None:
    if isinstance(exc, _POSTGRES_DOWN):
        return DATABASE
    if isinstance(exc, asyncpg.InterfaceError):
        # Only a closed connection or a pool closing; the other interface errors are misuse
        # ("another operation is in progress", a bad codec), that is bugs.
        text = str(exc)
        return DATABASE if "closed" in text or "closing" in text else None
    if isinstance(exc, asyncpg.InternalClientError) and "cannot switch to state" in str(exc):
        # The protocol of a connection lost in the middle of an operation stays in that operation:
        # the next query on it (even one the pool hands out after a restart) says so, with no
        # cause attached. The pool drops the connection when it is released.
        return DATABASE
    if isinstance(exc, _NATS_DOWN):
        return BROKER
    if isinstance(exc, grpc.aio.AioRpcError) and exc.code() == grpc.StatusCode.UNAVAILABLE:
        return SERVICE
    if isinstance(exc, OSError):  # refused, reset, no socket file, and timeouts (a full pool)
        return NETWORK
    return None


def is_transient(exc: BaseException) -> bool:
    return dependency(exc) is not None


def describe(exc: BaseException) -> str:
    """A bounded one-line account of `exc` for the log: its type and the start of its text."""
    text = str(exc)
    return f"{type(exc).__name__}: {excerpt(text, ERROR_EXCERPT)}" if text else type(exc).__name__


@dataclass(frozen=True)
class Backoff:
    """Pauses that double from `first` to `cap` seconds, with jitter so replicas spread out."""

    first: float
    cap: float

    def pause(self, failures: int) -> float:
        """The pause after the `failures`-th failure in a row (1 for the first)."""
        full: float = min(self.cap, self.first * 2.0 ** max(failures - 1, 0))
        return full * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)


TRANSIENT = Backoff(first=0.2, cap=5.0)
BUG = Backoff(first=1.0, cap=30.0)


async def forever(
    name: str,
    step: Callable[[], Awaitable[object]],
    *,
    until: Callable[[], bool] = lambda: False,
    transient: Backoff = TRANSIENT,
    bug: Backoff = BUG,
) -> None:
    """Run `step` again and again until `until()` holds (or the task is cancelled).

    A failure of `step` is logged and waits out a pause, longer after each failure in a row.
    A run that lasted longer than the longest pause is taken as a recovery in between (a
    consumer that pumped for hours starts again from the shortest pause)."""
    failures = 0
    while not until():
        started = time.monotonic()
        try:
            await step()
        except Exception as exc:
            failures = 1 if time.monotonic() - started > bug.cap else failures + 1
            await asyncio.sleep(_report(name, exc, failures, transient, bug))
        else:
            failures = 0


def _report(name: str, exc: Exception, failures: int, transient: Backoff, bug: Backoff) -> float:
    down = dependency(exc)
    if down is not None:
        pause = transient.pause(failures)
        log.warning(
            "background task waiting for its infrastructure",
            task=name,
            dependency=down,
            error=describe(exc),
            failures=failures,
            retry_in=round(pause, 2),
        )
        return pause
    pause = bug.pause(failures)
    log.error(
        "background task failed; retrying",
        task=name,
        error=describe(exc),
        failures=failures,
        retry_in=round(pause, 2),
        exc_info=exc,
    )
    return pause
