"""Scenes of joint inspections as verification.v1 scene messages."""

from __future__ import annotations

from chengnuo.verification.v1 import scenes_pb2 as spb
from services.kernel import convert
from services.verification.store.scenes import Scene


def scene(s: Scene) -> spb.Scene:
    return spb.Scene(
        lead_department=s.lead_department,
        code=s.code,
        version=s.version,
        name=s.name,
        cooperating_departments=s.cooperating,
        check_items=[
            spb.SceneCheckItem(
                department=i.department,
                code=i.code,
                version=i.version,
                name=i.name,
                inspection_type=i.inspection_type,
            )
            for i in s.check_items
        ],
        effective_from=convert.to_date(s.effective_from),
        recorded_by=s.recorded_by,
        recorded_at=convert.to_timestamp(s.recorded_at),
    )
