"""Request parsing shared by the verification servicers: ids, pages, refusals."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from services.kernel.errors import FailedPrecondition, InvalidArgument, PreconditionViolation
from services.kernel.uow import Database
from services.verification.domain.rules import RuleBook

DEFAULT_PAGE, MAX_PAGE = 100, 1000
T = TypeVar("T")
_SEPARATOR = "|"


class Deps:
    """What every verification servicer works with."""

    def __init__(self, db: Database, rules: Callable[[], RuleBook]) -> None:
        self.db = db
        self._rules = rules

    @property
    def rules(self) -> RuleBook:
        return self._rules()


def parse_id(field: str, value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.one(
            field, f"required: a {what} id" if not value else f"not a valid {what} id"
        ) from None


def page_size(requested: int, default: int = DEFAULT_PAGE, largest: int = MAX_PAGE) -> int:
    size = requested or default
    if not 1 <= size <= largest:
        raise InvalidArgument.one("page_size", f"must be 1 to {largest}")
    return size


def token(*parts: object) -> str:
    return base64.urlsafe_b64encode(_SEPARATOR.join(str(p) for p in parts).encode()).decode()


def untoken(value: str, parsers: Sequence[Callable[[str], Any]]) -> list[Any] | None:
    """The parts of a page token, parsed; None for the first page."""
    if not value:
        return None
    try:
        parts = base64.urlsafe_b64decode(value.encode()).decode().split(_SEPARATOR)
        if len(parts) != len(parsers):
            raise ValueError(value)
        return [parse(part) for parse, part in zip(parsers, parts, strict=True)]
    except ValueError:
        raise InvalidArgument.one("page_token", "not a token this service issued") from None


def in_force(field: str, lookup: Callable[[], T]) -> T:
    """The rule set a request's date selects; a date no rule set covers is the request's fault."""
    try:
        return lookup()
    except LookupError as exc:
        raise InvalidArgument.one(field, str(exc)) from None


def refuse(kind: str, subject: str, description: str) -> FailedPrecondition:
    return FailedPrecondition(description, [PreconditionViolation(kind, subject, description)])
