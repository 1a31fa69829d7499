"""The stack serves mutual TLS on every service: its development certificates are private and
kept, plaintext and foreign certificates are refused, services reach each other with their own
certificates, and the CLI connects with the client certificate stack.json names."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from services.kernel.config import SERVICES, Settings
from services.kernel.rpc.tls import TlsFiles
from services.kernel.runtime import Runtime
from services.launcher.certs import ensure_dev_certs
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.support import bare_channel

SERVING = health_pb2.HealthCheckResponse.SERVING


async def _health(channel: grpc.aio.Channel) -> int:
    async with channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return int(reply.status)


async def _refused(channel: grpc.aio.Channel) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _health(channel)
    return raised.value.code()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_stack_made_private_certificates_and_names_the_clients_in_stack_json(stack: Stack) -> None:
    folder = stack.data_dir / "tls"
    assert _mode(folder) == 0o700
    assert {p.name: _mode(p) for p in folder.iterdir()} == {p.name: 0o600 for p in folder.iterdir()}
    assert {"ca.pem", "ca.key", "client.pem", "client.key"} <= {p.name for p in folder.iterdir()}
    state = json.loads(stack.state_file.read_text())
    assert (
        TlsFiles.from_json(state["tls"])
        == stack.client_tls
        == TlsFiles(folder / "client.pem", folder / "client.key", folder / "ca.pem")
    )
    for name in SERVICES:
        env = stack.service_env(name, 0)
        assert Settings.from_env(name, env).tls == TlsFiles(
            folder / f"{name}.pem", folder / f"{name}.key", folder / "ca.pem"
        )


def test_a_second_start_keeps_the_certificates(stack: Stack) -> None:
    folder = stack.data_dir / "tls"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    ensure_dev_certs(folder, SERVICES)  # what Stack.start does on the next `chengnuo up`
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize("service", SERVICES)
async def test_health_over_mutual_tls_and_plaintext_refused(stack: Stack, service: str) -> None:
    address = stack.endpoints()[service]
    assert await _health(bare_channel(address)) == SERVING
    assert await _refused(grpc.aio.insecure_channel(address)) == grpc.StatusCode.UNAVAILABLE
    server_only = grpc.ssl_channel_credentials(root_certificates=stack.certs.ca.read_bytes())
    assert await _refused(grpc.aio.secure_channel(address, server_only)) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICES)
async def test_a_certificate_from_another_ca_is_refused(stack: Stack, service: str, tmp_path: Path) -> None:
    address = stack.endpoints()[service]
    other = ensure_dev_certs(tmp_path / "other", SERVICES)
    foreign = TlsFiles(other.client.cert, other.client.key, stack.certs.ca)
    assert await _refused(grpc.aio.secure_channel(address, foreign.channel_credentials())) == (
        grpc.StatusCode.UNAVAILABLE
    )
    # A service certificate of the other CA is no better than its client certificate.
    posing = TlsFiles(other.files(service).cert, other.files(service).key, stack.certs.ca)
    assert await _refused(grpc.aio.secure_channel(address, posing.channel_credentials())) == (
        grpc.StatusCode.UNAVAILABLE
    )


@pytest.mark.parametrize(("caller", "called"), [("verification", "credit"), ("credit", "commitment")])
async def test_a_service_calls_another_with_its_own_certificate_and_token(
    stack: Stack, caller: str, called: str
) -> None:
    """Runtime.channel as the calling service builds it, from the environment the stack gives it."""
    settings = Settings.from_env(caller, stack.service_env(caller, 0))
    runtime = Runtime(settings, cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, None))
    try:
        channel = runtime.channel(stack.endpoints()[called])
        answer = await dev_clock_pb2_grpc.DevClockServiceStub(channel).GetTime(dev_clock_pb2.GetTimeRequest())
        assert answer.now.seconds > 0
    finally:
        await runtime.close_channels()


def test_the_cli_connects_with_the_stacks_client_certificate(stack: Stack) -> None:
    code, output = Cli(stack, ["admin"])("clock", "show")
    assert code == 0, output


def test_the_cli_without_a_certificate_is_refused(stack: Stack, tmp_path: Path) -> None:
    cli = Cli(stack, ["admin"])
    state = json.loads(stack.state_file.read_text())
    del state["tls"]  # a stack.json from before TLS, or a hand-written profile without it
    (tmp_path / "stack.json").write_text(json.dumps({**state}))
    cli.env["CHENGNUO_DATA_DIR"] = str(tmp_path)
    code, output = cli("clock", "show")
    assert code == 1
    assert "UNAVAILABLE" in output
