"""`chengnuo sharing`: an administrator agrees, lists and revokes; consumers see their own."""

from __future__ import annotations

import json

from services.launcher.stack import Stack
from tests.e2e.cli import Cli


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
