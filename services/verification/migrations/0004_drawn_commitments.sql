-- Exempt commitments (免予核查) wait here, in the random-inspection pool, until a draw
-- (双随机) selects their subject; the draw then turns each into a verification task.
CREATE TABLE pooled_commitment (
    commitment_id uuid PRIMARY KEY,
    department    text NOT NULL,
    subject_code  text COLLATE "C" NOT NULL,
    task          jsonb NOT NULL,  -- the task to create, but its dates (set by the draw)
    pooled_at     timestamptz NOT NULL
);
CREATE INDEX pooled_commitment_subject ON pooled_commitment (subject_code, department);

-- The draw that selected an exempt commitment's subject for inspection.
ALTER TABLE task ADD COLUMN draw_id uuid;
