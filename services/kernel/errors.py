"""Errors the service layer raises; the RPC layer turns them into gRPC statuses.

Pure Python on purpose: domain and store code raise these without knowing about gRPC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass(frozen=True)
class PreconditionViolation:
    type: str  # a stable machine-readable reason, e.g. "BLACKLISTED"
    subject: str  # what the violation is about, e.g. a record id
    description: str
    # When the condition may stop holding (e.g. the earliest repair date), if known.
    until: dt.date | None = None


class ServiceError(Exception):
    """Base of every error a caller can fix or must be told about."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(ServiceError):
    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations

    @classmethod
    def one(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])


class NotFound(ServiceError):
    def __init__(self, resource: str, name: str, field: str = "") -> None:
        super().__init__(f"{resource} {name!r} not found")
        self.resource = resource
        self.name = name
        self.field = field


class AlreadyExists(ServiceError):
    def __init__(self, resource: str, name: str) -> None:
        super().__init__(f"{resource} {name!r} already exists")
        self.resource = resource
        self.name = name


class FailedPrecondition(ServiceError):
    def __init__(self, message: str, violations: list[PreconditionViolation]) -> None:
        super().__init__(message)
        self.violations = violations


class Unauthenticated(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


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
