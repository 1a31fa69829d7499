"""A roster import of a whole province's subjects through the RosterService (Begin, Upload in
chunks, Commit), the same rows by raw COPY, and a random draw over the imported roster."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.world import LEGAL, Caller, random_usccs
from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert

NAME = "厦门示例贸易有限公司"
REGIONS = ("350203", "350205", "350206", "350211")
INDUSTRIES = ("F51", "F52", "H62", "I65")
COLUMNS = (
    "department",
    "subject_code",
    "subject_kind",
    "name",
    "region_code",
    "industry",
    "tags",
    "source",
    "updated_at",
)
UPLOADS_IN_FLIGHT = 2  # the client prepares the next chunk while the service stores one


@dataclass(frozen=True)
class Roster:
    codes: list[str]
    chunks: list[rpb.UploadSubjectsRequest]  # without import id and request id, filled in at upload

    def copy_rows(self, department: str) -> list[tuple[Any, ...]]:
        """The same subjects as rows of the roster table, for the raw COPY baseline."""
        now = dt.datetime.now(dt.UTC)
        kind = "SUBJECT_KIND_LEGAL_PERSON"
        return [
            (department, c, kind, NAME, REGIONS[i % 4], INDUSTRIES[i % 4], [], "import", now)
            for i, c in enumerate(self.codes)
        ]


def roster(size: int, chunk: int) -> Roster:
    codes = random_usccs(size, seed=4)
    rows = [
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=c),
            name=NAME,
            region_code=REGIONS[i % 4],
            industry=INDUSTRIES[i % 4],
        )
        for i, c in enumerate(codes)
    ]
    chunks = [
        rpb.UploadSubjectsRequest(chunk_number=n, first_row=start + 1, rows=rows[start : start + chunk])
        for n, start in enumerate(range(0, size, chunk))
    ]
    return Roster(codes, chunks)


async def import_roster(lead: Caller, prepared: Roster) -> tuple[float, rpb.SubjectImport]:
    """Seconds from Begin to the committed import, and the import as committed."""
    start = time.perf_counter()
    begun = await lead.rosters.BeginSubjectImport(
        rpb.BeginSubjectImportRequest(
            request_id=str(uuid.uuid4()), mode=rpb.IMPORT_MODE_MERGE, source="bench"
        )
    )
    import_id = begun.subject_import.import_id
    gate = asyncio.Semaphore(UPLOADS_IN_FLIGHT)

    async def upload(chunk: rpb.UploadSubjectsRequest) -> None:
        request = rpb.UploadSubjectsRequest()
        request.CopyFrom(chunk)
        request.import_id, request.request_id = import_id, str(uuid.uuid4())
        async with gate:
            answer = await lead.rosters.UploadSubjects(request)
        if answer.rejected:
            raise RuntimeError(f"chunk {chunk.chunk_number}: {answer.rejected} rows rejected")

    await asyncio.gather(*(upload(c) for c in prepared.chunks))
    done = await lead.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=str(uuid.uuid4()), import_id=import_id)
    )
    return time.perf_counter() - start, done.subject_import


async def inspectors(lead: Caller, count: int = 40) -> None:
    rows = [
        rpb.Inspector(
            certificate_number=f"ZF3502{i:05d}", name=f"执法员{i}", domains=["food_safety"], active=True
        )
        for i in range(count)
    ]
    await lead.rosters.ImportInspectors(
        rpb.ImportInspectorsRequest(request_id=str(uuid.uuid4()), inspectors=rows)
    )


def plan_request(department: str, today: dt.date) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=str(uuid.uuid4()),
        name="全市食品经营者双随机抽查",
        departments=[department],
        check_items=[ipb.CheckItem(code="SC-01", name="食品经营许可情况", inspection_type="FOOD_SAFETY")],
        filter=ipb.SubjectFilter(region_codes=["350200"]),
        inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
        window_start=convert.to_date(today),
        window_end=convert.to_date(dt.date(today.year, 12, 31)),
    )


async def draw(lead: Caller, department: str, today: dt.date) -> tuple[float, ipb.Draw]:
    """Seconds DrawPlan takes over the department's whole roster, and the draw."""
    plan = await lead.inspections.CreatePlan(plan_request(department, today))
    start = time.perf_counter()
    drawn = await lead.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=str(uuid.uuid4()), plan_id=plan.plan.plan_id)
    )
    return time.perf_counter() - start, drawn.draw
