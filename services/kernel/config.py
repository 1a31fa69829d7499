"""Process settings, read once from the environment into a frozen object.

Every variable is listed in `VARIABLES` (the README table is generated from the same names).
A missing or malformed value stops start-up with one message naming every problem.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from services.kernel.clock import parse_start
from services.kernel.rpc import tls
from services.kernel.rpc.tls import TlsFiles

SERVICES = ("commitment", "verification", "credit")

VARIABLES = {
    "CHENGNUO_ENV": "development or production (default production; development enables DevClock)",
    "CHENGNUO_PG_DSN": "PostgreSQL URL, e.g. postgresql://user@host:5432/chengnuo",
    "CHENGNUO_NATS_URL": "NATS URL(s), comma separated, e.g. nats://127.0.0.1:4222",
    "CHENGNUO_NATS_CREDS": "optional: NATS user credentials file (JWT + NKey seed) for authenticated servers",
    "CHENGNUO_NATS_USER": "optional: the service's NATS user on a server with users and passwords",
    "CHENGNUO_NATS_PASSWORD_FILE": "optional, with CHENGNUO_NATS_USER: file holding that user's password",
    "CHENGNUO_NATS_PREFIX": "optional: prefix of every stream, subject and consumer name, so several"
    " installations share one NATS (letters, digits, _ and -, at most 32; default none)",
    "CHENGNUO_CLOCK_START": "development only, optional: the day (2027-12-27, 09:00 China time) or ISO"
    " date-time a new stack's clock starts on; ignored once the stack's clock is stored",
    "CHENGNUO_MIGRATE": "apply (default): apply missing migrations at start; verify: refuse if any missing",
    "CHENGNUO_GRPC_LISTEN": "host:port this service listens on (port 0 picks a free port)",
    "CHENGNUO_TOKEN_PUBLIC_KEYS": "PEM files of token signing public keys, separated by ':'",
    "CHENGNUO_SERVICE_TOKEN_FILE": "file holding this service's own token for calls to other services",
    "CHENGNUO_AUDIT_KEY_FILE": "file holding the secret key that chains this service's audit rows",
    "CHENGNUO_PSEUDONYM_KEY_FILE": "file holding the installation's secret key for natural persons'"
    " pseudonyms in platform feeds (without it their codes are masked) and their public pages;"
    " required by the credit service, which publishes (公示) records keyed by it",
    "CHENGNUO_CREDIT_ADDR": "host:port of the credit service (for services that call it)",
    "CHENGNUO_READY_FILE": "optional: file the service writes its bound address to once serving",
    "CHENGNUO_STREAM_REPLICAS": "JetStream stream replicas (default 1; 3 in production clusters)",
    "CHENGNUO_LOG_LEVEL": "debug, info, warning or error (default info)",
    "CHENGNUO_GRACE_SECONDS": "seconds in-flight calls get on SIGTERM (default 10)",
    "CHENGNUO_DB_POOL_SIZE": "maximum PostgreSQL connections of this process (default 10)",
    "CHENGNUO_AUDIT_RETENTION_DAYS": "days audit and query-log rows are kept (default and minimum 1827)",
    "CHENGNUO_AUDIT_CHECKPOINT_SECONDS": "seconds between signed audit-chain checkpoints (default 300)",
    "CHENGNUO_TLS_CERT": "PEM certificate of this service (then any intermediates): its identity to its"
    " callers, and to the services it calls",
    "CHENGNUO_TLS_KEY": "PEM private key of that certificate, not readable by others (0600; 0440 as"
    " Kubernetes mounts it for the pod's group)",
    "CHENGNUO_TLS_CA": "PEM certificates of the CA(s) it trusts: every caller must present a certificate"
    " they issued (mutual TLS), and so must the services it calls",
    "CHENGNUO_TLS": "optional: off serves plaintext, which production refuses otherwise (only where the"
    " network already encrypts and authenticates, e.g. a service mesh); mutual requires the three files",
    "CHENGNUO_HEALTH_LISTEN": "optional: host:port of a plaintext port answering only the health check"
    " (grpc.health.v1), for probes that cannot speak TLS such as Kubernetes' gRPC probes",
}
TLS_VARIABLES = ("CHENGNUO_TLS_CERT", "CHENGNUO_TLS_KEY", "CHENGNUO_TLS_CA")

# Query logs (信用信息查询记录: who looked at whose credit, and why) are kept at least five years.
MINIMUM_AUDIT_RETENTION_DAYS = 1827


PG_SCHEMES = ("postgresql", "postgres")
NATS_SCHEMES = ("nats", "tls", "ws", "wss")
NATS_PREFIX = re.compile(r"[A-Za-z0-9_-]{1,32}")


class ConfigError(Exception):
    pass


def redacted_url(url: str) -> str:
    """`url` with any password replaced by ***, for showing to people and logs."""
    return ",".join(_redacted(part) for part in url.split(","))


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


def settings_or_exit(service: str) -> Settings:
    """The settings from the environment; else every problem on stderr and exit status 2."""
    try:
        return Settings.from_env(service)
    except ConfigError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


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
    nats_prefix: str = ""
    audit_checkpoint_seconds: float = 300.0
    tls: TlsFiles | None = None  # None: plaintext (development, or CHENGNUO_TLS=off)
    health_listen: str = ""
    pseudonym_key_file: Path | None = None
    nats_user: str = ""
    nats_password_file: Path | None = None

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
            pg_dsn=self.pg_dsn("CHENGNUO_PG_DSN"),
            nats_url=self.nats_urls("CHENGNUO_NATS_URL"),
            nats_creds=self.optional_file("CHENGNUO_NATS_CREDS"),
            apply_migrations=self.choice("CHENGNUO_MIGRATE", ("apply", "verify")) == "apply",
            grpc_listen=self.address("CHENGNUO_GRPC_LISTEN"),
            token_public_keys=tuple(self.files("CHENGNUO_TOKEN_PUBLIC_KEYS")),
            service_token_file=self.file("CHENGNUO_SERVICE_TOKEN_FILE"),
            audit_key_file=self.file("CHENGNUO_AUDIT_KEY_FILE"),
            pseudonym_key_file=self.optional_file("CHENGNUO_PSEUDONYM_KEY_FILE"),
            nats_user=self.env.get("CHENGNUO_NATS_USER", "").strip(),
            nats_password_file=self.optional_file("CHENGNUO_NATS_PASSWORD_FILE"),
            credit_addr=self.optional_address("CHENGNUO_CREDIT_ADDR"),
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
            nats_prefix=self.nats_prefix("CHENGNUO_NATS_PREFIX"),
            audit_checkpoint_seconds=self.number("CHENGNUO_AUDIT_CHECKPOINT_SECONDS", 300, 1, 86400),
            tls=self.tls(),
            health_listen=self.health_listen("CHENGNUO_HEALTH_LISTEN"),
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

    def tls(self) -> TlsFiles | None:
        """Mutual TLS when the three files are set; plaintext only in development or when asked for."""
        mode = self.env.get("CHENGNUO_TLS", "").strip().lower()
        if mode not in ("", "mutual", "off"):
            self.problems.append(f"CHENGNUO_TLS={mode!r} must be one of mutual, off")
            return None
        given = {name: self.env.get(name, "").strip() for name in TLS_VARIABLES}
        if mode == "off":
            if any(given.values()):
                named = ", ".join(name for name, value in given.items() if value)
                self.problems.append(f"CHENGNUO_TLS=off contradicts {named}: unset one or the other")
            return None
        if not any(given.values()):
            production = self.env.get("CHENGNUO_ENV", "production").strip().lower() != "development"
            if production or mode == "mutual":
                self.problems.append(
                    f"CHENGNUO_TLS_CERT is required {'in production' if production else 'by CHENGNUO_TLS'},"
                    " with CHENGNUO_TLS_KEY and CHENGNUO_TLS_CA (mutual TLS), unless CHENGNUO_TLS=off"
                )
            return None
        missing = [name for name, value in given.items() if not value]
        for name in missing:
            self.problems.append(f"{name} is required with the other TLS files: {VARIABLES[name]}")
        if missing:
            return None
        files = TlsFiles(*(Path(given[name]) for name in TLS_VARIABLES))
        self.problems += tls.problems(files, TLS_VARIABLES, dt.datetime.now(dt.UTC))
        return files

    def health_listen(self, name: str) -> str:
        value = self.optional_address(name)
        port = value.rpartition(":")[2]
        if value and port != "0" and port == self.env.get("CHENGNUO_GRPC_LISTEN", "").rpartition(":")[2]:
            self.problems.append(f"{name}={value!r} must use another port than CHENGNUO_GRPC_LISTEN")
        return value

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
        if value:
            self.check_address(name, value)
        return value

    def optional_address(self, name: str) -> str:
        value = self.env.get(name, "").strip()
        if value:
            self.check_address(name, value)
        return value

    def check_address(self, name: str, value: str) -> None:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit():
            self.problems.append(f"{name}={value!r} must be host:port")
        elif int(port) > 65535:
            self.problems.append(f"{name}={value!r}: the port must be between 0 and 65535")

    def pg_dsn(self, name: str) -> str:
        value = self.required(name)
        if value:
            self.check_url(name, value, PG_SCHEMES, need_host=False)
        return value

    def nats_urls(self, name: str) -> str:
        value = self.required(name)
        for url in value.split(",") if value else []:
            self.check_url(name, url.strip(), NATS_SCHEMES, need_host=True)
        return value

    def check_url(self, name: str, url: str, schemes: tuple[str, ...], *, need_host: bool) -> None:
        # Shown with its password elided: the message goes to a terminal or a log.
        shown = redacted_url(url)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            self.problems.append(f"{name}={shown!r}: the port must be a number between 1 and 65535")
            return
        if parts.scheme not in schemes:
            self.problems.append(
                f"{name}={shown!r} must be a URL starting {' or '.join(f'{s}://' for s in schemes)}"
            )
        elif need_host and not parts.hostname:
            self.problems.append(f"{name}={shown!r} must name a host, e.g. {schemes[0]}://127.0.0.1:4222")
        elif port == 0:
            self.problems.append(f"{name}={shown!r}: the port must be between 1 and 65535")

    def nats_prefix(self, name: str) -> str:
        value = self.env.get(name, "").strip()
        if value and not NATS_PREFIX.fullmatch(value):
            self.problems.append(f"{name}={value!r}: letters, digits, _ and - only, at most 32")
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
