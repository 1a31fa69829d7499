-- A registered inspection (报备) has its one result too.
ALTER TABLE inspection_result ADD COLUMN registration_id uuid;
ALTER TABLE inspection_result DROP CONSTRAINT inspection_result_check;
ALTER TABLE inspection_result ADD CONSTRAINT inspection_result_one_inspection
    CHECK (num_nonnulls(draw_id, joint_id, registration_id) = 1);
CREATE UNIQUE INDEX inspection_result_registration ON inspection_result (registration_id)
    WHERE registration_id IS NOT NULL;
