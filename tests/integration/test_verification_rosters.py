"""Rosters on real PostgreSQL: departments, inspectors, and chunked bulk imports of subjects."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

CHUNK = 25_000


def subject_row(
    code: str,
    name: str = "厦门示例有限公司",
    region: str = "350203",
    industry: str = "",
    tags: Sequence[str] = (),
) -> rpb.SubjectRow:
    return rpb.SubjectRow(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=code),
        name=name,
        region_code=region,
        industry=industry,
        tags=tags,
    )


async def begin(
    world: VWorld, mode: rpb.ImportMode.ValueType = rpb.IMPORT_MODE_MERGE, department: str = DEPARTMENT
) -> str:
    world.lead(department)
    begun = await world.rosters.BeginSubjectImport(
        rpb.BeginSubjectImportRequest(request_id=rid(), mode=mode, source="名录库.xlsx"), None
    )
    return begun.subject_import.import_id


async def upload(
    world: VWorld,
    import_id: str,
    number: int,
    first_row: int,
    rows: list[rpb.SubjectRow],
    *,
    department: str = DEPARTMENT,
) -> rpb.UploadSubjectsResponse:
    world.lead(department)
    request = rpb.UploadSubjectsRequest(
        request_id=rid(), import_id=import_id, chunk_number=number, first_row=first_row, rows=rows
    )
    return await world.rosters.UploadSubjects(request, None)


async def commit(world: VWorld, import_id: str, department: str = DEPARTMENT) -> rpb.SubjectImport:
    world.lead(department)
    done = await world.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=import_id), None
    )
    return done.subject_import


async def test_a_50k_roster_imports_in_chunks_with_a_report_of_every_bad_row(vworld: VWorld) -> None:
    codes = [new_uscc() for _ in range(2 * CHUNK)]
    rows = [subject_row(c, industry="H62", tags=["cold_chain"] if i % 2 else []) for i, c in enumerate(codes)]
    bad_check = codes[10][:17] + ("0" if codes[10][17] != "0" else "1")
    rows[10] = subject_row(bad_check)  # row 11: wrong check character
    rows[CHUNK + 6] = subject_row(codes[CHUNK + 6], name="")  # row 25,007: no name
    rows[CHUNK + 7] = subject_row(codes[CHUNK + 7], region="999")  # row 25,008: not a region code
    rows[-1] = subject_row(codes[0], name="改名后的公司")  # the last row repeats the first subject

    import_id = await begin(vworld)
    first = await upload(vworld, import_id, 0, 1, rows[:CHUNK])
    assert (first.accepted, first.rejected) == (CHUNK - 1, 1)
    assert [(e.row, e.field) for e in first.errors] == [(11, "subject.code")]
    second = await upload(vworld, import_id, 1, CHUNK + 1, rows[CHUNK:])
    assert [(e.row, e.field) for e in second.errors] == [(CHUNK + 7, "name"), (CHUNK + 8, "region_code")]
    with pytest.raises(AlreadyExists):
        await upload(vworld, import_id, 1, CHUNK + 1, rows[CHUNK:])

    done = await commit(vworld, import_id)
    assert (done.rows_received, done.rows_rejected) == (2 * CHUNK, 3)
    assert (done.created, done.updated, done.duplicates) == (2 * CHUNK - 4, 0, 1)
    assert done.status == rpb.IMPORT_STATUS_COMMITTED
    assert await vworld.count("roster_subject") == 2 * CHUNK - 4
    assert await vworld.count("subject_staging") == 0
    renamed = await vworld.pool.fetchval("SELECT name FROM roster_subject WHERE subject_code = $1", codes[0])
    assert renamed == "改名后的公司"

    page = await vworld.rosters.ListSubjectImportErrors(
        rpb.ListSubjectImportErrorsRequest(import_id=import_id, page_size=2), None
    )
    rest = await vworld.rosters.ListSubjectImportErrors(
        rpb.ListSubjectImportErrorsRequest(import_id=import_id, page_token=page.next_page_token), None
    )
    assert [e.row for e in [*page.errors, *rest.errors]] == [11, CHUNK + 7, CHUNK + 8]
    with pytest.raises(FailedPrecondition):
        await commit(vworld, import_id)


async def test_a_replacing_import_deactivates_what_it_no_longer_lists(vworld: VWorld) -> None:
    kept, dropped, pooled = new_uscc(), new_uscc(), new_uscc()
    first = await begin(vworld)
    await upload(vworld, first, 0, 1, [subject_row(kept), subject_row(dropped)])
    await commit(vworld, first)
    await vworld.record(
        pooled, method=catalogue_pb2.VERIFICATION_METHOD_EXEMPT
    )  # an exempt commitment's subject joins the pool
    again = await begin(vworld, rpb.IMPORT_MODE_REPLACE)
    await upload(vworld, again, 0, 1, [subject_row(kept)])
    done = await commit(vworld, again)
    assert (done.created, done.updated, done.deactivated) == (0, 0, 1)
    active = await vworld.pool.fetch(
        "SELECT subject_code FROM roster_subject WHERE active ORDER BY subject_code"
    )
    assert {r["subject_code"] for r in active} == {kept, pooled}


async def test_an_import_of_another_department_is_not_touched(vworld: VWorld) -> None:
    import_id = await begin(vworld)
    vworld.lead(department="350200-SWJ")
    request = rpb.UploadSubjectsRequest(
        request_id=rid(), import_id=import_id, chunk_number=0, first_row=1, rows=[subject_row(new_uscc())]
    )
    with pytest.raises(Exception, match="belongs to department"):
        await vworld.rosters.UploadSubjects(request, None)
    with pytest.raises(InvalidArgument) as refused:
        await upload(vworld, import_id, -1, 0, [])
    assert [v.field for v in refused.value.violations] == ["chunk_number", "first_row", "rows"]


async def test_inspectors_import_with_a_report_and_stay_in_their_department(vworld: VWorld) -> None:
    conflicted = inspector("ZF35020001")
    conflicted.conflicts.add(subject={"kind": LEGAL, "code": new_uscc()}, reason="曾任该企业顾问")
    bad = rpb.Inspector(certificate_number="ZF 2", name="", domains=["food safety"])
    vworld.lead()
    answer = await vworld.rosters.ImportInspectors(
        rpb.ImportInspectorsRequest(request_id=rid(), inspectors=[conflicted, bad, inspector("ZF35020003")]),
        None,
    )
    assert (answer.created, answer.rejected) == (2, 1)
    assert [(e.row, e.field) for e in answer.errors] == [
        (2, "certificate_number"),
        (2, "domains[0]"),
        (2, "name"),
    ]
    listed = await vworld.rosters.ListInspectors(rpb.ListInspectorsRequest(), None)
    assert [len(i.conflicts) for i in listed.inspectors] == [1, 0]

    vworld.lead(department="350200-SWJ")
    stolen = await vworld.rosters.ImportInspectors(
        rpb.ImportInspectorsRequest(request_id=rid(), inspectors=[inspector("ZF35020001")]), None
    )
    assert [(e.row, e.field) for e in stolen.errors] == [(1, "certificate_number")]
    before = await vworld.counts(("inspector", "audit_log"))
    with pytest.raises(InvalidArgument) as whole:
        await vworld.rosters.ImportInspectors(
            rpb.ImportInspectorsRequest(request_id=rid(), inspectors=[inspector("ZF9"), bad], replace=True),
            None,
        )
    assert [v.field for v in whole.value.violations] == [
        "inspectors[1].certificate_number",
        "inspectors[1].domains[0]",
        "inspectors[1].name",
    ]
    assert await vworld.counts(("inspector", "audit_log")) == before


async def test_departments_form_a_tree(vworld: VWorld) -> None:
    vworld.as_caller("admin")

    def put(*departments: rpb.Department) -> rpb.PutDepartmentsRequest:
        return rpb.PutDepartmentsRequest(request_id=rid(), departments=departments)

    province = rpb.Department(code="350000-SCJ", name="福建省市场监督管理局", region_code="350000")
    city = rpb.Department(
        code="350200-SCJ", name="厦门市市场监督管理局", parent_code="350000-SCJ", region_code="350200"
    )
    answer = await vworld.rosters.PutDepartments(put(city, province), None)
    assert (answer.created, answer.updated) == (2, 0)
    with pytest.raises(InvalidArgument) as cycle:
        await vworld.rosters.PutDepartments(
            put(
                rpb.Department(code="350000-SCJ", name="省局", parent_code="350200-SCJ", region_code="350000")
            ),
            None,
        )
    assert cycle.value.violations[0].description == "the superiors would form a cycle"
    with pytest.raises(InvalidArgument) as orphan:
        await vworld.rosters.PutDepartments(
            put(
                rpb.Department(code="350203-SCJ", name="区局", parent_code="350299-XXX", region_code="350203")
            ),
            None,
        )
    assert orphan.value.violations[0].field == "departments[0].parent_code"
