"""The CatalogueService servicer, composed of its role-named parts."""

from __future__ import annotations

from chengnuo.commitment.v1 import catalogue_pb2_grpc
from services.commitment.catalogue_drafts import DraftsApi
from services.commitment.catalogue_import import ImportApi
from services.commitment.catalogue_reads import ReadsApi
from services.commitment.catalogue_versions import VersionsApi
from services.commitment.filing import FilingRule
from services.commitment.item_versions import ItemVersions
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.uow import Database


class CatalogueApi(DraftsApi, ImportApi, VersionsApi, ReadsApi, catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(
        self, db: Database, items: ItemVersions, calendar: CalendarKeeper, filing_rules: list[FilingRule]
    ) -> None:
        self.db, self.items, self.calendar, self.filing_rules = db, items, calendar, filing_rules
