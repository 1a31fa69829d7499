"""One servicer per proto service, joined from the handler sets, all built from one Deps."""

from __future__ import annotations

from chengnuo.commitment.v1 import (
    catalogue_pb2_grpc,
    commitment_pb2_grpc,
    sharing_pb2_grpc,
)
from services.commitment.api.catalogue import CatalogueHandlers
from services.commitment.api.commitments import CommitmentHandlers
from services.commitment.api.deps import Deps
from services.commitment.api.drafts import DraftHandlers
from services.commitment.api.imports import ImportHandlers
from services.commitment.api.lifecycle import LifecycleHandlers
from services.commitment.api.recording import RecordingHandlers
from services.commitment.api.sharing import SharingHandlers
from services.commitment.api.versions import VersionHandlers
from services.kernel.rpc.server import Registration


class CatalogueApi(
    DraftHandlers,
    ImportHandlers,
    VersionHandlers,
    CatalogueHandlers,
    catalogue_pb2_grpc.CatalogueServiceServicer,
):
    pass


class CommitmentApi(
    RecordingHandlers,
    LifecycleHandlers,
    CommitmentHandlers,
    commitment_pb2_grpc.CommitmentServiceServicer,
):
    pass


class CommitmentSharingApi(SharingHandlers, sharing_pb2_grpc.CommitmentSharingServiceServicer):
    pass


SERVICERS = (
    CatalogueApi,
    CommitmentApi,
    CommitmentSharingApi,
)


def registrations(deps: Deps) -> list[Registration]:
    return [Registration.serving(api(deps)) for api in SERVICERS]
