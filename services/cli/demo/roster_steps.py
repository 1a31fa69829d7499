"""Step 3: the inspection rosters (一单两库): enterprises and enforcement staff."""

from __future__ import annotations

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.cli.demo.data import HOUSING, MARKET, PROVINCE, Department, Enterprise, enterprises
from services.cli.demo.world import World, ref, rid

ENTERPRISES = 5000
SHARED = 600  # enterprises both departments supervise: candidates for joint inspection
CHUNK = 2500


def _department(d: Department) -> rpb.Department:
    return rpb.Department(code=d.code, name=d.name, parent_code=d.parent, region_code=d.code[:6])


async def _subjects(world: World, department: str, roster: list[Enterprise]) -> int:
    desk = world.office.desk("verification_lead", department)
    begin = rpb.BeginSubjectImportRequest(
        request_id=rid(), mode=rpb.IMPORT_MODE_MERGE, source="企业名录 (demo)"
    )
    started = (await desk.rosters.BeginSubjectImport(begin)).subject_import
    for number, start in enumerate(range(0, len(roster), CHUNK)):
        rows = [
            rpb.SubjectRow(subject=ref(e), name=e.name, region_code=e.region, industry=e.industry)
            for e in roster[start : start + CHUNK]
        ]
        upload = rpb.UploadSubjectsRequest(
            request_id=rid(), import_id=started.import_id, chunk_number=number, first_row=start + 1, rows=rows
        )
        await desk.rosters.UploadSubjects(upload)
    done = await desk.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=started.import_id)
    )
    return len(roster) if done.subject_import.import_id else 0


async def _inspectors(world: World, department: Department, count: int) -> None:
    desk = world.office.desk("verification_lead", department.code)
    staff = [
        rpb.Inspector(
            certificate_number=f"ZF{department.code[-3:]}{n:04d}",
            name=f"执法人员{n:02d}",
            domains=[department.domain],
            active=True,
        )
        for n in range(count)
    ]
    await desk.rosters.ImportInspectors(rpb.ImportInspectorsRequest(request_id=rid(), inspectors=staff))


async def rosters(world: World) -> None:
    with world.say.step(
        "Rosters: enterprises and enforcement staff (检查对象名录库、执法检查人员名录库)",
        "Random inspections draw from these two lists. Both departments supervise some of the same "
        "enterprises, which is where joint inspections (综合查一次) save visits.",
    ):
        departments = [_department(d) for d in (*PROVINCE, MARKET, HOUSING)]
        await world.office.desk("admin").rosters.PutDepartments(
            rpb.PutDepartmentsRequest(request_id=rid(), departments=departments)
        )
        world.roster = enterprises(ENTERPRISES)
        world.housing_only = {e.code for e in world.roster[ENTERPRISES - 1000 :]}
        market = await _subjects(world, MARKET.code, world.roster[: ENTERPRISES - 1000])
        housing = await _subjects(world, HOUSING.code, world.roster[ENTERPRISES - 1000 - SHARED :])
        await _inspectors(world, MARKET, 8)
        await _inspectors(world, HOUSING, 6)
        world.say.say(f"{MARKET.name}: {market} enterprises, 8 inspectors")
        world.say.say(f"{HOUSING.name}: {housing} enterprises ({SHARED} shared), 6 inspectors")
        world.say.record("rosters", f"{ENTERPRISES} enterprises, 14 inspectors in 2 departments")
