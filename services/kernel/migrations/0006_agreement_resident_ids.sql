-- Whether an agreement's legal basis grants natural persons' resident ID numbers in clear.
ALTER TABLE sharing_agreement ADD COLUMN resident_ids boolean NOT NULL DEFAULT false;
