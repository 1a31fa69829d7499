"""The whole system on one machine: infrastructure, migrations, the three service processes.

`chengnuo up`, the demo and the end-to-end tests all start the system through `Stack`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.kernel import auth, migrations
from services.kernel.bus import Names
from services.kernel.clock import offset_to, parse_start
from services.kernel.config import SERVICES
from services.kernel.keys import DevKeys, ensure_dev_keys, write_secret
from services.kernel.rpc.tls import TlsFiles
from services.launcher.certs import LOCAL_HOSTS, CertFolder, ensure_dev_certs
from services.launcher.embedded import EmbeddedNats, EmbeddedPostgres
from services.launcher.nats_auth import (
    OPERATOR,
    PLATFORM_USER_PREFIX,
    NatsCredentials,
    NatsUser,
    operator_user,
    platform_user,
    service_user,
)
from services.launcher.processes import spawn, stop
from services.launcher.supervisor import Backoff, Supervisor

DATABASE = "chengnuo"
SERVICE_TOKEN_TTL = dt.timedelta(days=365)
# Credit first: the others are given its address.
START_ORDER = (("credit",), ("commitment", "verification"))


@dataclass
class StackOptions:
    data_dir: Path
    pg_dsn: str = ""  # external PostgreSQL when set
    nats_url: str = ""  # external NATS when set
    nats_port: int = 0  # embedded NATS: 0 picks a free port (`chengnuo up` asks for a stable one)
    nats_prefix: str = ""  # CHENGNUO_NATS_PREFIX of the services: installations sharing one NATS
    port_base: int = 0  # 0: every service on a free port
    host: str = "127.0.0.1"
    development: bool = True
    grace_seconds: float = 10.0
    replicas: int = 1  # processes per service, each on its own port, sharing the database and NATS
    clock_start: str = ""  # development: the day (or ISO date-time) a new stack's clock starts on
    extra_env: dict[str, str] = field(default_factory=dict)
    # Credit platforms given NATS users of their own on the embedded NATS (nats_auth.py), besides
    # those given them before (CHENGNUO_NATS_PLATFORMS, comma separated); `add_platform` adds more.
    platforms: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, data_dir: Path, port_base: int, nats_port: int = 0) -> StackOptions:
        return cls(
            data_dir=data_dir,
            pg_dsn=os.environ.get("CHENGNUO_PG_DSN", ""),
            nats_url=os.environ.get("CHENGNUO_NATS_URL", ""),
            nats_port=nats_port,
            nats_prefix=os.environ.get("CHENGNUO_NATS_PREFIX", ""),
            port_base=port_base,
            clock_start=os.environ.get("CHENGNUO_CLOCK_START", ""),
            platforms=tuple(
                p.strip() for p in os.environ.get("CHENGNUO_NATS_PLATFORMS", "").split(",") if p.strip()
            ),
        )


@dataclass
class ServiceProcess:
    name: str
    replica: int
    process: asyncio.subprocess.Process
    address: str
    log: Path


class Stack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self.keys: DevKeys = DevKeys(self.data_dir / "keys")
        self.certs = CertFolder(self.data_dir / "tls")
        self.postgres: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.pg_dsn = ""
        self.nats_url = ""  # as the operator (with its password, for the CLI and tests)
        self.nats_address = ""  # without credentials: each client brings its own
        self.nats_credentials = NatsCredentials(self.data_dir / "keys")
        self.processes: dict[tuple[str, int], ServiceProcess] = {}
        self.supervisor: Supervisor | None = None

    @property
    def state_file(self) -> Path:
        return self.data_dir / "stack.json"

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            await self._start_infrastructure()
            await self._prepare()
            for group in START_ORDER:
                replicas = range(self.options.replicas)
                await asyncio.gather(*(self.start_service(name, i) for name in group for i in replicas))
            self._write_state()
        except BaseException:
            await self.stop()
            raise

    async def _start_infrastructure(self) -> None:
        self.keys = ensure_dev_keys(self.data_dir / "keys", SERVICES)
        # Mutual TLS on every service, between them too: made at first start, reused after.
        hosts = [] if self.options.host in LOCAL_HOSTS else [self.options.host]
        self.certs = ensure_dev_certs(self.data_dir / "tls", SERVICES, hosts)
        if self.options.pg_dsn:
            self.pg_dsn = self.options.pg_dsn
        else:
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
            self.pg_dsn = _with_database(await self.postgres.start(), DATABASE)
        if self.options.nats_url:
            self.nats_url = self.nats_address = self.options.nats_url
        else:
            for platform in self.options.platforms:
                platform_user(platform, Names(self.options.nats_prefix))  # refuses a bad name early
                self.nats_credentials.password(PLATFORM_USER_PREFIX + platform)
            authorization = self.nats_credentials.authorization(self._nats_users())
            self.nats = EmbeddedNats(self.data_dir / "nats", self.options.nats_port, authorization)
            self.nats_address = await self.nats.start()
            self.nats_url = _with_user(self.nats_address, OPERATOR, self.nats_credentials.password(OPERATOR))

    def _nats_users(self) -> list[NatsUser]:
        names = Names(self.options.nats_prefix)
        platforms = self.nats_credentials.platforms()
        return [
            *(service_user(s, names) for s in SERVICES),
            *(platform_user(p, names) for p in platforms),
            operator_user(),
        ]

    async def add_platform(self, platform: str) -> Path:
        """Give a credit platform its NATS user on the embedded NATS (at once, by a reload); the
        file holding its password."""
        if self.nats is None:
            raise RuntimeError("an external NATS: its operator configures the platform's user")
        platform_user(platform, Names(self.options.nats_prefix))
        user = PLATFORM_USER_PREFIX + platform
        self.nats_credentials.password(user)
        await self.nats.reload(self.nats_credentials.authorization(self._nats_users()))
        return self.nats_credentials.password_file(user)

    async def _prepare(self) -> None:
        if self.postgres is not None:
            await _ensure_database(self.postgres.dsn, DATABASE)
        conn = await asyncpg.connect(self.pg_dsn)
        try:
            for name in SERVICES:
                await migrations.apply(conn, name, migrations.for_service(name))
            if self.options.development and self.options.clock_start:
                await _start_clocks(conn, parse_start(self.options.clock_start))
        finally:
            await conn.close()
        signing = auth.load_private_key(self.keys.signing_key)
        for name in SERVICES:
            token = auth.mint(
                signing,
                subject=f"service:{name}",
                department="",
                region="",
                roles=[auth.SERVICE],
                now=dt.datetime.now(dt.UTC),
                ttl=SERVICE_TOKEN_TTL,
            )
            write_secret(self.keys.service_token(name), token.encode())

    def service_env(self, name: str, port: int, replica: int = 0) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
        env.update(
            {
                "CHENGNUO_ENV": "development" if self.options.development else "production",
                "CHENGNUO_PG_DSN": self.pg_dsn,
                "CHENGNUO_NATS_URL": self.nats_address,
                "CHENGNUO_NATS_PREFIX": self.options.nats_prefix,
                "CHENGNUO_GRPC_LISTEN": f"{self.options.host}:{port}",
                "CHENGNUO_TOKEN_PUBLIC_KEYS": str(self.keys.public_key),
                "CHENGNUO_SERVICE_TOKEN_FILE": str(self.keys.service_token(name)),
                "CHENGNUO_AUDIT_KEY_FILE": str(self.keys.audit_key(name)),
                "CHENGNUO_PSEUDONYM_KEY_FILE": str(self.keys.pseudonym_key),
                **self._nats_login(name),
                "CHENGNUO_READY_FILE": str(self._ready_file(name, replica)),
                "CHENGNUO_GRACE_SECONDS": str(self.options.grace_seconds),
                "CHENGNUO_TLS_CERT": str(self.certs.files(name).cert),
                "CHENGNUO_TLS_KEY": str(self.certs.files(name).key),
                "CHENGNUO_TLS_CA": str(self.certs.ca),
            }
        )
        if ("credit", 0) in self.processes:
            env["CHENGNUO_CREDIT_ADDR"] = self.processes["credit", 0].address
        env.update(self.options.extra_env)
        return env

    def _ready_file(self, name: str, replica: int) -> Path:
        return self.data_dir / "run" / f"{name}-{replica}.ready"

    def _port(self, name: str, replica: int) -> int:
        if not self.options.port_base:
            return 0
        return self.options.port_base + SERVICES.index(name) + 10 * replica

    async def start_service(self, name: str, replica: int = 0) -> ServiceProcess:
        """Start (or restart, on its former port) one replica of a service."""
        ready = self._ready_file(name, replica)
        ready.parent.mkdir(parents=True, exist_ok=True)
        ready.unlink(missing_ok=True)
        known = self.processes.get((name, replica))
        port = int(known.address.rpartition(":")[2]) if known else self._port(name, replica)
        log = self.data_dir / "logs" / (f"{name}.log" if replica == 0 else f"{name}-{replica}.log")
        env = self.service_env(name, port, replica)
        process = await spawn([sys.executable, "-m", f"services.{name}"], log, env=env)
        try:
            address = await _wait_ready(name, process, ready=ready, log=log, host=self.options.host)
            await _wait_serving(address, tls=self.client_tls)
        except BaseException:
            # Not ready in time, or cancelled (the stack stops during a restart): never left running
            # unknown to the stack.
            await stop(process, signal.SIGTERM, self.options.grace_seconds + 5)
            raise
        self.processes[name, replica] = ServiceProcess(name, replica, process, address, log)
        if self.state_file.exists():
            self._write_state()  # a restarted service has a new pid
        if self.supervisor is not None:
            self.supervisor.watch((name, replica))
        return self.processes[name, replica]

    def supervise(self, report: Callable[[str], None], backoff: Backoff | None = None) -> Supervisor:
        """Restart every service replica that dies from now until the stack stops."""
        self.supervisor = Supervisor(self, report, backoff)
        for key in self.processes:
            self.supervisor.watch(key)
        return self.supervisor

    async def stop_service(self, name: str, sig: int = signal.SIGTERM, replica: int = 0) -> int:
        """Stop one replica on purpose (a supervisor leaves it stopped; on an unsupervised stack
        SIGKILL simulates a crash); its address is kept for a restart."""
        found = self.processes[name, replica]
        if self.supervisor is not None:
            self.supervisor.unwatch((name, replica))
        return await stop(found.process, sig, self.options.grace_seconds + 5)

    async def stop(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.stop()  # first: no stopping service is taken for a dead one
        await asyncio.gather(*(self.stop_service(n, replica=i) for n, i in list(self.processes)))
        if self.nats is not None:
            await self.nats.stop()
        if self.postgres is not None:
            await self.postgres.stop()
        self.state_file.unlink(missing_ok=True)

    @property
    def client_tls(self) -> TlsFiles:
        """The certificate the CLI and tests call the services with (issued by the stack's CA)."""
        return self.certs.client

    def endpoints(self) -> dict[str, str]:
        """The first replica of each service."""
        return {name: p.address for (name, replica), p in self.processes.items() if replica == 0}

    def replica_endpoints(self, name: str) -> list[str]:
        return [p.address for (service, _), p in sorted(self.processes.items()) if service == name]

    def _nats_login(self, service: str) -> dict[str, str]:
        """The service's own NATS user on the embedded NATS (none on an external one)."""
        if self.nats is None:
            return {}
        self.nats_credentials.password(service)
        return {
            "CHENGNUO_NATS_USER": service,
            "CHENGNUO_NATS_PASSWORD_FILE": str(self.nats_credentials.password_file(service)),
        }

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "endpoints": self.endpoints(),
            "pids": {f"{name}-{i}": p.process.pid for (name, i), p in self.processes.items()},
            "pg_dsn": self.pg_dsn,
            "nats_url": self.nats_url,
            "nats_address": self.nats_address,
            "nats_prefix": self.options.nats_prefix,
            "signing_key": str(self.keys.signing_key),
            "tls": self.client_tls.as_json(),  # what `chengnuo` commands connect with
            "development": self.options.development,
            "started_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        # Private: an external DSN may carry a password.
        write_secret(self.state_file, json.dumps(state, indent=2).encode())


def _with_user(url: str, user: str, password: str) -> str:
    """`url` logging in as `user` (nats-py reads the user and password from the URL)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}:{password}@{rest}"


async def _start_clocks(conn: asyncpg.Connection, at: dt.datetime) -> None:
    """One offset for every service, computed once, so all of them read the same day; a stack
    whose clock is already stored keeps it (a restart never moves time back)."""
    offset_us = offset_to(at) // dt.timedelta(microseconds=1)
    for name in SERVICES:
        await conn.execute(
            f'INSERT INTO "{name}".dev_clock (offset_us) VALUES ($1) ON CONFLICT (id) DO NOTHING',  # noqa: S608
            offset_us,
        )


def _with_database(dsn: str, database: str) -> str:
    return dsn.replace("/postgres?", f"/{database}?", 1)


async def _ensure_database(admin_dsn: str, database: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT true FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def _wait_ready(
    name: str,
    process: asyncio.subprocess.Process,
    *,
    ready: Path,
    log: Path,
    host: str,
    timeout: float = 60.0,
) -> str:
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.returncode is not None:
            raise RuntimeError(f"service {name} exited with {process.returncode}; see {log}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"service {name} did not start within {timeout:.0f}s; see {log}")
        await asyncio.sleep(0.05)
    port = json.loads(ready.read_text())["port"]
    return f"{host}:{port}"


async def _wait_serving(address: str, timeout: float = 30.0, tls: TlsFiles | None = None) -> None:
    made = (
        grpc.aio.secure_channel(address, tls.channel_credentials())
        if tls
        else grpc.aio.insecure_channel(address)
    )
    async with made as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.1)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
