"""The features every service serves besides its own, each with the same file names.

    calendar/   CalendarService: the official working-day schedule (api, keeper, store, wire)
    sharing/    SharingService and the gate of shared reads (api, gate, push, shaping, store)
    audit/      AuditService: verifying and searching the audit trail (api, store)
    dev_clock/  DevClockService: development time (api, follow, store)

`api.py` holds the servicer, `store.py` its SQL (typed records, no asyncpg rows to the caller).
services/kernel/runtime.py wires them into every service process.
"""
