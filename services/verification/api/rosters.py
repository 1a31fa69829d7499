"""RosterService handlers for departments and inspectors (执法检查人员名录库)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import paging
from services.kernel.auth import ADMIN, current_caller
from services.kernel.errors import FieldViolation, InvalidArgument, Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.domain import rosters
from services.verification.wire import rosters as wire

READERS = (*STAFF, ADMIN)
MAX_DEPARTMENTS = 1000
MAX_INSPECTORS = 10_000


class RosterHandlers(Handlers[Deps]):
    @command(ADMIN, reply=rpb.PutDepartmentsResponse)
    async def PutDepartments(
        self, request: rpb.PutDepartmentsRequest, uow: UnitOfWork
    ) -> rpb.PutDepartmentsResponse:
        _check_departments(request.departments)
        store = self.deps.store.rosters
        parents = await store.department_parents(uow.conn)
        parents.update({d.code: d.parent_code or None for d in request.departments})
        v = Violations()
        rosters.check_tree(
            v, [rosters.DepartmentEntry(d.code, d.parent_code) for d in request.departments], parents
        )
        v.raise_if_any()
        batch = [(d.code, d.name.strip(), d.parent_code or None, d.region_code) for d in request.departments]
        created = await store.put_departments(uow.conn, batch, uow.now)
        uow.audit("department.put", "departments", change=[list(map(str, b)) for b in batch])
        return rpb.PutDepartmentsResponse(created=created, updated=len(batch) - created)

    @query(*READERS)
    async def ListDepartments(
        self, request: rpb.ListDepartmentsRequest, context: Any
    ) -> rpb.ListDepartmentsResponse:
        found = await self.deps.store.rosters.departments(self.db.pool)
        return rpb.ListDepartmentsResponse(departments=[wire.department(d) for d in found])

    @command(*LEAD, reply=rpb.ImportInspectorsResponse)
    async def ImportInspectors(
        self, request: rpb.ImportInspectorsRequest, uow: UnitOfWork
    ) -> rpb.ImportInspectorsResponse:
        if not 1 <= len(request.inspectors) <= MAX_INSPECTORS:
            raise InvalidArgument.one("inspectors", f"1 to {MAX_INSPECTORS} inspectors")
        department = current_caller().department
        valid, errors = _validate(request.inspectors, department)
        store = self.deps.store.rosters
        owners = await store.owners(uow.conn, [r.number for _, r in valid])
        kept = [(i, r) for i, r in valid if owners.get(r.number, department) == department]
        errors += [
            rpb.RowError(row=i, field="certificate_number", description=f"registered with {owners[r.number]}")
            for i, r in valid
            if owners.get(r.number, department) != department
        ]
        if request.replace and errors:
            # A replacing import must be whole: a refused row would deactivate its inspector.
            raise InvalidArgument(
                [_violation(e) for e in sorted(errors, key=lambda e: (e.row, e.field))[:100]]
            )
        records = [r for _, r in kept]
        created = await store.upsert_inspectors(uow.conn, department, records, uow.now) if records else 0
        deactivated = 0
        if request.replace:
            deactivated = await store.deactivate_others(
                uow.conn, department, [r.number for r in records], uow.now
            )
        uow.audit("inspectors.import", f"inspectors/{department}", change=[r.number for r in records])
        return rpb.ImportInspectorsResponse(
            created=created,
            updated=len(records) - created,
            deactivated=deactivated,
            rejected=len({e.row for e in errors}),
            errors=sorted(errors, key=lambda e: (e.row, e.field)),
        )

    @query(*READERS)
    async def ListInspectors(
        self, request: rpb.ListInspectorsRequest, context: Any
    ) -> rpb.ListInspectorsResponse:
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, str)
        found = await self.deps.store.rosters.list_inspectors(
            self.db.pool, current_caller().department, after[0] if after else None, size
        )
        last = paging.next_token(found, size, "certificate_number")
        return rpb.ListInspectorsResponse(inspectors=[wire.inspector(i) for i in found], next_page_token=last)


def _check_departments(departments: Sequence[rpb.Department]) -> None:
    v = Violations()
    if not 1 <= len(departments) <= MAX_DEPARTMENTS:
        v.add("departments", f"1 to {MAX_DEPARTMENTS} departments")
    seen: set[str] = set()
    for i, department in enumerate(departments):
        parse.department_problems(v, i, department)
        if department.code in seen:
            v.add(f"departments[{i}].code", f"{department.code} is listed twice")
        seen.add(department.code)
    v.raise_if_any()


def _validate(
    inspectors: Sequence[rpb.Inspector], department: str
) -> tuple[list[tuple[int, rosters.InspectorRecord]], list[rpb.RowError]]:
    valid: list[tuple[int, rosters.InspectorRecord]] = []
    errors: list[rpb.RowError] = []
    seen: set[str] = set()
    for i, inspector in enumerate(inspectors, start=1):
        checked = parse.inspector_row(inspector, department)
        if isinstance(checked, list):
            errors += [rpb.RowError(row=i, field=f.field, description=f.description) for f in checked]
        elif checked.number in seen:
            errors.append(rpb.RowError(row=i, field="certificate_number", description="listed twice"))
        else:
            seen.add(checked.number)
            valid.append((i, checked))
    return valid, errors


def _violation(error: rpb.RowError) -> FieldViolation:
    return FieldViolation(f"inspectors[{error.row - 1}].{error.field}", error.description)
