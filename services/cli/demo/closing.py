"""The last step: the audit chains verify, and a summary read from the services."""

from __future__ import annotations

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import audit_pb2
from chengnuo.credit.v1 import public_pb2
from services.cli.demo.data import HOUSING, MARKET
from services.cli.demo.world import World
from services.kernel.config import SERVICES


async def audit(world: World) -> bool:
    with world.say.step(
        "The audit trail (执法全过程记录) verifies",
        "Every change and every shared look at data left a row chained by a keyed hash; an auditor "
        "walks each service's chain for a missing, altered or inserted row.",
    ):
        auditor = world.office.desk("auditor", "350200-SFJ")
        intact = True
        for service in SERVICES:
            report = await auditor.audit(service).VerifyChain(audit_pb2.VerifyChainRequest())
            intact &= report.intact
            world.say.say(
                f"{service}: {report.rows_checked} rows, {'intact' if report.intact else report.problem}"
            )
        world.say.record("audit", "all chains intact" if intact else "A CHAIN IS BROKEN")
        return intact


async def _commitments(world: World, department: str) -> int:
    desk, total, token = world.office.desk("verifier", department), 0, ""
    while True:
        page = await desk.commitments.ListCommitments(
            commitment_pb2.ListCommitmentsRequest(page_size=500, page_token=token)
        )
        total += len(page.commitments)
        token = page.next_page_token
        if not token:
            return total


async def totals(world: World) -> None:
    market, housing = await _commitments(world, MARKET.code), await _commitments(world, HOUSING.code)
    records = await world.office.desk("portal", "350200-ZWFW").public.ListPublicRecords(
        public_pb2.ListPublicRecordsRequest(page_size=500)
    )
    world.say.record(
        "in the services",
        f"{market + housing} commitments ({market} market, {housing} housing), "
        f"{len(records.records)} records in publicity",
    )
