"""The idempotency store: the first answer to each client request, kept so a retry gets it again.

A record is keyed by scope (the RPC and the caller) and the client's request id, and holds a
digest of the request, so the same id reused for a different request is refused. `@command`
claims the record at the start of its unit of work (a retry racing the original waits on the
row, then reads its answer) and fills in the answer before commit; `@batched_command` writes the
whole record with its plan (`PendingWrites.idempotency`) and reads it back only for a replay.

`Store` is the interface the decorators use through `Database.idempotency`; this module is the
PostgreSQL implementation of it.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from services.kernel.db import Connection, one
from services.kernel.errors import InvalidArgument

MAX_REQUEST_ID = 128

StoredKey = tuple[str, str]  # (scope, request id)
StoredAnswer = tuple[bytes, bytes] | None  # (request hash, response) of the first request


class Store(Protocol):
    async def claim(
        self, conn: Connection, scope: str, request_id: str, fingerprint: bytes
    ) -> StoredAnswer: ...

    async def remember(self, conn: Connection, scope: str, request_id: str, response: bytes) -> None: ...

    async def stored(self, conn: Connection, keys: list[StoredKey]) -> list[StoredAnswer]: ...


class Request(Protocol):
    request_id: str

    def SerializeToString(self, *, deterministic: bool = ...) -> bytes: ...


def check_request_id(request_id: str) -> None:
    if not request_id:
        raise InvalidArgument.one("request_id", "required: a client-chosen id that makes retries safe")
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument.one("request_id", f"at most {MAX_REQUEST_ID} characters")


def fingerprint(request: Request) -> bytes:
    return hashlib.sha256(request.SerializeToString(deterministic=True)).digest()


def first_answer(stored: StoredAnswer, fingerprint: bytes) -> bytes | None:
    """The first request's answer (None when there was none); INVALID_ARGUMENT on `request_id`
    when the stored record is of a different request."""
    if stored is None:
        return None
    if stored[0] != fingerprint:
        raise InvalidArgument.one("request_id", "already used for a different request")
    return stored[1]


async def claim(conn: Connection, scope: str, request_id: str, fingerprint: bytes) -> StoredAnswer:
    """None when this is the first time (the record is now held by this transaction); else the
    record of the first request."""
    inserted = await conn.fetchval(
        "INSERT INTO idempotency (scope, request_id, request_hash) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        scope,
        request_id,
        fingerprint,
    )
    if inserted:
        return None
    row = one(
        await conn.fetchrow(
            "SELECT request_hash, response FROM idempotency WHERE scope = $1 AND request_id = $2",
            scope,
            request_id,
        )
    )
    return bytes(row["request_hash"]), bytes(row["response"])


async def remember(conn: Connection, scope: str, request_id: str, response: bytes) -> None:
    await conn.execute(
        "UPDATE idempotency SET response = $3 WHERE scope = $1 AND request_id = $2",
        scope,
        request_id,
        response,
    )


_STORED = """
SELECT i.scope, i.request_id, i.request_hash, i.response FROM idempotency i
JOIN unnest($1::text[], $2::text[]) AS k(scope, request_id) USING (scope, request_id)
WHERE i.response IS NOT NULL
"""


async def stored(conn: Connection, keys: list[StoredKey]) -> list[StoredAnswer]:
    """The committed answer of each key, in order (None for a key without one)."""
    rows = await conn.fetch(_STORED, [k[0] for k in keys], [k[1] for k in keys])
    found = {(r["scope"], r["request_id"]): (bytes(r["request_hash"]), bytes(r["response"])) for r in rows}
    return [found.get(k) for k in keys]
