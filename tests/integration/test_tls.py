"""The gRPC server with mutual TLS: only callers with a certificate from its CA get through, a
service's own certificate is its identity when it calls another, the server's name is checked,
and the plaintext probe port answers the health check and nothing else."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.kernel.auth import TokenVerifier
from services.kernel.keys import ensure_dev_keys
from services.kernel.rpc import client, server
from services.kernel.rpc.server import RunningServer
from services.kernel.rpc.tls import TlsFiles
from services.launcher.certs import CertFolder, ensure_authority, ensure_dev_certs, ensure_leaf

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def certs(tmp_path: Path) -> CertFolder:
    return ensure_dev_certs(tmp_path / "tls", ("credit", "verification"))


async def _serve(tmp_path: Path, tls: TlsFiles | None, health_listen: str = "") -> RunningServer:
    keys = ensure_dev_keys(tmp_path / "keys", ())
    verifier = TokenVerifier.from_files([keys.public_key])
    return await server.start("127.0.0.1:0", [], verifier, tls, health_listen)


@pytest.fixture
async def credit(tmp_path: Path, certs: CertFolder) -> AsyncIterator[RunningServer]:
    running = await _serve(tmp_path, certs.files("credit"))
    try:
        yield running
    finally:
        await running.stop(0)


def _secure(address: str, tls: TlsFiles) -> grpc.aio.Channel:
    return grpc.aio.secure_channel(address, tls.channel_credentials())


async def _health(channel: grpc.aio.Channel) -> int:
    async with channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return int(reply.status)


async def _refused(channel: grpc.aio.Channel) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _health(channel)
    return raised.value.code()


async def test_a_caller_with_a_certificate_from_the_ca_is_served(
    credit: RunningServer, certs: CertFolder
) -> None:
    address = f"127.0.0.1:{credit.port}"
    assert await _health(_secure(address, certs.client)) == SERVING
    assert await _health(_secure(f"localhost:{credit.port}", certs.client)) == SERVING
    async with _secure(address, certs.client) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        answers = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = [s.name async for a in answers for s in a.list_services_response.service]
    assert "grpc.health.v1.Health" in names


async def test_plaintext_and_callers_without_a_certificate_are_refused(
    credit: RunningServer, certs: CertFolder
) -> None:
    address = f"127.0.0.1:{credit.port}"
    assert await _refused(grpc.aio.insecure_channel(address)) == grpc.StatusCode.UNAVAILABLE
    server_only = grpc.ssl_channel_credentials(root_certificates=certs.ca.read_bytes())
    assert await _refused(grpc.aio.secure_channel(address, server_only)) == grpc.StatusCode.UNAVAILABLE


async def test_a_certificate_from_another_ca_is_refused_both_ways(
    credit: RunningServer, certs: CertFolder, tmp_path: Path
) -> None:
    address = f"127.0.0.1:{credit.port}"
    other = ensure_dev_certs(tmp_path / "other", ("credit",))
    # Their client certificate, though the caller trusts our server: the server refuses the caller.
    foreign_client = TlsFiles(other.client.cert, other.client.key, certs.ca)
    assert await _refused(_secure(address, foreign_client)) == grpc.StatusCode.UNAVAILABLE
    # Trusting only their CA: the caller refuses our server.
    assert await _refused(_secure(address, other.client)) == grpc.StatusCode.UNAVAILABLE


async def test_a_server_certificate_must_name_the_address_called(tmp_path: Path, certs: CertFolder) -> None:
    authority = ensure_authority(certs, dt.datetime.now(dt.UTC))
    elsewhere = ensure_leaf(
        certs, authority, "elsewhere", ["elsewhere.example"], server=True, now=dt.datetime.now(dt.UTC)
    )
    running = await _serve(tmp_path, elsewhere)
    try:
        refused = await _refused(_secure(f"127.0.0.1:{running.port}", certs.client))
        assert refused == grpc.StatusCode.UNAVAILABLE
    finally:
        await running.stop(0)


async def test_a_service_calls_another_with_its_own_certificate(
    credit: RunningServer, certs: CertFolder
) -> None:
    """What Runtime.channel does: client.channel with the calling service's settings.tls."""
    made = client.channel(
        f"127.0.0.1:{credit.port}", lambda: "unused", timeout=5, tls=certs.files("verification")
    )
    assert await _health(made) == SERVING


async def test_the_probe_port_answers_the_health_check_alone_in_plaintext(
    tmp_path: Path, certs: CertFolder
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        probe_port = s.getsockname()[1]
    running = await _serve(tmp_path, certs.files("credit"), health_listen=f"127.0.0.1:{probe_port}")
    probe = f"127.0.0.1:{probe_port}"
    try:
        assert await _health(grpc.aio.insecure_channel(probe)) == SERVING
        async with grpc.aio.insecure_channel(probe) as bare:
            stub = reflection_pb2_grpc.ServerReflectionStub(bare)
            answers = stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                _ = [a async for a in answers]
            assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
        await running.health.enter_graceful_shutdown()  # what stop() does first: probes see it
        assert await _health(grpc.aio.insecure_channel(probe)) == NOT_SERVING
    finally:
        await running.stop(0)
    assert await _refused(grpc.aio.insecure_channel(probe)) == grpc.StatusCode.UNAVAILABLE
