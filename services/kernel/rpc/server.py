"""grpc.aio server bootstrap: our services plus health checking and reflection (v1 and v1alpha)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import FileDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.kernel.auth import TokenVerifier
from services.kernel.rpc import reflection
from services.kernel.rpc.interceptor import CallInterceptor
from services.kernel.rpc.tls import TlsFiles

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # bulk imports and matches send large lists
# A health check name that answers SERVING while the process runs, whatever the database does:
# for liveness probes, which must not restart a process only because PostgreSQL is away.
LIVENESS = "liveness"


@dataclass(frozen=True)
class Registration:
    """One servicer and how to add it: `add` is the generated add_XServicer_to_server."""

    add: Callable[[Any, grpc.aio.Server], None]
    servicer: object
    name: str

    @classmethod
    def of(
        cls,
        add: Callable[[Any, grpc.aio.Server], None],
        servicer: object,
        file: FileDescriptor,
        service: str,
    ) -> Registration:
        return cls(add, servicer, file.services_by_name[service].full_name)

    @classmethod
    def serving(cls, servicer: object) -> Registration:
        """The registration of a servicer, read off the generated base class it implements:
        `XServicer` of a `*_pb2_grpc` module, added by that module's `add_XServicer_to_server`,
        describing service `X` of the matching `*_pb2` file."""
        bases = [
            b
            for b in type(servicer).__mro__
            if b.__module__.endswith("_pb2_grpc") and b.__name__.endswith("Servicer")
        ]
        if not bases:
            raise TypeError(f"{type(servicer).__name__} implements no generated servicer")
        base = bases[0]
        add = getattr(sys.modules[base.__module__], f"add_{base.__name__}_to_server")
        messages = importlib.import_module(base.__module__.removesuffix("_grpc"))
        return cls.of(add, servicer, messages.DESCRIPTOR, base.__name__.removesuffix("Servicer"))


class RunningServer:
    def __init__(
        self,
        server: grpc.aio.Server,
        health: health.aio.HealthServicer,
        port: int,
        names: list[str],
    ) -> None:
        self.server, self.health, self.port, self.names = server, health, port, names
        self.stopping = False
        self.probe: grpc.aio.Server | None = None  # the plaintext health-only port, if any

    async def set_serving(self, serving: bool) -> None:
        """Report every service (and "") SERVING or NOT_SERVING, e.g. while the database is away
        (LIVENESS keeps SERVING); ignored once stopping: graceful shutdown's NOT_SERVING is final."""
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ["", *self.names]:
            if self.stopping:
                return
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, refuse new calls, give in-flight ones `grace` seconds."""
        self.stopping = True
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        if self.probe is not None:  # kept until here: probes see NOT_SERVING while calls drain
            await self.probe.stop(0)


async def start(
    listen: str,
    registrations: Sequence[Registration],
    verifier: TokenVerifier,
    tls: TlsFiles | None = None,
    health_listen: str = "",
) -> RunningServer:
    """Serve on `listen`, with mutual TLS when `tls` is given (plaintext otherwise), and the health
    check alone in plaintext on `health_listen` if set (for probes that cannot speak TLS)."""
    server = grpc.aio.server(
        interceptors=[CallInterceptor(verifier)],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 1),  # lets --workers processes share one port
            # Clients reconnect now and then, so new replicas receive their share of calls.
            ("grpc.max_connection_age_ms", 5 * 60 * 1000),
            ("grpc.max_connection_age_grace_ms", 30 * 1000),
        ],
    )
    for registration in registrations:
        registration.add(registration.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [r.name for r in registrations]
    reflection.enable(server, [*names, health.SERVICE_NAME])
    port = (
        server.add_secure_port(listen, tls.server_credentials()) if tls else server.add_insecure_port(listen)
    )
    await server.start()
    for name in ["", *names, LIVENESS]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = RunningServer(server, health_servicer, port, names)
    if health_listen:
        running.probe = await _probe(health_listen, health_servicer)
    return running


async def _probe(listen: str, health_servicer: health.aio.HealthServicer) -> grpc.aio.Server:
    """The same health servicer on a plaintext port of its own, with nothing else on it: a status
    is all it tells, and a caller reaches no other RPC without a certificate."""
    probe = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, probe)
    probe.add_insecure_port(listen)
    await probe.start()
    return probe
