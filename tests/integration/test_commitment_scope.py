"""Who may withdraw a commitment or conclude its matter (issue 14): a portal of the handling
department or the portal that recorded it (a service hall, 政务服务), in the commitment's region;
never another department's portal."""

from __future__ import annotations

from pathlib import Path

import grpc

from chengnuo.commitment.v1 import commitment_pb2
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import commitment_world, published_item, record, rid
from tests.support import failure, new_uscc

HALL = "350200-ZWFW"  # the city's administrative service hall
OTHER = "350200-SWJ"  # another bureau of the same city


def withdraw(commitment_id: str) -> commitment_pb2.WithdrawCommitmentRequest:
    return commitment_pb2.WithdrawCommitmentRequest(request_id=rid(), commitment_id=commitment_id)


async def test_only_the_handling_department_and_the_recording_portal_act_on_a_commitment(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        hall, own = world.as_role("portal", department=HALL), world.as_role("portal")
        other = world.as_role("portal", department=OTHER)
        by_hall = (await hall.commitments.RecordCommitment(record(new_uscc(), item_id))).commitment
        by_own = (await own.commitments.RecordCommitment(record(new_uscc(), item_id))).commitment

        for commitment_id in (by_hall.commitment_id, by_own.commitment_id):
            refused = await failure(other.commitments.WithdrawCommitment(withdraw(commitment_id)))
            assert refused.code == grpc.StatusCode.PERMISSION_DENIED
            conclude = commitment_pb2.ConcludeMatterRequest(
                request_id=rid(),
                commitment_id=commitment_id,
                concluded_on=convert.to_date(world.clock.today()),
            )
            refused = await failure(other.commitments.ConcludeMatter(conclude))
            assert refused.code == grpc.StatusCode.PERMISSION_DENIED
        refused = await failure(hall.commitments.WithdrawCommitment(withdraw(by_own.commitment_id)))
        assert refused.code == grpc.StatusCode.PERMISSION_DENIED  # the hall did not record this one
        assert await world.count("commitment", "status = 'COMMITMENT_STATUS_ACTIVE'") == 2

        withdrawn = await hall.commitments.WithdrawCommitment(withdraw(by_hall.commitment_id))
        assert withdrawn.commitment.status == commitment_pb2.COMMITMENT_STATUS_WITHDRAWN
        withdrawn = await own.commitments.WithdrawCommitment(withdraw(by_own.commitment_id))
        assert withdrawn.commitment.status == commitment_pb2.COMMITMENT_STATUS_WITHDRAWN
