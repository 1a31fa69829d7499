"""RosterService handlers for bulk imports of inspection subjects (检查对象名录库).

A million-row roster arrives as chunks of up to 50,000 rows: each chunk is validated row by row
and COPied into staging in its own unit of work; the commit merges everything in one statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.db import Executor
from services.kernel.errors import AlreadyExists, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import owned
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import LEAD
from services.verification.api.deps import Deps
from services.verification.api.rosters import READERS
from services.verification.domain import rosters
from services.verification.store.imports import Chunk, SubjectImport
from services.verification.wire import rosters as wire

MAX_CHUNK_ROWS = 50_000
MAX_CHUNKS = 100_000
MAX_SOURCE = 200
ERRORS_IN_REPLY = 1000


class ImportHandlers(Handlers[Deps]):
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
        created = await self.deps.store.imports.begin(
            uow.conn, caller.department, mode, source=request.source.strip(), by=caller.subject, now=uow.now
        )
        uow.audit("subjects.import_begin", f"import/{created.import_id}", change=mode)
        return rpb.BeginSubjectImportResponse(subject_import=wire.subject_import(created))

    @command(*LEAD, reply=rpb.UploadSubjectsResponse)
    async def UploadSubjects(
        self, request: rpb.UploadSubjectsRequest, uow: UnitOfWork
    ) -> rpb.UploadSubjectsResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        _check_chunk(request)
        await self._open_import(uow, import_id, request.import_id)
        accepted, errors = _validate(request.rows, request.first_row)
        chunk = Chunk(request.chunk_number, len(request.rows), accepted, errors)
        if not await self.deps.store.imports.add_chunk(uow.conn, import_id, chunk):
            raise AlreadyExists("chunk", f"{request.import_id}/{request.chunk_number}")
        uow.audit("subjects.upload", f"import/{import_id}", change=[request.chunk_number, len(request.rows)])
        return rpb.UploadSubjectsResponse(
            accepted=len(accepted),
            rejected=len(request.rows) - len(accepted),
            errors=[wire.row_error(r, f, d) for r, f, d in errors[:ERRORS_IN_REPLY]],
        )

    @command(*LEAD, reply=rpb.CommitSubjectImportResponse)
    async def CommitSubjectImport(
        self, request: rpb.CommitSubjectImportRequest, uow: UnitOfWork
    ) -> rpb.CommitSubjectImportResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        imp = await self._open_import(uow, import_id, request.import_id)
        done = await self.deps.store.imports.commit(uow.conn, imp, uow.now)
        change = {
            "created": done.created,
            "updated": done.updated,
            "deactivated": done.deactivated,
            "duplicates": done.duplicates,
        }
        uow.audit("subjects.import_commit", f"import/{import_id}", change=change)
        return rpb.CommitSubjectImportResponse(subject_import=wire.subject_import(done))

    @query(*READERS)
    async def GetSubjectImport(
        self, request: rpb.GetSubjectImportRequest, context: Any
    ) -> rpb.GetSubjectImportResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        found = await self._import(self.db.pool, import_id, request.import_id)
        return rpb.GetSubjectImportResponse(subject_import=wire.subject_import(found))

    @query(*READERS)
    async def ListSubjectImportErrors(
        self, request: rpb.ListSubjectImportErrorsRequest, context: Any
    ) -> rpb.ListSubjectImportErrorsResponse:
        import_id = request_uuid("import_id", request.import_id, "import")
        await self._import(self.db.pool, import_id, request.import_id)
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.natural, str)
        found = await self.deps.store.imports.errors(self.db.pool, import_id, after, size)
        last = paging.next_token(found, size, "row_no", "field")
        return rpb.ListSubjectImportErrorsResponse(
            errors=[wire.row_error(e.row_no, e.field, e.description) for e in found], next_page_token=last
        )

    async def _import(
        self, conn: Executor, import_id: uuid.UUID, name: str, *, lock: bool = False
    ) -> SubjectImport:
        """The import the request names, if it is the caller's department's."""
        stored = await self.deps.store.imports.get(conn, import_id, lock=lock)
        return owned(stored, "import", name, "import_id")

    async def _open_import(self, uow: UnitOfWork, import_id: uuid.UUID, name: str) -> SubjectImport:
        """The caller's department's import, locked, while rows may still be added to it."""
        imp = await self._import(uow.conn, import_id, name, lock=True)
        rosters.check_import_open(name, imp.status)
        return imp


def _check_chunk(request: rpb.UploadSubjectsRequest) -> None:
    v = Violations()
    if not 0 <= request.chunk_number < MAX_CHUNKS:
        v.add("chunk_number", f"must be 0 to {MAX_CHUNKS - 1}")
    if request.first_row < 1:
        v.add("first_row", "the source row number of rows[0], from 1")
    if not 1 <= len(request.rows) <= MAX_CHUNK_ROWS:
        v.add("rows", f"1 to {MAX_CHUNK_ROWS} rows per chunk")
    v.raise_if_any()


def _validate(
    source: Sequence[rpb.SubjectRow], first_row: int
) -> tuple[list[tuple[int, rosters.SubjectRecord]], list[tuple[int, str, str]]]:
    accepted: list[tuple[int, rosters.SubjectRecord]] = []
    errors: list[tuple[int, str, str]] = []
    for number, row in enumerate(source, start=first_row):
        checked = parse.subject_row(row)
        if isinstance(checked, rosters.SubjectRecord):
            accepted.append((number, checked))
        else:
            errors += [(number, f.field, f.description) for f in checked]
    return accepted, errors
