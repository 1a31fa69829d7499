"""Errors the service layer raises; the RPC layer turns them into gRPC statuses.

Pure Python on purpose: domain and store code raise these without knowing about gRPC.

Every text an error carries is bounded here, whoever built it: the status travels back in the
trailing metadata (the message twice, percent-encoded and inside the details), which a client
refuses beyond about 8 KiB, so a long value quoted whole would turn a precise INVALID_ARGUMENT
into RESOURCE_EXHAUSTED. A quoted value keeps at most VALUE_EXCERPT characters, a description
DESCRIPTION_LIMIT, the message MESSAGE_LIMIT, and a list of violations DETAILS_BUDGET
characters in all (the rest is summed up as "and N more problems"). Even in Chinese throughout
(9 bytes a character percent-encoded) that stays under 7 KiB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
V = TypeVar("V", "FieldViolation", "PreconditionViolation")

VALUE_EXCERPT = 80
NAME_LIMIT = 120  # field paths, resource names, violation subjects and types
DESCRIPTION_LIMIT = 200
MESSAGE_LIMIT = 300
DETAILS_BUDGET = 600


def excerpt(value: object, limit: int = VALUE_EXCERPT) -> str:
    """`value` as text, cut to `limit` characters with an ellipsis: how errors quote input."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", excerpt(self.field, NAME_LIMIT))
        object.__setattr__(self, "description", excerpt(self.description, DESCRIPTION_LIMIT))

    @property
    def size(self) -> int:
        return len(self.field) + len(self.description)


@dataclass(frozen=True)
class PreconditionViolation:
    type: str  # a stable machine-readable reason, e.g. "BLACKLISTED"
    subject: str  # what the violation is about, e.g. a record id
    description: str
    # When the condition may stop holding (e.g. the earliest repair date), if known.
    until: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", excerpt(self.type, NAME_LIMIT))
        object.__setattr__(self, "subject", excerpt(self.subject, NAME_LIMIT))
        object.__setattr__(self, "description", excerpt(self.description, DESCRIPTION_LIMIT))

    @property
    def size(self) -> int:
        return len(self.type) + len(self.subject) + len(self.description)


def _within_budget(violations: list[V], more: Callable[[int], V]) -> list[V]:
    """The leading violations that fit DETAILS_BUDGET (the first always), then a count of the rest."""
    kept: list[V] = []
    used = 0
    for violation in violations:
        used += violation.size
        if kept and used > DETAILS_BUDGET:
            kept.append(more(len(violations) - len(kept)))
            return kept
        kept.append(violation)
    return kept


class ServiceError(Exception):
    """Base of every error a caller can fix or must be told about."""

    def __init__(self, message: str) -> None:
        message = excerpt(message, MESSAGE_LIMIT)
        super().__init__(message)
        self.message = message


class InvalidArgument(ServiceError):
    def __init__(self, violations: list[FieldViolation]) -> None:
        violations = _within_budget(violations, lambda n: FieldViolation("request", f"and {n} more problems"))
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations

    @classmethod
    def one(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])


class NotFound(ServiceError):
    def __init__(self, resource: str, name: str, field: str = "") -> None:
        name = excerpt(name)
        super().__init__(f"{resource} {name!r} not found")
        self.resource = excerpt(resource, NAME_LIMIT)
        self.name = name
        self.field = excerpt(field, NAME_LIMIT)


class AlreadyExists(ServiceError):
    def __init__(self, resource: str, name: str) -> None:
        name = excerpt(name)
        super().__init__(f"{resource} {name!r} already exists")
        self.resource = excerpt(resource, NAME_LIMIT)
        self.name = name


class FailedPrecondition(ServiceError):
    def __init__(self, message: str, violations: list[PreconditionViolation]) -> None:
        super().__init__(message)
        self.violations = _within_budget(
            violations, lambda n: PreconditionViolation("MORE", "request", f"and {n} more problems")
        )


class Unauthenticated(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


RETRY_AFTER_SECONDS = 1.0


class Unavailable(ServiceError):
    """Something the call needs (the database, the broker, another service) is out of reach for
    now: the caller should retry the same request (with its request_id) after `retry_after`."""

    def __init__(self, dependency: str, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        super().__init__(f"the {dependency} is unavailable; retry in {retry_after:g} s")
        self.dependency = excerpt(dependency, NAME_LIMIT)
        self.retry_after = retry_after


@dataclass
class Violations:
    """Collects every field problem of a request before refusing it once."""

    items: list[FieldViolation] = field(default_factory=list)

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)

    def ok(self, value: T | None) -> T:
        """A parsed value once no problem was recorded (a parser returns None only after adding one)."""
        self.raise_if_any()
        assert value is not None
        return value
