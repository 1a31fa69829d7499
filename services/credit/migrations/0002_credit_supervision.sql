-- Credit supervision beyond the spine: rule set kinds, record life cycle, the serious-dishonesty
-- list, grades, repair, objections, measure feedback and kept commitments.

-- Rule sets come in kinds (records, grading, blacklist, measures); an id names one rule set.
ALTER TABLE rule_set ADD COLUMN kind text NOT NULL DEFAULT 'records';
CREATE UNIQUE INDEX rule_set_id ON rule_set (id);

ALTER TABLE dishonesty_record
    ADD COLUMN safety_related_item boolean NOT NULL DEFAULT false,
    ADD COLUMN measures text[] NOT NULL DEFAULT '{}',
    ADD COLUMN measure_catalogue text NOT NULL DEFAULT '',
    ADD COLUMN repair_notice text NOT NULL DEFAULT '',
    ADD COLUMN ended_on date,
    ADD COLUMN revision integer NOT NULL DEFAULT 0;
-- The expiry job's claim: records in force whose maximum period is over.
CREATE INDEX dishonesty_record_due ON dishonesty_record (publicity_end)
    WHERE status IN ('RECORD_STATUS_PUBLISHED', 'RECORD_STATUS_UNDER_OBJECTION');
-- The public view, newest first (keyset pagination).
CREATE INDEX dishonesty_record_public ON dishonesty_record (publicity_start DESC, record_id DESC)
    WHERE published AND status IN ('RECORD_STATUS_PUBLISHED', 'RECORD_STATUS_UNDER_OBJECTION');

-- Per subject: the restriction set last announced and the current grade, each versioned.
-- Its row lock orders every change of one subject.
ALTER TABLE subject_version
    ADD COLUMN region text NOT NULL DEFAULT '',
    ADD COLUMN announced jsonb,
    ADD COLUMN grade text,
    ADD COLUMN score integer,
    ADD COLUMN grade_points jsonb,
    ADD COLUMN grade_rule_set text,
    ADD COLUMN grade_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN graded_at timestamptz,
    ADD COLUMN review_on date;
CREATE INDEX subject_version_review ON subject_version (review_on) WHERE review_on IS NOT NULL;
CREATE INDEX subject_version_grading ON subject_version (region, grade_rule_set);

-- 严重失信主体名单: one open (proposed or listed) entry per subject.
CREATE TABLE list_entry (
    entry_id           uuid PRIMARY KEY,
    subject_kind       text NOT NULL,
    subject_code       text NOT NULL,
    subject_name       text NOT NULL,
    status             text NOT NULL,
    record_ids         uuid[] NOT NULL,
    department         text NOT NULL,
    region_code        text NOT NULL,
    reasons            text NOT NULL,
    notice             jsonb NOT NULL,
    statements         jsonb NOT NULL DEFAULT '[]',
    proposed_on        date NOT NULL,
    proposed_by        text NOT NULL,
    listed_on          date,
    early_removal_from date,
    removal_due        date,
    removed_on         date,
    removal_reason     text NOT NULL DEFAULT '',
    decision_reason    text NOT NULL DEFAULT '',
    decided_by         text NOT NULL DEFAULT '',
    rule_set           text NOT NULL,
    measures           text[] NOT NULL,
    measure_catalogue  text NOT NULL,
    restricts          text[] NOT NULL,
    early_removal      jsonb,
    created_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX list_entry_open ON list_entry (subject_code)
    WHERE status IN ('LIST_ENTRY_STATUS_PROPOSED', 'LIST_ENTRY_STATUS_LISTED');
CREATE INDEX list_entry_subject ON list_entry (subject_code, proposed_on);
CREATE INDEX list_entry_due ON list_entry (removal_due) WHERE status = 'LIST_ENTRY_STATUS_LISTED';
CREATE INDEX list_entry_public ON list_entry (listed_on DESC, entry_id DESC)
    WHERE status = 'LIST_ENTRY_STATUS_LISTED';

-- 信用修复 applications, decided by the department that made the record.
CREATE TABLE repair_application (
    application_id        uuid PRIMARY KEY,
    record_id             uuid NOT NULL REFERENCES dishonesty_record,
    subject_kind          text NOT NULL,
    subject_code          text NOT NULL,
    department            text NOT NULL,
    obligations_performed text NOT NULL,
    evidence              text[] NOT NULL,
    repair_commitment     text NOT NULL,
    applied_by            text NOT NULL,
    applied_at            timestamptz NOT NULL,
    due_date              date NOT NULL,
    due_provisional       boolean NOT NULL,
    extensions            integer NOT NULL DEFAULT 0,
    extension_reason      text NOT NULL DEFAULT '',
    status                text NOT NULL,
    decision_reason       text NOT NULL DEFAULT '',
    decided_by            text NOT NULL DEFAULT '',
    decided_at            timestamptz,
    rule_set              text NOT NULL
);
CREATE UNIQUE INDEX repair_application_pending ON repair_application (record_id)
    WHERE status = 'REPAIR_STATUS_PENDING';
CREATE INDEX repair_application_queue ON repair_application (department, status, due_date, application_id);
CREATE INDEX repair_application_record ON repair_application (record_id);

-- 异议: the record is disputed while one is pending.
CREATE TABLE objection (
    objection_id     uuid PRIMARY KEY,
    record_id        uuid NOT NULL REFERENCES dishonesty_record,
    subject_kind     text NOT NULL,
    subject_code     text NOT NULL,
    department       text NOT NULL,
    reason           text NOT NULL,
    evidence         text[] NOT NULL,
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL,
    due_date         date NOT NULL,
    due_provisional  boolean NOT NULL,
    extensions       integer NOT NULL DEFAULT 0,
    extension_reason text NOT NULL DEFAULT '',
    status           text NOT NULL,
    outcome          text NOT NULL DEFAULT '',
    decision_reason  text NOT NULL DEFAULT '',
    corrected_facts  text NOT NULL DEFAULT '',
    corrected_class  text NOT NULL DEFAULT '',
    decided_by       text NOT NULL DEFAULT '',
    decided_at       timestamptz,
    rule_set         text NOT NULL
);
CREATE UNIQUE INDEX objection_pending ON objection (record_id) WHERE status = 'OBJECTION_STATUS_PENDING';
CREATE INDEX objection_queue ON objection (department, status, due_date, objection_id);
CREATE INDEX objection_record ON objection (record_id);

-- 反馈: departments report the measures they applied.
CREATE TABLE measure_feedback (
    feedback_id  uuid PRIMARY KEY,
    subject_code text NOT NULL,
    measure_code text NOT NULL,
    source_id    uuid NOT NULL,
    department   text NOT NULL,
    applied_on   date NOT NULL,
    action       text NOT NULL,
    reported_by  text NOT NULL,
    reported_at  timestamptz NOT NULL
);
CREATE INDEX measure_feedback_subject ON measure_feedback (subject_code, reported_at);

-- Commitments verification found true (守信记录), for the grade.
CREATE TABLE kept_commitment (
    commitment_id   uuid PRIMARY KEY,
    subject_kind    text NOT NULL,
    subject_code    text NOT NULL,
    decision_date   date NOT NULL,
    source_event_id text NOT NULL
);
CREATE INDEX kept_commitment_subject ON kept_commitment (subject_code);
