-- An unverifiable conclusion (无法核实) escalated to a named lead with a deadline; the status
-- TASK_STATUS_ESCALATED holds the task until a final conclusion.
ALTER TABLE task ADD COLUMN escalation jsonb;
ALTER TABLE task ADD COLUMN concluded_via text NOT NULL DEFAULT 'CONCLUSION_SOURCE_TASK';
CREATE INDEX task_escalated ON task (department) WHERE status = 'TASK_STATUS_ESCALATED';

-- Cases referred to the judicial organs (移送司法机关): the referral (移送书) with its materials
-- list, its receipt and the organ's decision.
CREATE TABLE referral (
    referral_id       uuid PRIMARY KEY,
    task_id           uuid NOT NULL REFERENCES task (task_id),
    commitment_id     uuid NOT NULL,
    commitment_code   text NOT NULL,
    subject_kind      text NOT NULL,
    subject_code      text NOT NULL,
    subject_name      text NOT NULL,
    department        text NOT NULL,
    suspected_offence text NOT NULL,
    materials         text[] NOT NULL,
    receiving_organ   text NOT NULL,
    referred_on       date NOT NULL,
    referred_by       text NOT NULL,
    created_at        timestamptz NOT NULL,
    status            text NOT NULL,
    received_on       date,
    receiver          text NOT NULL DEFAULT '',
    outcome           text NOT NULL DEFAULT 'REFERRAL_OUTCOME_UNSPECIFIED',
    outcome_on        date,
    outcome_note      text NOT NULL DEFAULT '',
    updated_at        timestamptz NOT NULL
);
CREATE INDEX referral_department ON referral (department, created_at DESC, referral_id);

-- The answer_by date a pending request for assistance was announced overdue for (once).
ALTER TABLE assistance ADD COLUMN overdue_notified_for date;
