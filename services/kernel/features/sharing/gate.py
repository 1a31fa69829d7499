"""Purpose-bound sharing (信息归集、推送、反馈): who may see which data class and why.

`SharingGate.query` opens the unit of work of a shared read: it finds the consumer's agreement,
writes the audit row (allowed or denied, with the stated purpose) and, when denied, commits that
row before refusing. `SharingGate.query_parts` does the same for an answer made of several data
classes (a credit report): each class is decided and audited on its own, and the read is refused
only when no class is granted. `shape` (shaping.py) trims an answer to the agreement's fields
and masks personal data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog

from services.kernel.auth import Caller
from services.kernel.clock import china_date
from services.kernel.errors import PermissionDenied, Violations
from services.kernel.features.sharing import store
from services.kernel.features.sharing.store import Agreement
from services.kernel.identifiers import region_covers, region_prefix
from services.kernel.uow import Actor, Database, UnitOfWork

# How agreements name purposes, and so how queries state them, e.g. "public_procurement".
PURPOSE = re.compile(r"[a-z][a-z0-9_]{1,63}")


def purpose_field(v: Violations, value: str, field: str = "purpose") -> str:
    """The purpose a shared query states; it must be one an agreement can name."""
    if not PURPOSE.fullmatch(value):
        v.add(
            field, "required: the purpose of the query as the sharing agreement names it (lower_snake_case)"
        )
    return value


@dataclass(frozen=True)
class SharingSpec:
    """What a service shares: its data classes, and which of its events are pushed as which."""

    data_classes: tuple[str, ...] = ()
    pushed_events: Mapping[str, str] | None = None  # event subject -> data class
    stream: str = ""  # the service's own stream, where the pushed events are


@dataclass(frozen=True)
class Grant:
    agreement_id: str
    fields: frozenset[str]
    # The region whose data the agreement covers (empty: everywhere).
    region_code: str = ""
    # The agreement's legal basis grants natural persons' resident ID numbers in clear.
    resident_ids: bool = False

    def covers(self, region: str) -> bool:
        return not self.region_code or region_covers(self.region_code, region)


@dataclass(frozen=True)
class Decision:
    """The outcome of a shared read over several data classes: a grant or a refusal for each."""

    grants: dict[str, Grant] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)


def _decide(rows: Sequence[Agreement], purpose: str, region: str | None, today: dt.date) -> Grant | str:
    """The grant, or why there is none (the most specific reason). Without a region (a read over
    many subjects) the widest agreement is granted and its region limits what is answered."""
    if not rows:
        return "no sharing agreement covers this data class for the caller"
    current = [r for r in rows if r.valid_from <= today <= r.valid_until]
    if not current:
        return "the sharing agreement is not in force (expired or not yet valid)"
    for_purpose = [r for r in current if purpose in r.purposes]
    if not for_purpose:
        return f"no agreement in force allows the purpose {purpose!r}"
    if region is None:
        return _grant(min(for_purpose, key=lambda r: len(region_prefix(r.region_code))))
    for row in for_purpose:
        if region_covers(row.region_code, region):
            return _grant(row)
    return f"the agreement does not cover region {region}"


def _grant(agreement: Agreement) -> Grant:
    return Grant(
        str(agreement.agreement_id),
        frozenset(agreement.fields),
        agreement.region_code,
        agreement.resident_ids,
    )


class SharingGate:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def query(
        self,
        caller: Caller,
        data_class: str,
        purpose: str,
        *,
        region: str | None,
        subject_code: str = "",
        detail: Any = None,
    ) -> AsyncIterator[tuple[UnitOfWork, Grant]]:
        """Authorise and audit one shared read; yields the unit of work to read in."""
        parts = self.query_parts(
            caller, [data_class], purpose, region=region, subject_code=subject_code, detail=detail
        )
        async with parts as (uow, decision):
            yield uow, decision.grants[data_class]

    @asynccontextmanager
    async def query_parts(
        self,
        caller: Caller,
        data_classes: Sequence[str],
        purpose: str,
        *,
        region: str | None,
        subject_code: str = "",
        detail: Any = None,
    ) -> AsyncIterator[tuple[UnitOfWork, Decision]]:
        """Authorise and audit a shared read of several data classes, one audit row each (with
        `detail` as the digested change, e.g. what a bulk query asked). Yields the unit of work
        and the decision when at least one class is granted; otherwise the denials commit and
        PERMISSION_DENIED names the reason of each class."""
        refusal = ""
        async with self.db.unit_of_work(Actor.of(caller), rpc_request_id()) as uow:
            rows = await store.in_force_for(uow.conn, caller.department, data_classes)
            decision = _decision(rows, data_classes, purpose, region, china_date(uow.now))
            for data_class in data_classes:
                grant = decision.grants.get(data_class)
                uow.audit(
                    f"share.{data_class}",
                    f"share/{data_class}" + (f"/{grant.agreement_id}" if grant else ""),
                    subject_code=subject_code,
                    purpose=purpose,
                    outcome="allowed" if grant else "denied",
                    change=detail,
                )
            if decision.grants:
                yield uow, decision
            else:
                refusal = _refusal(decision)
        if refusal:
            raise PermissionDenied(refusal)


def rpc_request_id() -> str:
    """The id the RPC interceptor gave the call being served (x-request-id), so the audit row of
    a read can be found in the logs and the logs from the audit row."""
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))


def _decision(
    rows: Sequence[Agreement],
    data_classes: Sequence[str],
    purpose: str,
    region: str | None,
    today: dt.date,
) -> Decision:
    decision = Decision()
    for data_class in data_classes:
        mine = [r for r in rows if r.data_class == data_class]
        found = _decide(mine, purpose, region, today)
        if isinstance(found, Grant):
            decision.grants[data_class] = found
        else:
            decision.refusals[data_class] = found
    return decision


def _refusal(decision: Decision) -> str:
    if len(decision.refusals) == 1:
        return next(iter(decision.refusals.values()))
    return "; ".join(f"{data_class}: {reason}" for data_class, reason in decision.refusals.items())


def registered_region(natural_person: bool, code: str) -> str:
    """Where a subject is registered, the region a single-subject query is authorised for:
    resident ID digits 1-6, USCC characters 3-8 (GB/T 2260)."""
    return code[:6] if natural_person else code[2:8]
