"""Plans, draws, drawn subjects and joint inspections as verification.v1 inspection messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.contracts.subjects import public_code, subject_of
from services.kernel import convert
from services.kernel.masking import mask_person_name
from services.verification.domain import joint as rules
from services.verification.domain.plans import CheckItem
from services.verification.domain.sampling import DrawRun, Stratum
from services.verification.store.draws import Draw, DrawInspector, DrawnSubject
from services.verification.store.joint import Planned
from services.verification.store.plans import Plan

Teams = Mapping[int, list[ipb.TeamMember]]


def plan(p: Plan) -> ipb.Plan:
    f = p.filter
    return ipb.Plan(
        plan_id=str(p.plan_id),
        name=p.name,
        owner_department=p.owner_department,
        departments=p.departments,
        check_items=check_items(p.check_items),
        filter=ipb.SubjectFilter(
            region_codes=f.region_codes,
            industries=f.industries,
            kinds=[subject_pb2.SubjectKind.Value(k) for k in f.kinds],
            tags=f.tags,
        ),
        ratios=[
            ipb.GradeRatio(grade=credit_pb2.Grade.ValueType(g), percent=bp / 100)
            for g, bp in enumerate(p.ratios_bp, start=1)
        ],
        inspector_requirements=ipb.InspectorRequirements(team_size=p.team_size, domain=p.domain),
        window_start=convert.to_date(p.window_start),
        window_end=convert.to_date(p.window_end),
        rule_set=p.rule_set,
        status=ipb.PlanStatus.Value(p.status),
        draw_id=str(p.draw_id or ""),
        created_by=p.created_by,
        created_at=convert.to_timestamp(p.created_at),
        annual_plan_id=str(p.annual_plan_id or ""),
        plan_year=p.window_start.year,
    )


def check_items(items: Sequence[CheckItem]) -> list[ipb.CheckItem]:
    return [
        ipb.CheckItem(code=i.code, name=i.name, inspection_type=i.inspection_type, department=i.department)
        for i in items
    ]


def digests(run: DrawRun) -> dict[str, Any]:
    """What a published draw says of its result: the digests, the pool's size and the drawn."""
    return {
        "pool_digest": run.pool_digest,
        "inspector_digest": run.inspector_digest,
        "result_digest": run.result_digest,
        "pool_size": run.pool_size,
        "drawn": run.drawn,
    }


def draw(d: Draw) -> ipb.Draw:
    run = d.run
    return ipb.Draw(
        draw_id=str(d.draw_id),
        plan_id=str(d.plan_id),
        owner_department=d.owner_department,
        seed=d.seed,
        algorithm=d.algorithm,
        **digests(run),
        stats=stats(run.stats),
        teams=run.teams,
        unassigned=run.unassigned,
        drawn_at=convert.to_timestamp(d.drawn_at),
        check_items=check_items(d.check_items),
    )


def stats(strata: Sequence[Stratum]) -> list[ipb.GradeStats]:
    return [
        ipb.GradeStats(
            grade=credit_pb2.Grade.ValueType(s.grade),
            pool=s.pool,
            priority=s.priority,
            ratio_basis_points=s.basis_points,
            drawn_at_random=s.drawn_at_random,
        )
        for s in strata
    ]


def verified(rerun: DrawRun, mismatches: list[str]) -> ipb.VerifyDrawResponse:
    return ipb.VerifyDrawResponse(
        identical=not mismatches,
        pool_digest=rerun.pool_digest,
        inspector_digest=rerun.inspector_digest,
        result_digest=rerun.result_digest,
        stats=stats(rerun.stats),
        mismatches=mismatches,
    )


def drawn_subject(s: DrawnSubject, teams: Teams, *, public: bool) -> ipb.DrawnSubject:
    kind, code, name = s.subject_kind, s.subject_code, s.name
    if public:
        code = public_code(kind, code)
        name = mask_person_name(name) if kind == "SUBJECT_KIND_NATURAL_PERSON" else name
    team = s.team
    return ipb.DrawnSubject(
        subject=subject_of(kind, code),
        subject_name=name,
        grade=credit_pb2.Grade.ValueType(s.grade),
        priority=s.priority,
        position=s.position,
        team=-1 if team is None else team,
        team_members=teams.get(team, []) if team is not None else [],
    )


def teams_of(inspectors: Sequence[DrawInspector]) -> dict[int, list[ipb.TeamMember]]:
    teams: dict[int, list[ipb.TeamMember]] = {}
    for i in inspectors:
        if i.team is not None:
            member = ipb.TeamMember(
                certificate_number=i.certificate_number, name=i.name, department=i.department
            )
            teams.setdefault(i.team, []).append(member)
    return teams


def joint(p: Planned) -> ipb.JointInspection:
    j = p.joint
    return ipb.JointInspection(
        joint_inspection_id=str(p.joint_id),
        subject=subject_of(j.subject_kind, j.subject_code),
        subject_name=j.subject_name,
        year=p.year,
        lead_department=j.lead_department,
        departments=j.departments,
        items=[_item(i) for i in j.items],
        visit_by=convert.to_date(j.visit_by),
        certificate_numbers=j.inspectors,
        planned_at=convert.to_timestamp(p.planned_at),
    )


def _item(i: rules.Item) -> ipb.JointItem:
    return ipb.JointItem(
        source=ipb.ItemSource.Value(f"ITEM_SOURCE_{i.source}"),
        source_id=i.source_id,
        department=i.department,
        inspection_type=i.inspection_type,
        check_item=i.check_item,
    )


def joint_plan(
    result: rules.JointPlan, planned: Sequence[Planned], most: int
) -> ipb.PlanJointInspectionsResponse:
    """The reply to planning: counts of everything, at most `most` joints and exclusions."""
    return ipb.PlanJointInspectionsResponse(
        joint_inspections=[joint(p) for p in planned[:most]],
        planned=len(planned),
        candidate_items=result.candidate_items,
        visits_without_merging=result.visits_without_merging,
        visits_saved=result.visits_saved,
        excluded_by_annual_cap=result.excluded_for(rules.ANNUAL_CAP),
        excluded_by_superior=result.excluded_for(rules.SUPERIOR_INSPECTED),
        exclusions=[
            ipb.Exclusion(
                item=_item(e.item),
                subject=subject_of(e.item.subject_kind, e.item.subject_code),
                reason=ipb.ExclusionReason.Value(f"EXCLUSION_REASON_{e.reason}"),
                by_joint_inspection_id=e.by_joint_id.removeprefix("joint/")
                if e.by_joint_id.startswith("joint/")
                else "",
                by_inspection=e.by_joint_id,
            )
            for e in result.excluded[:most]
        ],
    )
