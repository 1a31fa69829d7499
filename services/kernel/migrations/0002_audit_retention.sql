-- Where the audit chain starts after old rows were pruned under the retention setting: the last
-- pruned link, so the remaining chain still verifies from here.
CREATE TABLE audit_anchor (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_anchor (seq, hash) VALUES (0, '\x'::bytea);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action text_pattern_ops, seq);
