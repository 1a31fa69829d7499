"""RosterService handlers for bulk imports of inspection subjects (检查对象名录库).

A million-row roster arrives as chunks of up to 50,000 rows: each chunk is validated row by row
and COPied into staging in its own unit of work; the commit merges everything in one statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.errors import AlreadyExists, NotFound, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork
from services.verification.api.common import Deps, refuse
from services.verification.api.rosters import LEAD, STAFF
from services.verification.domain import rosters as rows
from services.verification.store import imports as store

MAX_CHUNK_ROWS = 50_000
MAX_CHUNKS = 100_000
MAX_SOURCE = 200
ERRORS_IN_REPLY = 1000


class ImportHandlers(Deps):
    @command(*LEAD, reply=rpb.BeginSubjectImportResponse)
    async def BeginSubjectImport(
        self, request: rpb.BeginSubjectImportRequest, uow: UnitOfWork
    ) -> rpb.BeginSubjectImportResponse:
        v = Violations()
        if request.mode not in (rpb.IMPORT_MODE_MERGE, rpb.IMPORT_MODE_REPLACE):
            v.add("mode", "required: merge or replace")
        if len(request.source) > MAX_SOURCE:
            v.add("source", f"at most {MAX_SOURCE} characters")
        v.raise_if_any()
        caller = current_caller()
        mode = rpb.ImportMode.Name(request.mode)
        created = await store.begin(
            uow.conn, caller.department, mode, source=request.source.strip(), by=caller.subject, now=uow.now
        )
        uow.audit("subjects.import_begin", f"import/{created['import_id']}", change=mode)
        return rpb.BeginSubjectImportResponse(subject_import=_import(created))

    @command(*LEAD, reply=rpb.UploadSubjectsResponse)
    async def UploadSubjects(
        self, request: rpb.UploadSubjectsRequest, uow: UnitOfWork
    ) -> rpb.UploadSubjectsResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        _check_chunk(request)
        await _open_import(uow, import_id, request.import_id)
        accepted, errors = _validate(request.rows, request.first_row)
        chunk = store.Chunk(request.chunk_number, len(request.rows), accepted, errors)
        if not await store.add_chunk(uow.conn, import_id, chunk):
            raise AlreadyExists("chunk", f"{request.import_id}/{request.chunk_number}")
        uow.audit("subjects.upload", f"import/{import_id}", change=[request.chunk_number, len(request.rows)])
        return rpb.UploadSubjectsResponse(
            accepted=len(accepted),
            rejected=len(request.rows) - len(accepted),
            errors=[rpb.RowError(row=r, field=f, description=d) for r, f, d in errors[:ERRORS_IN_REPLY]],
        )

    @command(*LEAD, reply=rpb.CommitSubjectImportResponse)
    async def CommitSubjectImport(
        self, request: rpb.CommitSubjectImportRequest, uow: UnitOfWork
    ) -> rpb.CommitSubjectImportResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        imp = await _open_import(uow, import_id, request.import_id)
        done = await store.commit(uow.conn, imp, uow.now)
        change = {k: done[k] for k in ("created", "updated", "deactivated", "duplicates")}
        uow.audit("subjects.import_commit", f"import/{import_id}", change=change)
        return rpb.CommitSubjectImportResponse(subject_import=_import(done))

    @query(*STAFF)
    async def GetSubjectImport(
        self, request: rpb.GetSubjectImportRequest, context: Any
    ) -> rpb.GetSubjectImportResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        found = _owned(await store.get(self.db.pool, import_id), request.import_id)
        return rpb.GetSubjectImportResponse(subject_import=_import(found))

    @query(*STAFF)
    async def ListSubjectImportErrors(
        self, request: rpb.ListSubjectImportErrorsRequest, context: Any
    ) -> rpb.ListSubjectImportErrorsResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        _owned(await store.get(self.db.pool, import_id), request.import_id)
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.natural, str)
        found = await store.errors(self.db.pool, import_id, after, size)
        last = paging.next_token(found, size, "row_no", "field")
        return rpb.ListSubjectImportErrorsResponse(
            errors=[
                rpb.RowError(row=r["row_no"], field=r["field"], description=r["description"]) for r in found
            ],
            next_page_token=last,
        )


def _check_chunk(request: rpb.UploadSubjectsRequest) -> None:
    v = Violations()
    if not 0 <= request.chunk_number < MAX_CHUNKS:
        v.add("chunk_number", f"must be 0 to {MAX_CHUNKS - 1}")
    if request.first_row < 1:
        v.add("first_row", "the source row number of rows[0], from 1")
    if not 1 <= len(request.rows) <= MAX_CHUNK_ROWS:
        v.add("rows", f"1 to {MAX_CHUNK_ROWS} rows per chunk")
    v.raise_if_any()


def _owned(found: asyncpg.Record | None, import_id: str) -> asyncpg.Record:
    if found is None:
        raise NotFound("import", import_id, "import_id")
    current_caller().require_department(found["department"])
    return found


async def _open_import(uow: UnitOfWork, import_id: uuid.UUID, name: str) -> asyncpg.Record:
    found = _owned(await store.get(uow.conn, import_id, lock=True), name)
    if found["status"] != "IMPORT_STATUS_OPEN":
        raise refuse("IMPORT_NOT_OPEN", name, "the import was committed; begin a new one")
    return found


def _validate(
    source: Sequence[rpb.SubjectRow], first_row: int
) -> tuple[list[tuple[int, rows.SubjectRecord]], list[tuple[int, str, str]]]:
    accepted: list[tuple[int, rows.SubjectRecord]] = []
    errors: list[tuple[int, str, str]] = []
    for number, row in enumerate(source, start=first_row):
        checked = rows.subject_row(row)
        if isinstance(checked, rows.SubjectRecord):
            accepted.append((number, checked))
        else:
            errors += [(number, f.field, f.description) for f in checked]
    return accepted, errors


def _import(row: asyncpg.Record) -> rpb.SubjectImport:
    message = rpb.SubjectImport(
        import_id=str(row["import_id"]),
        department=row["department"],
        mode=rpb.ImportMode.Value(row["mode"]),
        status=rpb.ImportStatus.Value(row["status"]),
        source=row["source"],
        chunks=row["chunks"],
        rows_received=row["rows_received"],
        rows_rejected=row["rows_rejected"],
        created=row["created"],
        updated=row["updated"],
        deactivated=row["deactivated"],
        duplicates=row["duplicates"],
        created_at=convert.to_timestamp(row["created_at"]),
    )
    if row["committed_at"]:
        message.committed_at.FromDatetime(row["committed_at"])
    return message
