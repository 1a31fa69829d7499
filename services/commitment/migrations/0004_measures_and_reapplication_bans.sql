-- Measures that act on a commitment's matter after a verification found it false (承诺不实):
-- 终止办理 stops the matter, 撤销 revokes the licence granted on it, each with its decision.
ALTER TABLE commitment
    ADD COLUMN stopped_on                 date,
    ADD COLUMN stopped_by                 text NOT NULL DEFAULT '',
    ADD COLUMN stopped_task               uuid,
    ADD COLUMN stop_basis                 text NOT NULL DEFAULT '',
    ADD COLUMN stop_ban_ends_on           date,
    ADD COLUMN stop_ban_rule_set          text NOT NULL DEFAULT '',
    ADD COLUMN revoked_on                 date,
    ADD COLUMN revoked_by                 text NOT NULL DEFAULT '',
    ADD COLUMN revoked_task               uuid,
    ADD COLUMN revocation_basis           text NOT NULL DEFAULT '',
    ADD COLUMN revocation_ban_ends_on     date,
    ADD COLUMN revocation_ban_rule_set    text NOT NULL DEFAULT '';

-- Re-application bans (不得再次申请) per subject and item, from those measures on safety-related
-- items (《中华人民共和国行政许可法》第七十八条, 第七十九条). Item-level: the credit restriction
-- projection (subject_restriction) is the credit service's statement and stays untouched.
-- `ends_on` is the first day the subject may apply again.
CREATE TABLE reapplication_ban (
    task_id       uuid NOT NULL,
    measure       text NOT NULL,
    commitment_id uuid NOT NULL REFERENCES commitment (commitment_id),
    subject_code  text NOT NULL,
    item_id       uuid NOT NULL,
    decided_on    date NOT NULL,
    ends_on       date NOT NULL,
    rule_set      text NOT NULL,
    description   text NOT NULL,
    PRIMARY KEY (task_id, measure)
);
CREATE INDEX reapplication_ban_subject_item ON reapplication_ban (subject_code, item_id);
