"""Clients of a replicated stack that behave like a careful portal: spread calls over the
replicas and retry a call that could not reach one on another, with the same request_id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from services.kernel import auth
from services.launcher.stack import Stack
from tests.support import RETRYABLE, channel, mint


class Replicated:
    def __init__(self, stack: Stack, service: str, stub: Any, roles: Sequence[str], department: str) -> None:
        token = mint(auth.load_private_key(stack.keys.signing_key), roles, department, "350200")
        self.channels = [channel(address, token) for address in stack.replica_endpoints(service)]
        self.stubs = [stub(made) for made in self.channels]
        self.retries = 0

    async def call(self, method: str, request: Any, key: int = 0) -> Any:
        """Call on replica `key` (mod n); on a replica that is gone, try the next one."""
        last: grpc.aio.AioRpcError | None = None
        for attempt in range(3 * len(self.stubs)):
            stub = self.stubs[(key + attempt) % len(self.stubs)]
            try:
                return await getattr(stub, method)(request, timeout=10, wait_for_ready=False)
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE:
                    raise
                self.retries += 1
                last = error
        assert last is not None
        raise last

    async def close(self) -> None:
        for made in self.channels:
            await made.close()
