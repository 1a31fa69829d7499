"""The ceilings measured in the same run: bare gRPC, a raw asyncpg transaction, raw COPY.

Each baseline does the same work as the benchmark it is compared with, minus our code: the echo
carries the same payload sizes at the same concurrency; the raw transaction writes the same rows
as RecordCommitment (commitment, outbox, idempotency with its answer, hash-chained audit row) in
the commitment schema's own table layout; raw COPY loads the same roster rows into a table
shaped like the roster.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import json
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import grpc

from bench.load import Figure, closed_loop
from services.kernel import audit, migrations

ECHO_METHOD = "/bench.Echo/Call"
RAW_SCHEMA = "bench_raw"  # a scratch copy of the commitment schema, dropped afterwards


@asynccontextmanager
async def echo_server(reply_bytes: int) -> AsyncIterator[str]:
    """The bare server in a process of its own, like a service; yields its address."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.echo_server", "0", str(reply_bytes), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    port = int((await process.stdout.readline()).decode())
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


async def echo(
    request_bytes: int, reply_bytes: int, *, concurrency: int, seconds: float, warmup: float
) -> Figure:
    payload = b"x" * request_bytes
    async with echo_server(reply_bytes) as address, grpc.aio.insecure_channel(address) as channel:
        call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(ECHO_METHOD)

        async def one(_: int) -> object:
            return await call(payload, timeout=10)

        return await closed_loop("echo", one, concurrency=concurrency, seconds=seconds, warmup=warmup)


# RecordCommitment's writes, statement by statement, as a plain one-request transaction would do
# them: the commitment, its outbox event, the idempotency record with the answer, and the audit
# row appended to the hash chain under the chain head's lock.
_COMMITMENT = (
    "INSERT INTO commitment (commitment_id, code, subject_kind, subject_code, subject_name, item_id,"
    " item_version, department, region_code, case_number, channel, publication_type, recorded_at,"
    " recorded_by, letter_text, letter_sha256, letter_values, signature_method, signature_reference,"
    " signed_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
    " $18, $19, $20)"
)
_OUTBOX = (
    "INSERT INTO outbox (id, subject, type, entity, payload, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)"
)
_IDEMPOTENCY = "INSERT INTO idempotency (scope, request_id, request_hash, response) VALUES ($1, $2, $3, $4)"


class RawCommitments:
    """A pool on the scratch schema and the catalogue row commitments refer to."""

    def __init__(self, pool: asyncpg.Pool, letter: str, event: bytes, answer: bytes) -> None:
        self.pool, self.letter, self.event, self.answer = pool, letter, event, answer
        self.item_id = uuid.uuid4()
        self.codes = itertools.count()
        self.key = b"k" * 32

    async def prepare(self) -> None:
        now = dt.datetime.now(dt.UTC)
        await self.pool.execute(
            "INSERT INTO catalogue_version (department, version, published_at, published_by, item_count,"
            " commitment_item_count) VALUES ('D', 1, $1, 'bench', 1, 1)",
            now,
        )
        await self.pool.execute(
            "INSERT INTO item_version VALUES ($1, 1, 'D', 'item', '350200', true, '{}')", self.item_id
        )

    async def record(self, n: int) -> None:
        now = dt.datetime.now(dt.UTC)
        commitment_id, request_id = uuid.uuid4(), str(uuid.uuid4())
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_COMMITMENT, *self._commitment(commitment_id, n, now))
            await conn.execute(
                _OUTBOX,
                uuid.uuid4(),
                "commitment.recorded",
                "t",
                f"commitment/{commitment_id}",
                self.event,
                now,
            )
            fingerprint = hashlib.sha256(request_id.encode()).digest()
            await conn.execute(_IDEMPOTENCY, "RecordCommitment|bench", request_id, fingerprint, self.answer)
            entry = audit.AuditEntry(
                now, "bench", "D", "portal", "commitment.record", f"commitment/{commitment_id}",
                "91350200MA2Y0000X0", request_id, "", "ok", audit.digest({"code": n}),
            )  # fmt: skip
            await audit.append(conn, self.key, [entry])

    def _commitment(self, commitment_id: uuid.UUID, n: int, now: dt.datetime) -> tuple[Any, ...]:
        return (
            commitment_id, f"35020020261124{next(self.codes):06d}", "SUBJECT_KIND_LEGAL_PERSON",
            "91350200MA2Y0000X0", "厦门示例餐饮有限公司", self.item_id, 1, "D", "350200",
            f"CASE-{n}", "CHANNEL_ONLINE", "PUBLICATION_TYPE_PUBLIC", now, "bench", self.letter,
            hashlib.sha256(self.letter.encode()).digest(), [], "SIGNATURE_METHOD_ELECTRONIC_SIGNATURE",
            "", now.date(),
        )  # fmt: skip


@asynccontextmanager
async def raw_schema(dsn: str, size: int) -> AsyncIterator[asyncpg.Pool]:
    """The commitment service's tables in a scratch schema, and a pool of `size` connections."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE")
        await migrations.apply(conn, RAW_SCHEMA, migrations.for_service("commitment"))
        pool = await asyncpg.create_pool(
            dsn, min_size=size, max_size=size, server_settings={"search_path": RAW_SCHEMA}, init=_jsonb
        )
        try:
            yield pool
        finally:
            await pool.close()
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE")
        await conn.close()


async def _jsonb(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def raw_transactions(
    dsn: str, letter: str, event: bytes, answer: bytes, *, concurrency: int, seconds: float, warmup: float
) -> Figure:
    async with raw_schema(dsn, concurrency) as pool:
        raw = RawCommitments(pool, letter, event, answer)
        await raw.prepare()
        return await closed_loop(
            "raw transaction", raw.record, concurrency=concurrency, seconds=seconds, warmup=warmup
        )


async def raw_copy(dsn: str, rows: Sequence[tuple[Any, ...]], columns: Sequence[str]) -> float:
    """Seconds to COPY `rows` into a fresh table shaped like the roster (its primary key too)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS public.bench_roster_copy")
        await conn.execute(
            "CREATE TABLE public.bench_roster_copy (LIKE verification.roster_subject INCLUDING ALL)"
        )
        start = asyncio.get_running_loop().time()
        await conn.copy_records_to_table(
            "bench_roster_copy", schema_name="public", records=rows, columns=list(columns)
        )
        return asyncio.get_running_loop().time() - start
    finally:
        await conn.execute("DROP TABLE IF EXISTS public.bench_roster_copy")
        await conn.close()
