"""The stack the demo runs on: one of its own, or the one `chengnuo up` runs when handed over.

The demo moves the clock and writes data, so it never takes a running stack unasked.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.kernel import auth
from services.kernel.rpc.tls import TlsFiles
from services.launcher.processes import alive
from services.launcher.stack import Stack, StackOptions


@dataclass(frozen=True)
class InUse:
    endpoints: dict[str, str]
    key: Ed25519PrivateKey
    started_here: bool
    tls: TlsFiles | None = None  # the stack's client certificate (its services serve mutual TLS)


async def _serving(address: str, tls: TlsFiles | None) -> bool:
    made = (
        grpc.aio.secure_channel(address, tls.channel_credentials())
        if tls
        else grpc.aio.insecure_channel(address)
    )
    async with made as channel:
        try:
            answer = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=2
            )
        except grpc.aio.AioRpcError:
            return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)


async def _running(data_dir: Path) -> InUse | None:
    try:
        state = json.loads((data_dir / "stack.json").read_text())
    except (OSError, ValueError):
        return None
    endpoints: dict[str, str] = state.get("endpoints", {})
    if not alive(int(state.get("pid", 0))) or not state.get("development"):
        return None
    tls = TlsFiles.from_json(state.get("tls"))
    if not all([await _serving(address, tls) for address in endpoints.values()]):
        return None
    return InUse(endpoints, auth.load_private_key(Path(state["signing_key"])), started_here=False, tls=tls)


class NoRunningStack(Exception):
    pass


@asynccontextmanager
async def stack_for_demo(data_dir: Path, use_running: bool) -> AsyncIterator[InUse]:
    """The running development stack of `data_dir` when asked for, else a scratch one removed after."""
    if use_running:
        running = await _running(data_dir)
        if running is None:
            raise NoRunningStack(
                f"no development stack is running from {data_dir}: start `chengnuo up` there, "
                "or leave out --use-running to run on a stack of the demo's own"
            )
        yield running
        return
    scratch = Path(tempfile.mkdtemp(prefix="chengnuo-demo-"))
    # Embedded servers on free ports, never CHENGNUO_PG_DSN/NATS_URL: nothing of the user's changes.
    options = StackOptions(
        data_dir=scratch, grace_seconds=3, clock_start=os.environ.get("CHENGNUO_CLOCK_START", "")
    )
    stack = Stack(options)
    try:
        await stack.start()
        key = auth.load_private_key(stack.keys.signing_key)
        yield InUse(stack.endpoints(), key, started_here=True, tls=stack.client_tls)
    finally:
        await stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)
