-- Corrections in time and without harm reported by verification (责令限期整改 completed): the
-- commitment's record is classified minor (轻微), whether it exists already or arrives later.
CREATE TABLE rectification (
    commitment_id   uuid PRIMARY KEY,
    task_id         uuid NOT NULL,
    completed_on    date NOT NULL,
    source_event_id text NOT NULL,
    received_at     timestamptz NOT NULL
);
CREATE INDEX dishonesty_record_commitment ON dishonesty_record (commitment_id)
    WHERE commitment_id IS NOT NULL;
