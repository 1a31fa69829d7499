"""Other authorities' lists imported as dated snapshots: precise refusals with nothing stored, the
officer's region, a snapshot that drops an entry lifts it, and what status and events say."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import Message

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import feeds_pb2 as fpb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, ref, rid
from tests.support import failure, new_uscc

D = dt.date
COURT = fpb.FEED_SOURCE_COURT_DISHONEST_DEBTORS
LISTED = D(2026, 5, 1)


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def row(uscc: str, *, listed: D = LISTED, until: D | None = None) -> fpb.FeedRow:
    made = fpb.FeedRow(subject=ref(uscc), basis="(2026)闽0203执1234号", listed_on=convert.to_date(listed))
    if until:
        made.valid_until.CopyFrom(convert.to_date(until))
    return made


def snapshot(
    day: D, *rows: fpb.FeedRow, source: fpb.FeedSource.ValueType = COURT
) -> fpb.ImportFeedSnapshotRequest:
    return fpb.ImportFeedSnapshotRequest(
        request_id=rid(), source=source, snapshot_date=convert.to_date(day), rows=list(rows)
    )


async def status(credit: CreditWorld, uscc: str) -> pb.GetCreditStatusResponse:
    return await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )


async def test_a_snapshot_bars_and_a_later_one_without_the_entry_lifts_it(credit: CreditWorld) -> None:
    officer = credit.as_role("credit_officer")
    listed, other = new_uscc(), new_uscc()
    done = await officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30), row(listed), row(other)))
    assert (done.added, done.kept, done.lifted) == (2, 0, 0)

    before = await status(credit, listed)
    [barred] = before.restrictions
    assert barred.kind == pb.RESTRICTION_KIND_NO_COMMITMENT
    assert barred.cause == pb.RESTRICTION_CAUSE_EXTERNAL_LIST
    assert "失信被执行人名单" in barred.description
    assert "(2026)闽0203执1234号" in barred.description
    announced = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    mine = [e for e in announced if e.subject.code == listed]
    assert [r.cause for r in mine[-1].restrictions] == [pb.RESTRICTION_CAUSE_EXTERNAL_LIST]

    credit.set_today(D(2026, 7, 20))
    again = await officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 7, 15), row(other)))
    assert (again.added, again.kept, again.lifted) == (0, 1, 1)
    assert list((await status(credit, listed)).restrictions) == []
    assert len((await status(credit, other)).restrictions) == 1
    announced = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    mine = [e for e in announced if e.subject.code == listed]
    assert list(mine[-1].restrictions) == []

    page = await officer.feeds.ListFeedEntries(fpb.ListFeedEntriesRequest(source=COURT, subject=ref(listed)))
    [entry] = page.entries
    assert entry.status == fpb.FEED_ENTRY_STATUS_LIFTED
    assert convert.from_date(entry.lifted_on) == D(2026, 7, 15)
    assert convert.from_date(entry.last_snapshot) == D(2026, 6, 30)
    assert await credit.count("audit_log", "action = 'feed.import'") == 2


async def test_validity_ends_the_bar_on_its_date(credit: CreditWorld) -> None:
    uscc = new_uscc()
    officer = credit.as_role("credit_officer")
    await officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30), row(uscc, until=D(2026, 7, 10))))
    [barred] = (await status(credit, uscc)).restrictions
    assert convert.from_date(barred.ends_on) == D(2026, 7, 10)
    credit.set_today(D(2026, 7, 10))
    assert list((await status(credit, uscc)).restrictions) == []
    page = await officer.feeds.ListFeedEntries(fpb.ListFeedEntriesRequest(source=COURT, subject=ref(uscc)))
    assert page.entries[0].status == fpb.FEED_ENTRY_STATUS_LIFTED


async def test_bad_rows_are_refused_precisely_and_nothing_is_stored(credit: CreditWorld) -> None:
    officer = credit.as_role("credit_officer")
    uscc = new_uscc()
    bad = fpb.FeedRow(subject=ref("91350200MA00000000"), basis="", listed_on=convert.to_date(D(2026, 7, 1)))
    refused = await failure(
        officer.feeds.ImportFeedSnapshot(
            snapshot(D(2026, 6, 30), row(uscc), bad, row(uscc), row(new_uscc(), until=D(2026, 4, 1)))
        )
    )
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == [
        "rows[1].subject.code",
        "rows[1].basis",
        "rows[1].listed_on",
        "rows[2].subject",
        "rows[3].valid_until",
    ]
    no_source = await failure(
        officer.feeds.ImportFeedSnapshot(
            snapshot(D(2026, 6, 30), row(uscc), source=fpb.FEED_SOURCE_UNSPECIFIED)
        )
    )
    assert no_source.fields() == ["source"]
    future = await failure(officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 7, 2), row(uscc))))
    assert future.fields() == ["snapshot_date"]
    assert await credit.count("feed_entry") == 0
    assert await credit.count("feed_head") == 0


async def test_an_older_snapshot_is_refused_after_a_newer_one(credit: CreditWorld) -> None:
    officer = credit.as_role("credit_officer")
    uscc = new_uscc()
    await officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30), row(uscc)))
    refused = await failure(officer.feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30))))
    assert refused.precondition_types() == [("SNAPSHOT_NOT_NEWER", "COURT_DISHONEST_DEBTORS")]
    assert await credit.count("feed_entry", "lifted_on IS NULL") == 1
    # another source is another feed
    tax = await officer.feeds.ImportFeedSnapshot(
        snapshot(D(2026, 6, 30), row(uscc), source=fpb.FEED_SOURCE_TAX_MAJOR_VIOLATION)
    )
    assert tax.added == 1
    assert len((await status(credit, uscc)).restrictions) == 2


async def test_only_a_credit_officer_imports_and_reads_its_region(credit: CreditWorld) -> None:
    uscc = new_uscc()
    for role in ("credit_reviewer", "verification_lead", "data_consumer"):
        denied = await failure(
            credit.as_role(role).feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30), row(uscc)))
        )
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED, role
    assert await credit.count("feed_entry") == 0
    await credit.as_role("credit_officer").feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30), row(uscc)))
    elsewhere = credit.as_role("credit_officer", department="350100-SCJ", region="350100")
    page = await elsewhere.feeds.ListFeedEntries(fpb.ListFeedEntriesRequest(source=COURT))
    assert list(page.entries) == []
    # another region's feed is its own: its first snapshot does not lift this region's entry
    await elsewhere.feeds.ImportFeedSnapshot(snapshot(D(2026, 6, 30)))
    assert len((await status(credit, uscc)).restrictions) == 1
    reviewer = await credit.as_role("credit_reviewer").feeds.ListFeedEntries(
        fpb.ListFeedEntriesRequest(source=COURT)
    )
    assert [e.subject.code for e in reviewer.entries] == [uscc]


# Penalties and other dishonesty information of other departments gathered under the subject.
ABAG = "152522"


def gather(uscc: str, case: str = "阿税罚〔2026〕7号", **changes: object) -> fpb.GatherInformationRequest:
    made = fpb.GatherInformationRequest(
        request_id=rid(),
        subject=ref(uscc),
        source_department=f"{ABAG}-SWJ",
        kind=fpb.GATHERED_KIND_ADMINISTRATIVE_PENALTY,
        decision_date=convert.to_date(D(2026, 6, 1)),
        basis="《中华人民共和国税收征收管理法》第六十三条",
        case_number=case,
    )
    for name, value in changes.items():
        if isinstance(value, Message):
            getattr(made, name).CopyFrom(value)
        else:
            setattr(made, name, value)
    return made


async def test_gathered_penalties_count_in_the_grade_of_the_plans_region(credit: CreditWorld) -> None:
    officer = credit.as_role("credit_officer", department=f"{ABAG}-SCJ", region=ABAG)
    uscc = new_uscc(ABAG)
    done = (await officer.feeds.GatherInformation(gather(uscc))).information
    assert (done.source_department, done.submitted_department) == (f"{ABAG}-SWJ", f"{ABAG}-SCJ")
    standing = await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(uscc)))
    assert (standing.grade_rule_set, standing.score, standing.grade) == (
        "ABAG-2020-29-GRADING",
        65,
        pb.GRADE_C,
    )
    [point] = [p for p in standing.grade_points if p.rule == "gathered_penalty"]
    assert f"{ABAG}-SWJ 阿税罚〔2026〕7号" in point.reason
    listed = await officer.feeds.ListGatheredInformation(
        fpb.ListGatheredInformationRequest(subject=ref(uscc))
    )
    assert [i.case_number for i in listed.information] == ["阿税罚〔2026〕7号"]
    again = await failure(officer.feeds.GatherInformation(gather(uscc)))
    assert again.code == grpc.StatusCode.ALREADY_EXISTS
    assert await credit.count("gathered_information") == 1
    assert await credit.count("audit_log", "action = 'information.gather'") == 1


async def test_gathering_is_refused_precisely_for_bad_input_role_and_region(credit: CreditWorld) -> None:
    officer = credit.as_role("credit_officer", department=f"{ABAG}-SCJ", region=ABAG)
    uscc = new_uscc(ABAG)
    bad = gather(
        uscc,
        case="",
        source_department="税务局",
        kind=fpb.GATHERED_KIND_UNSPECIFIED,
        decision_date=convert.to_date(D(2026, 7, 2)),
    )
    refused = await failure(officer.feeds.GatherInformation(bad))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["source_department", "kind", "decision_date", "case_number"]
    elsewhere = await failure(officer.feeds.GatherInformation(gather(new_uscc())))
    assert elsewhere.code == grpc.StatusCode.PERMISSION_DENIED
    foreign = await failure(officer.feeds.GatherInformation(gather(uscc, source_department="350200-SWJ")))
    assert foreign.code == grpc.StatusCode.PERMISSION_DENIED
    reviewer = credit.as_role("credit_reviewer", department=f"{ABAG}-SCJ", region=ABAG)
    assert (
        await failure(reviewer.feeds.GatherInformation(gather(uscc)))
    ).code == grpc.StatusCode.PERMISSION_DENIED
    other_region = credit.as_role("credit_reviewer")
    read = await failure(
        other_region.feeds.ListGatheredInformation(fpb.ListGatheredInformationRequest(subject=ref(uscc)))
    )
    assert read.code == grpc.StatusCode.PERMISSION_DENIED
    assert await credit.count("gathered_information") == 0
