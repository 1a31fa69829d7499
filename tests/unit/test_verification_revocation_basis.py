"""ConcludeTask refuses a revocation (撤销) without its legal basis, naming the field and the rule,
and carries the basis on `verification.concluded` for the commitment service to keep and announce."""

from __future__ import annotations

import grpc

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel.errors import InvalidArgument
from services.kernel.rpc.status import to_status
from tests.unit.test_verification_handlers import World, conclusion, nothing_written

BASIS = "《中华人民共和国行政许可法》第六十九条"


def revoke(legal_basis: str) -> pb.Measure:
    return pb.Measure(kind=pb.MEASURE_KIND_REVOKE_DECISION, legal_basis=legal_basis)


async def test_a_revocation_without_its_basis_is_refused_on_that_field() -> None:
    world = World()
    task_id = world.task()
    for basis in ("", "   ", "法" * 1001):
        request = conclusion(task_id, outcome=pb.OUTCOME_FALSE, measures=[revoke(BASIS), revoke(basis)])
        refused = await world.refusal(request)
        assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
        assert isinstance(refused, InvalidArgument)
        (violation,) = refused.violations
        assert violation.field == "measures[1].legal_basis"
        assert "撤销" in violation.description
        assert "at most 1000 characters" in violation.description
    nothing_written(world, task_id)


async def test_the_revocations_basis_is_on_the_concluded_event() -> None:
    world = World()
    task_id = world.task()
    await world.conclude(conclusion(task_id, outcome=pb.OUTCOME_FALSE, measures=[revoke(f" {BASIS} ")]))
    (concluded,) = world.db.messages(events.VerificationConcluded)
    (measure,) = concluded.measures
    assert (measure.kind, measure.legal_basis.strip()) == (pb.MEASURE_KIND_REVOKE_DECISION, BASIS)
    assert concluded.HasField("decision_publication_deadline")  # 双公示 within 7 working days
