"""Sending roster sheets to the RosterService: inspectors in one or a few requests, subjects in
the chunked Begin / Upload / Commit import (a city's roster has hundreds of thousands of rows)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import rosters_pb2_grpc
from services.cli import paging
from services.cli.progress import bar
from services.cli.roster_rows import Problem
from services.cli.values import request_id

Stub = rosters_pb2_grpc.RosterServiceStub
T = TypeVar("T")
INSPECTORS_PER_REQUEST = 1000


@dataclass
class InspectorReport:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    problems: list[Problem] = field(default_factory=list)


def send_inspectors(
    stub: Stub, rows: Sequence[tuple[int, rpb.Inspector]], replace: bool, report: InspectorReport
) -> None:
    """A replacing import goes whole in one request: it deactivates everyone not in it."""
    size = len(rows) if replace else INSPECTORS_PER_REQUEST
    with bar() as progress:
        task = progress.add_task("inspectors", total=len(rows))
        for start in range(0, len(rows), max(size, 1)):
            part = rows[start : start + size]
            answer = stub.ImportInspectors(
                rpb.ImportInspectorsRequest(
                    request_id=request_id(), inspectors=[i for _, i in part], replace=replace
                )
            )
            # The service numbers rows within the request from 1; report them as the sheet does.
            report.problems += [Problem(part[e.row - 1][0], e.field, e.description) for e in answer.errors]
            report.created += answer.created
            report.updated += answer.updated
            report.deactivated += answer.deactivated
            progress.advance(task, len(part))


def runs(rows: Sequence[tuple[int, T]], size: int) -> Iterator[list[tuple[int, T]]]:
    """Chunks of consecutive sheet rows, so each chunk's first_row numbers every row in it."""
    chunk: list[tuple[int, T]] = []
    for number, row in rows:
        if chunk and (len(chunk) >= size or number != chunk[-1][0] + 1):
            yield chunk
            chunk = []
        chunk.append((number, row))
    if chunk:
        yield chunk


def begin(stub: Stub, replace: bool, source: str) -> rpb.SubjectImport:
    mode = rpb.IMPORT_MODE_REPLACE if replace else rpb.IMPORT_MODE_MERGE
    request = rpb.BeginSubjectImportRequest(request_id=request_id(), mode=mode, source=source[:200])
    return stub.BeginSubjectImport(request).subject_import


def upload_subjects(stub: Stub, import_id: str, rows: Sequence[tuple[int, rpb.SubjectRow]], size: int) -> int:
    """Upload every chunk; returns the rows the service refused."""
    refused = 0
    with bar() as progress:
        task = progress.add_task("subjects", total=len(rows))
        for number, chunk in enumerate(runs(rows, size)):
            answer = stub.UploadSubjects(
                rpb.UploadSubjectsRequest(
                    request_id=request_id(),
                    import_id=import_id,
                    chunk_number=number,
                    first_row=chunk[0][0],
                    rows=[r for _, r in chunk],
                )
            )
            refused += answer.rejected
            progress.advance(task, len(chunk))
    return refused


def commit(stub: Stub, import_id: str) -> rpb.SubjectImport:
    request = rpb.CommitSubjectImportRequest(request_id=request_id(), import_id=import_id)
    return stub.CommitSubjectImport(request).subject_import


def import_errors(stub: Stub, import_id: str, limit: int) -> list[Problem]:
    request = rpb.ListSubjectImportErrorsRequest(import_id=import_id)
    found = paging.pages(stub.ListSubjectImportErrors, request, "errors", limit, page=1000)
    return [Problem(e.row, e.field, e.description) for e in found]
