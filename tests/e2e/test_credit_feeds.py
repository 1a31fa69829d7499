"""Other authorities' lists across the real processes: a subject on an imported court list
(失信被执行人) is refused the commitment route with the source named; a later snapshot without it
makes it eligible again. The snapshots are imported with `chengnuo credit feeds import`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import grpc
from google.rpc.error_details_pb2 import PreconditionFailure

from chengnuo.commitment.v1 import commitment_pb2
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import becomes, eligible
from tests.e2e.test_thin_flow import publish_item, record_request
from tests.support import failure, new_uscc

Roles = Callable[..., Clients]
HEADER = "统一社会信用代码,主体类型,执行依据文号,列入日期,有效期至\n"


def sheet(folder: Path, name: str, *usccs: str) -> Path:
    path = folder / name
    lines = [f"{u},法人,(2026)闽0203执{i}号,2026-01-05,\n" for i, u in enumerate(usccs, start=1)]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


async def test_an_imported_court_list_bars_the_route_until_a_snapshot_drops_the_subject(
    as_role: Roles, stack: Stack, tmp_path: Path
) -> None:
    item_id = await publish_item(as_role("catalogue_admin"))
    portal, debtor, other = as_role("portal"), new_uscc(), new_uscc()
    officer = Cli(stack, ["credit_officer"])
    today = await service_today(stack, "credit")
    first = sheet(tmp_path, "court-1.csv", debtor, other)
    code, out = officer(
        "credit",
        "feeds",
        "import",
        str(first),
        "--source",
        "court",
        "--date",
        str(today - dt.timedelta(days=1)),
    )
    assert (code, "added 2" in out) == (0, True), out

    await becomes(portal, debtor, item_id, allowed=False)
    [reason] = (await eligible(portal, debtor, item_id)).reasons
    assert reason.reason == commitment_pb2.INELIGIBILITY_REASON_EXTERNAL_LIST
    assert "失信被执行人名单" in reason.description
    refused = await failure(portal.commitments.RecordCommitment(record_request(debtor, item_id)))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    assert [t for t, _ in refused.precondition_types()] == ["EXTERNAL_LIST"]
    [violation] = [v for d in refused.details if isinstance(d, PreconditionFailure) for v in d.violations]
    assert "失信被执行人名单" in violation.description

    second = sheet(tmp_path, "court-2.csv", other)
    code, out = officer("credit", "feeds", "import", str(second), "--source", "court", "--date", str(today))
    assert (code, "kept 1" in out, "lifted 1" in out) == (0, True, True), out
    await becomes(portal, debtor, item_id, allowed=True)
    assert (
        await portal.commitments.RecordCommitment(record_request(debtor, item_id))
    ).commitment.commitment_id
    assert not (await eligible(portal, other, item_id)).eligible

    code, out = officer("credit", "feeds", "show", debtor, "--json")
    [entry] = json.loads(out)
    assert (code, entry["status"], entry["lifted_on"]) == (0, "lifted", today.isoformat())
