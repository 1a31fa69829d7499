"""What the verification servicers share: their dependencies, rule-set lookups and refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from services.kernel.errors import FailedPrecondition, InvalidArgument, PreconditionViolation
from services.kernel.uow import Database
from services.verification.domain.rules import RuleBook

T = TypeVar("T")


class Deps:
    """What every verification servicer works with."""

    def __init__(self, db: Database, rules: Callable[[], RuleBook]) -> None:
        self.db = db
        self._rules = rules

    @property
    def rules(self) -> RuleBook:
        return self._rules()


def in_force(field: str, lookup: Callable[[], T]) -> T:
    """The rule set a request's date selects; a date no rule set covers is the request's fault."""
    try:
        return lookup()
    except LookupError as exc:
        raise InvalidArgument.one(field, str(exc)) from None


def refuse(kind: str, subject: str, description: str) -> FailedPrecondition:
    return FailedPrecondition(description, [PreconditionViolation(kind, subject, description)])
