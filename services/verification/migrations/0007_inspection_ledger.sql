-- Issue 16: one ledger of every inspection of a subject, whatever path planned it, for the
-- annual cap (同一年度同类检查不超过1次) and the superior-department rule
-- (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三)); and registrations (报备) of
-- inspections outside the plans.
CREATE TABLE inspection_registration (
    registration_id    uuid PRIMARY KEY,
    subject_kind       text NOT NULL,
    subject_code       text COLLATE "C" NOT NULL,
    subject_name       text NOT NULL,
    department         text NOT NULL,
    inspection_type    text NOT NULL,
    check_items        text[] NOT NULL,
    planned_date       date NOT NULL,
    basis              text NOT NULL,
    consent_reference  text NOT NULL,
    advance_notice     boolean NOT NULL,
    no_notice_ground   text NOT NULL,  -- NoNoticeGround name when not notified in advance
    no_notice_reason   text NOT NULL,
    certificate_numbers text[] NOT NULL,
    status             text NOT NULL,
    rule_sets          text[] NOT NULL,
    registered_by      text NOT NULL,
    registered_at      timestamptz NOT NULL,
    cancel_reason      text NOT NULL DEFAULT '',
    cancelled_by       text NOT NULL DEFAULT '',
    cancelled_at       timestamptz
);
CREATE INDEX inspection_registration_department
    ON inspection_registration (department, planned_date, registration_id);

CREATE TABLE inspection_ledger (
    origin          text NOT NULL,  -- DRAW, JOINT, REGISTRATION, TASK
    origin_id       text NOT NULL,  -- "<draw id>/<position>", or the joint, registration, task id
    department      text NOT NULL,
    inspection_type text NOT NULL,
    subject_code    text COLLATE "C" NOT NULL,
    year            integer NOT NULL,
    planned_on      date NOT NULL,
    -- The visit it counts as: "joint/<id>" once merged, a drawn commitment's task the draw's
    -- "draw/<id>/<position>", otherwise "<origin>/<origin id>" (lower-case origin).
    visit           text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    cancelled_at    timestamptz,
    PRIMARY KEY (origin, origin_id, department, inspection_type)
);
CREATE INDEX inspection_ledger_subject ON inspection_ledger (subject_code, year) WHERE cancelled_at IS NULL;

-- Backfill: drawn subjects, one entry per check-item department and type of the plan.
INSERT INTO inspection_ledger
SELECT DISTINCT 'DRAW', r.draw_id || '/' || r.position, coalesce(i->>'department', p.owner_department),
    i->>'type', r.subject_code, extract(year FROM p.window_start)::integer, p.window_end,
    CASE WHEN r.joint_id IS NULL THEN 'draw/' || r.draw_id || '/' || r.position
         ELSE 'joint/' || r.joint_id END,
    d.drawn_at, NULL::timestamptz
FROM draw_result r JOIN draw d USING (draw_id) JOIN plan p ON p.plan_id = d.plan_id,
    jsonb_array_elements(p.check_items) AS i;

-- Joint inspections, from the log they kept.
INSERT INTO inspection_ledger
SELECT DISTINCT 'JOINT', l.joint_id::text, l.department, l.inspection_type, l.subject_code, l.year,
    j.visit_by, 'joint/' || l.joint_id, l.at, NULL::timestamptz
FROM inspection_log l JOIN joint_inspection j USING (joint_id);

-- Verification tasks checked on site (a cancelled one no longer counts).
INSERT INTO inspection_ledger
SELECT 'TASK', t.task_id::text, t.department, t.inspection_type, t.subject_code,
    extract(year FROM t.due_date)::integer, t.due_date,
    CASE WHEN t.joint_id IS NOT NULL THEN 'joint/' || t.joint_id
         WHEN r.position IS NOT NULL THEN 'draw/' || r.draw_id || '/' || r.position
         ELSE 'task/' || t.task_id END,
    t.created_at, CASE WHEN t.status = 'TASK_STATUS_CANCELLED' THEN now() END
FROM task t LEFT JOIN draw_result r ON r.draw_id = t.draw_id AND r.subject_code = t.subject_code
WHERE t.method = 'ON_SITE';

-- The ledger replaces the joint inspections' own log.
DROP TABLE inspection_log;
