"""Bulk import of a department's catalogue (hundreds of items) with a report per row.

The request says what happens to a file with bad rows: all-or-nothing stores nothing and lists
every problem; valid-rows-only stores the good rows. Either way the stored rows take one
statement per kind (insert, update), not one per row.
"""

from __future__ import annotations

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import items
from services.commitment.wire import catalogue as wire
from services.contracts import roles
from services.kernel.auth import current_caller
from services.kernel.rpc.handlers import Handlers, command
from services.kernel.uow import UnitOfWork


class ImportHandlers(Handlers[Deps]):
    @command(roles.CATALOGUE_ADMIN, reply=pb.ImportCatalogueResponse)
    async def ImportCatalogue(
        self, request: pb.ImportCatalogueRequest, uow: UnitOfWork
    ) -> pb.ImportCatalogueResponse:
        parse.check_import(request)
        caller = current_caller()
        checked = items.check_rows(request.rows, caller.region, caller.department)
        store = self.deps.store.catalogue
        checked.keep_live(
            await store.live_drafts(uow.conn, caller.department, [i for _, i, _ in checked.updates])
        )
        if checked.problems and request.mode == pb.IMPORT_MODE_ALL_OR_NOTHING:
            return wire.import_report(checked, applied=False)
        creates = [(i, wire.standardised(p.draft, p.standard)) for _, i, p in checked.creates]
        updates = [(i, wire.standardised(p.draft, p.standard)) for _, i, p in checked.updates]
        if creates:
            await store.insert_items(uow.conn, caller.department, creates, uow.now)
        if updates:
            await store.update_items(uow.conn, caller.department, updates, uow.now)
        for action, done in (("catalogue.import_create", creates), ("catalogue.import_update", updates)):
            for item_id, draft in done:
                uow.audit(action, f"item/{item_id}", change=store.as_json(draft))
        return wire.import_report(checked, applied=True)
