"""Bulk match (批量比对): a procurement centre checks many subjects in one call against the
credit service's records and blacklist, under sharing agreements for the purpose."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from bench.world import LEGAL, World, random_usccs
from chengnuo.common.v1 import sharing_pb2, sharing_pb2_grpc, subject_pb2
from chengnuo.credit.v1 import sharing_pb2 as spb
from chengnuo.credit.v1 import sharing_pb2_grpc as spb_grpc
from services.kernel import convert

CONSUMER = "350200-CGZX"  # a city's public procurement centre
PURPOSE = "public_procurement"


async def agree(world: World) -> None:
    """The data administrator's agreements giving the centre records and blacklist for the purpose."""
    admin = world.caller("admin", department="350200-DSJ")
    sharing = sharing_pb2_grpc.SharingServiceStub(admin.channels["credit"])
    today = await world.today("credit")
    for data_class in ("credit_records", "blacklist"):
        agreement = sharing_pb2.Agreement(
            consumer=CONSUMER,
            data_class=data_class,
            purposes=[PURPOSE],
            region_code="350200",
            valid_from=convert.to_date(today - dt.timedelta(days=1)),
            valid_until=convert.to_date(today + dt.timedelta(days=365)),
            legal_basis="《社会信用体系建设规划纲要》; 厦门市公共信用信息共享协议",
        )
        await sharing.CreateAgreement(
            sharing_pb2.CreateAgreementRequest(request_id=str(uuid.uuid4()), agreement=agreement)
        )


async def bulk_match(world: World, count: int) -> tuple[float, spb.BulkMatchResponse]:
    """Seconds one BulkMatch of `count` subjects takes, and its answer."""
    await agree(world)
    centre = world.caller("data_consumer", department=CONSUMER)
    credit = spb_grpc.CreditSharingServiceStub(centre.channels["credit"])
    subjects = [subject_pb2.SubjectRef(kind=LEGAL, code=c) for c in random_usccs(count, seed=6)]
    request = spb.BulkMatchRequest(purpose=PURPOSE, subjects=subjects)
    start = time.perf_counter()
    answer = await credit.BulkMatch(request)
    return time.perf_counter() - start, answer
