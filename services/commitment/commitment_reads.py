"""Reading commitments: staff of the owning department, and the public view."""

from __future__ import annotations

import uuid
from typing import Any

from chengnuo.commitment.v1 import commitment_pb2
from services.commitment import commitment_queries, commitment_store, publication, requests
from services.commitment.commitment_queries import PublicFilter, StaffFilter
from services.commitment.item_versions import ItemVersions
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.errors import NotFound, Violations
from services.kernel.ids import optional_uuid, request_uuid
from services.kernel.rpc.handlers import query
from services.kernel.uow import Database

STAFF = (roles.CATALOGUE_ADMIN, roles.VERIFIER, roles.VERIFICATION_LEAD, roles.CREDIT_OFFICER)
DEFAULT_PAGE, MAX_STAFF_PAGE, MAX_PUBLIC_PAGE = 50, 500, 200
MAX_FILTER = 200


class ReadsApi:
    db: Database
    items: ItemVersions

    @query(*STAFF)
    async def GetCommitment(
        self, request: commitment_pb2.GetCommitmentRequest, context: Any
    ) -> commitment_pb2.GetCommitmentResponse:
        commitment_id = request_uuid("commitment_id", request.commitment_id)
        row = await commitment_store.get_commitment(self.db.pool, commitment_id)
        if row is None:
            raise NotFound("commitment", request.commitment_id, "commitment_id")
        current_caller().require_department(row["department"])
        return commitment_pb2.GetCommitmentResponse(commitment=commitment_store.to_proto(row))

    @query(*STAFF)
    async def ListCommitments(
        self, request: commitment_pb2.ListCommitmentsRequest, context: Any
    ) -> commitment_pb2.ListCommitmentsResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_STAFF_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        rows = await commitment_queries.for_staff(self.db.pool, _staff_filter(request), after, size)
        return commitment_pb2.ListCommitmentsResponse(
            commitments=[commitment_store.to_proto(r) for r in rows],
            next_page_token=paging.next_token(rows, size, "recorded_at", "commitment_id"),
        )

    @query(roles.PORTAL, roles.DATA_CONSUMER)
    async def ListPublishedCommitments(
        self, request: commitment_pb2.ListPublishedCommitmentsRequest, context: Any
    ) -> commitment_pb2.ListPublishedCommitmentsResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PUBLIC_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        rows = await commitment_queries.for_public(self.db.pool, _public_filter(request), after, size)
        versions = await self.items.many(self.db.pool, [(r["item_id"], r["item_version"]) for r in rows])
        return commitment_pb2.ListPublishedCommitmentsResponse(
            commitments=[publication.published(r, versions[(r["item_id"], r["item_version"])]) for r in rows],
            next_page_token=paging.next_token(rows, size, "recorded_at", "commitment_id"),
        )


def _staff_filter(request: commitment_pb2.ListCommitmentsRequest) -> StaffFilter:
    v = Violations()
    subject = parse_subject(v, "subject", request.subject) if request.HasField("subject") else None
    status, fulfilment = commitment_pb2.CommitmentStatus, commitment_pb2.FulfilmentStatus
    if request.status not in status.values():
        v.add("status", "active, matter concluded or withdrawn")
    if request.fulfilment not in fulfilment.values():
        v.add("fulfilment", "pending, fulfilled, partially fulfilled or not fulfilled")
    item_id = optional_uuid(v, "item_id", request.item_id)
    period = requests.period(v, request.recorded_from, request.recorded_to, ("recorded_from", "recorded_to"))
    v.raise_if_any()
    return StaffFilter(
        department=current_caller().department,
        subject_code=subject.code if subject else None,
        status=status.Name(request.status) if request.status else None,
        fulfilment=fulfilment.Name(request.fulfilment) if request.fulfilment else None,
        item_id=item_id,
        period=period,
    )


def _public_filter(request: commitment_pb2.ListPublishedCommitmentsRequest) -> PublicFilter:
    v = Violations()
    requests.text(v, "department", request.department, MAX_FILTER, required=False)
    prefix = requests.region(v, "region_code", request.region_code)
    item_id = optional_uuid(v, "item_id", request.item_id)
    period = requests.period(v, request.recorded_from, request.recorded_to, ("recorded_from", "recorded_to"))
    v.raise_if_any()
    return PublicFilter(request.department.strip(), prefix, item_id, period)
