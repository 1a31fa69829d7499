-- Verification tasks (事中事后核查) created from recorded commitments.
CREATE TABLE task (
    task_id          uuid PRIMARY KEY,
    commitment_id    uuid NOT NULL UNIQUE,
    commitment_code  text NOT NULL,
    subject_kind     text NOT NULL,
    subject_code     text NOT NULL,
    subject_name     text NOT NULL,
    item_id          uuid NOT NULL,
    item_version     integer NOT NULL,
    item_name        text NOT NULL,
    department       text NOT NULL,
    region_code      text NOT NULL,
    method           text NOT NULL,
    standard         text NOT NULL,
    time_limit_days  integer NOT NULL,
    base_date        date NOT NULL,
    due_date         date NOT NULL,
    due_provisional  boolean NOT NULL,
    status           text NOT NULL,
    outcome          text NOT NULL DEFAULT 'OUTCOME_UNSPECIFIED',
    findings         text NOT NULL DEFAULT '',
    measures         jsonb NOT NULL DEFAULT '[]',
    decision_date    date,
    concluded_at     timestamptz,
    concluded_by     text,
    created_at       timestamptz NOT NULL
);
CREATE INDEX task_department_status ON task (department, status, due_date, task_id);
CREATE INDEX task_subject ON task (subject_code);
