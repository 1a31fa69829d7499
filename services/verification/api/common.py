"""What the verification handler sets share: who may call them (lookups and their refusals are
services/kernel/lookup.py)."""

from __future__ import annotations

from services.contracts import roles

STAFF = (roles.VERIFIER, roles.VERIFICATION_LEAD)
LEAD = (roles.VERIFICATION_LEAD,)
