"""A penalty's 处罚类别 and fine (the national 行政处罚信息 data standard): refused precisely with
nothing stored when wrong, published on `public.decision` when right."""

from __future__ import annotations

import grpc

from chengnuo.events.v1 import public_events_pb2 as ppb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel.errors import InvalidArgument
from services.kernel.rpc.status import to_status
from tests.unit.test_verification_handlers import World, conclusion, nothing_written

BASIS = "《中华人民共和国行政许可法》第七十九条"


def penalty(*categories: str, fine_fen: int = 0) -> pb.Measure:
    return pb.Measure(
        kind=pb.MEASURE_KIND_PENALTY, legal_basis=BASIS, penalty_categories=categories, fine_fen=fine_fen
    )


async def test_wrong_penalty_fields_are_refused_by_field_with_nothing_stored() -> None:
    world = World()
    task_id = world.task()
    stop = pb.Measure(kind=pb.MEASURE_KIND_STOP_PROCESSING, legal_basis=BASIS, penalty_categories=["警告"])
    cases = [
        ([penalty("没收房屋")], "measures[0].penalty_categories[0]", "one of 警告"),
        ([penalty("警告", "警告")], "measures[0].penalty_categories[1]", "listed twice"),
        ([penalty("罚款")], "measures[0].fine_fen", "required with 罚款"),
        ([penalty("警告", fine_fen=100)], "measures[0].fine_fen", "only on a penalty whose categories"),
        ([penalty("罚款", fine_fen=-1)], "measures[0].fine_fen", "0 to 100000000000 fen"),
        ([penalty("警告"), stop], "measures[1].penalty_categories", "only on a penalty"),
        ([penalty("警告", "罚款", "通报批评", "没收违法所得", "没收非法财物", "责令关闭", fine_fen=1)],
         "measures[0].penalty_categories", "at most 5"),
    ]  # fmt: skip
    for measures, field, rule in cases:
        refused = await world.refusal(conclusion(task_id, outcome=pb.OUTCOME_FALSE, measures=measures))
        assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
        assert isinstance(refused, InvalidArgument)
        (violation,) = refused.violations
        assert violation.field == field
        assert rule in violation.description
    nothing_written(world, task_id)


async def test_a_penaltys_categories_and_fine_are_published_as_the_standard_has_them() -> None:
    world = World()
    task_id = world.task()
    measures = [penalty("警告", "罚款", fine_fen=250_050), penalty("罚款", "没收违法所得", fine_fen=100)]
    await world.conclude(conclusion(task_id, outcome=pb.OUTCOME_FALSE, measures=measures))
    (decision,) = world.db.messages(ppb.PublicDecision)  # two measures of one kind: one decision
    assert decision.kind == ppb.PUBLIC_DECISION_KIND_PENALTY
    assert decision.category == "警告、罚款、没收违法所得"
    assert decision.fine_yuan == 2501.5
    assert decision.legal_basis == f"{BASIS}；{BASIS}"


async def test_a_penalty_without_categories_is_published_as_other() -> None:
    world = World()
    task_id = world.task()
    await world.conclude(conclusion(task_id, outcome=pb.OUTCOME_FALSE, measures=[penalty()]))
    (decision,) = world.db.messages(ppb.PublicDecision)
    assert (decision.category, decision.fine_yuan) == ("其他", 0)
