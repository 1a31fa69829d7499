-- Decision deadlines watched (issue 17): the due date for which an overdue repair application or
-- objection was last announced, so the job announces each due date once (an extension moves the
-- due date and a case overdue again is announced again).
ALTER TABLE repair_application ADD COLUMN overdue_notified_for date;
ALTER TABLE objection ADD COLUMN overdue_notified_for date;
CREATE INDEX repair_application_overdue ON repair_application (due_date)
    WHERE status = 'REPAIR_STATUS_PENDING';
CREATE INDEX objection_overdue ON objection (due_date) WHERE status = 'OBJECTION_STATUS_PENDING';
