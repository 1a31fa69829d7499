-- The department whose portal recorded the commitment (a service hall, 政务服务, may record for
-- the handling department): with the handling department it is the one that may withdraw the
-- commitment or conclude its matter. Empty for commitments recorded before it was kept.
ALTER TABLE commitment ADD COLUMN recorded_by_department text NOT NULL DEFAULT '';
