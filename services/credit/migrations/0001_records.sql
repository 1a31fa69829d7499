-- Versioned rule sets (classification, publicity periods, restrictions), chosen by decision date.
CREATE TABLE rule_set (
    id             text NOT NULL,
    region         text NOT NULL DEFAULT '',  -- '' is national; a region code overrides for its area
    effective_from date NOT NULL,
    effective_to   date,
    citation       text NOT NULL,
    rules          jsonb NOT NULL,
    loaded_at      timestamptz NOT NULL,
    loaded_by      text NOT NULL,
    PRIMARY KEY (id, region)
);

-- 失信信息: dishonesty records.
CREATE TABLE dishonesty_record (
    record_id           uuid PRIMARY KEY,
    subject_kind        text NOT NULL,
    subject_code        text NOT NULL,
    subject_name        text NOT NULL,
    source_event_id     text NOT NULL UNIQUE,
    commitment_id       uuid,
    facts               text NOT NULL,
    legal_basis         text NOT NULL,
    deciding_department text NOT NULL,
    region_code         text NOT NULL,
    decision_date       date NOT NULL,
    record_class        text NOT NULL,
    status              text NOT NULL,
    publicity_start     date NOT NULL,
    repairable_from     date NOT NULL,
    publicity_end       date NOT NULL,
    published           boolean NOT NULL,
    restricts           text[] NOT NULL,
    rule_set            text NOT NULL,
    rule                text NOT NULL,
    created_at          timestamptz NOT NULL
);
CREATE INDEX dishonesty_record_subject ON dishonesty_record (subject_code, decision_date);

-- Every change of a subject's restrictions bumps its version, so readers can order them.
CREATE TABLE subject_version (
    subject_code text PRIMARY KEY,
    subject_kind text NOT NULL,
    version      bigint NOT NULL
);
