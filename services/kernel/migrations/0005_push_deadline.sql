-- The date a pushed event's data must reach its receivers by, when the event states one (the
-- 5-day push of inspection results and verification conclusions, 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四)):
-- unacknowledged deliveries past it are listed as overdue.
ALTER TABLE push_delivery ADD COLUMN push_deadline date;
CREATE INDEX push_delivery_overdue ON push_delivery (push_deadline, occurred_at, event_id)
    WHERE acknowledged_at IS NULL AND push_deadline IS NOT NULL;
