"""`chengnuo serve commitment --workers N`: throughput with 1 and 2 worker processes on one port.

The workers share the port through SO_REUSEPORT, which spreads connections, not calls: the client
opens several channels (each its own connection) and deals its calls over them.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeAlias

from bench.load import Figure, closed_loop
from bench.scale import Scale
from bench.world import Caller, World
from chengnuo.commitment.v1 import commitment_pb2_grpc
from services.launcher.processes import stop
from services.launcher.stack import _wait_serving

CHANNELS = 8
CHENGNUO = str(Path(sys.executable).parent / "chengnuo")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serving(world: World, workers: int) -> AsyncIterator[str]:
    """The commitment service as `chengnuo serve --workers N` on a port of its own."""
    port = _free_port()
    env = world.stack.service_env("commitment", port)
    env.pop("CHENGNUO_READY_FILE")
    log = (world.stack.data_dir / "logs" / f"commitment-workers-{workers}.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        CHENGNUO, "serve", "commitment", "--workers", str(workers), env=env, stdout=log, stderr=log
    )
    try:
        address = f"127.0.0.1:{port}"
        await _wait_serving(address, timeout=60, tls=world.stack.client_tls)
        await asyncio.sleep(1.0 * workers)  # every worker up, not just the first to answer
        yield address
    finally:
        await stop(process, signal.SIGTERM, 20)
        log.close()


Call: TypeAlias = "Callable[[commitment_pb2_grpc.CommitmentServiceAsyncStub, int], Awaitable[object]]"


async def throughput(
    caller: Caller, address: str, workers: int, call: tuple[str, Call], scale: Scale
) -> Figure:
    name, call_one = call
    channels = [caller.channel(address) for _ in range(CHANNELS)]
    stubs = [commitment_pb2_grpc.CommitmentServiceStub(c) for c in channels]

    async def one(n: int) -> object:
        return await call_one(stubs[n % CHANNELS], n)

    try:
        return await closed_loop(
            f"{name}, {workers} worker{'s' if workers > 1 else ''}",
            one,
            concurrency=scale.concurrency,
            seconds=scale.seconds,
            warmup=scale.warmup,
        )
    finally:
        for made in channels:
            await made.close()
