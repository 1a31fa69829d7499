"""The rosters (一单两库): subjects, inspectors and departments as the service keeps them (no I/O).

A roster row is read from a request, one row at a time and reporting every problem, in
api/parse.py; what a valid row is and the rules of the department tree are here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.kernel.errors import Violations
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.refusals import refuse

MAX_NAME = 200
MAX_TAGS = 20
MAX_DOMAINS = 20
MAX_CONFLICTS = 200
MAX_REASON = 500
CERTIFICATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
IMPORT_OPEN = "IMPORT_STATUS_OPEN"
IMPORT_REPLACE = "IMPORT_MODE_REPLACE"


@dataclass(frozen=True)
class SubjectRecord:
    """A valid roster row, in the column order of the staging table after (import, row)."""

    code: str
    kind: str
    name: str
    region_code: str
    industry: str
    tags: list[str]
    risk_level: int = 0  # 0 not assessed, 1 一级 (highest) to 3 三级


@dataclass(frozen=True)
class InspectorRecord:
    number: str
    name: str
    domains: list[str]
    active: bool
    valid_until: dt.date | None
    conflicts: list[tuple[str, str, str]]  # (subject kind, subject code, reason)


@dataclass(frozen=True, slots=True)
class DepartmentEntry:
    """A department as a request puts it: code and superior (empty: none)."""

    code: str
    parent_code: str


def check_tree(
    v: Violations, departments: Sequence[DepartmentEntry], parents: Mapping[str, str | None]
) -> None:
    """Every superior is a known department and the superiors form no cycle (上级执法部门)."""
    hierarchy = Hierarchy(parents)
    for i, department in enumerate(departments):
        if department.parent_code and department.parent_code not in parents:
            v.add(f"departments[{i}].parent_code", f"unknown department {department.parent_code}")
        elif hierarchy.cycle_through(department.code):
            v.add(f"departments[{i}].parent_code", "the superiors would form a cycle")


def check_import_open(import_id: str, status: str) -> None:
    if status != IMPORT_OPEN:
        raise refuse("IMPORT_NOT_OPEN", import_id, "the import was committed; begin a new one")
