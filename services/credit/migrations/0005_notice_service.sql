-- The statement period (陈述申辩) of a proposed listing runs from the day its pre-notice was
-- served (送达), kept in the notice as `service`. Open proposals made before service was recorded
-- have no service yet: their period, counted from the proposal, is dropped and runs once served.
UPDATE list_entry SET notice = notice - 'statement_until'
    WHERE status = 'LIST_ENTRY_STATUS_PROPOSED' AND NOT notice ? 'service';
