"""The row plumbing of the credit stores is the kernel's (services/kernel/rows.py); this name stays
for the in-memory stores of the handler tests, which map their rows as production does."""

from __future__ import annotations

from services.kernel.rows import Row, typed

__all__ = ["Row", "typed"]
