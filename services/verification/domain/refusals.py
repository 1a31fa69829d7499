"""A refusal by the state of what a request acts on (FAILED_PRECONDITION with one violation)."""

from __future__ import annotations

from services.kernel.errors import FailedPrecondition, PreconditionViolation


def refuse(kind: str, subject: str, description: str) -> FailedPrecondition:
    return FailedPrecondition(description, [PreconditionViolation(kind, subject, description)])
