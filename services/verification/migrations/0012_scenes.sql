-- The scene list (检查场景清单) of joint inspections: one row per version of a lead department's scene.
CREATE TABLE scene (
    lead_department  text NOT NULL,
    code             text NOT NULL,
    version          integer NOT NULL CHECK (version >= 1),
    name             text NOT NULL,
    cooperating      text[] NOT NULL,
    check_items      jsonb NOT NULL,
    effective_from   date NOT NULL,
    recorded_by      text NOT NULL,
    recorded_at      timestamptz NOT NULL,
    PRIMARY KEY (lead_department, code, version)
);
CREATE INDEX scene_cooperating ON scene USING gin (cooperating);
