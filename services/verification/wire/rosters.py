"""Departments, inspectors and subject imports as verification.v1 roster messages."""

from __future__ import annotations

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.verification.store.imports import SubjectImport
from services.verification.store.rosters import Department, Inspector


def department(d: Department) -> rpb.Department:
    return rpb.Department(
        code=d.code, name=d.name, parent_code=d.parent_code or "", region_code=d.region_code
    )


def inspector(i: Inspector) -> rpb.Inspector:
    return rpb.Inspector(
        certificate_number=i.certificate_number,
        name=i.name,
        department=i.department,
        domains=i.domains,
        active=i.active,
        certificate_valid_until=convert.opt_date(i.valid_until),
        conflicts=[rpb.Conflict(subject=subject_of(c.kind, c.code), reason=c.reason) for c in i.conflicts],
    )


def subject_import(imp: SubjectImport) -> rpb.SubjectImport:
    return rpb.SubjectImport(
        import_id=str(imp.import_id),
        department=imp.department,
        mode=rpb.ImportMode.Value(imp.mode),
        status=rpb.ImportStatus.Value(imp.status),
        source=imp.source,
        chunks=imp.chunks,
        rows_received=imp.rows_received,
        rows_rejected=imp.rows_rejected,
        created=imp.created,
        updated=imp.updated,
        deactivated=imp.deactivated,
        duplicates=imp.duplicates,
        created_at=convert.to_timestamp(imp.created_at),
        committed_at=convert.opt_timestamp(imp.committed_at),
    )


def row_error(row: int, field: str, description: str) -> rpb.RowError:
    return rpb.RowError(row=row, field=field, description=description)
