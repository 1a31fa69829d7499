from __future__ import annotations

import asyncio
from typing import Any

from services.kernel import audit
from services.kernel.db import one
from tests.integration.conftest import AUDIT_KEY, World


def _entry(row: dict[str, Any]) -> audit.AuditEntry:
    fields = {k: row[k] for k in audit.AuditEntry.__dataclass_fields__}
    fields["change_digest"] = bytes(row["change_digest"])
    return audit.AuditEntry(**fields)


async def test_concurrent_changes_form_one_unbroken_chain(world: World) -> None:
    async def change(n: int) -> None:
        async with world.db.unit_of_work(request_id=f"req-{n}") as uow:
            uow.audit("thing.change", f"thing/{n}", change={"n": n}, subject_code="91350200MA2YJ1XR9G")
            uow.audit("thing.note", f"thing/{n}")

    await asyncio.gather(*(change(n) for n in range(30)))
    rows = [dict(r) for r in await world.pool.fetch("SELECT * FROM audit_log ORDER BY seq")]
    assert [r["seq"] for r in rows] == list(range(1, 61))
    previous = b""
    for row in rows:
        previous = audit.link(AUDIT_KEY, previous, row["seq"], _entry(row))
        assert previous == bytes(row["hash"])
    head = one(await world.pool.fetchrow("SELECT seq, hash FROM audit_head"))
    assert (head["seq"], bytes(head["hash"])) == (60, previous)
    assert {r["actor"] for r in rows} == {"tester"}
