"""Other authorities' dishonesty lists imported as dated snapshots (FeedService).

Who imports: a credit officer, for the region of its token (the credit department gathers the
information, 信用信息归集, 《阿巴嘎旗进一步加强事中事后监管工作的实施方案》二(七)19). The system-wide admin
is not a department's officer and does not import. Each snapshot is audited with what it changed.
One snapshot is one request of at most MAX_ROWS rows, checked whole: a bad row refuses the snapshot
and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from chengnuo.credit.v1 import feeds_pb2 as pb
from services.contracts import roles
from services.contracts.subjects import parse_subject, public_code
from services.credit.api.deps import Deps
from services.credit.api.parse import text
from services.credit.domain import feeds
from services.credit.domain.rule_sets import subject_region
from services.credit.flows import refresh
from services.credit.wire import feeds as wire
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import AlreadyExists, PermissionDenied, Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork

MAX_ROWS = 10_000
MAX_BASIS = 500
MAX_DEPARTMENT = 64
MAX_CASE_NUMBER = 100
DEPARTMENT_CODE = re.compile(r"\d{6}-[0-9A-Z]{1,57}")  # region code, then the department's own
READERS = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER)


def _source(v: Violations, value: int, *, required: bool = True) -> str:
    if value in pb.FeedSource.values() and value != pb.FEED_SOURCE_UNSPECIFIED:
        return pb.FeedSource.Name(pb.FeedSource.ValueType(value)).removeprefix("FEED_SOURCE_")
    if required or value:
        v.add("source", "required: one of " + ", ".join(n for n in pb.FeedSource.keys()[1:]))
    return ""


def _rows(v: Violations, rows: Any, snapshot_date: dt.date | None) -> list[feeds.Row]:
    if len(rows) > MAX_ROWS:
        v.add("rows", f"at most {MAX_ROWS} rows in one snapshot")
        return []
    found: list[feeds.Row] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        at = f"rows[{i}]"
        subject = parse_subject(v, f"{at}.subject", row.subject)
        basis = text(v, f"{at}.basis", row.basis, limit=MAX_BASIS)
        listed_on = convert.date_field(v, f"{at}.listed_on", row.listed_on)
        until = convert.date_field(v, f"{at}.valid_until", row.valid_until, required=False)
        if listed_on and snapshot_date and listed_on > snapshot_date:
            v.add(f"{at}.listed_on", f"{listed_on} is after the snapshot date {snapshot_date}")
        if listed_on and until and until <= listed_on:
            v.add(f"{at}.valid_until", f"{until} must be after listed_on {listed_on}")
        if subject is None or listed_on is None:
            continue
        if subject.code in seen:
            first = seen[subject.code]
            v.add(f"{at}.subject", f"the subject is in rows[{first}] already: one row per subject")
            continue
        seen[subject.code] = i
        found.append(feeds.Row(subject.kind, subject.code, basis, listed_on, until))
    return found


class FeedHandlers(Handlers[Deps]):
    @command(roles.CREDIT_OFFICER, reply=pb.ImportFeedSnapshotResponse)
    async def ImportFeedSnapshot(
        self, request: pb.ImportFeedSnapshotRequest, uow: UnitOfWork
    ) -> pb.ImportFeedSnapshotResponse:
        caller = current_caller()
        v = Violations()
        source = _source(v, request.source)
        snapshot_date = convert.date_field(v, "snapshot_date", request.snapshot_date)
        today = china_date(uow.now)
        if snapshot_date and snapshot_date > today:
            v.add("snapshot_date", f"{snapshot_date} is after today, {today}")
        rows = _rows(v, request.rows, snapshot_date)
        v.raise_if_any()
        assert snapshot_date is not None  # checked above
        store = self.deps.store.feeds
        last = await store.lock_head(uow.conn, source, caller.region)
        feeds.require_newer(source, snapshot_date, last)
        change = feeds.plan(await store.open_entries(uow.conn, source, caller.region), rows)
        await store.apply(
            uow.conn, source, caller.region, snapshot_date, change, caller.department, caller.subject, uow.now
        )
        counts = {"added": len(change.added), "kept": len(change.kept), "lifted": len(change.lifted)}
        uow.audit(
            "feed.import",
            f"feed/{source}/{caller.region}",
            change={"snapshot_date": snapshot_date.isoformat(), **counts},
        )
        for kind, code in change.subjects:
            await refresh.subject(self.deps.store, uow, kind, code)
        return pb.ImportFeedSnapshotResponse(**counts)

    @query(*READERS)
    async def ListFeedEntries(
        self, request: pb.ListFeedEntriesRequest, context: Any
    ) -> pb.ListFeedEntriesResponse:
        caller = current_caller()
        v = Violations()
        source = _source(v, request.source)
        code = None
        if request.HasField("subject"):
            subject = parse_subject(v, "subject", request.subject)
            code = subject.code if subject else None
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID)
        found = await self.deps.store.feeds.page(self.db.pool, source, caller.region, code, after, size)
        today = self.db.clock.today()
        return pb.ListFeedEntriesResponse(
            entries=[wire.feed_entry(e, today) for e in found],
            next_page_token=paging.next_token(found, size, "listed_on", "entry_id"),
        )

    @command(roles.CREDIT_OFFICER, reply=pb.GatherInformationResponse)
    async def GatherInformation(
        self, request: pb.GatherInformationRequest, uow: UnitOfWork
    ) -> pb.GatherInformationResponse:
        """Another department's decision under a subject of the caller's region, from a department
        of the region (the region's credit department gathers its region's information)."""
        caller = current_caller()
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        source = text(v, "source_department", request.source_department, limit=MAX_DEPARTMENT)
        if source and not DEPARTMENT_CODE.fullmatch(source):
            v.add(
                "source_department",
                "a department code: its 6-digit region, '-', then A-Z/0-9, e.g. 152522-SWJ",
            )
        if request.kind in pb.GatheredKind.values() and request.kind != pb.GATHERED_KIND_UNSPECIFIED:
            kind = pb.GatheredKind.Name(request.kind).removeprefix("GATHERED_KIND_")
        else:
            v.add("kind", "required: administrative penalty or other dishonesty")
        decided = convert.date_field(v, "decision_date", request.decision_date)
        today = china_date(uow.now)
        if decided and decided > today:
            v.add("decision_date", f"{decided} is after today, {today}")
        basis = text(v, "basis", request.basis, limit=MAX_BASIS)
        case_number = text(v, "case_number", request.case_number, limit=MAX_CASE_NUMBER)
        subject = v.ok(subject)
        assert decided is not None  # checked above
        region = subject_region(subject.kind, subject.code)
        if not caller.covers_region(region):
            raise PermissionDenied(f"the subject is of region {region}, outside the caller's {caller.region}")
        if not caller.covers_region(source[:6]):
            raise PermissionDenied(f"{source} is not a department of the caller's region {caller.region}")
        info = feeds.Gathered(
            uuid.uuid4(),
            subject.kind,
            subject.code,
            source,
            kind,
            decided,
            basis,
            case_number,
            caller.subject,
            caller.department,
            uow.now,
        )
        stored = await self.deps.store.feeds.insert_gathered(uow.conn, info)
        if stored is None:
            raise AlreadyExists("gathered information", f"{source} {case_number}")
        target = f"subject/{public_code(subject.kind, subject.code)}"
        uow.audit("information.gather", target, subject_code=subject.code, change=[source, kind, case_number])
        await refresh.subject(self.deps.store, uow, subject.kind, subject.code)
        return pb.GatherInformationResponse(information=wire.gathered(stored))

    @query(*READERS)
    async def ListGatheredInformation(
        self, request: pb.ListGatheredInformationRequest, context: Any
    ) -> pb.ListGatheredInformationResponse:
        caller = current_caller()
        v = Violations()
        subject = v.ok(parse_subject(v, "subject", request.subject))
        region = subject_region(subject.kind, subject.code)
        if not caller.covers_region(region):
            raise PermissionDenied(f"the subject is of region {region}, outside the caller's {caller.region}")
        found = await self.deps.store.feeds.gathered_of(self.db.pool, subject.code)
        return pb.ListGatheredInformationResponse(information=[wire.gathered(g) for g in found])
