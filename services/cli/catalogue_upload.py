"""Importing a catalogue sheet through ImportCatalogue, in chunks, with one report of every row.

Rows without an item id update the department's draft of the same name and region, so importing
the sheet again after fixing it updates instead of creating the items a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc
from services.cli import paging
from services.cli.catalogue_rows import COLUMNS, Problem, import_row
from services.cli.progress import bar
from services.cli.tabular import Table, is_example, read_table
from services.cli.values import request_id

Stub = catalogue_pb2_grpc.CatalogueServiceStub
MAX_CHUNK = 2000  # the service's limit per request


@dataclass
class Report:
    headers: dict[str, str]
    ignored: list[str]
    problems: list[Problem] = field(default_factory=list)
    imported: list[catalogue_pb2.ImportedRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    stopped_at: int = 0  # first row of a refused all-or-nothing chunk (nothing from there on)

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})

    def column(self, problem_field: str) -> str:
        """The file's header for a service field such as item.matters[0]."""
        for column in COLUMNS:
            if problem_field == column.field or problem_field.startswith(
                (f"{column.field}.", f"{column.field}[")
            ):
                return self.headers.get(column.key, column.key)
        return ""


def load(path: Path, sheet: str, default_region: str) -> tuple[Table, list[catalogue_pb2.ImportRow], Report]:
    table = read_table(path, COLUMNS, sheet)
    report = Report(table.headers, table.ignored)
    rows = []
    for source in table.rows:
        if is_example(source, COLUMNS[0].key):  # a template's example row, marked 示例：
            continue
        row, problems = import_row(source, default_region)
        report.problems += problems
        if not problems:
            rows.append(row)
    return table, rows, report


def match_drafts(stub: Stub, rows: Sequence[catalogue_pb2.ImportRow]) -> int:
    """Give rows without an id the id of the department's draft with the same name and region."""
    drafts = paging.pages(stub.ListDraftItems, catalogue_pb2.ListDraftItemsRequest(), "items", 0)
    known = {(d.content.name.strip(), d.content.region_code): d.item_id for d in drafts}
    matched = 0
    for row in rows:
        found = known.get((row.item.name.strip(), row.item.region_code))
        if found and not row.item_id:
            row.item_id, matched = found, matched + 1
    return matched


def send(stub: Stub, rows: list[catalogue_pb2.ImportRow], mode: Any, chunk: int, report: Report) -> None:
    size = max(1, min(chunk, MAX_CHUNK))
    with bar() as progress:
        task = progress.add_task("importing", total=len(rows))
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            answer = stub.ImportCatalogue(
                catalogue_pb2.ImportCatalogueRequest(request_id=request_id(), mode=mode, rows=part)
            )
            _add(report, answer)
            progress.advance(task, len(part))
            if not answer.applied:
                report.stopped_at = part[0].row_number
                return


def _add(report: Report, answer: catalogue_pb2.ImportCatalogueResponse) -> None:
    report.problems += [Problem(p.row_number, p.field, p.rule) for p in answer.problems]
    report.imported += answer.imported
    report.created += answer.created
    report.updated += answer.updated
