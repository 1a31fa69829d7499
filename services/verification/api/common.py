"""What the verification handler sets share: who may call them, rule-set lookups, ownership."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from services.contracts import roles
from services.kernel.auth import current_caller
from services.kernel.errors import InvalidArgument, NotFound

T = TypeVar("T")
STAFF = (roles.VERIFIER, roles.VERIFICATION_LEAD)
LEAD = (roles.VERIFICATION_LEAD,)


def in_force(field: str, lookup: Callable[[], T]) -> T:
    """The rule set a request's date selects; a date no rule set covers is the request's fault."""
    try:
        return lookup()
    except LookupError as exc:
        raise InvalidArgument.one(field, str(exc)) from None


class OfDepartment(Protocol):
    @property
    def department(self) -> str: ...


Owned = TypeVar("Owned", bound=OfDepartment)


def owned(found: Owned | None, resource: str, name: str, field: str) -> Owned:
    """The record a request names, if it exists and belongs to the caller's department."""
    if found is None:
        raise NotFound(resource, name, field)
    current_caller().require_department(found.department)
    return found
