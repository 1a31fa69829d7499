-- Issue 4: task lifecycle (assignment, extensions, cancellation, publication deadlines),
-- 部门间协查, rosters (一单两库), credit projections, plans and draws (双随机、一公开),
-- joint inspections (综合查一次) and the verification rule sets.

ALTER TABLE task
    ADD COLUMN safety_related          boolean NOT NULL DEFAULT false,
    ADD COLUMN inspection_type         text NOT NULL DEFAULT 'COMMITMENT_VERIFICATION',
    ADD COLUMN extended_days           integer NOT NULL DEFAULT 0,
    ADD COLUMN evidence_refs           text[] NOT NULL DEFAULT '{}',
    ADD COLUMN cancel_reason           text NOT NULL DEFAULT '',
    ADD COLUMN push_deadline           date,
    ADD COLUMN publication_deadline    date,
    ADD COLUMN publication_provisional boolean NOT NULL DEFAULT false,
    ADD COLUMN decision_publication_deadline date,
    ADD COLUMN publication_rule_set    text NOT NULL DEFAULT '',
    ADD COLUMN overdue_notified_for    date,
    ADD COLUMN joint_id                uuid;
-- ListTasks without a status filter pages the department's tasks by due date.
CREATE INDEX task_department_due ON task (department, due_date, task_id);
-- Deadlines to recompute when a year's official calendar arrives.
CREATE INDEX task_provisional ON task (task_id) WHERE due_provisional OR publication_provisional;
-- Open tasks whose current due date has not been announced as overdue yet.
CREATE INDEX task_overdue_scan ON task (due_date) WHERE status = 'TASK_STATUS_OPEN';
-- Joint planning picks open on-site tasks by department and due date.
CREATE INDEX task_on_site ON task (department, due_date)
    WHERE status = 'TASK_STATUS_OPEN' AND method = 'ON_SITE' AND joint_id IS NULL;

-- A withdrawal that arrived before the commitment's task (or after it was created).
CREATE TABLE withdrawn_commitment (
    commitment_id uuid PRIMARY KEY,
    withdrawn_at  timestamptz NOT NULL
);

CREATE TABLE task_inspector (
    task_id            uuid NOT NULL REFERENCES task,
    certificate_number text NOT NULL,
    assigned_at        timestamptz NOT NULL,
    assigned_by        text NOT NULL,
    PRIMARY KEY (task_id, certificate_number)
);
CREATE INDEX task_inspector_by_inspector ON task_inspector (certificate_number, task_id);

CREATE TABLE task_extension (
    task_id      uuid NOT NULL REFERENCES task,
    seq          integer NOT NULL,
    working_days integer NOT NULL,
    reason       text NOT NULL,
    approved_by  text NOT NULL,
    due_before   date NOT NULL,
    due_after    date NOT NULL,
    approved_at  timestamptz NOT NULL,
    PRIMARY KEY (task_id, seq)
);

-- 部门间协查: a task's department asks another department to check a fact.
CREATE TABLE assistance (
    assistance_id   uuid PRIMARY KEY,
    task_id         uuid NOT NULL REFERENCES task,
    subject_kind    text NOT NULL,
    subject_code    text NOT NULL,
    subject_name    text NOT NULL,
    from_department text NOT NULL,
    to_department   text NOT NULL,
    question        text NOT NULL,
    answer_by       date NOT NULL,
    status          text NOT NULL,
    finding         text NOT NULL DEFAULT 'ASSISTANCE_FINDING_UNSPECIFIED',
    answer          text NOT NULL DEFAULT '',
    evidence_refs   text[] NOT NULL DEFAULT '{}',
    requested_by    text NOT NULL,
    requested_at    timestamptz NOT NULL,
    answered_by     text NOT NULL DEFAULT '',
    answered_at     timestamptz
);
CREATE INDEX assistance_incoming ON assistance (to_department, answer_by, assistance_id);
CREATE INDEX assistance_outgoing ON assistance (from_department, answer_by, assistance_id);
CREATE INDEX assistance_task ON assistance (task_id);

-- Departments and their superiors (上级执法部门), for the joint-inspection rules and overviews.
CREATE TABLE department (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    parent_code text,
    region_code text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- 执法检查人员名录库.
CREATE TABLE inspector (
    certificate_number text PRIMARY KEY,
    name               text NOT NULL,
    department         text NOT NULL,
    domains            text[] NOT NULL,
    active             boolean NOT NULL,
    valid_until        date,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX inspector_department ON inspector (department, certificate_number);

CREATE TABLE inspector_conflict (
    certificate_number text NOT NULL REFERENCES inspector,
    subject_kind       text NOT NULL,
    subject_code       text NOT NULL,
    reason             text NOT NULL,
    PRIMARY KEY (certificate_number, subject_code)
);

-- 检查对象名录库, one roster per department.
CREATE TABLE roster_subject (
    department   text NOT NULL,
    subject_code text COLLATE "C" NOT NULL,  -- byte order: draws sort and digest by it
    subject_kind text NOT NULL,
    name         text NOT NULL,
    region_code  text NOT NULL,
    industry     text NOT NULL DEFAULT '',
    tags         text[] NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    source       text NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (department, subject_code)
);

CREATE TABLE subject_import (
    import_id     uuid PRIMARY KEY,
    department    text NOT NULL,
    mode          text NOT NULL,
    source        text NOT NULL,
    status        text NOT NULL,
    chunks        integer NOT NULL DEFAULT 0,
    rows_received bigint NOT NULL DEFAULT 0,
    rows_rejected bigint NOT NULL DEFAULT 0,
    created       bigint NOT NULL DEFAULT 0,
    updated       bigint NOT NULL DEFAULT 0,
    deactivated   bigint NOT NULL DEFAULT 0,
    duplicates    bigint NOT NULL DEFAULT 0,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    committed_at  timestamptz
);

CREATE TABLE subject_import_chunk (
    import_id    uuid NOT NULL REFERENCES subject_import,
    chunk_number integer NOT NULL,
    rows         integer NOT NULL,
    PRIMARY KEY (import_id, chunk_number)
);

-- Validated rows waiting for the commit's merge (filled by COPY, emptied by the commit).
CREATE TABLE subject_staging (
    import_id    uuid NOT NULL,
    row_no       bigint NOT NULL,
    subject_code text COLLATE "C" NOT NULL,
    subject_kind text NOT NULL,
    name         text NOT NULL,
    region_code  text NOT NULL,
    industry     text NOT NULL,
    tags         text[] NOT NULL
);
CREATE INDEX subject_staging_import ON subject_staging (import_id);

CREATE TABLE subject_import_error (
    import_id   uuid NOT NULL,
    row_no      bigint NOT NULL,
    field       text NOT NULL,
    description text NOT NULL
);
CREATE INDEX subject_import_error_rows ON subject_import_error (import_id, row_no);

-- Projections of the credit service's versioned events: the newest version per subject wins.
CREATE TABLE credit_grade (
    subject_code text COLLATE "C" PRIMARY KEY,
    grade        smallint NOT NULL,
    version      bigint NOT NULL,
    changed_at   timestamptz NOT NULL
);

CREATE TABLE credit_priority (
    subject_code text COLLATE "C" PRIMARY KEY,
    priority     boolean NOT NULL,
    version      bigint NOT NULL,
    changed_at   timestamptz NOT NULL
);

-- Versioned rule sets (sampling ratios, publication deadlines, joint-inspection caps, tasks).
CREATE TABLE rule_set (
    id             text NOT NULL,
    region         text NOT NULL DEFAULT '',
    kind           text NOT NULL,
    effective_from date NOT NULL,
    effective_to   date,
    citation       text NOT NULL,
    rules          jsonb NOT NULL,
    loaded_at      timestamptz NOT NULL,
    loaded_by      text NOT NULL,
    PRIMARY KEY (id, region)
);

-- 双随机 plans.
CREATE TABLE plan (
    plan_id          uuid PRIMARY KEY,
    name             text NOT NULL,
    owner_department text NOT NULL,
    departments      text[] NOT NULL,
    check_items      jsonb NOT NULL,
    filter           jsonb NOT NULL,
    ratios_bp        integer[] NOT NULL,  -- basis points for grades A, B, C, D
    team_size        integer NOT NULL,
    domain           text NOT NULL,
    window_start     date NOT NULL,
    window_end       date NOT NULL,
    rule_set         text NOT NULL,
    status           text NOT NULL,
    draw_id          uuid,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX plan_owner ON plan (owner_department, created_at, plan_id);
CREATE INDEX plan_departments ON plan USING gin (departments);

CREATE TABLE draw (
    draw_id          uuid PRIMARY KEY,
    plan_id          uuid NOT NULL UNIQUE REFERENCES plan,
    seed             text NOT NULL,
    algorithm        text NOT NULL,
    pool_digest      text NOT NULL,
    inspector_digest text NOT NULL,
    result_digest    text NOT NULL,
    pool_size        bigint NOT NULL,
    drawn            bigint NOT NULL,
    stats            jsonb NOT NULL,
    teams            integer NOT NULL,
    unassigned       bigint NOT NULL,
    drawn_by         text NOT NULL,
    drawn_at         timestamptz NOT NULL
);

-- The pool as it was when drawn, one row per draw, arrays sorted by subject code (byte order):
-- compact enough for millions of subjects, and all a re-run needs besides the seed.
CREATE TABLE draw_pool (
    draw_id    uuid PRIMARY KEY REFERENCES draw,
    codes      text[] NOT NULL,
    grades     smallint[] NOT NULL,
    priorities boolean[] NOT NULL,
    strata     bigint[] NOT NULL,  -- subjects per (grade, priority): index (grade - 1) * 2 + priority + 1
    digest     text NOT NULL  -- computed in the same pass that took the snapshot
);

CREATE TABLE draw_inspector (
    draw_id            uuid NOT NULL REFERENCES draw,
    certificate_number text NOT NULL,
    name               text NOT NULL,
    department         text NOT NULL,
    team               integer,  -- null: ranked beyond the last full team
    rank               integer NOT NULL,
    conflicts          text[] NOT NULL,
    PRIMARY KEY (draw_id, certificate_number)
);

-- No foreign key to draw: rows are written in bulk with their draw in one statement, where a
-- per-row reference check would cost about a second per million drawn.
CREATE TABLE draw_result (
    draw_id      uuid NOT NULL,
    position     bigint NOT NULL,
    subject_code text COLLATE "C" NOT NULL,
    grade        smallint NOT NULL,
    priority     boolean NOT NULL,
    team         integer,
    joint_id     uuid,
    PRIMARY KEY (draw_id, position)
);

-- 综合查一次.
CREATE TABLE joint_inspection (
    joint_id            uuid PRIMARY KEY,
    subject_code        text NOT NULL,
    subject_kind        text NOT NULL,
    subject_name        text NOT NULL,
    year                integer NOT NULL,
    lead_department     text NOT NULL,
    departments         text[] NOT NULL,
    items               jsonb NOT NULL,
    visit_by            date NOT NULL,
    certificate_numbers text[] NOT NULL,
    planned_by          text NOT NULL,
    planned_at          timestamptz NOT NULL
);
CREATE INDEX joint_inspection_year ON joint_inspection (year, planned_at, joint_id);
CREATE INDEX joint_inspection_departments ON joint_inspection USING gin (departments);

-- Every inspection of a subject in a year by department and type: the annual cap and the
-- superior-department rule read it.
CREATE TABLE inspection_log (
    subject_code    text NOT NULL,
    year            integer NOT NULL,
    department      text NOT NULL,
    inspection_type text NOT NULL,
    joint_id        uuid NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX inspection_log_subject ON inspection_log (subject_code, year);
