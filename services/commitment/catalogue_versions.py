"""Publishing catalogue versions and recording their filing (备案) with the justice bureau."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.commitment import catalogue_store, filing, requests
from services.contracts import roles
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import china_date
from services.kernel.errors import AlreadyExists, InvalidArgument, NotFound, Violations
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

MAX_REFERENCE = 100
MAX_AUTHORITY = 200
DEFAULT_PAGE, MAX_PAGE = 50, 200


class VersionsApi:
    db: Database
    calendar: CalendarKeeper
    filing_rules: list[filing.FilingRule]

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.PublishCatalogueResponse)
    async def PublishCatalogue(
        self, request: catalogue_pb2.PublishCatalogueRequest, uow: UnitOfWork
    ) -> catalogue_pb2.PublishCatalogueResponse:
        caller = current_caller()
        row, listed = await catalogue_store.publish(
            uow.conn, caller.department, caller.region, caller.subject, uow.now
        )
        due = self._due(row)
        uow.emit(_published_event(row, listed, due), entity=f"catalogue/{caller.department}/{row['version']}")
        uow.audit("catalogue.publish", f"catalogue/{caller.department}/{row['version']}", change=dict(row))
        return catalogue_pb2.PublishCatalogueResponse(
            department=caller.department,
            version=row["version"],
            published_at=convert.to_timestamp(row["published_at"]),
            item_count=row["item_count"],
            commitment_item_count=row["commitment_item_count"],
            filing_due_date=convert.opt_date(due.date if due else None),
            filing_due_provisional=bool(due and due.provisional),
        )

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.RecordFilingResponse)
    async def RecordFiling(
        self, request: catalogue_pb2.RecordFilingRequest, uow: UnitOfWork
    ) -> catalogue_pb2.RecordFilingResponse:
        department = current_caller().department
        today = china_date(uow.now)
        filed_on = _filed_on(request, today)
        version = await catalogue_store.get_version(uow.conn, department, request.version)
        if version is None:
            raise NotFound("catalogue version", f"{department}/{request.version}", "version")
        if filed_on < china_date(version["published_at"]):
            raise InvalidArgument.one("filed_on", "must not be before the version was published")
        stored = await catalogue_store.record_filing(
            uow.conn,
            department,
            request.version,
            filing=request,
            filed_on=filed_on,
            by=uow.actor.name,
            now=uow.now,
        )
        if not stored:
            raise AlreadyExists("filing of catalogue version", f"{department}/{request.version}")
        uow.audit(
            "catalogue.record_filing", f"catalogue/{department}/{request.version}", change=request.reference
        )
        filed = await catalogue_store.get_version(uow.conn, department, request.version)
        assert filed is not None
        return catalogue_pb2.RecordFilingResponse(catalogue=self._version_message(filed, today))

    @query(roles.ANY_ROLE)
    async def ListCatalogueVersions(
        self, request: catalogue_pb2.ListCatalogueVersionsRequest, context: Any
    ) -> catalogue_pb2.ListCatalogueVersionsResponse:
        if len(request.department) > MAX_AUTHORITY:
            raise InvalidArgument.one("department", f"at most {MAX_AUTHORITY} characters")
        department = request.department or current_caller().department
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        key = paging.after(request.page_token, paging.natural)
        rows = await catalogue_store.list_versions(self.db.pool, department, key[0] if key else None, size)
        today = self.db.clock.today()
        return catalogue_pb2.ListCatalogueVersionsResponse(
            versions=[self._version_message(r, today) for r in rows],
            next_page_token=paging.next_token(rows, size, "version"),
        )

    def _due(self, row: asyncpg.Record) -> filing.Due | None:
        published_on = china_date(row["published_at"])
        return filing.due(self.filing_rules, self.calendar.current, published_on, row["region_code"])

    def _version_message(self, row: asyncpg.Record, today: dt.date) -> catalogue_pb2.CatalogueVersion:
        due = self._due(row)
        made = catalogue_pb2.CatalogueVersion(
            department=row["department"],
            version=row["version"],
            published_at=convert.to_timestamp(row["published_at"]),
            published_by=row["published_by"],
            item_count=row["item_count"],
            commitment_item_count=row["commitment_item_count"],
            filing_due_date=convert.opt_date(due.date if due else None),
            filing_due_provisional=bool(due and due.provisional),
            filing_status=catalogue_pb2.FilingStatus.Value(filing.status(due, row["filed_on"], today)),
            filing_rule=f"{due.rule.id}: {due.rule.citation}" if due else "",
        )
        if row["filed_on"]:
            made.filing.CopyFrom(_filing(row))
        return made


def _filing(row: asyncpg.Record) -> catalogue_pb2.Filing:
    return catalogue_pb2.Filing(
        filed_on=convert.to_date(row["filed_on"]),
        reference=row["reference"],
        authority=row["authority"],
        recorded_at=convert.to_timestamp(row["filing_recorded_at"]),
        recorded_by=row["filing_recorded_by"],
    )


def _filed_on(request: catalogue_pb2.RecordFilingRequest, today: dt.date) -> dt.date:
    v = Violations()
    if request.version < 1:
        v.add("version", "required: the published version that was filed")
    filed_on = convert.date_field(v, "filed_on", request.filed_on)
    requests.text(v, "reference", request.reference, MAX_REFERENCE)
    requests.text(v, "authority", request.authority, MAX_AUTHORITY)
    if filed_on and filed_on > today:
        v.add("filed_on", "must not be in the future")
    return v.ok(filed_on)


def _published_event(
    row: asyncpg.Record, listed: list[asyncpg.Record], due: filing.Due | None
) -> commitment_events_pb2.CataloguePublished:
    return commitment_events_pb2.CataloguePublished(
        department=row["department"],
        version=row["version"],
        published_at=convert.to_timestamp(row["published_at"]),
        item_count=row["item_count"],
        commitment_item_count=row["commitment_item_count"],
        items=[
            commitment_events_pb2.PublishedItem(
                item_id=str(i["item_id"]),
                name=i["name"],
                region_code=i["region_code"],
                commitment_allowed=i["commitment_allowed"],
            )
            for i in listed
        ],
        filing_due_date=convert.opt_date(due.date if due else None),
        filing_due_provisional=bool(due and due.provisional),
    )
