from __future__ import annotations

from pathlib import Path

import pytest

from services.kernel.config import ConfigError, Settings


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    for name in ("pub.pem", "token", "audit.key"):
        (tmp_path / name).write_text("x")
    env = {
        "CHENGNUO_PG_DSN": "postgresql://localhost/x",
        "CHENGNUO_NATS_URL": "nats://127.0.0.1:4222",
        "CHENGNUO_GRPC_LISTEN": "127.0.0.1:0",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": str(tmp_path / "pub.pem"),
        "CHENGNUO_SERVICE_TOKEN_FILE": str(tmp_path / "token"),
        "CHENGNUO_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def test_complete_environment_gives_frozen_settings(tmp_path: Path) -> None:
    settings = Settings.from_env("credit", _env(tmp_path, CHENGNUO_ENV="development"))
    assert settings.development
    assert settings.stream_replicas == 1
    with pytest.raises(AttributeError):
        settings.pg_dsn = "x"  # type: ignore[misc]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    env = _env(tmp_path, CHENGNUO_PG_DSN="", CHENGNUO_GRPC_LISTEN="nowhere", CHENGNUO_STREAM_REPLICAS="many")
    with pytest.raises(ConfigError) as raised:
        Settings.from_env("credit", env)
    message = str(raised.value)
    assert "CHENGNUO_PG_DSN is required" in message
    assert "CHENGNUO_GRPC_LISTEN='nowhere' must be host:port" in message
    assert "CHENGNUO_STREAM_REPLICAS='many' is not a number" in message


def test_missing_key_file_and_unknown_service(tmp_path: Path) -> None:
    env = _env(tmp_path, CHENGNUO_AUDIT_KEY_FILE=str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match="no file at"):
        Settings.from_env("credit", env)
    with pytest.raises(ConfigError, match="unknown service"):
        Settings.from_env("billing", _env(tmp_path))
