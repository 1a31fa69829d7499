"""One servicer per proto service of the verification service, joined from the handler sets,
all built from one Deps."""

from __future__ import annotations

from chengnuo.verification.v1 import (
    inspections_pb2_grpc,
    results_pb2_grpc,
    rosters_pb2_grpc,
    sharing_pb2_grpc,
    verification_pb2_grpc,
)
from services.kernel.rpc.server import Registration
from services.verification.api.assistance import AssistanceHandlers
from services.verification.api.deps import Deps
from services.verification.api.draws import DrawHandlers
from services.verification.api.imports import ImportHandlers
from services.verification.api.joint import JointHandlers
from services.verification.api.plans import PlanHandlers
from services.verification.api.results import ResultHandlers
from services.verification.api.rosters import RosterHandlers
from services.verification.api.sharing import SharingHandlers
from services.verification.api.tasks import TaskHandlers


class VerificationApi(TaskHandlers, AssistanceHandlers, verification_pb2_grpc.VerificationServiceServicer):
    pass


class RosterApi(RosterHandlers, ImportHandlers, rosters_pb2_grpc.RosterServiceServicer):
    pass


class InspectionApi(
    PlanHandlers, DrawHandlers, JointHandlers, inspections_pb2_grpc.InspectionServiceServicer
):
    pass


class VerificationSharingApi(SharingHandlers, sharing_pb2_grpc.VerificationSharingServiceServicer):
    pass


class InspectionResultApi(ResultHandlers, results_pb2_grpc.InspectionResultServiceServicer):
    pass


SERVICERS = (
    VerificationApi,
    RosterApi,
    InspectionApi,
    VerificationSharingApi,
    InspectionResultApi,
)


def registrations(deps: Deps) -> list[Registration]:
    return [Registration.serving(api(deps)) for api in SERVICERS]
