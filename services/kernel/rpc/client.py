"""Outgoing calls: every call carries a token and a deadline, over mutual TLS when configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.kernel.rpc.tls import TlsFiles

DEFAULT_TIMEOUT = 10.0


class _Defaults(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, token: Callable[[], str], timeout: float) -> None:
        self._token, self._timeout = token, timeout

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add("authorization", f"Bearer {self._token()}")
        details = grpc.aio.ClientCallDetails(
            details.method,
            details.timeout if details.timeout is not None else self._timeout,
            metadata,
            details.credentials,
            # Wait (until the deadline) for a replica to accept rather than failing at once while
            # a restarted or rescheduled server comes back.
            True if details.wait_for_ready is None else details.wait_for_ready,
        )
        return await continuation(details, request)


def channel(
    address: str, token: Callable[[], str], timeout: float = DEFAULT_TIMEOUT, tls: TlsFiles | None = None
) -> grpc.aio.Channel:
    """A channel presenting `tls`'s certificate and verifying the server against its CA (mutual
    TLS); plaintext only when `tls` is None (a development stack without TLS, CHENGNUO_TLS=off)."""
    # Spread calls over every address the name resolves to (all pods behind a headless Service);
    # servers close connections after a while (max_connection_age) so new pods get traffic too.
    options = [
        ("grpc.lb_policy_name", "round_robin"),
        # Own connections per channel, retried quickly: a replica that restarts (same address)
        # is reached again within seconds, not after grpc's default backoff of up to 2 minutes.
        ("grpc.use_local_subchannel_pool", 1),
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 5000),
    ]
    interceptors = [_Defaults(token, timeout)]
    if tls is None:
        return grpc.aio.insecure_channel(address, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(
        address, tls.channel_credentials(), options=options, interceptors=interceptors
    )
