"""Process settings, read once from the environment into a frozen object.

Every variable is listed in `VARIABLES` (the README table is generated from the same names).
A missing or malformed value stops start-up with one message naming every problem.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.kernel.clock import parse_start

SERVICES = ("commitment", "verification", "credit")

VARIABLES = {
    "CHENGNUO_ENV": "development or production (default production; development enables DevClock)",
    "CHENGNUO_PG_DSN": "PostgreSQL URL, e.g. postgresql://user@host:5432/chengnuo",
    "CHENGNUO_NATS_URL": "NATS URL(s), comma separated, e.g. nats://127.0.0.1:4222",
    "CHENGNUO_NATS_CREDS": "optional: NATS user credentials file (JWT + NKey seed) for authenticated servers",
    "CHENGNUO_CLOCK_START": "development only, optional: the day (2027-12-27, 09:00 China time) or ISO"
    " date-time a new stack's clock starts on; ignored once the stack's clock is stored",
    "CHENGNUO_MIGRATE": "apply (default): apply missing migrations at start; verify: refuse if any missing",
    "CHENGNUO_GRPC_LISTEN": "host:port this service listens on (port 0 picks a free port)",
    "CHENGNUO_TOKEN_PUBLIC_KEYS": "PEM files of token signing public keys, separated by ':'",
    "CHENGNUO_SERVICE_TOKEN_FILE": "file holding this service's own token for calls to other services",
    "CHENGNUO_AUDIT_KEY_FILE": "file holding the secret key that chains this service's audit rows",
    "CHENGNUO_CREDIT_ADDR": "host:port of the credit service (for services that call it)",
    "CHENGNUO_READY_FILE": "optional: file the service writes its bound address to once serving",
    "CHENGNUO_STREAM_REPLICAS": "JetStream stream replicas (default 1; 3 in production clusters)",
    "CHENGNUO_LOG_LEVEL": "debug, info, warning or error (default info)",
    "CHENGNUO_GRACE_SECONDS": "seconds in-flight calls get on SIGTERM (default 10)",
    "CHENGNUO_DB_POOL_SIZE": "maximum PostgreSQL connections of this process (default 10)",
    "CHENGNUO_AUDIT_RETENTION_DAYS": "days audit and query-log rows are kept (default and minimum 1827)",
}

# Query logs (who looked at whose credit, and why) are kept at least five years (domain.md §5).
MINIMUM_AUDIT_RETENTION_DAYS = 1827


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    service: str
    development: bool
    pg_dsn: str
    nats_url: str
    nats_creds: Path | None
    apply_migrations: bool
    grpc_listen: str
    token_public_keys: tuple[Path, ...]
    service_token_file: Path
    audit_key_file: Path
    credit_addr: str
    ready_file: Path | None
    stream_replicas: int
    log_level: str
    grace_seconds: float
    db_pool_size: int
    audit_retention_days: int
    clock_start: dt.datetime | None = None

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Settings:
        return _Reader(service, os.environ if env is None else env).settings()


class _Reader:
    def __init__(self, service: str, env: Mapping[str, str]) -> None:
        self.service, self.env, self.problems = service, env, list[str]()

    def settings(self) -> Settings:
        if self.service not in SERVICES:
            self.problems.append(f"unknown service {self.service!r}; one of {', '.join(SERVICES)}")
        settings = Settings(
            service=self.service,
            development=self.choice("CHENGNUO_ENV", ("production", "development")) == "development",
            pg_dsn=self.required("CHENGNUO_PG_DSN"),
            nats_url=self.required("CHENGNUO_NATS_URL"),
            nats_creds=self.optional_file("CHENGNUO_NATS_CREDS"),
            apply_migrations=self.choice("CHENGNUO_MIGRATE", ("apply", "verify")) == "apply",
            grpc_listen=self.address("CHENGNUO_GRPC_LISTEN"),
            token_public_keys=tuple(self.files("CHENGNUO_TOKEN_PUBLIC_KEYS")),
            service_token_file=self.file("CHENGNUO_SERVICE_TOKEN_FILE"),
            audit_key_file=self.file("CHENGNUO_AUDIT_KEY_FILE"),
            credit_addr=self.env.get("CHENGNUO_CREDIT_ADDR", ""),
            ready_file=Path(self.env["CHENGNUO_READY_FILE"]) if self.env.get("CHENGNUO_READY_FILE") else None,
            stream_replicas=int(self.number("CHENGNUO_STREAM_REPLICAS", 1, 1, 5)),
            log_level=self.choice("CHENGNUO_LOG_LEVEL", ("info", "debug", "warning", "error")),
            grace_seconds=self.number("CHENGNUO_GRACE_SECONDS", 10, 0, 300),
            db_pool_size=int(self.number("CHENGNUO_DB_POOL_SIZE", 10, 2, 200)),
            audit_retention_days=int(
                self.number(
                    "CHENGNUO_AUDIT_RETENTION_DAYS",
                    MINIMUM_AUDIT_RETENTION_DAYS,
                    MINIMUM_AUDIT_RETENTION_DAYS,
                    36500,
                )
            ),
            clock_start=self.clock_start(),
        )
        if self.problems:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(self.problems))
        return settings

    def clock_start(self) -> dt.datetime | None:
        raw = self.env.get("CHENGNUO_CLOCK_START", "").strip()
        if not raw:
            return None
        if self.env.get("CHENGNUO_ENV", "production").strip().lower() != "development":
            self.problems.append(
                "CHENGNUO_CLOCK_START is for development stacks only (CHENGNUO_ENV=development)"
            )
            return None
        try:
            return parse_start(raw)
        except ValueError as exc:
            self.problems.append(f"CHENGNUO_CLOCK_START: {exc}")
            return None

    def required(self, name: str) -> str:
        value = self.env.get(name, "").strip()
        if not value:
            self.problems.append(f"{name} is required: {VARIABLES[name]}")
        return value

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.env.get(name, options[0]).strip().lower()
        if value not in options:
            self.problems.append(f"{name}={value!r} must be one of {', '.join(options)}")
        return value

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.env.get(name, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = default
            self.problems.append(f"{name}={raw!r} is not a number")
        if not low <= value <= high:
            self.problems.append(f"{name}={raw!r} must be between {low:g} and {high:g}")
        return value

    def address(self, name: str) -> str:
        value = self.required(name)
        host, _, port = value.rpartition(":")
        if value and (not host or not port.isdigit()):
            self.problems.append(f"{name}={value!r} must be host:port")
        return value

    def file(self, name: str) -> Path:
        value = self.required(name)
        if value and not Path(value).is_file():
            self.problems.append(f"{name}: no file at {value}")
        return Path(value)

    def optional_file(self, name: str) -> Path | None:
        value = self.env.get(name, "").strip()
        if value and not Path(value).is_file():
            self.problems.append(f"{name}: no file at {value}")
        return Path(value) if value else None

    def files(self, name: str) -> list[Path]:
        paths = [Path(p) for p in self.required(name).split(":") if p]
        self.problems += [f"{name}: no file at {p}" for p in paths if not p.is_file()]
        return paths
