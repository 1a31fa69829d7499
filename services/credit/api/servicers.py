"""One servicer per proto service of the credit service, joined from the handler sets, all built
from one Deps."""

from __future__ import annotations

from chengnuo.credit.v1 import (
    credit_pb2_grpc,
    feeds_pb2_grpc,
    lists_pb2_grpc,
    objections_pb2_grpc,
    own_pb2_grpc,
    persons_pb2_grpc,
    public_pb2_grpc,
    repair_pb2_grpc,
    rule_sets_pb2_grpc,
    sharing_pb2_grpc,
)
from services.credit.api.deps import Deps
from services.credit.api.feeds import FeedHandlers
from services.credit.api.lists import BlacklistHandlers
from services.credit.api.objections import ObjectionHandlers
from services.credit.api.own import OwnHandlers
from services.credit.api.persons import PersonHandlers
from services.credit.api.public import PublicHandlers
from services.credit.api.repair import RepairHandlers
from services.credit.api.rule_sets import RuleSetHandlers
from services.credit.api.sharing import SharingHandlers
from services.credit.api.status import StatusHandlers
from services.kernel.rpc.server import Registration


class CreditApi(StatusHandlers, credit_pb2_grpc.CreditServiceServicer):
    pass


class RuleSetApi(RuleSetHandlers, rule_sets_pb2_grpc.RuleSetServiceServicer):
    pass


class BlacklistApi(BlacklistHandlers, lists_pb2_grpc.BlacklistServiceServicer):
    pass


class RepairApi(RepairHandlers, repair_pb2_grpc.RepairServiceServicer):
    pass


class ObjectionApi(ObjectionHandlers, objections_pb2_grpc.ObjectionServiceServicer):
    pass


class PublicCreditApi(PublicHandlers, public_pb2_grpc.PublicCreditServiceServicer):
    pass


class CreditSharingApi(SharingHandlers, sharing_pb2_grpc.CreditSharingServiceServicer):
    pass


class OwnCreditApi(OwnHandlers, own_pb2_grpc.OwnCreditServiceServicer):
    pass


class FeedApi(FeedHandlers, feeds_pb2_grpc.FeedServiceServicer):
    pass


class ResponsiblePersonApi(PersonHandlers, persons_pb2_grpc.ResponsiblePersonServiceServicer):
    pass


SERVICERS = (
    CreditApi,
    RuleSetApi,
    BlacklistApi,
    RepairApi,
    ObjectionApi,
    PublicCreditApi,
    CreditSharingApi,
    OwnCreditApi,
    FeedApi,
    ResponsiblePersonApi,
)


def registrations(deps: Deps) -> list[Registration]:
    return [Registration.serving(api(deps)) for api in SERVICERS]
