"""Server reflection answers as grpc.reflection.v1 (what grpcurl asks first) and as v1alpha."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from services.launcher.stack import Stack
from tests.support import bare_sync_channel

V1_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
EXPECTED = {
    "commitment": "chengnuo.commitment.v1.CommitmentService",
    "verification": "chengnuo.verification.v1.VerificationService",
    "credit": "chengnuo.credit.v1.CreditService",
}


def _ask_v1(
    address: str, *requests: reflection_pb2.ServerReflectionRequest
) -> list[reflection_pb2.ServerReflectionResponse]:
    """A raw v1 client: the v1 messages are wire-identical to v1alpha, only the path differs."""
    with bare_sync_channel(address) as bare:
        call = bare.stream_stream(
            V1_METHOD,
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        return list(call(iter(requests), timeout=10))


@pytest.mark.parametrize("service", list(EXPECTED))
def test_v1_lists_and_describes_the_services(stack: Stack, service: str) -> None:
    address = stack.endpoints()[service]
    (listed,) = _ask_v1(address, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in listed.list_services_response.service}
    assert {EXPECTED[service], "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} <= names
    assert "grpc.reflection.v1alpha.ServerReflection" in names

    (described,) = _ask_v1(
        address, reflection_pb2.ServerReflectionRequest(file_containing_symbol=EXPECTED[service])
    )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in described.file_descriptor_response.file_descriptor_proto
    ]
    methods = _pool_of(files).FindServiceByName(EXPECTED[service]).methods_by_name
    assert methods  # a client can build calls from what reflection returned


def _pool_of(files: list[descriptor_pb2.FileDescriptorProto]) -> descriptor_pool.DescriptorPool:
    """The files in a fresh pool, each after its dependencies (reflection sends them unordered)."""
    pool, added, waiting = descriptor_pool.DescriptorPool(), set[str](), list(files)
    while waiting:
        ready = [f for f in waiting if set(f.dependency) <= added]
        assert ready, f"reflection left out a dependency of {[f.name for f in waiting]}"
        for file in ready:
            pool.Add(file)
            added.add(file.name)
            waiting.remove(file)
    return pool


def test_v1_describes_itself_under_its_own_package(stack: Stack) -> None:
    (answer,) = _ask_v1(
        stack.endpoints()["credit"],
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="grpc.reflection.v1.ServerReflection"),
    )
    (raw,) = answer.file_descriptor_response.file_descriptor_proto
    file = descriptor_pb2.FileDescriptorProto.FromString(raw)
    assert (file.name, file.package) == ("grpc/reflection/v1/reflection.proto", "grpc.reflection.v1")
    (method,) = file.service[0].method
    assert method.input_type == ".grpc.reflection.v1.ServerReflectionRequest"


@pytest.mark.parametrize("service", list(EXPECTED))
def test_v1alpha_still_answers_through_grpcs_own_client(stack: Stack, service: str) -> None:
    with bare_sync_channel(stack.endpoints()[service]) as bare:
        database = ProtoReflectionDescriptorDatabase(bare)
        names = set(database.get_services())
        assert {EXPECTED[service], "grpc.reflection.v1.ServerReflection"} <= names
        pool = descriptor_pool.DescriptorPool(database)
        assert pool.FindServiceByName(EXPECTED[service]).methods_by_name
