"""The three gRPC servicers of the verification service, assembled from role-named handler sets."""

from __future__ import annotations

from collections.abc import Callable

from chengnuo.verification.v1 import inspections_pb2_grpc, rosters_pb2_grpc, verification_pb2_grpc
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.uow import Database
from services.verification.api.assistance import AssistanceHandlers
from services.verification.api.draws import DrawHandlers
from services.verification.api.imports import ImportHandlers
from services.verification.api.joint import JointHandlers
from services.verification.api.plans import PlanHandlers
from services.verification.api.rosters import RosterHandlers
from services.verification.api.tasks import TaskHandlers
from services.verification.domain.rules import RuleBook


class VerificationApi(TaskHandlers, AssistanceHandlers, verification_pb2_grpc.VerificationServiceServicer):
    def __init__(self, db: Database, rules: Callable[[], RuleBook], calendar: CalendarKeeper) -> None:
        super().__init__(db, rules)
        self.calendar = calendar


class RosterApi(RosterHandlers, ImportHandlers, rosters_pb2_grpc.RosterServiceServicer):
    pass


class InspectionApi(
    PlanHandlers, DrawHandlers, JointHandlers, inspections_pb2_grpc.InspectionServiceServicer
):
    pass
