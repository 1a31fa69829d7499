"""Plans, draws, drawn subjects and joint inspections as protobuf messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.contracts.subjects import public_code, subject_of
from services.kernel import convert
from services.kernel.masking import mask_person_name
from services.verification.domain.rules import GRADES


def plan(row: asyncpg.Record) -> ipb.Plan:
    f = row["filter"]
    return ipb.Plan(
        plan_id=str(row["plan_id"]),
        name=row["name"],
        owner_department=row["owner_department"],
        departments=row["departments"],
        check_items=check_items(row["check_items"]),
        filter=ipb.SubjectFilter(
            region_codes=f["regions"],
            industries=f["industries"],
            kinds=[subject_pb2.SubjectKind.Value(k) for k in f["kinds"]],
            tags=f["tags"],
        ),
        ratios=[
            ipb.GradeRatio(grade=credit_pb2.Grade.ValueType(g), percent=bp / 100)
            for g, bp in enumerate(row["ratios_bp"], start=1)
        ],
        inspector_requirements=ipb.InspectorRequirements(team_size=row["team_size"], domain=row["domain"]),
        window_start=convert.to_date(row["window_start"]),
        window_end=convert.to_date(row["window_end"]),
        rule_set=row["rule_set"],
        status=ipb.PlanStatus.Value(row["status"]),
        draw_id=str(row["draw_id"] or ""),
        created_by=row["created_by"],
        created_at=convert.to_timestamp(row["created_at"]),
        plan_year=row["window_start"].year,
    )


def check_items(stored: Sequence[Mapping[str, str]]) -> list[ipb.CheckItem]:
    return [
        ipb.CheckItem(code=i["code"], name=i["name"], inspection_type=i["type"], department=i["department"])
        for i in stored
    ]


def draw(row: asyncpg.Record) -> ipb.Draw:
    return ipb.Draw(
        draw_id=str(row["draw_id"]),
        plan_id=str(row["plan_id"]),
        owner_department=row["owner_department"],
        seed=row["seed"],
        algorithm=row["algorithm"],
        pool_digest=row["pool_digest"],
        inspector_digest=row["inspector_digest"],
        result_digest=row["result_digest"],
        pool_size=row["pool_size"],
        drawn=row["drawn"],
        stats=[stats(s) for s in row["stats"]],
        teams=row["teams"],
        unassigned=row["unassigned"],
        drawn_at=convert.to_timestamp(row["drawn_at"]),
        check_items=check_items(row["check_items"]),
    )


def stats(stored: Mapping[str, Any]) -> ipb.GradeStats:
    return ipb.GradeStats(
        grade=credit_pb2.Grade.ValueType(GRADES.index(stored["grade"]) + 1),
        pool=stored["pool"],
        priority=stored["priority"],
        ratio_basis_points=stored["basis_points"],
        drawn_at_random=stored["drawn_at_random"],
    )


def drawn_subject(
    row: asyncpg.Record, teams: Mapping[int, list[ipb.TeamMember]], *, public: bool
) -> ipb.DrawnSubject:
    kind, code, name = row["subject_kind"], row["subject_code"], row["name"]
    if public:
        code = public_code(kind, code)
        name = mask_person_name(name) if kind == "SUBJECT_KIND_NATURAL_PERSON" else name
    team = row["team"]
    return ipb.DrawnSubject(
        subject=subject_of(kind, code),
        subject_name=name,
        grade=credit_pb2.Grade.ValueType(row["grade"]),
        priority=row["priority"],
        position=row["position"],
        team=-1 if team is None else team,
        team_members=teams.get(team, []) if team is not None else [],
    )


def teams_of(inspectors: Sequence[asyncpg.Record]) -> dict[int, list[ipb.TeamMember]]:
    teams: dict[int, list[ipb.TeamMember]] = {}
    for r in inspectors:
        if r["team"] is not None:
            member = ipb.TeamMember(
                certificate_number=r["certificate_number"], name=r["name"], department=r["department"]
            )
            teams.setdefault(r["team"], []).append(member)
    return teams


def joint(row: asyncpg.Record) -> ipb.JointInspection:
    return ipb.JointInspection(
        joint_inspection_id=str(row["joint_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        year=row["year"],
        lead_department=row["lead_department"],
        departments=row["departments"],
        items=[
            ipb.JointItem(
                source=ipb.ItemSource.Value(f"ITEM_SOURCE_{i['source']}"),
                source_id=i["id"],
                department=i["department"],
                inspection_type=i["type"],
                check_item=i["check_item"],
            )
            for i in row["items"]
        ],
        visit_by=convert.to_date(row["visit_by"]),
        certificate_numbers=row["certificate_numbers"],
        planned_at=convert.to_timestamp(row["planned_at"]),
    )
