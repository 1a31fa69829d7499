"""Signed checkpoints of the audit chain: its witness outside the database (docs/audit.md).

The head and the anchor live in the same database as the rows, so someone who can write it can
cut rows off either end and move both to match. Like X-Road's time-stamped message log, a job
signs at an interval where the chain stands (last sequence and hash, anchor) and publishes it
through the outbox (nothing is lost) to the AUDIT_CHECKPOINTS stream, which keeps every message.
VerifyChain checks the chain against all of them (audit_chain.verify).

The Ed25519 key is derived from the service's audit key, so no new secret has to be deployed and
only the holder of the audit key can sign; its public half is shown by VerifyChain.
"""

from __future__ import annotations

import hashlib

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from chengnuo.common.v1 import audit_pb2
from services.kernel import audit, audit_chain, convert
from services.kernel.audit_chain import Checkpoint, Link
from services.kernel.bus import Bus
from services.kernel.config import SERVICES
from services.kernel.db import Connection
from services.kernel.events import EventType, Stream
from services.kernel.jobs import Job
from services.kernel.uow import UnitOfWork

log = structlog.get_logger()

# Created with JetStream's default limits (no maximum age, count or size): kept for good.
STREAM = Stream("AUDIT_CHECKPOINTS", ("audit.checkpoint.>",), "signed checkpoints of every audit chain")
CHAIN = "audit_log"
READ_TIMEOUT_SECONDS = 5.0
FORGED = "checkpoint signature invalid"
NO_MESSAGE = 10037  # JetStream's error code for "no message found" (the stream itself exists)

_STATE = """
SELECT c.seq AS done_seq, c.hash AS done_hash, a.seq AS anchor_seq, a.hash AS anchor_hash,
       h.seq AS head_seq
FROM audit_checkpoint c, audit_anchor a, audit_head h
FOR UPDATE OF c SKIP LOCKED
"""
_RESTORE = "INSERT INTO audit_checkpoint (seq, hash) VALUES (0, '\\x'::bytea) ON CONFLICT DO NOTHING"


def subject(service: str) -> str:
    return f"audit.checkpoint.{service}"


def event_type(service: str) -> EventType:
    return EventType(subject(service), audit_pb2.SignedAuditCheckpoint, STREAM.name)


TYPES = tuple(event_type(s) for s in SERVICES)


def signing_key(audit_key: bytes, service: str) -> Ed25519PrivateKey:
    info = b"chengnuo audit checkpoint v1:" + service.encode()
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(audit_key)
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, checkpoint: audit_pb2.AuditCheckpoint) -> audit_pb2.SignedAuditCheckpoint:
    body = checkpoint.SerializeToString()
    return audit_pb2.SignedAuditCheckpoint(
        checkpoint=body, signature=key.sign(body), key_id=key_id(key.public_key())
    )


def opened(data: bytes, service: str, key: Ed25519PublicKey) -> Checkpoint | None:
    """The checkpoint in `data` if its signature holds and it is this service's chain, else None."""
    try:
        signed = audit_pb2.SignedAuditCheckpoint.FromString(data)
        key.verify(signed.signature, signed.checkpoint)
        body = audit_pb2.AuditCheckpoint.FromString(signed.checkpoint)
    except (DecodeError, InvalidSignature):
        return None
    if body.service != service or body.chain != CHAIN:
        return None
    return Checkpoint(body.seq, body.hash, convert.from_timestamp(body.at))


async def read_all(bus: Bus, service: str) -> list[bytes]:
    """Every checkpoint message of `service` on the stream, oldest first."""
    stream, on = bus.names.stream(STREAM.name), bus.names.subject(subject(service))
    try:
        last = await bus.js.get_last_msg(stream, on)
    except NotFoundError as exc:
        if exc.err_code == NO_MESSAGE:
            return []
        raise  # the stream itself is gone: that is not "no checkpoint yet"
    found: list[bytes] = []
    sub = await bus.js.subscribe(on, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        seq = 0
        while seq < (last.seq or 0):
            msg = await sub.next_msg(timeout=READ_TIMEOUT_SECONDS)
            found.append(msg.data)
            seq = msg.metadata.sequence.stream
    except NatsTimeout:
        raise TimeoutError(f"checkpoints of {service} stopped at stream sequence {seq}") from None
    finally:
        await sub.unsubscribe()
    return found


def checkpoint_job(service: str, audit_key: bytes, every_seconds: float) -> Job:
    """Sign and queue a checkpoint whenever the chain grew, once its new links were checked."""
    key = signing_key(audit_key, service)

    async def step(uow: UnitOfWork) -> int:
        # One snapshot for the ends and the rows: a prune committing meanwhile is no gap.
        await uow.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = await uow.conn.fetchrow(_STATE)
        if state is None:  # another replica holds the state row, or it was deleted: put it back
            await uow.conn.execute(_RESTORE)
            return 0
        done = Link(int(state["done_seq"]), bytes(state["done_hash"]))
        anchor = Link(int(state["anchor_seq"]), bytes(state["anchor_hash"]))
        start = done if done.seq >= anchor.seq else anchor
        if int(state["head_seq"]) <= start.seq:  # nothing new (a head moved back is verify's finding)
            return 0
        reached = await _links_hold(uow.conn, audit_key, start, int(state["head_seq"]))
        if reached is None:
            log.warning(
                "audit chain does not verify since the last checkpoint; none taken", from_seq=start.seq
            )
            return 0
        checkpoint = audit_pb2.AuditCheckpoint(
            service=service,
            chain=CHAIN,
            seq=reached.seq,
            hash=reached.hash,
            anchor_seq=anchor.seq,
            anchor_hash=anchor.hash,
            at=convert.to_timestamp(uow.now),
        )
        _queue(uow, service, sign(key, checkpoint))
        await uow.conn.execute("UPDATE audit_checkpoint SET seq = $1, hash = $2", reached.seq, reached.hash)
        return 1

    return Job("audit-checkpoint", every_seconds=every_seconds, step=step)


async def _links_hold(conn: Connection, audit_key: bytes, start: Link, head_seq: int) -> Link | None:
    """The last of at most one batch of rows after `start` if their links hold, else None.
    A batch at a time keeps the transaction short; the runner repeats until the head is covered."""
    rows = await conn.fetch(
        "SELECT * FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
        start.seq,
        head_seq,
        audit_chain.BATCH,
    )
    reached = start
    for row in rows:
        stored = bytes(row["hash"])
        if row["seq"] != reached.seq + 1:
            return None
        if audit.link(audit_key, reached.hash, reached.seq + 1, audit_chain.entry_of(row)) != stored:
            return None
        reached = Link(reached.seq + 1, stored)
    return reached if rows else None


def _queue(uow: UnitOfWork, service: str, signed: audit_pb2.SignedAuditCheckpoint) -> None:
    # The three services share one message type on three subjects: the subject is named.
    checkpoint = audit_pb2.AuditCheckpoint.FromString(signed.checkpoint)
    uow.emit(signed, entity=f"{CHAIN}/{checkpoint.seq}", kind=event_type(service))
