"""Bulk import of a department's catalogue (hundreds of items) with a report per row.

The request says what happens to a file with bad rows: all-or-nothing stores nothing and lists
every problem; valid-rows-only stores the good rows. Either way the stored rows take one
statement per kind (insert, update), not one per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment import catalogue_store, items
from services.contracts import roles
from services.kernel.auth import current_caller
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.rpc.handlers import command
from services.kernel.uow import Database, UnitOfWork

MAX_ROWS = 2000
Mode = catalogue_pb2.ImportMode


@dataclass
class Checked:
    creates: list[tuple[int, uuid.UUID, catalogue_pb2.ItemDraft]] = field(default_factory=list)
    updates: list[tuple[int, uuid.UUID, catalogue_pb2.ItemDraft]] = field(default_factory=list)
    problems: list[catalogue_pb2.RowProblem] = field(default_factory=list)

    def reject(self, row: int, where: str, rule: str) -> None:
        self.problems.append(catalogue_pb2.RowProblem(row_number=row, field=where, rule=rule))

    @property
    def rejected(self) -> set[int]:
        return {p.row_number for p in self.problems}


class ImportApi:
    db: Database

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.ImportCatalogueResponse)
    async def ImportCatalogue(
        self, request: catalogue_pb2.ImportCatalogueRequest, uow: UnitOfWork
    ) -> catalogue_pb2.ImportCatalogueResponse:
        _check_request(request)
        caller = current_caller()
        checked = check_rows(request.rows, caller.region, caller.department)
        wanted = [item_id for _, item_id, _ in checked.updates]
        live = await catalogue_store.live_drafts(uow.conn, caller.department, wanted)
        for row, item_id, _ in checked.updates:
            if item_id not in live:
                checked.reject(
                    row, "item_id", "no draft of this department with this id (or it was withdrawn)"
                )
        if checked.problems and request.mode == Mode.IMPORT_MODE_ALL_OR_NOTHING:
            return _report(checked, applied=False)
        await _store(uow, caller.department, checked)
        return _report(checked, applied=True)


def _check_request(request: catalogue_pb2.ImportCatalogueRequest) -> None:
    v = Violations()
    if request.mode not in (Mode.IMPORT_MODE_ALL_OR_NOTHING, Mode.IMPORT_MODE_VALID_ROWS_ONLY):
        v.add("mode", "required: all-or-nothing or valid-rows-only")
    if not 1 <= len(request.rows) <= MAX_ROWS:
        v.add("rows", f"1 to {MAX_ROWS} rows per request; split larger files")
    v.raise_if_any()


def check_rows(rows: Sequence[catalogue_pb2.ImportRow], region: str, department: str) -> Checked:
    """Every problem of every row, without I/O (ids are checked against the database after)."""
    checked = Checked()
    numbers: set[int] = set()
    names: dict[tuple[str, str], int] = {}
    for row in rows:
        n = row.row_number
        if n < 1 or n in numbers:
            raise InvalidArgument.one("rows.row_number", f"row numbers must be unique and positive ({n})")
        numbers.add(n)
        v = Violations()
        items.check_item(v, row.item, region)
        for problem in v.items:
            checked.reject(n, problem.field, problem.description)
        key = (row.item.name.strip(), row.item.region_code)
        if key in names:
            checked.reject(n, "item.name", f"repeats the item of row {names[key]}")
        names.setdefault(key, n)
        _place(checked, row, department)
    return checked


def _place(checked: Checked, row: catalogue_pb2.ImportRow, department: str) -> None:
    if row.row_number in checked.rejected:
        return
    try:
        item_id = uuid.UUID(row.item_id) if row.item_id else None
    except ValueError:
        checked.reject(row.row_number, "item_id", "not a valid id")
        return
    draft = items.with_standard_text(row.item, department)
    if item_id is None:
        checked.creates.append((row.row_number, uuid.uuid4(), draft))
    else:
        checked.updates.append((row.row_number, item_id, draft))


async def _store(uow: UnitOfWork, department: str, checked: Checked) -> None:
    rejected = checked.rejected
    checked.updates = [u for u in checked.updates if u[0] not in rejected]
    creates = [(item_id, draft) for _, item_id, draft in checked.creates]
    updates = [(item_id, draft) for _, item_id, draft in checked.updates]
    if creates:
        await catalogue_store.insert_items(uow.conn, department, creates, uow.now)
    if updates:
        await catalogue_store.update_items(uow.conn, department, updates, uow.now)
    for action, done in (("catalogue.import_create", creates), ("catalogue.import_update", updates)):
        for item_id, draft in done:
            uow.audit(action, f"item/{item_id}", change=catalogue_store.as_json(draft))


def _report(checked: Checked, *, applied: bool) -> catalogue_pb2.ImportCatalogueResponse:
    stored = [(r, i, True) for r, i, _ in checked.creates] + [(r, i, False) for r, i, _ in checked.updates]
    return catalogue_pb2.ImportCatalogueResponse(
        applied=applied,
        created=len(checked.creates) if applied else 0,
        updated=len(checked.updates) if applied else 0,
        rejected=len(checked.rejected),
        problems=sorted(checked.problems, key=lambda p: p.row_number),
        imported=[
            catalogue_pb2.ImportedRow(row_number=r, item_id=str(i), created=c)
            for r, i, c in sorted(stored)
            if applied
        ],
    )
