-- The last audit-chain link this service signed and queued as a checkpoint (services/kernel/
-- audit_witness.py): where the next checkpoint's link check starts. Only bookkeeping: the
-- checkpoints themselves live outside the database, on the AUDIT_CHECKPOINTS stream.
CREATE TABLE audit_checkpoint (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_checkpoint (seq, hash) VALUES (0, '\x'::bytea);
