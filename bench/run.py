"""Every benchmark in one run against one embedded stack, each next to its baseline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench import baselines, commitments, matching, refusal, rosters, workers
from bench.load import Figure
from bench.report import Report, Row, ratio
from bench.scale import Scale
from bench.world import DEPARTMENT, Caller, World, publish_item, random_usccs, record_request


@dataclass
class Setup:
    world: World
    scale: Scale
    report: Report
    portal: Caller
    item_id: str

    @property
    def dsn(self) -> str:
        return self.world.stack.pg_dsn


async def run(scale: Scale, data_dir: Path) -> Report:
    report = Report()
    world = await World.start(data_dir / "stack")
    try:
        portal = world.caller("portal")
        item_id = await publish_item(world.caller("catalogue_admin"))
        setup = Setup(world, scale, report, portal, item_id)
        for suite in (record_suite, check_suite, refusal_suite, roster_suite, match_suite, workers_suite):
            started = time.perf_counter()
            await world.settle()
            await suite(setup)
            print(f"  ({suite.__name__} took {time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        await world.stop()
    return report


async def record_suite(s: Setup) -> None:
    sample = await commitments.record_sample(s.portal, s.item_id)
    sc, reply = s.scale, b"a" * sample.reply_bytes
    echo = await baselines.echo(
        sample.request_bytes,
        sample.reply_bytes,
        concurrency=sc.concurrency,
        seconds=sc.seconds,
        warmup=sc.warmup,
    )
    s.report.add(Row.of(echo, notes=f"{sample.request_bytes} B request, {sample.reply_bytes} B reply"))
    raw = await baselines.raw_transactions(
        s.dsn,
        sample.letter,
        sample.event,
        reply,
        concurrency=sc.concurrency,
        seconds=sc.seconds,
        warmup=sc.warmup,
    )
    s.report.add(Row.of(raw, notes="one transaction per request, the same rows as RecordCommitment"))
    got = await commitments.record(s.portal, s.item_id, sc, f"RecordCommitment, {sc.concurrency} concurrent")
    s.report.add(
        Row.of(
            got,
            baseline="raw transaction",
            ratio=ratio(got.per_second, raw.per_second),
            goal=">=1.0x raw, p99<=50ms",
            met=got.per_second >= raw.per_second and got.p99_ms <= 50 and not got.errors,
        )
    )
    s.report.add(
        Row.of(
            got,
            baseline="echo",
            ratio=ratio(got.per_second, echo.per_second),
            goal=">=0.5x echo",
            met=got.per_second >= 0.5 * echo.per_second,
        )
    )


async def check_suite(s: Setup) -> None:
    sample = await commitments.check_sample(s.portal, s.item_id)
    sc = s.scale
    echo = await baselines.echo(
        sample.request_bytes,
        sample.reply_bytes,
        concurrency=sc.concurrency,
        seconds=sc.seconds,
        warmup=sc.warmup,
    )
    s.report.add(Row.of(echo, notes=f"{sample.request_bytes} B request, {sample.reply_bytes} B reply"))
    got = await commitments.check(s.portal, s.item_id, sc)
    s.report.add(
        Row.of(
            got,
            baseline="echo",
            ratio=ratio(got.per_second, echo.per_second),
            goal=">=0.8x echo",
            met=got.per_second >= 0.8 * echo.per_second and not got.errors,
        )
    )


async def refusal_suite(s: Setup) -> None:
    sc = s.scale
    count = int(sc.conclusions_per_second * sc.conclusion_seconds)
    verifier = s.world.caller("verifier")
    recorded = await refusal.commitments(s.portal, s.item_id, count)
    tasks = await refusal.open_tasks(verifier, recorded)
    await s.world.settle()
    today = await s.world.today()
    got = await refusal.refusal(s.portal, verifier, s.item_id, tasks, today=today, scale=sc)
    s.report.add(
        Row.of(
            got,
            unit="refusals",
            goal=f"p99<=250ms at {sc.conclusions_per_second:g}/s",
            met=got.p99_ms <= 250 and not got.errors and got.calls == -(-len(tasks) // refusal.PROBE_EVERY),
            notes=f"1 in {refusal.PROBE_EVERY} watched, polled every {refusal.POLL_SECONDS * 1000:g} ms",
        )
    )


async def roster_suite(s: Setup) -> None:
    sc = s.scale
    lead = s.world.caller("verification_lead")
    prepared = rosters.roster(sc.roster, sc.chunk)
    raw_seconds = await baselines.raw_copy(s.dsn, prepared.copy_rows(DEPARTMENT), rosters.COLUMNS)
    s.report.add(
        Row(f"raw COPY of {sc.roster:,} roster rows", sc.roster / raw_seconds, "rows", seconds=raw_seconds)
    )
    seconds, done = await rosters.import_roster(lead, prepared)
    got = sc.roster / seconds
    s.report.add(
        Row(
            f"roster import of {sc.roster:,} subjects",
            got,
            "rows",
            seconds=seconds,
            baseline="raw COPY",
            ratio=ratio(got, sc.roster / raw_seconds),
            goal=">=0.7x raw COPY",
            met=got >= 0.7 * sc.roster / raw_seconds and done.created == sc.roster,
            notes=f"chunks of {sc.chunk:,}, {rosters.UPLOADS_IN_FLIGHT} in flight",
        )
    )
    await rosters.inspectors(lead)
    seconds, drawn = await rosters.draw(lead, DEPARTMENT, await s.world.today())
    s.report.add(
        Row(
            f"random draw over {drawn.pool_size:,} subjects",
            drawn.pool_size / seconds,
            "subjects",
            seconds=seconds,
            goal="<=2s",
            met=seconds <= 2 and drawn.pool_size == sc.roster,
            notes=f"{drawn.drawn:,} drawn",
        )
    )


async def match_suite(s: Setup) -> None:
    seconds, answer = await matching.bulk_match(s.world, s.scale.matches)
    s.report.add(
        Row(
            f"bulk match of {s.scale.matches:,} codes",
            s.scale.matches / seconds,
            "codes",
            seconds=seconds,
            goal="<=1s",
            met=seconds <= 1 and answer.compared == s.scale.matches,
            notes=f"{answer.compared:,} compared, {len(answer.hits)} hits",
        )
    )


async def workers_suite(s: Setup) -> None:
    codes = random_usccs(commitments.SUBJECTS, seed=5)
    checks = [commitments.check_request(c, s.item_id) for c in codes]

    async def check(stub: commitments.Stub, n: int) -> object:
        return await stub.CheckEligibility(checks[n % len(checks)])

    async def record(stub: commitments.Stub, n: int) -> object:
        return await stub.RecordCommitment(record_request(codes[n % len(codes)], s.item_id))

    calls: list[tuple[str, workers.Call]] = [("CheckEligibility", check), ("RecordCommitment", record)]
    figures: dict[tuple[str, int], Figure] = {}
    for count in (1, 2):
        async with workers.serving(s.world, count) as address:
            for name, call in calls:
                await s.world.settle()
                figures[name, count] = await workers.throughput(
                    s.portal, address, count, (name, call), s.scale
                )
    for name, _ in calls:
        one, two = figures[name, 1], figures[name, 2]
        s.report.add(Row.of(one))
        s.report.add(Row.of(two, baseline="1 worker", ratio=ratio(two.per_second, one.per_second)))
