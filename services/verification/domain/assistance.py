"""部门间协查: one department asks another to check a fact for a task (no I/O)."""

from __future__ import annotations

import datetime as dt

from services.kernel.errors import Violations
from services.verification.domain.refusals import refuse

PENDING = "ASSISTANCE_STATUS_PENDING"
ANSWERED = "ASSISTANCE_STATUS_ANSWERED"
CANCELLED = "ASSISTANCE_STATUS_CANCELLED"
LATEST_ANSWER = dt.timedelta(days=366)


def check_answer_by(v: Violations, answer_by: dt.date | None, today: dt.date) -> None:
    """The asked department gets a day at least and answers within a year."""
    if answer_by and not today < answer_by <= today + LATEST_ANSWER:
        v.add("answer_by", f"must be after today ({today}) and within a year")


def check_pending(assistance_id: str, status: str) -> None:
    """A request is answered once, and not after its task was concluded or cancelled."""
    if status != PENDING:
        raise refuse("ASSISTANCE_NOT_PENDING", assistance_id, f"the request is {status}")
