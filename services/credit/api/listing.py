"""The list's rules applied to stored records: a listing's basis, and the withdrawal of a listing
whose basis an upheld objection took away."""

from __future__ import annotations

import datetime as dt
import uuid

from services.contracts.subjects import Subject
from services.credit.api.deps import Deps
from services.credit.domain import blacklist
from services.credit.domain.records import Record
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.flows import publicity
from services.credit.store.stores import Stores
from services.credit.wire import events
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork

WITHDRAWN = "an upheld objection withdrew every record the listing rested on"


async def basis_records(
    store: Stores, uow: UnitOfWork, subject: Subject, ids: list[uuid.UUID], today: dt.date
) -> list[Record]:
    """The records a listing rests on: the subject's, in force, of a class the list rules accept,
    and within the proposing officer's region."""
    named = {r.record_id: r for r in await store.records.some(uow.conn, ids)}
    basis = blacklist.basis_found(ids, named, subject.code, current_caller().region)
    rules = choose_rule_set(
        await store.rule_sets.all_rule_sets(uow.conn), "blacklist", today, basis[0].region_code
    )
    blacklist.require_basis(basis, blacklist.basis_classes(rules))
    return basis


async def withdraw_unfounded(deps: Deps, uow: UnitOfWork, record: Record) -> None:
    """An upheld objection withdraws a record everywhere (异议处理, 《阿巴嘎旗进一步加强事中事后
    监管工作的实施方案》二(六)17; that the withdrawal reaches every reader is this project's
    reading): a proposal or listing that rested only on withdrawn records has no legal basis left
    and ends with them."""
    store = deps.store
    for entry in await store.lists.open_resting_on(uow.conn, record.subject_code, record.record_id):
        loaded = await store.rule_sets.all_rule_sets(uow.conn)
        if blacklist.founded(
            find(loaded, entry.rule_set), await store.records.some(uow.conn, list(entry.record_ids))
        ):
            continue
        target, listed = f"list_entry/{entry.entry_id}", entry.listed
        changes: dict[str, object] = {"decision_reason": WITHDRAWN, "decided_by": current_caller().subject}
        if listed:
            changes |= {
                "status": blacklist.REMOVED,
                "removed_on": china_date(uow.now),
                "removal_reason": "REMOVAL_REASON_BASIS_WITHDRAWN",
            }
        else:
            changes["status"] = blacklist.NOT_LISTED
        withdrawn = await store.lists.decide(uow.conn, entry.entry_id, changes)
        if listed:
            uow.emit(events.subject_delisted(withdrawn), entity=target)
            publicity.delisted(uow, deps.publicity, withdrawn)
        uow.audit("list.withdraw", target, subject_code=withdrawn.subject_code, change=str(record.record_id))


async def end_repaired(deps: Deps, uow: UnitOfWork, record: Record) -> None:
    """An approved repair of a record a proposal or listing rests on: once no record of the entry is
    in force, a listing is removed early (提前移出) and a proposal ends (blacklist.ended_by_repair)."""
    store = deps.store
    for entry in await store.lists.open_resting_on(uow.conn, record.subject_code, record.record_id):
        if not blacklist.ended_by_repair(await store.records.some(uow.conn, list(entry.record_ids))):
            continue
        target, listed = f"list_entry/{entry.entry_id}", entry.listed
        changes: dict[str, object] = {
            "decision_reason": blacklist.REPAIRED_BASIS,
            "decided_by": current_caller().subject,
        }
        if listed:
            changes |= {
                "status": blacklist.REMOVED,
                "removed_on": china_date(uow.now),
                "removal_reason": "REMOVAL_REASON_BASIS_REPAIRED",
            }
        else:
            changes["status"] = blacklist.NOT_LISTED
        ended = await store.lists.decide(uow.conn, entry.entry_id, changes)
        if listed:
            uow.emit(events.subject_delisted(ended), entity=target)
            publicity.delisted(uow, deps.publicity, ended)
        uow.audit("list.repaired", target, subject_code=ended.subject_code, change=str(record.record_id))
