"""Orchestration shared by the verification api, consumers and jobs (store, domain and wire steps)."""
