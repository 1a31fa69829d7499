-- Responsible persons (企业信用与自然人信用挂钩, issue 17): the legal representative or a responsible
-- person of an enterprise named on its dishonesty record or serious-list entry. The resident ID is
-- kept for matching a person's query (person_code); it leaves the service only masked.
CREATE TABLE responsible_person (
    naming_id         uuid PRIMARY KEY,
    seq               bigserial NOT NULL,  -- the order of naming (a clock may stand still)
    source_kind       text NOT NULL CHECK (source_kind IN ('RECORD', 'LIST_ENTRY')),
    source_id         uuid NOT NULL,
    subject_kind      text NOT NULL,
    subject_code      text NOT NULL,
    subject_name      text NOT NULL,
    department        text NOT NULL,
    region_code       text NOT NULL,
    person_code       text NOT NULL,
    person_name       text NOT NULL,
    role              text NOT NULL,
    basis             text NOT NULL,
    rule_set          text NOT NULL,
    named_by          text NOT NULL,
    named_at          timestamptz NOT NULL,
    withdrawn_at      timestamptz,
    withdrawn_by      text NOT NULL DEFAULT '',
    withdrawal_reason text NOT NULL DEFAULT ''
);
-- A person is named once per role on a source while the naming stands (the rules' per-role limits
-- are checked under the source's row lock).
CREATE UNIQUE INDEX responsible_person_once ON responsible_person (source_id, person_code, role)
    WHERE withdrawn_at IS NULL;
CREATE INDEX responsible_person_source ON responsible_person (source_id, seq);
CREATE INDEX responsible_person_person ON responsible_person (person_code, seq DESC)
    WHERE withdrawn_at IS NULL;
