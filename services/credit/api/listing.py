"""The list's rules checked against stored records: a listing's basis, early removal, and the
withdrawal of a listing whose basis an upheld objection took away."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts.subjects import Subject
from services.credit import messages
from services.credit.api.common import refuse
from services.credit.domain import blacklist
from services.credit.domain.records import ACTIVE
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store import lists, records, rule_sets
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import NotFound, PermissionDenied
from services.kernel.identifiers import region_covers
from services.kernel.uow import UnitOfWork


def require_status(entry: asyncpg.Record, status: str) -> None:
    if entry["status"] != status:
        refuse("WRONG_LIST_STATUS", str(entry["entry_id"]), f"the entry is {entry['status']}")


async def basis_records(
    uow: UnitOfWork, subject: Subject, ids: list[uuid.UUID], today: dt.date
) -> list[asyncpg.Record]:
    """The records a listing rests on: the subject's, in force, of a class the list rules accept,
    and within the proposing officer's region."""
    rows = {r["record_id"]: r for r in await records.some(uow.conn, ids)}
    for i, record_id in enumerate(ids):
        row = rows.get(record_id)
        if row is None or row["subject_code"] != subject.code:
            raise NotFound("record of the subject", str(record_id), f"record_ids[{i}]")
        if not region_covers(current_caller().region or "-", row["region_code"]):
            raise PermissionDenied(f"record {record_id} was decided outside the caller's region")
    region = rows[ids[0]]["region_code"]
    accepted = blacklist.basis_classes(
        choose_rule_set(await rule_sets.all_rule_sets(uow.conn), "blacklist", today, region)
    )
    for record_id in ids:
        row = rows[record_id]
        if row["status"] not in ACTIVE or row["record_class"] not in accepted:
            refuse(
                "NOT_A_LISTING_BASIS",
                str(record_id),
                f"only {', '.join(accepted).lower()} records in force may be the basis of a listing",
            )
    return [rows[i] for i in ids]


async def basis_in_force(uow: UnitOfWork, entry: asyncpg.Record) -> None:
    rows = await records.some(uow.conn, list(entry["record_ids"]))
    if not any(r["status"] in ACTIVE for r in rows):
        refuse(
            "BASIS_NOT_IN_FORCE",
            str(entry["entry_id"]),
            "none of the records the proposal rests on is in force",
        )


async def check_early_removal(uow: UnitOfWork, entry: asyncpg.Record) -> None:
    """Early removal: listed long enough, no application pending, no new serious record."""
    require_status(entry, lists.LISTED)
    entry_id = str(entry["entry_id"])
    if china_date(uow.now) < entry["early_removal_from"]:
        refuse(
            "MINIMUM_LISTING_PERIOD_NOT_ENDED",
            entry_id,
            f"early removal may be applied for from {entry['early_removal_from']}",
            entry["early_removal_from"],
        )
    if entry["early_removal"] and not entry["early_removal"].get("decision"):
        refuse("REMOVAL_PENDING", entry_id, "an early-removal application is pending")
    newer = [
        r
        for r in await records.records_of(uow.conn, entry["subject_code"])
        if r["record_class"] == "SERIOUS"
        and r["decision_date"] > entry["listed_on"]
        and r["status"] != "RECORD_STATUS_REVOKED"
    ]
    if newer:
        refuse(
            "NEW_SERIOUS_RECORD",
            entry_id,
            f"serious record {newer[0]['record_id']} was decided after the listing",
        )


async def withdraw_unfounded(uow: UnitOfWork, record: asyncpg.Record) -> None:
    """An upheld objection withdraws a record everywhere (domain.md §5): a proposal or listing
    that rested only on withdrawn records has no legal basis left and ends with them."""
    for entry in await lists.open_resting_on(uow.conn, record["subject_code"], record["record_id"]):
        if await _founded(uow, entry):
            continue
        target, listed = f"list_entry/{entry['entry_id']}", entry["status"] == lists.LISTED
        changes: dict[str, object] = {"decision_reason": WITHDRAWN, "decided_by": current_caller().subject}
        if listed:
            changes |= {
                "status": "LIST_ENTRY_STATUS_REMOVED",
                "removed_on": china_date(uow.now),
                "removal_reason": "REMOVAL_REASON_BASIS_WITHDRAWN",
            }
        else:
            changes["status"] = "LIST_ENTRY_STATUS_NOT_LISTED"
        row = await lists.decide(uow.conn, entry["entry_id"], changes)
        if listed:
            uow.emit(events.SubjectDelisted(entry=messages.list_entry(row)), entity=target)
        uow.audit("list.withdraw", target, subject_code=row["subject_code"], change=str(record["record_id"]))


WITHDRAWN = "an upheld objection withdrew every record the listing rested on"


async def _founded(uow: UnitOfWork, entry: asyncpg.Record) -> bool:
    """Whether a record the entry rests on still stands as a basis under the entry's list rules."""
    accepted = blacklist.basis_classes(find(await rule_sets.all_rule_sets(uow.conn), entry["rule_set"]))
    rows = await records.some(uow.conn, list(entry["record_ids"]))
    return any(r["status"] != "RECORD_STATUS_REVOKED" and r["record_class"] in accepted for r in rows)
