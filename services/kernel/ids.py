"""The ids requests carry: UUIDs this system handed out, refused by field when they do not parse.

`what` names the kind of id in the refusal ("a task id"); without it the refusal says the id is
one this service returned.
"""

from __future__ import annotations

import uuid

from services.kernel.errors import Violations


def uuid_field(v: Violations, field: str, value: str, what: str = "") -> uuid.UUID | None:
    """The id in `field`, or None after recording why it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        if not value:
            v.add(field, f"required: a {what} id" if what else "required: an id as returned by this service")
        else:
            v.add(field, f"not a valid {what} id" if what else "not a valid id")
        return None


def optional_uuid(v: Violations, field: str, value: str, what: str = "") -> uuid.UUID | None:
    """An id filter: empty means none."""
    return uuid_field(v, field, value, what) if value else None


def request_uuid(field: str, value: str, what: str = "") -> uuid.UUID:
    """An id refused at once when it is not one, for a request with nothing else to check first."""
    v = Violations()
    return v.ok(uuid_field(v, field, value, what))
