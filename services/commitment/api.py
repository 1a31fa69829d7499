"""gRPC servicers of the commitment service: parse, apply the domain rules, store."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from chengnuo.commitment.v1 import (
    catalogue_pb2,
    catalogue_pb2_grpc,
    commitment_pb2,
    commitment_pb2_grpc,
)
from chengnuo.events.v1 import commitment_events_pb2
from services.commitment import domain, store
from services.contracts import roles
from services.contracts.subjects import Subject, parse_subject
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import CHINA
from services.kernel.errors import FailedPrecondition, NotFound, PermissionDenied, Violations
from services.kernel.identifiers import region_covers
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

Freshness = Callable[[], dt.datetime | None]
MAX_CASE_NUMBER = 64


def parse_uuid(v: Violations, field: str, value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        v.add(field, "required: an id as returned by this service" if not value else "not a valid id")
        return None


class CatalogueApi(catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.CreateItemResponse)
    async def CreateItem(
        self, request: catalogue_pb2.CreateItemRequest, uow: UnitOfWork
    ) -> catalogue_pb2.CreateItemResponse:
        caller = current_caller()
        v = Violations()
        domain.check_item(v, request.item, caller.region)
        v.raise_if_any()
        item_id = await store.insert_item(uow.conn, caller.department, request.item, uow.now)
        uow.audit("catalogue.create_item", f"item/{item_id}", change=store.as_json(request.item))
        item = catalogue_pb2.CatalogueItem(
            item_id=str(item_id), department=caller.department, content=request.item
        )
        return catalogue_pb2.CreateItemResponse(item=item)

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.PublishCatalogueResponse)
    async def PublishCatalogue(
        self, request: catalogue_pb2.PublishCatalogueRequest, uow: UnitOfWork
    ) -> catalogue_pb2.PublishCatalogueResponse:
        caller = current_caller()
        row = await store.publish(uow.conn, caller.department, caller.subject, uow.now)
        uow.audit("catalogue.publish", f"catalogue/{caller.department}/{row['version']}", change=dict(row))
        response = catalogue_pb2.PublishCatalogueResponse(
            department=caller.department,
            version=row["version"],
            item_count=row["item_count"],
            commitment_item_count=row["commitment_item_count"],
        )
        response.published_at.FromDatetime(row["published_at"])
        return response

    @query(roles.ANY_ROLE)
    async def GetItem(
        self, request: catalogue_pb2.GetItemRequest, context: Any
    ) -> catalogue_pb2.GetItemResponse:
        v = Violations()
        item_id = v.ok(parse_uuid(v, "item_id", request.item_id))
        async with self.db.pool.acquire() as conn:
            if request.version:
                item = await store.item_version(conn, item_id, request.version)
            else:
                item = await store.item_in_force(conn, item_id, self.db.clock.now())
        if item is None:
            raise NotFound("catalogue item", request.item_id, "item_id")
        return catalogue_pb2.GetItemResponse(item=item.to_proto())


class CommitmentApi(commitment_pb2_grpc.CommitmentServiceServicer):
    def __init__(self, db: Database, codes: store.CodeSequences, credit_view_as_of: Freshness) -> None:
        self.db, self.codes, self.credit_view_as_of = db, codes, credit_view_as_of

    @query(roles.PORTAL, roles.CATALOGUE_ADMIN, roles.CREDIT_OFFICER, roles.SERVICE)
    async def CheckEligibility(
        self, request: commitment_pb2.CheckEligibilityRequest, context: Any
    ) -> commitment_pb2.CheckEligibilityResponse:
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        item_id = parse_uuid(v, "item_id", request.item_id)
        subject, item_id = v.ok(subject), v.ok(item_id)
        async with self.db.pool.acquire() as conn:
            item = await _item(conn, item_id, self.db.clock.now())
            answer = await _eligibility(conn, subject, item, self.db.clock.today())
        return _eligibility_response(answer, self.credit_view_as_of())

    @command(roles.PORTAL, reply=commitment_pb2.RecordCommitmentResponse)
    async def RecordCommitment(
        self, request: commitment_pb2.RecordCommitmentRequest, uow: UnitOfWork
    ) -> commitment_pb2.RecordCommitmentResponse:
        subject, item_id = _parse_record(request)
        caller = current_caller()
        item = await _item(uow.conn, item_id, uow.now)
        if item and not region_covers(caller.region, item.draft.region_code):
            raise PermissionDenied(
                f"the item belongs to region {item.draft.region_code}, outside {caller.region}"
            )
        today = uow.now.astimezone(CHINA).date()
        answer = await _eligibility(uow.conn, subject, item, today)
        if not answer.eligible:
            raise FailedPrecondition("the subject may not use the commitment route", answer.refusal())
        assert item is not None
        sequence = await self.codes.next(item.draft.region_code, today)
        commitment = _new_commitment(
            request,
            subject,
            item,
            domain.commitment_code(item.draft.region_code, today, sequence),
            uow.now,
        )
        await store.insert_commitment(uow.conn, commitment, item.draft.region_code, caller.subject)
        uow.emit(_recorded_event(commitment, item), entity=f"commitment/{commitment.commitment_id}")
        uow.audit(
            "commitment.record",
            f"commitment/{commitment.commitment_id}",
            subject_code=subject.code,
            change=commitment.code,
        )
        return commitment_pb2.RecordCommitmentResponse(commitment=commitment)

    @query(roles.CATALOGUE_ADMIN, roles.VERIFIER, roles.VERIFICATION_LEAD, roles.CREDIT_OFFICER)
    async def GetCommitment(
        self, request: commitment_pb2.GetCommitmentRequest, context: Any
    ) -> commitment_pb2.GetCommitmentResponse:
        v = Violations()
        commitment_id = v.ok(parse_uuid(v, "commitment_id", request.commitment_id))
        async with self.db.pool.acquire() as conn:
            found = await store.get_commitment(conn, commitment_id)
        if found is None:
            raise NotFound("commitment", request.commitment_id, "commitment_id")
        current_caller().require_department(found.department)
        return commitment_pb2.GetCommitmentResponse(commitment=found)


async def _item(conn: Any, item_id: uuid.UUID, at: dt.datetime) -> store.ItemVersion | None:
    item = await store.item_in_force(conn, item_id, at)
    if item is None and not await store.item_exists(conn, item_id):
        raise NotFound("catalogue item", str(item_id), "item_id")
    return item


async def _eligibility(
    conn: Any, subject: Subject, item: store.ItemVersion | None, today: dt.date
) -> domain.Eligibility:
    reasons = domain.item_reasons(
        str(item.item_id) if item else "",
        item is not None,
        bool(item and item.draft.commitment_allowed),
    )
    reasons += await store.restrictions_of(conn, subject.code)
    return domain.eligibility(reasons, today)


def _eligibility_response(
    answer: domain.Eligibility, as_of: dt.datetime | None
) -> commitment_pb2.CheckEligibilityResponse:
    response = commitment_pb2.CheckEligibilityResponse(
        eligible=answer.eligible,
        reasons=[
            commitment_pb2.Ineligibility(
                reason=commitment_pb2.IneligibilityReason.Value(f"INELIGIBILITY_REASON_{r.cause}"),
                description=r.description,
                record_id=r.record_id,
                repairable_from=convert.opt_date(r.repairable_from),
                ends_on=convert.opt_date(r.ends_on),
            )
            for r in answer.reasons
        ],
        earliest_change=convert.opt_date(answer.earliest_change),
    )
    if as_of:
        response.credit_view_as_of.FromDatetime(as_of)
    return response


def _parse_record(request: commitment_pb2.RecordCommitmentRequest) -> tuple[Subject, uuid.UUID]:
    v = Violations()
    subject = parse_subject(v, "subject", request.subject)
    item_id = parse_uuid(v, "item_id", request.item_id)
    if not request.subject_name.strip() or len(request.subject_name) > domain.MAX_NAME:
        v.add("subject_name", f"required, at most {domain.MAX_NAME} characters")
    if not request.case_number.strip() or len(request.case_number) > MAX_CASE_NUMBER:
        v.add("case_number", f"required, at most {MAX_CASE_NUMBER} characters")
    if (
        request.channel == commitment_pb2.CHANNEL_UNSPECIFIED
        or request.channel not in commitment_pb2.Channel.values()
    ):
        v.add("channel", "required: window, online or post")
    publication = request.publication_type
    if (
        publication == commitment_pb2.PUBLICATION_TYPE_UNSPECIFIED
        or publication not in commitment_pb2.PublicationType.values()
    ):
        v.add("publication_type", "required: public, restricted or not public")
    return v.ok(subject), v.ok(item_id)


def _new_commitment(
    request: commitment_pb2.RecordCommitmentRequest,
    subject: Subject,
    item: store.ItemVersion,
    code: str,
    now: dt.datetime,
) -> commitment_pb2.Commitment:
    commitment = commitment_pb2.Commitment(
        commitment_id=str(uuid.uuid4()),
        code=code,
        subject=subject.to_proto(),
        subject_name=request.subject_name.strip(),
        item_id=str(item.item_id),
        item_version=item.version,
        department=item.department,
        case_number=request.case_number.strip(),
        channel=request.channel,
        publication_type=request.publication_type,
    )
    commitment.recorded_at.FromDatetime(now)
    return commitment


def _recorded_event(
    c: commitment_pb2.Commitment, item: store.ItemVersion
) -> commitment_events_pb2.CommitmentRecorded:
    return commitment_events_pb2.CommitmentRecorded(
        commitment_id=c.commitment_id,
        code=c.code,
        subject=c.subject,
        subject_name=c.subject_name,
        item_id=c.item_id,
        item_version=c.item_version,
        item_name=item.draft.name,
        department=c.department,
        region_code=item.draft.region_code,
        case_number=c.case_number,
        publication_type=c.publication_type,
        verification=item.draft.verification,
        recorded_at=c.recorded_at,
        safety_related=item.draft.safety_related,
    )
