"""Orchestration shared by the credit api, consumers and jobs (store, domain and wire steps)."""
