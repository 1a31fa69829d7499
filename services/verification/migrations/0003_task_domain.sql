-- The supervision domain a task's inspectors must be qualified for (from the item's rule).
ALTER TABLE task ADD COLUMN supervision_domain text NOT NULL DEFAULT '';
