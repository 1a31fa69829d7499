"""Publishing catalogue versions and recording their filing (备案) with the justice bureau."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import filing
from services.commitment.store.catalogue import CatalogueVersion, Filing
from services.commitment.wire import catalogue as wire
from services.commitment.wire import events
from services.contracts import roles
from services.kernel import lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import AlreadyExists
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork

DEFAULT_PAGE, MAX_PAGE = 50, 200


class VersionHandlers(Handlers[Deps]):
    @command(roles.CATALOGUE_ADMIN, reply=pb.PublishCatalogueResponse)
    async def PublishCatalogue(
        self, request: pb.PublishCatalogueRequest, uow: UnitOfWork
    ) -> pb.PublishCatalogueResponse:
        caller = current_caller()
        version, listed = await self.deps.store.catalogue.publish(
            uow.conn, caller.department, caller.region, caller.subject, uow.now
        )
        due = self._due(version)
        target = f"catalogue/{caller.department}/{version.version}"
        uow.emit(events.catalogue_published(version, listed, due), entity=target)
        uow.audit("catalogue.publish", target, change=version.audited())
        return wire.published(version, due)

    @command(roles.CATALOGUE_ADMIN, reply=pb.RecordFilingResponse)
    async def RecordFiling(self, request: pb.RecordFilingRequest, uow: UnitOfWork) -> pb.RecordFilingResponse:
        department = current_caller().department
        today = china_date(uow.now)
        filed_on = parse.filed_on(request, today)
        store = self.deps.store.catalogue
        version = lookup.found(
            await store.get_version(uow.conn, department, request.version),
            "catalogue version",
            f"{department}/{request.version}",
            "version",
        )
        filing.check_filed(filed_on, version.published_at)
        filed = Filing(
            filed_on, request.reference.strip(), request.authority.strip(), uow.now, uow.actor.name
        )
        stored = await store.record_filing(uow.conn, department, request.version, filed)
        if not stored:
            raise AlreadyExists("filing of catalogue version", f"{department}/{request.version}")
        uow.audit(
            "catalogue.record_filing", f"catalogue/{department}/{request.version}", change=request.reference
        )
        now_filed = await store.get_version(uow.conn, department, request.version)
        assert now_filed is not None
        return pb.RecordFilingResponse(catalogue=self._version(now_filed, today))

    @query(roles.ANY_ROLE)
    async def ListCatalogueVersions(
        self, request: pb.ListCatalogueVersionsRequest, context: Any
    ) -> pb.ListCatalogueVersionsResponse:
        department = parse.department_filter(request.department) or current_caller().department
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        key = paging.after(request.page_token, paging.natural)
        found = await self.deps.store.catalogue.list_versions(
            self.db.pool, department, key[0] if key else None, size
        )
        today = self.db.clock.today()
        return pb.ListCatalogueVersionsResponse(
            versions=[self._version(v, today) for v in found],
            next_page_token=paging.next_token(found, size, "version"),
        )

    def _due(self, v: CatalogueVersion) -> filing.Due | None:
        published_on = china_date(v.published_at)
        return filing.due(self.deps.filing_rules, self.deps.calendar.current, published_on, v.region_code)

    def _version(self, v: CatalogueVersion, today: dt.date) -> pb.CatalogueVersion:
        due = self._due(v)
        return wire.version(v, due, filing.status(due, v.filing.filed_on if v.filing else None, today))
