"""How a credit rule refuses: a business refusal (FAILED_PRECONDITION) naming what it is about."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from services.kernel.errors import FailedPrecondition, PreconditionViolation


def refusal(
    kind: str, subject: str, description: str, until: dt.date | None = None, *, message: str = ""
) -> FailedPrecondition:
    """The refusal of one precondition: `kind` on `subject`, and from when it may change if known.
    The message is the description unless the rule words the whole refusal differently."""
    return FailedPrecondition(
        message or description, [PreconditionViolation(kind, subject, description, until)]
    )


def refuse(
    kind: str, subject: str, description: str, until: dt.date | None = None, *, message: str = ""
) -> NoReturn:
    raise refusal(kind, subject, description, until, message=message)
