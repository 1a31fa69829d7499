-- Results of random inspections (双随机) and joint inspections (综合查一次): one per drawn
-- subject of a draw, one per joint inspection (recorded by its lead, recognised by all, 互认).
CREATE TABLE inspection_result (
    result_id                uuid PRIMARY KEY,
    draw_id                  uuid,
    position                 bigint,
    joint_id                 uuid,
    subject_code             text NOT NULL,
    subject_kind             text NOT NULL,
    subject_name             text NOT NULL,
    recording_department     text NOT NULL,
    departments              text[] NOT NULL,
    year                     integer NOT NULL,
    inspection_date          date NOT NULL,
    items                    jsonb NOT NULL,
    problem_found            boolean NOT NULL,
    measures                 jsonb NOT NULL,
    evidence_refs            text[] NOT NULL,
    inspectors               text[] NOT NULL,
    acknowledgement          text NOT NULL,
    refusal_note             text NOT NULL,
    push_deadline            date NOT NULL,
    publication_deadline     date NOT NULL,
    publication_provisional  boolean NOT NULL,
    publication_rule_set     text NOT NULL,
    recorded_by              text NOT NULL,
    recorded_at              timestamptz NOT NULL,
    CHECK ((draw_id IS NULL) <> (joint_id IS NULL))
);
-- One result per inspection: a second one is refused naming the first.
CREATE UNIQUE INDEX inspection_result_draw ON inspection_result (draw_id, position) WHERE draw_id IS NOT NULL;
CREATE UNIQUE INDEX inspection_result_joint ON inspection_result (joint_id) WHERE joint_id IS NOT NULL;
CREATE INDEX inspection_result_departments ON inspection_result USING gin (departments);
CREATE INDEX inspection_result_listing ON inspection_result (recorded_at, result_id);
CREATE INDEX inspection_result_subject ON inspection_result (subject_code, recorded_at, result_id);
-- A drawn subject is found by its code within its draw.
CREATE INDEX draw_result_subject ON draw_result (draw_id, subject_code);
