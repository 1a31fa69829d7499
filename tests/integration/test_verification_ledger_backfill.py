"""Migration 0007 backfills the inspection ledger from the rows that existed before it: every drawn
subject per check-item type (as its joint once merged), the joint inspections' log, and the
on-site tasks (a cancelled one no longer counting, a desk check not at all)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg

from services.kernel import migrations
from tests.conftest import Servers

AT = dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)


async def test_the_ledger_is_backfilled_from_draws_joints_and_on_site_tasks(servers: Servers) -> None:
    schema = f"v{uuid.uuid4().hex[:12]}"
    every = migrations.for_service("verification")
    before = [m for m in every if m.id < "verification/0007"]
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, schema, before)
        await conn.execute(f'SET search_path TO "{schema}"')
        plan_id, draw_id, joint_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        items = [
            {"code": "SC-01", "name": "许可", "type": "FOOD_SAFETY", "department": "350200-SCJ"},
            {"code": "SC-02", "name": "价格", "type": "PRICE", "department": "350200-SCJ"},
        ]
        await conn.execute(
            "INSERT INTO plan VALUES ($1, 'p', '350200-SCJ', '{350200-SCJ}', $2, '{}',"
            " '{500,1500,4000,8000}',"
            " 2, '', '2026-03-01', '2026-06-30', 'SAMPLING-2022', 'PLAN_STATUS_DRAWN', $3, 'lead', $4)",
            plan_id,
            json.dumps(items),
            draw_id,
            AT,
        )
        await conn.execute(
            "INSERT INTO draw VALUES ($1, $2, 's', 'a', '', '', '', 2, 2, '[]', 1, 0, 'lead', $3)",
            draw_id,
            plan_id,
            AT,
        )
        await conn.execute(
            "INSERT INTO draw_result VALUES ($1, 1, 'S1', 4, false, 0, $2), ($1, 2, 'S2', 4, false, 0, NULL)",
            draw_id,
            joint_id,
        )
        await conn.execute(
            "INSERT INTO joint_inspection VALUES ($1, 'S1', 'SUBJECT_KIND_LEGAL_PERSON', '某公司', 2026,"
            " '350200-SCJ', '{350200-SCJ}', '[]', '2026-05-01', '{}', 'lead', $2)",
            joint_id,
            AT,
        )
        await conn.execute(
            "INSERT INTO inspection_log VALUES ('S1', 2026, '350200-SCJ', 'FOOD_SAFETY', $1, $2),"
            " ('S1', 2026, '350200-SCJ', 'PRICE', $1, $2)",
            joint_id,
            AT,
        )
        tasks = {}
        for name, method, status in (
            ("open", "ON_SITE", "TASK_STATUS_OPEN"),
            ("cancelled", "ON_SITE", "TASK_STATUS_CANCELLED"),
            ("desk", "DOCUMENT", "TASK_STATUS_OPEN"),
        ):
            tasks[name] = uuid.uuid4()
            await conn.execute(
                "INSERT INTO task (task_id, commitment_id, commitment_code, subject_kind, subject_code,"
                " subject_name, item_id, item_version, item_name, department, region_code, method, standard,"
                " time_limit_days, base_date, due_date, due_provisional, status, created_at)"
                " VALUES ($1, $2, 'c', 'SUBJECT_KIND_LEGAL_PERSON', 'S3', '某公司', $2, 1, '证明',"
                " '350200-SCJ',"
                " '350200', $3, '核对', 10, '2026-03-01', '2026-03-13', false, $4, $5)",
                tasks[name],
                uuid.uuid4(),
                method,
                status,
                AT,
            )
        await migrations.apply(conn, schema, every)
        await conn.execute(f'SET search_path TO "{schema}"')
        rows = await conn.fetch(
            "SELECT origin, origin_id, inspection_type, subject_code, year, planned_on, visit,"
            " cancelled_at IS NOT NULL AS cancelled FROM inspection_ledger"
            " ORDER BY origin, origin_id, inspection_type"
        )
        found = [tuple(r.values()) for r in rows]
        joint = f"joint/{joint_id}"
        assert found[:6] == [
            ("DRAW", f"{draw_id}/1", "FOOD_SAFETY", "S1", 2026, dt.date(2026, 6, 30), joint, False),
            ("DRAW", f"{draw_id}/1", "PRICE", "S1", 2026, dt.date(2026, 6, 30), joint, False),
            (
                "DRAW",
                f"{draw_id}/2",
                "FOOD_SAFETY",
                "S2",
                2026,
                dt.date(2026, 6, 30),
                f"draw/{draw_id}/2",
                False,
            ),
            ("DRAW", f"{draw_id}/2", "PRICE", "S2", 2026, dt.date(2026, 6, 30), f"draw/{draw_id}/2", False),
            ("JOINT", str(joint_id), "FOOD_SAFETY", "S1", 2026, dt.date(2026, 5, 1), joint, False),
            ("JOINT", str(joint_id), "PRICE", "S1", 2026, dt.date(2026, 5, 1), joint, False),
        ]
        on_site = {r[1]: r for r in found[6:]}
        assert set(on_site) == {str(tasks["open"]), str(tasks["cancelled"])}  # not the desk check
        assert on_site[str(tasks["open"])][-2:] == (f"task/{tasks['open']}", False)
        assert on_site[str(tasks["cancelled"])][-1] is True
        assert not await conn.fetchval("SELECT to_regclass('inspection_log') IS NOT NULL")
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()
