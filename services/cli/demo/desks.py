"""Who does what in the demo: a desk is one role of one department, with its gRPC stubs."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chengnuo.commitment.v1 import catalogue_pb2_grpc, commitment_pb2_grpc
from chengnuo.common.v1 import audit_pb2_grpc, calendar_pb2_grpc, dev_clock_pb2_grpc
from chengnuo.credit.v1 import credit_pb2_grpc, lists_pb2_grpc, public_pb2_grpc, repair_pb2_grpc
from chengnuo.verification.v1 import inspections_pb2_grpc, rosters_pb2_grpc, verification_pb2_grpc
from services.kernel import auth
from services.kernel.rpc import client
from services.kernel.rpc.tls import TlsFiles

TOKEN_TTL = dt.timedelta(hours=2)


class Desk:
    def __init__(
        self,
        endpoints: dict[str, str],
        key: Ed25519PrivateKey,
        role: str,
        department: str,
        tls: TlsFiles | None = None,
    ) -> None:
        token = auth.mint(
            key,
            subject=f"demo:{role}",
            department=department,
            region="350200",
            roles=[role],
            now=dt.datetime.now(dt.UTC),
            ttl=TOKEN_TTL,
        )
        self.channels = {
            name: client.channel(address, lambda: token, 60.0, tls) for name, address in endpoints.items()
        }

    @property
    def catalogue(self) -> catalogue_pb2_grpc.CatalogueServiceAsyncStub:
        return catalogue_pb2_grpc.CatalogueServiceStub(self.channels["commitment"])

    @property
    def commitments(self) -> commitment_pb2_grpc.CommitmentServiceAsyncStub:
        return commitment_pb2_grpc.CommitmentServiceStub(self.channels["commitment"])

    @property
    def tasks(self) -> verification_pb2_grpc.VerificationServiceAsyncStub:
        return verification_pb2_grpc.VerificationServiceStub(self.channels["verification"])

    @property
    def rosters(self) -> rosters_pb2_grpc.RosterServiceAsyncStub:
        return rosters_pb2_grpc.RosterServiceStub(self.channels["verification"])

    @property
    def inspections(self) -> inspections_pb2_grpc.InspectionServiceAsyncStub:
        return inspections_pb2_grpc.InspectionServiceStub(self.channels["verification"])

    @property
    def credit(self) -> credit_pb2_grpc.CreditServiceAsyncStub:
        return credit_pb2_grpc.CreditServiceStub(self.channels["credit"])

    @property
    def lists(self) -> lists_pb2_grpc.BlacklistServiceAsyncStub:
        return lists_pb2_grpc.BlacklistServiceStub(self.channels["credit"])

    @property
    def repair(self) -> repair_pb2_grpc.RepairServiceAsyncStub:
        return repair_pb2_grpc.RepairServiceStub(self.channels["credit"])

    @property
    def public(self) -> public_pb2_grpc.PublicCreditServiceAsyncStub:
        return public_pb2_grpc.PublicCreditServiceStub(self.channels["credit"])

    def calendar(self, service: str = "verification") -> calendar_pb2_grpc.CalendarServiceAsyncStub:
        return calendar_pb2_grpc.CalendarServiceStub(self.channels[service])

    def audit(self, service: str) -> audit_pb2_grpc.AuditServiceAsyncStub:
        return audit_pb2_grpc.AuditServiceStub(self.channels[service])

    def clock(self, service: str) -> dev_clock_pb2_grpc.DevClockServiceAsyncStub:
        return dev_clock_pb2_grpc.DevClockServiceStub(self.channels[service])

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


class Office:
    """Every desk of the demo, made on first use."""

    def __init__(
        self, endpoints: dict[str, str], key: Ed25519PrivateKey, tls: TlsFiles | None = None
    ) -> None:
        self.endpoints, self.key, self.tls = endpoints, key, tls
        self._desks: dict[tuple[str, str], Desk] = {}

    def desk(self, role: str, department: str = "") -> Desk:
        if (role, department) not in self._desks:
            self._desks[role, department] = Desk(self.endpoints, self.key, role, department, self.tls)
        return self._desks[role, department]

    async def close(self) -> None:
        for desk in self._desks.values():
            await desk.close()
