"""Bad input, missing tokens and wrong roles are refused precisely and write nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2, commitment_pb2_grpc
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, count_rows
from tests.e2e.test_thin_flow import draft, publish_item, record_request
from tests.support import bare_channel, failure, new_uscc

Roles = Callable[..., Clients]


async def _written(stack: Stack) -> tuple[int, ...]:
    tables = ("commitment", "idempotency", "outbox", "catalogue_item")
    return tuple([await count_rows(stack, "commitment", t) for t in tables])


async def test_malformed_requests_name_the_field_and_write_nothing(as_role: Roles, stack: Stack) -> None:
    portal = as_role("portal")
    item_id = await publish_item(as_role("catalogue_admin"))
    before = await _written(stack)

    good = new_uscc()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    refused = await failure(portal.commitments.RecordCommitment(record_request(bad_check, item_id)))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["subject.code"]
    assert "check character" in refused.message

    unknown = await failure(portal.commitments.RecordCommitment(record_request(good, str(uuid.uuid4()))))
    assert unknown.code == grpc.StatusCode.NOT_FOUND
    assert unknown.fields() == ["item_id"]

    missing = record_request(good, item_id)
    missing.ClearField("case_number")
    missing.ClearField("channel")
    several = await failure(portal.commitments.RecordCommitment(missing))
    assert several.code == grpc.StatusCode.INVALID_ARGUMENT
    assert several.fields() == ["case_number", "channel"]

    unsigned = record_request(good, item_id)
    unsigned.ClearField("letter")
    assert (await failure(portal.commitments.RecordCommitment(unsigned))).fields() == ["letter"]
    unsigned.letter.text = "本人承诺……"  # a letter without a signature method is not signed
    assert (
        "letter.signature_method" in (await failure(portal.commitments.RecordCommitment(unsigned))).fields()
    )

    no_id = record_request(good, item_id)
    no_id.ClearField("request_id")
    assert (await failure(portal.commitments.RecordCommitment(no_id))).fields() == ["request_id"]
    assert await _written(stack) == before


async def test_high_risk_items_may_not_allow_commitment(as_role: Roles, stack: Stack) -> None:
    admin = as_role("catalogue_admin")
    risky = draft("特种设备安全证明")
    risky.high_risk = True
    before = await _written(stack)
    refused = await failure(
        admin.catalogue.CreateItem(catalogue_pb2.CreateItemRequest(request_id="r", item=risky))
    )
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["item.commitment_allowed"]
    assert await _written(stack) == before


async def test_no_token_wrong_token_and_wrong_role(as_role: Roles, stack: Stack) -> None:
    item_id = await publish_item(as_role("catalogue_admin"))
    request = record_request(new_uscc(), item_id)
    before = await _written(stack)
    async with bare_channel(stack.endpoints()["commitment"]) as bare:
        stub = commitment_pb2_grpc.CommitmentServiceStub(bare)
        anonymous = await failure(stub.RecordCommitment(request))
        assert anonymous.code == grpc.StatusCode.UNAUTHENTICATED
        garbage = await failure(
            stub.RecordCommitment(request, metadata=[("authorization", "Bearer nonsense")])
        )
        assert garbage.code == grpc.StatusCode.UNAUTHENTICATED
    verifier = as_role("verifier")
    denied = await failure(verifier.commitments.RecordCommitment(request))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    assert "portal" in denied.message
    elsewhere = as_role("portal", region="110000")  # a Beijing portal for a Xiamen item
    assert (
        await failure(elsewhere.commitments.RecordCommitment(request))
    ).code == grpc.StatusCode.PERMISSION_DENIED
    assert await _written(stack) == before


async def test_a_replayed_record_returns_the_same_commitment(as_role: Roles) -> None:
    portal = as_role("portal")
    request = record_request(new_uscc(), await publish_item(as_role("catalogue_admin")))
    first = await portal.commitments.RecordCommitment(request)
    again = await portal.commitments.RecordCommitment(request)
    assert first == again
    other = await portal.commitments.RecordCommitment(record_request(request.subject.code, request.item_id))
    assert other.commitment.code != first.commitment.code
    reused = commitment_pb2.RecordCommitmentRequest()
    reused.CopyFrom(request)
    reused.case_number = "ANOTHER-CASE"
    assert (await failure(portal.commitments.RecordCommitment(reused))).fields() == ["request_id"]


@pytest.mark.parametrize("service", ["commitment", "verification", "credit"])
async def test_health_and_reflection_without_a_token(stack: Stack, service: str) -> None:
    async with bare_channel(stack.endpoints()[service]) as bare:
        health = health_pb2_grpc.HealthStub(bare)
        reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(bare)
        answers = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = [s.name async for a in answers for s in a.list_services_response.service]
    assert f"chengnuo.{service}.v1" in " ".join(names)
    assert "grpc.health.v1.Health" in names
    assert "chengnuo.common.v1.CalendarService" in names
    for name in names:
        if name.startswith("chengnuo."):
            async with bare_channel(stack.endpoints()[service]) as bare:
                per_service = await health_pb2_grpc.HealthStub(bare).Check(
                    health_pb2.HealthCheckRequest(service=name)
                )
                assert per_service.status == health_pb2.HealthCheckResponse.SERVING
