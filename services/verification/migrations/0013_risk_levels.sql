-- The subject's risk level (风险等级) in the roster: 0 not assessed, 1 一级 (highest) to 3 三级.
ALTER TABLE roster_subject ADD COLUMN risk_level smallint NOT NULL DEFAULT 0 CHECK (risk_level BETWEEN 0 AND 3);
ALTER TABLE subject_staging ADD COLUMN risk_level smallint NOT NULL DEFAULT 0;
