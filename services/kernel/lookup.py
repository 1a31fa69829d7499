"""What a request names, looked up, and the refusals when it is not there: NOT_FOUND naming the
request's field, PERMISSION_DENIED when it belongs to another department, INVALID_ARGUMENT when
the request's date selects no rule set.

Every service's handlers answer these the same way, so the refusals are written once here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from services.kernel.auth import current_caller
from services.kernel.errors import InvalidArgument, NotFound
from services.kernel.ids import request_uuid

T = TypeVar("T")


class OfDepartment(Protocol):
    @property
    def department(self) -> str: ...


Owned = TypeVar("Owned", bound=OfDepartment)


def found(value: T | None, resource: str, name: str, field: str) -> T:
    """What the request's `field` names, or NOT_FOUND naming it."""
    if value is None:
        raise NotFound(resource, name, field)
    return value


def owned(value: Owned | None, resource: str, name: str, field: str) -> Owned:
    """What the request's `field` names, if it exists and belongs to the caller's department."""
    record = found(value, resource, name, field)
    current_caller().require_department(record.department)
    return record


async def by_id(field: str, value: str, what: str, load: Callable[[uuid.UUID], Awaitable[T | None]]) -> T:
    """What the id in the request's `field` names: INVALID_ARGUMENT when `value` is no id, NOT_FOUND
    when `load` finds nothing under it (`what` names the kind of record in both refusals)."""
    return found(await load(request_uuid(field, value, what)), what, value, field)


def in_force(field: str, lookup: Callable[[], T]) -> T:
    """The rule set a request's date selects; a date no rule set covers is the request's fault."""
    try:
        return lookup()
    except LookupError as exc:
        raise InvalidArgument.one(field, str(exc)) from None
