"""`chengnuo sharing`: an administrator agrees, lists and revokes; consumers see their own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import false_conclusion, opened_on, publish_item, record_request, task_of
from tests.support import eventually, new_uscc

Roles = Callable[..., Clients]


def test_sharing_agreements(stack: Stack) -> None:
    admin = Cli(stack, ["admin"])
    args = [
        "sharing",
        "agree",
        "--consumer",
        "350200-FGW",
        "--data-class",
        "credit_records",
        "--purpose",
        "public_procurement",
        "--region",
        "350200",
        "--until",
        "2027-12-31",
        "--legal-basis",
        "《政府采购法》第二十二条",
    ]
    code, out = admin(*args)
    assert code == 0
    agreement_id = out.split()[-1]
    code, out = Cli(stack, ["data_consumer"], department="350200-FGW")("sharing", "list", "--json")
    mine = json.loads(out)
    assert [a["agreement_id"] for a in mine] == [agreement_id]
    code, out = Cli(stack, ["data_consumer"], department="350200-OTHER")("sharing", "list", "--json")
    assert json.loads(out) == []
    code, out = admin("sharing", "agree", *args[2:5], "commitments_of_everyone", *args[6:])
    assert code == 1
    assert "--data-class: one of" in out
    code, out = admin(
        "sharing", "revoke", agreement_id, "--data-class", "credit_records", "--reason", "ended"
    )
    assert code == 0
    code, out = admin("sharing", "list", "--consumer", "350200-FGW", "--json")
    assert json.loads(out)[0]["revoked_at"]


async def test_report_and_bulk_match_for_a_purpose(as_role: Roles, stack: Stack, tmp_path: Path) -> None:
    uscc, clean = new_uscc(), new_uscc()
    portal, verifier = as_role("portal"), as_role("verifier")
    item_id = await publish_item(as_role("catalogue_admin"))
    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="task")
    await verifier.verification.ConcludeTask(false_conclusion(task.task_id, opened_on(task)))
    department = f"350200-X{uuid.uuid4().hex[:6].upper()}"
    agree = [
        "sharing",
        "agree",
        "--consumer",
        department,
        "--data-class",
        "credit_records",
        "--purpose",
        "administrative_licensing",
        "--region",
        "350200",
        "--until",
        "2099-12-31",
        "--legal-basis",
        "《优化营商环境条例》",
    ]
    assert Cli(stack, ["admin"])(*agree)[0] == 0
    consumer = Cli(stack, ["data_consumer"], department=department)

    async def reported() -> str | None:
        code, out = consumer("sharing", "report", uscc, "--purpose", "administrative_licensing", "--json")
        return out if code == 0 and json.loads(out).get("credit_records", {}).get("records") else None

    report = json.loads(await eventually(reported, what="the shared credit report"))
    assert report["subject"]["code"] == uscc
    assert {w["data_class"] for w in report.get("withheld", [])} == {"blacklist", "grades"}
    listing = tmp_path / "bidders.csv"
    listing.write_text(f"{clean}\n{uscc},厦门示例\n")
    code, out = consumer("sharing", "match", str(listing), "--purpose", "administrative_licensing", "--json")
    assert code == 0
    (hit,) = json.loads(out)
    assert (hit["line"], hit["code"], hit["measures"]) == (2, uscc, ["NO_COMMITMENT_ROUTE"])
    code, out = consumer("sharing", "report", uscc, "--purpose", "honours_and_awards")
    assert code == 1
    assert out.startswith("error: PERMISSION_DENIED")
