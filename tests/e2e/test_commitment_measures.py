"""撤销 across the real processes: the verification service concludes a commitment on a
safety-related item false and revokes the licence; the commitment service keeps the revocation,
announces it on the bus, and refuses the same subject a new commitment for that item until the
3-year ban (《中华人民共和国行政许可法》第七十九条) ends."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import grpc
from google.rpc import error_details_pb2

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.commitment.domain.measures import years_after
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients
from tests.e2e.test_commitment_flow import bus_messages
from tests.e2e.test_thin_flow import draft, opened_on, publish_item, record_request, task_of
from tests.support import RpcFailure, eventually, failure, new_uscc

Roles = Callable[..., Clients]
BASIS = "《中华人民共和国行政许可法》第六十九条: 以欺骗、贿赂等不正当手段取得行政许可的，应当予以撤销"


async def test_a_revocation_bars_a_new_commitment_for_the_item(as_role: Roles, stack: Stack) -> None:
    portal, verifier, staff = as_role("portal"), as_role("verifier"), as_role("verifier")
    item = draft("特种设备作业场所使用证明")
    item.safety_related = True
    item_id = await publish_item(as_role("catalogue_admin"), item)
    uscc = new_uscc()
    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="verification task")
    decided = opened_on(task)
    await verifier.verification.ConcludeTask(
        vpb.ConcludeTaskRequest(
            request_id=str(uuid.uuid4()),
            task_id=task.task_id,
            outcome=vpb.OUTCOME_FALSE,
            findings="特种设备作业场所的使用权证明系伪造",
            measures=[vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis=BASIS)],
            decision_date=convert.to_date(decided),
        )
    )
    ends_on = years_after(decided, 3) + dt.timedelta(days=1)

    async def revoked() -> commitment_pb2.MeasureTaken | None:
        found = await staff.commitments.GetCommitment(
            commitment_pb2.GetCommitmentRequest(commitment_id=recorded.commitment_id)
        )
        return found.commitment.revoked if found.commitment.HasField("revoked") else None

    revocation = await eventually(revoked, what="the revocation on the commitment")
    assert (revocation.task_id, revocation.legal_basis) == (task.task_id, BASIS)
    assert convert.from_date(revocation.decided_on) == decided
    assert convert.from_date(revocation.reapplication_allowed_from) == ends_on

    async def announced() -> commitment_events_pb2.LicenceRevoked | None:
        for message in await bus_messages(stack, "commitment.licence_revoked"):
            event = commitment_events_pb2.LicenceRevoked.FromString(message.data)
            if event.commitment_id == recorded.commitment_id:
                return event
        return None

    event = await eventually(announced, what="commitment.licence_revoked on the bus")
    assert event.legal_basis == BASIS
    assert event.HasField("publication_deadline")  # 双公示, from the verification conclusion

    refused = await failure(portal.commitments.RecordCommitment(record_request(uscc, item_id)))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    # The credit service may have restricted the subject by now as well; the ban is there either way.
    assert ("REAPPLICATION_BANNED", task.task_id) in refused.precondition_types()
    assert _until(refused, task.task_id) == ends_on.isoformat()


def _until(refused: RpcFailure, subject: str) -> str:
    (info,) = [d for d in refused.details if isinstance(d, error_details_pb2.ErrorInfo)]
    return str(info.metadata[f"until.{subject}"])
