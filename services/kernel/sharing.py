"""Purpose-bound sharing (信息归集、推送、反馈): who may see which data class, why, and how much.

`SharingGate.query` opens the unit of work of a shared read: it finds the consumer's agreement,
writes the audit row (allowed or denied, with the stated purpose) and, when denied, commits that
row before refusing. `shape` trims an answer to the agreement's fields and masks personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from google.protobuf.message import Message

from services.kernel.auth import Caller
from services.kernel.clock import CHINA
from services.kernel.db import Connection
from services.kernel.errors import PermissionDenied
from services.kernel.identifiers import region_covers
from services.kernel.masking import mask_free_text, mask_person_name
from services.kernel.uow import Actor, Database, UnitOfWork

NATURAL_PERSON = 2  # chengnuo.common.v1.SubjectKind.SUBJECT_KIND_NATURAL_PERSON


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


async def _agreements(conn: Connection, consumer: str, data_class: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM sharing_agreement WHERE consumer = $1 AND data_class = $2 AND revoked_at IS NULL",
        consumer,
        data_class,
    )


def _decide(rows: Sequence[asyncpg.Record], purpose: str, region: str, today: dt.date) -> Grant | str:
    """The grant, or why there is none (the most specific reason)."""
    if not rows:
        return "no sharing agreement covers this data class for the caller"
    current = [r for r in rows if r["valid_from"] <= today <= r["valid_until"]]
    if not current:
        return "the sharing agreement is not in force (expired or not yet valid)"
    for_purpose = [r for r in current if purpose in r["purposes"]]
    if not for_purpose:
        return f"no agreement in force allows the purpose {purpose!r}"
    for row in for_purpose:
        if region_covers(row["region_code"], region):
            return Grant(str(row["agreement_id"]), frozenset(row["fields"]))
    return f"the agreement does not cover region {region}"


class SharingGate:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def query(
        self, caller: Caller, data_class: str, purpose: str, *, region: str, subject_code: str = ""
    ) -> AsyncIterator[tuple[UnitOfWork, Grant]]:
        """Authorise and audit one shared read; yields the unit of work to read in."""
        refusal = ""
        async with self.db.unit_of_work(Actor.of(caller)) as uow:
            today = uow.now.astimezone(CHINA).date()
            decision = _decide(
                await _agreements(uow.conn, caller.department, data_class), purpose, region, today
            )
            outcome = "denied" if isinstance(decision, str) else "allowed"
            target = f"share/{data_class}" + (
                "" if isinstance(decision, str) else f"/{decision.agreement_id}"
            )
            uow.audit(
                f"share.{data_class}", target, subject_code=subject_code, purpose=purpose, outcome=outcome
            )
            if isinstance(decision, str):
                refusal = decision
            else:
                yield uow, decision
        if refusal:
            raise PermissionDenied(refusal)


def shape(message: Message, grant: Grant) -> Message:
    """Keep only the fields the agreement allows and mask personal data everywhere in it."""
    if grant.fields:
        for field, _ in message.ListFields():
            if field.name not in grant.fields:
                message.ClearField(field.name)
    mask_personal_data(message)
    return message


def mask_personal_data(message: Message) -> None:
    """Mask resident IDs and phone numbers in every string, and natural persons' names."""
    natural = _is_natural_person(message)
    for field, value in message.ListFields():
        if field.message_type is not None and not field.message_type.GetOptions().map_entry:
            for item in value if field.is_repeated else [value]:
                mask_personal_data(item)
        elif field.type == field.TYPE_STRING and field.is_repeated:
            masked = [_mask(field.name, v, natural) for v in value]
            del value[:]
            value.extend(masked)
        elif field.type == field.TYPE_STRING:
            setattr(message, field.name, _mask(field.name, value, natural))


def _mask(name: str, value: str, natural: bool) -> str:
    if natural and name == "subject_name":
        return mask_person_name(value)
    return mask_free_text(value)


def _is_natural_person(message: Message) -> bool:
    names = message.DESCRIPTOR.fields_by_name
    if "subject" not in names or "subject_name" not in names:
        return False
    return getattr(getattr(message, "subject", None), "kind", 0) == NATURAL_PERSON
