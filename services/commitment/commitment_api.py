"""The CommitmentService servicer, composed of its role-named parts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from chengnuo.commitment.v1 import commitment_pb2_grpc
from services.commitment.code_sequences import CodeSequences
from services.commitment.commitment_lifecycle import LifecycleApi
from services.commitment.commitment_reads import ReadsApi
from services.commitment.commitment_record import RecordApi
from services.commitment.item_versions import ItemVersions
from services.kernel.uow import Database

Freshness = Callable[[], dt.datetime | None]


class CommitmentApi(RecordApi, LifecycleApi, ReadsApi, commitment_pb2_grpc.CommitmentServiceServicer):
    def __init__(
        self, db: Database, items: ItemVersions, codes: CodeSequences, credit_view_as_of: Freshness
    ) -> None:
        self.db, self.items, self.codes, self.credit_view_as_of = db, items, codes, credit_view_as_of
