"""Outages: what counts as a fault of the infrastructure, how a call is answered during one, how
background loops and the health check live through one."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import grpc
import nats.errors
import nats.js.errors
import pytest
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import empty_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

import services.kernel.db  # noqa: F401  (installs the filter on asyncpg.pool)
from services.kernel import auth, errors, supervise
from services.kernel.availability import DatabaseWatch
from services.kernel.clock import DevClock
from services.kernel.features.dev_clock import follow as dev_clock_follow
from services.kernel.rpc import server
from services.kernel.rpc.handlers import ROLES_ATTRIBUTE
from services.kernel.rpc.status import details_of, to_status
from services.kernel.uow import Database
from tests.support import mint

FAST = supervise.Backoff(first=0.001, cap=0.002)


def _rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="x")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (asyncpg.CannotConnectNowError("the database system is starting up"), supervise.DATABASE),
        (asyncpg.AdminShutdownError("terminating connection due to administrator command"), "database"),
        (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"), "database"),
        (asyncpg.PostgresConnectionError("connection failure"), "database"),
        (asyncpg.TooManyConnectionsError("sorry, too many clients already"), "database"),
        (asyncpg.InterfaceError("cannot perform operation: connection is closed"), "database"),
        (asyncpg.InterfaceError("pool is closing"), "database"),
        (ConnectionRefusedError(111, "Connection refused"), supervise.NETWORK),
        (FileNotFoundError(2, "No such file or directory"), "network"),  # a Unix socket gone
        (TimeoutError(), "network"),  # e.g. no pooled connection in time
        (nats.errors.ConnectionClosedError(), supervise.BROKER),
        (nats.errors.NoServersError(), "broker"),
        (nats.errors.TimeoutError(), "broker"),
        (nats.js.errors.ServiceUnavailableError(), "broker"),
        (_rpc_error(grpc.StatusCode.UNAVAILABLE), supervise.SERVICE),
    ],
)
def test_faults_of_the_infrastructure_are_transient(exc: Exception, expected: str) -> None:
    assert supervise.dependency(exc) == expected
    assert supervise.is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad value"),
        KeyError("missing"),
        AssertionError(),
        LookupError("outbox row of unknown event subject"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.DataError("invalid input"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        asyncpg.exceptions.ClientConfigurationError("bad dsn"),
        _rpc_error(grpc.StatusCode.INVALID_ARGUMENT),
        _rpc_error(grpc.StatusCode.INTERNAL),
    ],
)
def test_bugs_and_refusals_are_not_transient(exc: Exception) -> None:
    assert supervise.dependency(exc) is None


def test_an_explicit_cause_counts() -> None:
    exc = RuntimeError("the write failed")
    exc.__cause__ = ConnectionResetError(104, "reset")
    assert supervise.dependency(exc) == "network"


def test_a_cleanup_failing_after_a_lost_connection_is_transient() -> None:
    failed_release = asyncpg.InternalClientError(
        "cannot switch to state 15; another operation is in progress"
    )
    failed_release.__context__ = asyncpg.ConnectionDoesNotExistError("connection was closed")
    assert supervise.dependency(failed_release) == "database"
    assert supervise.dependency(asyncpg.InternalClientError("a bug of its own")) is None


def test_the_next_query_on_a_connection_lost_mid_operation_is_an_outage() -> None:
    """Seen after PostgreSQL restarts, on a connection the pool handed out, with no cause attached."""
    stuck = asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    assert supervise.dependency(stuck) == "database"


def test_describe_is_bounded_and_names_the_type() -> None:
    text = supervise.describe(ValueError("x" * 10_000))
    assert text.startswith("ValueError: xxx")
    assert len(text) < supervise.ERROR_EXCERPT + 20
    assert supervise.describe(TimeoutError()) == "TimeoutError"


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = supervise.Backoff(first=0.2, cap=5.0)
    for failures, full in [(1, 0.2), (2, 0.4), (3, 0.8), (6, 5.0), (50, 5.0)]:
        pauses = [backoff.pause(failures) for _ in range(50)]
        assert all(full / 2 <= p <= full for p in pauses), (failures, pauses)


async def _failing(*failures: Exception) -> tuple[Callable[[], Awaitable[None]], list[int]]:
    remaining = list(failures)
    calls = [0]

    async def step() -> None:
        calls[0] += 1
        if remaining:
            raise remaining.pop(0)

    return step, calls


async def test_forever_outlives_transient_faults_and_bugs() -> None:
    step, calls = await _failing(
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        ConnectionRefusedError(111, "Connection refused"),
        RuntimeError("a bug"),
    )
    with structlog.testing.capture_logs() as logs:
        await supervise.forever("test", step, until=lambda: calls[0] >= 5, transient=FAST, bug=FAST)
    assert calls[0] == 5  # three failures, then two good runs: it never gave up
    levels = [(entry["log_level"], entry.get("dependency")) for entry in logs]
    assert levels == [("warning", "database"), ("warning", "network"), ("error", None)]
    assert all(entry["task"] == "test" for entry in logs)
    assert [entry["failures"] for entry in logs] == [1, 2, 3]


async def test_forever_pauses_longer_for_bugs_than_for_outages(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def no_sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", no_sleep)  # only the loop under test sleeps meanwhile
    step, calls = await _failing(*[OSError("down")] * 8, *[RuntimeError("bug")] * 8)
    with structlog.testing.capture_logs():
        await supervise.forever("test", step, until=lambda: calls[0] > 16)
    outage, bug = pauses[:8], pauses[8:]
    assert max(outage) <= supervise.TRANSIENT.cap
    assert max(bug) > supervise.TRANSIENT.cap  # the 16th failure in a row: near BUG's cap
    assert outage[0] <= supervise.TRANSIENT.first
    assert outage[-1] >= supervise.TRANSIENT.cap / 2  # doubled each time up to the cap


async def test_cancelling_a_supervised_loop_ends_it() -> None:
    async def step() -> None:
        await asyncio.sleep(3600)

    task = asyncio.create_task(supervise.forever("test", step))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_dev_clock_follower_waits_out_a_database_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    """It used to end at the first failed read, and its death stopped the whole process."""
    monkeypatch.setattr(dev_clock_follow, "FOLLOW_SECONDS", 0.001)
    monkeypatch.setattr(supervise, "TRANSIENT", FAST)
    ahead = dt.timedelta(days=3)
    answers: list[object] = [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        FileNotFoundError(2, "No such file or directory"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        ahead // dt.timedelta(microseconds=1),
    ]
    advanced = asyncio.Event()

    async def fetchval(query: str) -> object:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    db = cast(Database, SimpleNamespace(pool=SimpleNamespace(fetchval=fetchval)))
    clock = DevClock()
    with structlog.testing.capture_logs() as logs:
        follower = asyncio.create_task(dev_clock_follow.follow(db, clock, advanced.set))
        try:
            await asyncio.wait_for(advanced.wait(), 5)
        finally:
            follower.cancel()
    assert clock.offset == ahead
    assert [entry["dependency"] for entry in logs] == ["database", "network", "database"]
    assert all(entry["log_level"] == "warning" for entry in logs)


def test_unavailable_carries_a_retry_delay() -> None:
    status = to_status(errors.Unavailable("database"))
    assert status.code == grpc.StatusCode.UNAVAILABLE
    retry, info = details_of(status.trailing_metadata)
    assert isinstance(retry, error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToTimedelta() == dt.timedelta(seconds=errors.RETRY_AFTER_SECONDS)
    assert 1 <= errors.RETRY_AFTER_SECONDS <= 2
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "UNAVAILABLE",
        "chengnuo",
        {"dependency": "database"},
    )
    assert "database" in status.details


# An in-process server with one method whose handler raises what the test hands it.
_SERVICE, _METHOD = "test.Outage", "Fail"


@pytest.fixture
async def failing_server() -> AsyncIterator[
    tuple[Callable[[Exception], Awaitable[grpc.aio.AioRpcError]], Any]
]:
    signing = Ed25519PrivateKey.generate()
    raising: list[Exception] = []

    async def fail(request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        raise raising[-1]

    setattr(fail, ROLES_ATTRIBUTE, (auth.ADMIN,))
    handler = grpc.unary_unary_rpc_method_handler(
        fail,
        request_deserializer=empty_pb2.Empty.FromString,
        response_serializer=empty_pb2.Empty.SerializeToString,
    )

    def add(servicer: object, grpc_server: grpc.aio.Server) -> None:
        grpc_server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(_SERVICE, {_METHOD: handler})]
        )

    registration = server.Registration(add, object(), _SERVICE)
    running = await server.start("127.0.0.1:0", [registration], auth.TokenVerifier([signing.public_key()]))
    token = mint(signing, [auth.ADMIN])
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    call = channel.unary_unary(
        f"/{_SERVICE}/{_METHOD}",
        request_serializer=empty_pb2.Empty.SerializeToString,
        response_deserializer=empty_pb2.Empty.FromString,
    )

    async def answer_to(exc: Exception) -> grpc.aio.AioRpcError:
        raising.append(exc)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(empty_pb2.Empty(), metadata=[("authorization", f"Bearer {token}")], timeout=5)
        return caught.value

    try:
        yield answer_to, running
    finally:
        await channel.close()
        await running.stop(0)


@pytest.mark.parametrize(
    ("exc", "dependency"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "network"),
        (asyncpg.CannotConnectNowError("the database system is shutting down"), "database"),
        (asyncpg.InterfaceError("cannot perform operation: connection is closed"), "database"),
        (nats.errors.NoServersError(), "broker"),
    ],
)
async def test_an_outage_is_answered_unavailable_with_retry_info(
    failing_server: tuple[Callable[[Exception], Awaitable[grpc.aio.AioRpcError]], Any],
    exc: Exception,
    dependency: str,
) -> None:
    answer_to, _ = failing_server
    with structlog.testing.capture_logs() as logs:
        error = await answer_to(exc)
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    retry, info = details_of(error.trailing_metadata())  # type: ignore[arg-type]
    assert isinstance(retry, error_details_pb2.RetryInfo)
    assert retry.retry_delay.seconds >= 1
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.metadata["dependency"] == dependency
    (logged,) = [entry for entry in logs if entry["event"] == "rpc unavailable"]
    assert logged["log_level"] == "warning"
    assert "exc_info" not in logged  # a known outage needs no traceback


async def test_a_bug_is_still_internal(
    failing_server: tuple[Callable[[Exception], Awaitable[grpc.aio.AioRpcError]], Any],
) -> None:
    answer_to, _ = failing_server
    with structlog.testing.capture_logs():
        error = await answer_to(RuntimeError("a bug"))
    assert error.code() == grpc.StatusCode.INTERNAL


async def _health(running: server.RunningServer, service: str = "") -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
    return int(reply.status)


async def test_health_follows_the_database_until_shutdown(
    failing_server: tuple[Callable[[Exception], Awaitable[grpc.aio.AioRpcError]], Any],
) -> None:
    _, running = failing_server
    serving, not_serving = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
    await running.set_serving(False)
    assert [await _health(running, s) for s in ("", _SERVICE)] == [not_serving, not_serving]
    assert await _health(running, server.LIVENESS) == serving  # no restart for a database outage
    await running.set_serving(True)
    assert [await _health(running, s) for s in ("", _SERVICE)] == [serving, serving]
    await running.stop(0)
    await running.set_serving(True)  # a database back during shutdown must not undo NOT_SERVING
    reply = await running.health.Check(health_pb2.HealthCheckRequest(service=""), None)
    assert reply.status == not_serving


async def test_the_database_watch_reports_changes_only() -> None:
    reported: list[bool] = []

    async def report(reachable: bool) -> None:
        reported.append(reachable)

    watch = DatabaseWatch(
        "postgresql://postgres@/postgres?host=/nonexistent-chengnuo", "test", report, timeout=1
    )
    with structlog.testing.capture_logs() as logs:
        assert not await watch.check()
        assert not await watch.check()
    assert reported == [False]
    assert logs[0]["log_level"] == "warning"
    assert "error" in logs[0]

    async def answers() -> str | None:
        return None

    watch._probe = answers  # type: ignore[method-assign]  # the database is back
    with structlog.testing.capture_logs():
        assert await watch.check()
        assert await watch.check()
    assert reported == [False, True]


def test_the_pool_does_not_flood_the_log_while_the_database_is_away(caplog: pytest.LogCaptureFixture) -> None:
    pool_log = logging.getLogger("asyncpg.pool")
    with caplog.at_level(logging.WARNING, logger="asyncpg.pool"):
        pool_log.warning("Failed to restore the pool connection floor; retrying")
        pool_log.warning("Pool.close() is taking over 60 seconds to complete.")
    assert [r.getMessage() for r in caplog.records] == ["Pool.close() is taking over 60 seconds to complete."]
