"""One servicer per proto service of the verification service, joined from the handler sets,
all built from one Deps."""

from __future__ import annotations

from chengnuo.verification.v1 import (
    annual_plans_pb2_grpc,
    check_items_pb2_grpc,
    inspections_pb2_grpc,
    referrals_pb2_grpc,
    registrations_pb2_grpc,
    results_pb2_grpc,
    rosters_pb2_grpc,
    scenes_pb2_grpc,
    sharing_pb2_grpc,
    verification_pb2_grpc,
)
from services.kernel.rpc.server import Registration
from services.verification.api.annual_plans import AnnualPlanHandlers
from services.verification.api.assistance import AssistanceHandlers
from services.verification.api.check_items import CheckItemHandlers
from services.verification.api.closing import ClosingHandlers
from services.verification.api.deps import Deps
from services.verification.api.draws import DrawHandlers
from services.verification.api.imports import ImportHandlers
from services.verification.api.joint import JointHandlers
from services.verification.api.plans import PlanHandlers
from services.verification.api.referrals import ReferralHandlers
from services.verification.api.registrations import RegistrationHandlers
from services.verification.api.results import ResultHandlers
from services.verification.api.rosters import RosterHandlers
from services.verification.api.scenes import SceneHandlers
from services.verification.api.sharing import SharingHandlers
from services.verification.api.tasks import TaskHandlers


class VerificationApi(
    TaskHandlers, AssistanceHandlers, ClosingHandlers, verification_pb2_grpc.VerificationServiceServicer
):
    pass


class RosterApi(RosterHandlers, ImportHandlers, rosters_pb2_grpc.RosterServiceServicer):
    pass


class InspectionApi(
    PlanHandlers, DrawHandlers, JointHandlers, inspections_pb2_grpc.InspectionServiceServicer
):
    pass


class VerificationSharingApi(SharingHandlers, sharing_pb2_grpc.VerificationSharingServiceServicer):
    pass


class CheckItemApi(CheckItemHandlers, check_items_pb2_grpc.CheckItemServiceServicer):
    pass


class AnnualPlanApi(AnnualPlanHandlers, annual_plans_pb2_grpc.AnnualPlanServiceServicer):
    pass


class SceneApi(SceneHandlers, scenes_pb2_grpc.SceneServiceServicer):
    pass


class ReferralApi(ReferralHandlers, referrals_pb2_grpc.ReferralServiceServicer):
    pass


class RegistrationApi(RegistrationHandlers, registrations_pb2_grpc.InspectionRegistrationServiceServicer):
    pass


class InspectionResultApi(ResultHandlers, results_pb2_grpc.InspectionResultServiceServicer):
    pass


SERVICERS = (
    VerificationApi,
    RosterApi,
    InspectionApi,
    VerificationSharingApi,
    CheckItemApi,
    AnnualPlanApi,
    SceneApi,
    ReferralApi,
    RegistrationApi,
    InspectionResultApi,
)


def registrations(deps: Deps) -> list[Registration]:
    return [Registration.serving(api(deps)) for api in SERVICERS]
