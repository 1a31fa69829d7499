"""Responsible persons (ResponsiblePersonService): naming the legal representative or a responsible
person on an enterprise's record or list entry, and the measures that reach a natural person through
such namings (services/credit/domain/persons.py has the rules and why the commitment route is not
among them).

The person's resident ID arrives in a request and is kept for matching; it never leaves: replies
and events show it masked, refusals name the source or the naming instead, and audit rows carry it
only as the subject the row is about (query logs: who looked at whose credit), as for any natural
person's credit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import persons_pb2 as pb
from services.contracts import roles
from services.credit.api.deps import Deps
from services.credit.api.parse import text
from services.credit.domain import persons, sharing
from services.credit.domain.persons import LIST_ENTRY, RECORD, Naming, Source
from services.credit.domain.refusals import refuse
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.wire import persons as wire
from services.kernel import convert, lookup
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import Violations
from services.kernel.features.sharing.gate import Decision, purpose_field
from services.kernel.features.sharing.shaping import mask_personal_data
from services.kernel.identifiers import validate_resident_id
from services.kernel.ids import request_uuid, uuid_field
from services.kernel.masking import mask_resident_id
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.rule_sets import RuleSet
from services.kernel.screening import NameScreen
from services.kernel.uow import Actor, UnitOfWork

STAFF = (roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
MAX_PURPOSE = 500
MAX_REASON = 500
_ROLES = [r for r in pb.PersonRole.values() if r != pb.PERSON_ROLE_UNSPECIFIED]
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON


class PersonHandlers(Handlers[Deps]):
    @command(roles.CREDIT_OFFICER, reply=pb.NameResponsiblePersonResponse)
    async def NameResponsiblePerson(
        self, request: pb.NameResponsiblePersonRequest, uow: UnitOfWork
    ) -> pb.NameResponsiblePersonResponse:
        store = self.deps.store
        v = Violations()
        which = _source_field(v, request.record_id, request.entry_id)
        code = _person(v, request.person)
        name = request.person_name.strip()
        if problem := persons.person_name_problem(name):
            v.add("person_name", problem)
        if request.role not in _ROLES:
            v.add("role", "required: one of " + ", ".join(pb.PersonRole.Name(r) for r in _ROLES))
        basis = text(v, "basis", request.basis, limit=persons.MAX_BASIS)
        screen = NameScreen.of(v, request.personal_names)
        v.raise_if_any()
        basis = screen.text("basis", basis)  # shared with the naming (events, other departments)
        screen.check()
        today = china_date(uow.now)
        source = await self._source(uow.conn, which, today, lock=True)  # orders namings of one source
        current_caller().require_department(source.department)  # who decided it names (谁认定)
        loaded = await store.rule_sets.all_rule_sets(uow.conn)
        try:
            rules = choose_rule_set(loaded, "responsible_persons", today, source.region_code)
        except LookupError as exc:
            refuse("NO_PERSONS_RULE_SET", str(source.source_id), str(exc))
        role = pb.PersonRole.Name(request.role).removeprefix("PERSON_ROLE_")
        persons.may_name(rules, source, role, code, await store.persons.of_source(uow.conn, source.source_id))
        naming = _naming(source, (code, name), role, basis, rule_set=rules.id, now=uow.now)
        stored = await store.persons.insert(uow.conn, naming)
        if stored is None:  # the unique index: named so by a request that committed meanwhile
            refuse("ALREADY_NAMED", str(source.source_id), "the person is named in that role already")
        found = persons.person_measures([stored], {source.source_id: source}, loaded)
        target = f"naming/{stored.naming_id}"
        change = {"role": role, "person": stored.masked_code, "basis": basis, "rule_set": rules.id}
        uow.audit("person.name", target, subject_code=source.subject_code, change=change)
        screen.audit(uow, target, subject_code=source.subject_code)
        uow.emit(wire.named(stored, found), entity=target)
        return pb.NameResponsiblePersonResponse(
            person=wire.person(stored), measures=[wire.person_measure(m) for m in found]
        )

    @command(roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, reply=pb.WithdrawResponsiblePersonResponse)
    async def WithdrawResponsiblePerson(
        self, request: pb.WithdrawResponsiblePersonRequest, uow: UnitOfWork
    ) -> pb.WithdrawResponsiblePersonResponse:
        store = self.deps.store
        naming_id = request_uuid("naming_id", request.naming_id, "naming")
        v = Violations()
        reason = text(v, "reason", request.reason, limit=MAX_REASON)
        screen = NameScreen.of(v, request.personal_names)
        v.raise_if_any()
        reason = screen.text("reason", reason)  # shared with the withdrawal
        screen.check()
        naming = lookup.owned(
            await store.persons.get(uow.conn, naming_id, lock=True), "naming", request.naming_id, "naming_id"
        )
        persons.may_withdraw(naming)
        withdrawn = await store.persons.withdraw(
            uow.conn, naming_id, current_caller().subject, reason, uow.now
        )
        target = f"naming/{naming_id}"
        uow.audit("person.withdraw", target, subject_code=naming.subject_code, change=reason)
        screen.audit(uow, target, subject_code=naming.subject_code)
        uow.emit(wire.withdrawn(withdrawn), entity=target)
        return pb.WithdrawResponsiblePersonResponse(person=wire.person(withdrawn))

    @query(*STAFF)
    async def ListResponsiblePersons(
        self, request: pb.ListResponsiblePersonsRequest, context: Any
    ) -> pb.ListResponsiblePersonsResponse:
        v = Violations()
        which = _source_field(v, request.record_id, request.entry_id)
        v.raise_if_any()
        source = await self._source(self.db.pool, which, self.db.clock.today(), lock=False)
        caller = current_caller()
        if roles.SERVICE not in caller.roles:  # a service acts system-wide; staff for their department
            caller.require_department(source.department)
        named = await self.deps.store.persons.of_source(self.db.pool, source.source_id)
        return pb.ListResponsiblePersonsResponse(persons=[wire.person(n) for n in named])

    @query(*STAFF, roles.DATA_CONSUMER)
    async def GetPersonMeasures(
        self, request: pb.GetPersonMeasuresRequest, context: Any
    ) -> pb.GetPersonMeasuresResponse:
        caller = current_caller()
        staff = not caller.roles.isdisjoint(STAFF)
        v = Violations()
        code = _person(v, request.person)
        if staff:
            purpose = text(v, "purpose", request.purpose, required=False, limit=MAX_PURPOSE)
        else:
            purpose = purpose_field(v, request.purpose)
        v.raise_if_any()
        masked = mask_resident_id(code)
        if staff:  # the credit department's own: every region (联合惩戒 is every department's)
            async with self.db.unit_of_work(Actor.of(caller)) as uow:
                today = china_date(uow.now)
                namings, sources = await self._person(uow.conn, code, today, None)
                loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
                read = purpose or "credit supervision"
                uow.audit("credit.read_person", f"person/{masked}", subject_code=code, purpose=read)
        else:  # another department: what its agreements share, in their regions
            parts = self.deps.sharing.query_parts(
                caller, (sharing.RECORDS, sharing.BLACKLIST), purpose, region=None, subject_code=code
            )
            async with parts as (uow, decision):
                today = china_date(uow.now)
                namings, sources = await self._person(uow.conn, code, today, decision)
                loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
        answer = _answer(masked, today, namings, sources, loaded)
        mask_personal_data(answer)  # numbers typed into a basis or a name of the enterprise
        return answer

    async def _person(
        self, conn: Executor, code: str, today: dt.date, decision: Decision | None
    ) -> tuple[list[Naming], dict[uuid.UUID, Source]]:
        """The person's namings in force on sources in force today, with those sources; with a
        sharing decision, only the sources its grants cover (records, listings, by region)."""
        store = self.deps.store.persons
        namings = await store.of_person(conn, code)
        records = [n.source_id for n in namings if n.source_kind == RECORD]
        entries = [n.source_id for n in namings if n.source_kind == LIST_ENTRY]
        sources = {
            r.record_id: persons.record_source(r, today) for r in await store.records_named(conn, records)
        }
        sources |= {
            e.entry_id: persons.entry_source(e, today) for e in await store.entries_named(conn, entries)
        }
        live = {k: s for k, s in sources.items() if s.until is not None and _shared(s, decision)}
        return [n for n in namings if n.source_id in live], live

    async def _source(
        self, conn: Executor, which: tuple[str, uuid.UUID, str], today: dt.date, *, lock: bool
    ) -> Source:
        kind, source_id, field = which
        if kind == RECORD:
            record = await self.deps.store.records.get(conn, source_id, lock=lock)
            return persons.record_source(lookup.found(record, "record", str(source_id), field), today)
        entry = await self.deps.store.lists.get(conn, source_id, lock=lock)
        return persons.entry_source(lookup.found(entry, "list entry", str(source_id), field), today)


def _answer(
    masked: str,
    today: dt.date,
    namings: list[Naming],
    sources: dict[uuid.UUID, Source],
    loaded: Sequence[RuleSet],
) -> pb.GetPersonMeasuresResponse:
    found = persons.person_measures(namings, sources, loaded)
    return pb.GetPersonMeasuresResponse(
        person_masked_code=masked,
        as_of=convert.to_date(today),
        measures=[wire.person_measure(m) for m in found],
        namings=[wire.person(n) for n in namings],
    )


def _shared(source: Source, decision: Decision | None) -> bool:
    """Whether another department's agreements cover the source (always, for the credit staff)."""
    if decision is None:
        return True
    grant = decision.grants.get(sharing.BLACKLIST if source.listed else sharing.RECORDS)
    return grant is not None and source.region_code.startswith(sharing.grant_prefix(grant.region_code))


def _source_field(v: Violations, record_id: str, entry_id: str) -> tuple[str, uuid.UUID, str]:
    """The record or list entry a request names: exactly one of the two fields."""
    if bool(record_id) == bool(entry_id):
        v.add("record_id", "exactly one of record_id and entry_id is required")
        return RECORD, uuid.UUID(int=0), "record_id"
    if record_id:
        found = uuid_field(v, "record_id", record_id, "record")
        return RECORD, found or uuid.UUID(int=0), "record_id"
    found = uuid_field(v, "entry_id", entry_id, "list entry")
    return LIST_ENTRY, found or uuid.UUID(int=0), "entry_id"


def _person(v: Violations, ref: subject_pb2.SubjectRef) -> str:
    """The natural person a request names: their resident ID, normalised (never quoted back)."""
    if ref.kind != NATURAL:
        v.add(
            "person.kind", "required: SUBJECT_KIND_NATURAL_PERSON (a responsible person is a natural person)"
        )
        return ""
    try:
        return validate_resident_id(ref.code)
    except ValueError as exc:
        v.add("person.code", str(exc))
        return ""


def _naming(
    source: Source, person: tuple[str, str], role: str, basis: str, *, rule_set: str, now: dt.datetime
) -> Naming:
    """A new naming of `person` (resident ID, name) on `source`."""
    code, name = person
    return Naming(
        naming_id=uuid.uuid4(),
        source_kind=source.kind,
        source_id=source.source_id,
        subject_kind=source.subject_kind,
        subject_code=source.subject_code,
        subject_name=source.subject_name,
        department=source.department,
        region_code=source.region_code,
        person_code=code,
        person_name=name,
        role=role,
        basis=basis,
        rule_set=rule_set,
        named_by=current_caller().subject,
        named_at=now,
    )
