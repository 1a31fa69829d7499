"""Annual inspection plans as verification.v1 annual-plan messages."""

from __future__ import annotations

from chengnuo.verification.v1 import annual_plans_pb2 as apb
from services.kernel import convert
from services.verification.domain.annual_plans import Entry
from services.verification.store.annual_plans import AnnualPlan


def entry(e: Entry) -> apb.PlannedCheck:
    return apb.PlannedCheck(
        check_item_code=e.check_item_code,
        check_item_version=e.check_item_version,
        check_item_name=e.check_item_name,
        inspection_type=e.inspection_type,
        kind=apb.PlannedCheckKind.Value(e.kind),
        window_start=convert.to_date(e.window_start),
        window_end=convert.to_date(e.window_end),
        cooperating_departments=e.cooperating,
        note=e.note,
    )


def plan(p: AnnualPlan) -> apb.AnnualPlan:
    return apb.AnnualPlan(
        annual_plan_id=str(p.annual_plan_id),
        department=p.department,
        year=p.year,
        name=p.name,
        status=apb.AnnualPlanStatus.Value(p.status),
        revision=p.revision,
        entries=[entry(e) for e in p.entries],
        rule_set=p.rule_set,
        published_on=convert.opt_date(p.published_on),
        report_due=convert.opt_date(p.report_due),
        report_due_provisional=p.report_due_provisional,
        created_by=p.created_by,
        created_at=convert.to_timestamp(p.created_at),
        published_by=p.published_by,
    )
