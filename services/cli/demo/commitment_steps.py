"""Steps 4 and 8: applicants commit through the portal; some are refused for their credit."""

from __future__ import annotations

import asyncio

import grpc

from chengnuo.commitment.v1 import commitment_pb2 as pb
from services.cli.demo.data import Enterprise
from services.cli.demo.world import World, ref, rid
from services.cli.output import describe

CONCURRENCY = 16
MARKET_ITEMS = ("经营场所使用证明", "企业名称预先核准证明")
HOUSING_ITEM = "社会保险缴纳证明"


def _request(world: World, enterprise: Enterprise, item: str) -> pb.RecordCommitmentRequest:
    return pb.RecordCommitmentRequest(
        request_id=rid(),
        subject=ref(enterprise),
        subject_name=enterprise.name,
        item_id=world.items[item],
        case_number=f"XM{rid()[:12].upper()}",
        channel=pb.CHANNEL_ONLINE,
        publication_type=pb.PUBLICATION_TYPE_PUBLIC,
        letter=pb.SignedLetter(signature_method=pb.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE),
    )


def _reason(refusal: grpc.aio.AioRpcError) -> str:
    """`EARLIER_FALSE_COMMITMENT: … repairable from …` without the record's id."""
    code, _, detail = describe(refusal).partition(" ")
    kind, _, rest = detail.partition(" ")
    return f"{code} {kind} {rest.partition(': ')[2]}"


def item_for(world: World, enterprise: Enterprise, n: int) -> str:
    housing = enterprise.code in world.housing_only or n % 5 == 4
    return HOUSING_ITEM if housing else MARKET_ITEMS[n % 2]


async def record(world: World, applicants: list[Enterprise], start: int = 0) -> list[str]:
    """Record a commitment for each applicant; returns the refusals, one line each."""
    portal, gate = world.office.desk("portal", "350200-ZWFW"), asyncio.Semaphore(CONCURRENCY)
    refusals: list[str] = []

    async def one(n: int, enterprise: Enterprise) -> None:
        async with gate:
            try:
                made = await portal.commitments.RecordCommitment(
                    _request(world, enterprise, item_for(world, enterprise, n))
                )
            except grpc.aio.AioRpcError as refusal:
                if refusal.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    raise
                refusals.append(f"{enterprise.name}: {_reason(refusal)}")
                return
            world.accepted[made.commitment.commitment_id] = made.commitment.department

    await asyncio.gather(*(one(start + n, e) for n, e in enumerate(applicants)))
    return refusals


async def first_round(world: World, count: int) -> None:
    with world.say.step(
        f"{count} applicants commit instead of fetching certificates (告知承诺)",
        "A portal checks eligibility against the credit projection, shows the 告知书, and records the "
        "signed letter; each commitment gets its national code (region + date + sequence).",
    ):
        applicants = world.roster[200 : 200 + count]
        refusals = await record(world, applicants)
        # any one, read by its own department's staff (the concurrent recording decides which)
        sample, department = next(iter(world.accepted.items()))
        commitment = await world.office.desk("verifier", department).commitments.GetCommitment(
            pb.GetCommitmentRequest(commitment_id=sample)
        )
        world.say.say(
            f"{len(world.accepted)} recorded, {len(refusals)} refused; e.g. code {commitment.commitment.code}"
        )
        world.say.record("commitments", f"{len(world.accepted)} recorded in the first round")


async def second_round(world: World, returning: list[Enterprise], newcomers: list[Enterprise]) -> None:
    with world.say.step(
        "The same subjects come back: refused while their record is in force",
        "Not eligible (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10): a subject with an"
        " unrepaired record of a false commitment, or on the serious-dishonesty list, until repair or the"
        " end of the publicity period.",
    ):
        before = len(world.accepted)
        refusals = await record(world, returning + newcomers, start=10_000)
        world.refused += len(refusals)
        for line in refusals[:3]:
            world.say.say(f"[yellow]refused[/yellow] {line}")
        world.say.say(f"{len(refusals)} refused, {len(world.accepted) - before} newcomers recorded")
        world.say.record(
            "refusals", f"{len(refusals)} of {len(returning)} returning subjects refused for credit"
        )
