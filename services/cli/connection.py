"""Where the services are and who the user is, for every command.

Endpoints: CHENGNUO_<SERVICE>_ADDR, else the profile file, else the running `chengnuo up` stack
(its stack.json in the data directory). Token: CHENGNUO_TOKEN, else the profile file (written by
`chengnuo token --save`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc

from services.kernel.config import SERVICES

DEFAULT_TIMEOUT = 30.0
S = TypeVar("S")


def profile_path() -> Path:
    return Path(os.environ.get("CHENGNUO_PROFILE", Path.home() / ".config" / "chengnuo" / "profile.json"))


def data_dir() -> Path:
    return Path(os.environ.get("CHENGNUO_DATA_DIR", ".chengnuo"))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


class NotConfigured(Exception):
    pass


@dataclass(frozen=True)
class Connection:
    endpoints: dict[str, str]
    token: str
    nats_url: str
    nats_prefix: str = ""  # CHENGNUO_NATS_PREFIX of the services

    @classmethod
    def discover(cls) -> Connection:
        stack = _read_json(data_dir() / "stack.json")
        profile = _read_json(profile_path())
        endpoints = {**stack.get("endpoints", {}), **profile.get("endpoints", {})}
        for name in SERVICES:
            if os.environ.get(f"CHENGNUO_{name.upper()}_ADDR"):
                endpoints[name] = os.environ[f"CHENGNUO_{name.upper()}_ADDR"]
        token = os.environ.get("CHENGNUO_TOKEN") or str(profile.get("token", ""))
        nats_url = os.environ.get("CHENGNUO_NATS_URL") or str(stack.get("nats_url", ""))
        prefix = os.environ.get("CHENGNUO_NATS_PREFIX") or str(stack.get("nats_prefix", ""))
        return cls(endpoints, token, nats_url, prefix)

    def address(self, service: str) -> str:
        found = self.endpoints.get(service)
        if not found:
            raise NotConfigured(
                f"no address for the {service} service: start `chengnuo up`, or set "
                f"CHENGNUO_{service.upper()}_ADDR"
            )
        return found

    def stub(self, service: str, make: Callable[[grpc.Channel], S]) -> S:
        if not self.token:
            raise NotConfigured("no token: set CHENGNUO_TOKEN or run `chengnuo token ... --save`")
        channel = grpc.intercept_channel(grpc.insecure_channel(self.address(service)), _Auth(self.token))
        return make(channel)


class _Details(grpc.ClientCallDetails):
    def __init__(self, base: grpc.ClientCallDetails, token: str) -> None:
        self.method = base.method
        self.timeout = base.timeout if base.timeout is not None else DEFAULT_TIMEOUT
        self.metadata = (*(base.metadata or ()), ("authorization", f"Bearer {token}"))
        self.credentials = base.credentials
        self.wait_for_ready = base.wait_for_ready
        self.compression = getattr(base, "compression", None)


class _Auth(
    grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor, grpc.StreamUnaryClientInterceptor
):
    """Adds the token and a deadline to every call."""

    def __init__(self, token: str) -> None:
        self.token = token

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(_Details(details, self.token), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(_Details(details, self.token), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(_Details(details, self.token), requests)
