"""How random-inspection plans, draws and joint inspections are typed and shown."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.cli.output import fail, fields, say, table
from services.cli.values import KINDS, choose, day, label, moment

GRADES = {g: getattr(credit_pb2, f"GRADE_{g.upper()}") for g in "abcd"}
CHECK_ITEM_HELP = (
    "A check item as 'CODE | name | inspection type | department' (department optional); repeat."
)
RATIO_HELP = "Share of a credit grade to draw, e.g. D=100 or B=15; grades not given take the rule set's."


def check_item(text: str) -> ipb.CheckItem:
    parts = [p.strip() for p in text.replace("｜", "|").split("|")]
    if not 3 <= len(parts) <= 4:
        fail(f"--check-item: {text!r}: write 'CODE | name | inspection type | department'")
    return ipb.CheckItem(
        code=parts[0], name=parts[1], inspection_type=parts[2], department=parts[3] if len(parts) > 3 else ""
    )


def ratio(text: str) -> ipb.GradeRatio:
    grade, _, percent = text.partition("=")
    try:
        share = float(percent.rstrip("%"))
    except ValueError:
        fail(f"--ratio: {text!r}: write the grade and a percentage, e.g. D=100")
    return ipb.GradeRatio(grade=choose(grade, GRADES, "--ratio"), percent=share)


def subject_filter(
    regions: list[str], industries: list[str], kinds: list[str], tags: list[str]
) -> ipb.SubjectFilter:
    return ipb.SubjectFilter(
        region_codes=regions,
        industries=industries,
        kinds=[choose(k, KINDS, "--kind") for k in kinds],
        tags=tags,
    )


def show_plan(plan: ipb.Plan) -> None:
    fields(
        f"plan {plan.plan_id}",
        [
            ("name", plan.name),
            ("status", label(ipb.PlanStatus, plan.status)),
            ("owner", plan.owner_department),
            ("departments", ", ".join(plan.departments)),
            (
                "check items",
                "; ".join(
                    f"{c.code} {c.name} ({c.inspection_type}, {c.department})" for c in plan.check_items
                ),
            ),
            ("regions", ", ".join(plan.filter.region_codes)),
            ("tags", ", ".join(plan.filter.tags)),
            (
                "ratios",
                ", ".join(f"{label(credit_pb2.Grade, r.grade).upper()} {r.percent:g}%" for r in plan.ratios),
            ),
            (
                "team",
                f"{plan.inspector_requirements.team_size} inspectors {plan.inspector_requirements.domain}",
            ),
            ("window", f"{day(plan.window_start)} to {day(plan.window_end)}"),
            ("rule set", plan.rule_set),
            ("annual plan", plan.annual_plan_id),
            ("draw", plan.draw_id),
        ],
    )


def show_draw(draw: ipb.Draw) -> None:
    fields(
        f"draw {draw.draw_id} of plan {draw.plan_id}",
        [
            ("drawn at", moment(draw.drawn_at)),
            ("seed", draw.seed),
            ("algorithm", draw.algorithm),
            ("pool", f"{draw.pool_size} subjects, digest {draw.pool_digest}"),
            ("inspectors digest", draw.inspector_digest),
            ("drawn", f"{draw.drawn} subjects"),
            ("teams", draw.teams),
            ("result digest", draw.result_digest),
            ("unassigned", draw.unassigned or ""),
        ],
    )
    show_stats(draw.stats)


def show_stats(stats: Any) -> None:
    rows = [
        [
            label(credit_pb2.Grade, s.grade).upper(),
            s.pool,
            s.priority,
            f"{s.ratio_basis_points / 100:g}%",
            s.drawn_at_random,
        ]
        for s in stats
    ]
    table("by credit grade", ["grade", "pool", "priority (all drawn)", "ratio", "drawn at random"], rows)


DRAWN_COLUMNS: list[tuple[str, Any]] = [
    ("#", lambda s: s.position),
    ("subject", lambda s: s.subject.code),
    ("name", lambda s: s.subject_name),
    ("grade", lambda s: label(credit_pb2.Grade, s.grade).upper()),
    ("priority", lambda s: "yes" if s.priority else ""),
    ("team", lambda s: s.team if s.team >= 0 else "unassigned"),
    ("inspectors", lambda s: ", ".join(f"{m.name} {m.certificate_number}" for m in s.team_members)),
]
JOINT_COLUMNS: list[tuple[str, Any]] = [
    ("joint inspection id", lambda j: j.joint_inspection_id),
    ("subject", lambda j: f"{j.subject_name} {j.subject.code}"),
    ("lead", lambda j: j.lead_department),
    ("departments", lambda j: ", ".join(j.departments)),
    ("merged", lambda j: len(j.items)),
    ("visit by", lambda j: day(j.visit_by)),
]


def joint_summary(answer: ipb.PlanJointInspectionsResponse) -> None:
    say(
        f"joint inspections planned: {answer.planned}; items considered: {answer.candidate_items}; "
        f"visits without merging: {answer.visits_without_merging}; "
        f"[bold]visits saved: {answer.visits_saved}[/bold]"
    )
    if answer.excluded_by_annual_cap or answer.excluded_by_superior:
        say(
            f"excluded by the annual cap (同一年度同类检查不超过1次): {answer.excluded_by_annual_cap}; "
            f"already inspected by a superior department: {answer.excluded_by_superior}"
        )
