"""Bulk matching (批量比对): the request's subjects checked by shape, the measures relevant to the
purpose from the measure catalogue (rules are data), and the answer by position."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import asyncpg

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import sharing_pb2 as spb
from services.credit.domain import measures
from services.credit.report import BLACKLIST, RECORDS
from services.credit.store import rule_sets
from services.credit.store.matching import Asked, Scope
from services.kernel import convert
from services.kernel.db import Executor
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.identifiers import region_prefix
from services.kernel.sharing import Decision, Grant

# 200,000 subjects are about 5 MB on the wire, well within the 32 MiB a server accepts.
MAX_SUBJECTS = 200_000
MAX_REPORTED = 20  # a list with thousands of bad codes gets the first ones, not a huge error
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
KINDS = frozenset(subject_pb2.SubjectKind.values()) - {subject_pb2.SUBJECT_KIND_UNSPECIFIED}
# The shape of each kind of code. Check characters are not recomputed for 100,000 codes: a code
# that fails its check cannot match, since every stored code passed it.
_SHAPE = {True: re.compile(r"[0-9]{17}[0-9X]"), False: re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")}


def parse(subjects: Sequence[subject_pb2.SubjectRef]) -> tuple[Asked, list[str]]:
    """The subjects as arrays, with each one's registration region (GB/T 2260)."""
    if not 1 <= len(subjects) <= MAX_SUBJECTS:
        raise InvalidArgument.one("subjects", f"1 to {MAX_SUBJECTS} subjects per call")
    v = Violations()
    codes, natural, regions = [], [], []
    for i, subject in enumerate(subjects):
        code, person = subject.code.upper(), subject.kind == NATURAL
        if subject.kind not in KINDS:
            v.add(f"subjects[{i}].kind", "required: legal person, natural person or individual business")
        elif not _SHAPE[person].fullmatch(code):
            v.add(f"subjects[{i}].code", "a resident ID (17 digits and 0-9 or X)" if person else "a USCC")
        if len(v.items) >= MAX_REPORTED:
            break
        codes.append(code)
        natural.append(person)
        regions.append(code[:6] if person else code[2:8])
    v.raise_if_any()
    return Asked(codes, natural), regions


def fingerprint(asked: Asked) -> dict[str, Any]:
    """What the audit row keeps of the list: its size and digest, so the list a department
    sent can be proven afterwards without storing it."""
    body = "\n".join(asked.codes).encode()
    return {"subjects": len(asked.codes), "sha256": hashlib.sha256(body).hexdigest()}


async def relevant(conn: Executor, purpose: str) -> list[tuple[str, str]]:
    """(catalogue, measure) pairs of every measure catalogue whose measure concerns the purpose:
    a record is judged by the catalogue it was decided under."""
    loaded = await rule_sets.all_rule_sets(conn)
    return [(r.id, code) for r in loaded if r.kind == "measures" for code in measures.relevant(r, purpose)]


def scope(decision: Decision, pairs: list[tuple[str, str]]) -> Scope:
    records, listed = decision.grants.get(RECORDS), decision.grants.get(BLACKLIST)
    return Scope(_prefix(records) if records else None, _prefix(listed) if listed else None, pairs)


def _prefix(grant: Grant) -> str:
    """The region prefix a grant covers ("" for everywhere)."""
    return region_prefix(grant.region_code) if grant.region_code else ""


def response(
    rows: list[asyncpg.Record], regions: list[str], decision: Decision, pairs: list[tuple[str, str]]
) -> spb.BulkMatchResponse:
    covered = tuple(_prefix(grant) for grant in decision.grants.values())
    outside = [i for i, region in enumerate(regions) if not region.startswith(covered)]
    return spb.BulkMatchResponse(
        hits=[
            spb.BulkMatchHit(
                index=r["idx"],
                measures=r["measures"],
                until=convert.to_date(r["until"]),
                disputed=r["disputed"],
            )
            for r in rows
        ],
        compared=len(regions) - len(outside),
        outside_region=outside,
        relevant_measures=[f"{catalogue}/{code}" for catalogue, code in pairs],
        withheld=[spb.WithheldPart(data_class=c, reason=r) for c, r in decision.refusals.items()],
    )
