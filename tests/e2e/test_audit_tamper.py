"""The audit trail of a real service, through the processes: `chengnuo audit verify` finds a row
changed, deleted or inserted by hand in the database, an end of the chain cut off with the head or
the anchor moved to match (through the signed checkpoints on the AUDIT_CHECKPOINTS stream), and a
change whose audit row cannot be written does not commit. A stack of the module's own: the tests
break its chains on purpose."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import grpc

from chengnuo.common.v1 import sharing_pb2 as pb
from chengnuo.common.v1 import sharing_pb2_grpc
from services.kernel import auth, convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.test_sharing_queries import agree, department
from tests.support import channel, eventually, failure, mint

MOVE_HEAD = "UPDATE credit.audit_head SET seq = $1, hash = (SELECT hash FROM credit.audit_log WHERE seq = $1)"
MOVE_ANCHOR = (
    "UPDATE credit.audit_anchor SET seq = $1, hash = (SELECT hash FROM credit.audit_log WHERE seq = $1)"
)


def verify(stack: Stack) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out = Cli(stack, ["auditor"], department="350200-SFJ")("audit", "verify", "--json")
    chains: dict[str, dict[str, Any]] = json.loads(out)
    return code, chains


def broken(chains: dict[str, dict[str, Any]], service: str) -> tuple[bool, int, str]:
    chain = chains[service]  # as JSON: defaults (intact false, 0) are left out
    return chain.get("intact", False), int(chain.get("first_broken_seq", 0)), chain.get("problem", "")


async def sql(stack: Stack, statement: str, *args: object) -> Any:
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        return await conn.fetch(statement, *args)
    finally:
        await conn.close()


async def test_a_row_changed_deleted_or_inserted_by_hand_is_found(own_stack: Stack) -> None:
    for _ in range(3):
        await agree(own_stack, "credit_records", department(), ["public_procurement"])
    code, chains = verify(own_stack)
    assert code == 0
    assert all(broken(chains, s)[0] for s in ("commitment", "verification", "credit"))
    head = int(chains["credit"]["head_seq"])
    (kept,) = await sql(own_stack, "SELECT * FROM credit.audit_log WHERE seq = $1", head - 1)

    await sql(own_stack, "UPDATE credit.audit_log SET purpose = 'routine check' WHERE seq = $1", head - 1)
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, head - 1, "row altered or forged"))
    assert broken(chains, "commitment")[0]
    await sql(own_stack, "UPDATE credit.audit_log SET purpose = $2 WHERE seq = $1", head - 1, kept["purpose"])
    assert verify(own_stack)[0] == 0

    await sql(own_stack, "DELETE FROM credit.audit_log WHERE seq = $1", head - 1)
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, head - 1, "row missing"))
    values = ", ".join(f"${n}" for n in range(1, 14))
    await sql(own_stack, f"INSERT INTO credit.audit_log VALUES ({values})", *kept.values())
    assert verify(own_stack)[0] == 0

    forged = (
        "INSERT INTO credit.audit_log SELECT seq + 1, at, actor, department, role,"
        " 'sharing.revoke_agreement', target, subject_code, request_id, purpose, outcome, change_digest,"
        " sha256(hash) FROM credit.audit_log WHERE seq = $1"
    )
    await sql(own_stack, forged, head)
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, head + 1, "row altered or forged"))
    await sql(own_stack, MOVE_HEAD, head + 1)  # and the head moved along: the forged row itself
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, head + 1, "row altered or forged"))
    await sql(own_stack, "DELETE FROM credit.audit_log WHERE seq = $1", head + 1)
    await sql(own_stack, MOVE_HEAD, head)
    assert verify(own_stack)[0] == 0


async def _checkpointed(stack: Stack) -> int:
    """Let time pass (which kicks the checkpoint job) until the credit head is checkpointed."""
    code, out = Cli(stack, ["admin"])("clock", "advance", "1m")
    assert code == 0, out

    async def head_covered() -> int | None:
        chain = verify(stack)[1]["credit"]
        head = int(chain["head_seq"])
        return head if int(chain.get("checkpoint_seq", 0)) == head else None

    return await eventually(head_covered, timeout=30, what="a checkpoint of the credit chain's head")


async def _restore(stack: Stack, rows: list[asyncpg.Record], ends: asyncpg.Record) -> None:
    await sql(stack, "DELETE FROM credit.audit_log")
    values = ", ".join(f"${n}" for n in range(1, 14))
    for row in rows:
        await sql(stack, f"INSERT INTO credit.audit_log VALUES ({values})", *row.values())
    await sql(stack, "UPDATE credit.audit_head SET seq = $1, hash = $2", ends["head_seq"], ends["head_hash"])
    await sql(
        stack, "UPDATE credit.audit_anchor SET seq = $1, hash = $2", ends["anchor_seq"], ends["anchor_hash"]
    )
    assert verify(stack)[0] == 0


async def test_an_end_cut_off_with_the_head_or_the_anchor_moved_is_found(own_stack: Stack) -> None:
    for _ in range(3):
        await agree(own_stack, "credit_records", department(), ["public_procurement"])
    head = await _checkpointed(own_stack)
    rows = await sql(own_stack, "SELECT * FROM credit.audit_log ORDER BY seq")
    (ends,) = await sql(
        own_stack,
        "SELECT h.seq AS head_seq, h.hash AS head_hash, a.seq AS anchor_seq, a.hash AS anchor_hash"
        " FROM credit.audit_head h, credit.audit_anchor a",
    )
    first = int(rows[0]["seq"])
    assert ends["anchor_seq"] == first - 1

    await sql(own_stack, MOVE_HEAD, head - 2)  # the last two rows gone, the head moved back
    await sql(own_stack, "DELETE FROM credit.audit_log WHERE seq > $1", head - 2)
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, head - 1, "head behind a signed checkpoint"))
    assert broken(chains, "commitment")[0]
    await _restore(own_stack, rows, ends)

    await sql(own_stack, MOVE_ANCHOR, first + 1)  # the first two rows gone, the anchor moved on
    await sql(own_stack, "DELETE FROM credit.audit_log WHERE seq <= $1", first + 1)
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, 1, "anchor moved without a recorded prune"))
    await _restore(own_stack, rows, ends)

    await sql(own_stack, "DELETE FROM credit.audit_log")  # everything gone, both ends reset
    await sql(own_stack, "UPDATE credit.audit_head SET seq = 0, hash = '\\x'::bytea")
    await sql(own_stack, "UPDATE credit.audit_anchor SET seq = 0, hash = '\\x'::bytea")
    code, chains = verify(own_stack)
    assert (code, broken(chains, "credit")) == (1, (False, 1, "head behind a signed checkpoint"))
    await _restore(own_stack, rows, ends)


async def test_a_change_whose_audit_row_cannot_be_written_does_not_commit(own_stack: Stack) -> None:
    consumer = department()
    request = pb.CreateAgreementRequest(
        request_id=str(uuid.uuid4()),
        agreement=pb.Agreement(
            consumer=consumer,
            data_class="grades",
            purposes=["daily_supervision"],
            region_code="350200",
            valid_from=convert.to_date(dt.date(2026, 1, 1)),
            valid_until=convert.to_date(dt.date(2030, 12, 31)),
            legal_basis="国市监信发〔2022〕6号",
        ),
    )
    token = mint(auth.load_private_key(own_stack.keys.signing_key), ["admin"], "350200-DSJ", "350200")
    stored = "SELECT count(*) AS n FROM credit.sharing_agreement WHERE consumer = $1"
    async with channel(own_stack.endpoints()["credit"], token) as ch:
        stub = sharing_pb2_grpc.SharingServiceStub(ch)
        (chain_head,) = await sql(own_stack, "DELETE FROM credit.audit_head RETURNING seq, hash")
        try:  # no chain head to link to: the audit row of the change cannot be written
            refused = await failure(stub.CreateAgreement(request))
        finally:
            await sql(
                own_stack, "INSERT INTO credit.audit_head (seq, hash) VALUES ($1, $2)", *chain_head.values()
            )
        assert refused.code == grpc.StatusCode.INTERNAL
        assert (await sql(own_stack, stored, consumer))[0]["n"] == 0
        assert (
            await sql(own_stack, "SELECT 1 FROM credit.idempotency WHERE request_id = $1", request.request_id)
            == []
        )
        made = await stub.CreateAgreement(request)  # the same request, now with its audit row
    assert made.agreement.consumer == consumer
    assert (await sql(own_stack, stored, consumer))[0]["n"] == 1
    rows = await sql(
        own_stack, "SELECT action FROM credit.audit_log WHERE request_id = $1", request.request_id
    )
    assert [r["action"] for r in rows] == ["sharing.create_agreement"]
    assert verify(own_stack)[0] == 0
