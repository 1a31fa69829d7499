-- The subject's correction after a false finding with an order to rectify (责令限期整改).
ALTER TABLE task ADD COLUMN rectification jsonb;
