"""The subject's own credit file through a government service portal (OwnCreditService): its
records, list entries with their pre-notices (告知书), repair applications and objections.

A portal reads only for the subject whose authorisation it verified (the applicant's consent or
login it vouches for, carried in the call and kept in the audit log with the purpose), only that
subject's data, and only what was decided in the portal's region: an empty scope never means all.
"""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import own_pb2 as pb
from services.contracts import roles
from services.contracts.subjects import parse_subject, public_code
from services.credit.api.deps import Deps
from services.credit.api.parse import text
from services.credit.store.cases import OBJECTION, REPAIR
from services.credit.wire.cases import objection, repair_application
from services.credit.wire.lists import list_entry
from services.credit.wire.own import for_the_subject
from services.credit.wire.records import record
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.errors import Violations
from services.kernel.identifiers import region_covers
from services.kernel.rpc.handlers import Handlers, query
from services.kernel.uow import Actor

MAX_AUTHORISATION = 64
MAX_PURPOSE = 200


class OwnHandlers(Handlers[Deps]):
    @query(roles.PORTAL)
    async def GetOwnCreditFile(
        self, request: pb.GetOwnCreditFileRequest, context: Any
    ) -> pb.GetOwnCreditFileResponse:
        caller = current_caller()
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        authorisation = text(
            v, "authorisation_reference", request.authorisation_reference, limit=MAX_AUTHORISATION
        )
        purpose = text(v, "purpose", request.purpose, limit=MAX_PURPOSE)
        subject = v.ok(subject)
        store, today = self.deps.store, self.db.clock.today()
        async with self.db.unit_of_work(Actor.of(caller)) as uow:
            records = [
                r
                for r in await store.records.records_of(uow.conn, subject.code)
                if r.subject_kind == subject.kind and region_covers(caller.region, r.region_code)
            ]
            entries = [
                e
                for e in await store.lists.of_subject(uow.conn, subject.code)
                if e.subject_kind == subject.kind and region_covers(caller.region, e.region_code)
            ]
            ids = [r.record_id for r in records]
            repairs = await store.cases.of_records(uow.conn, REPAIR, ids)
            objections = await store.cases.of_records(uow.conn, OBJECTION, ids)
            uow.audit(
                "credit.read_own",
                f"subject/{public_code(subject.kind, subject.code)}",
                subject_code=subject.code,
                # The audit log keeps only a digest of `change`: the authorisation goes with the
                # purpose, where an auditor reads it.
                change=authorisation,
                purpose=f"{purpose} (authorisation: {authorisation})",
            )
        file = pb.GetOwnCreditFileResponse(
            records=[record(r) for r in records],
            list_entries=[list_entry(e) for e in entries],
            repair_applications=[repair_application(a) for a in repairs],
            objections=[objection(o) for o in objections],
            as_of=convert.to_date(today),
        )
        for_the_subject(file)
        return file
