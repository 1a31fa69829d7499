"""Where the services are and who the user is, for every command.

Endpoints: CHENGNUO_<SERVICE>_ADDR, else the profile file, else the running `chengnuo up` stack
(its stack.json in the data directory). Token: CHENGNUO_TOKEN, else the profile file (written by
`chengnuo token --save`). Transport: mutual TLS with the certificate, key and CA in
CHENGNUO_TLS_CERT, CHENGNUO_TLS_KEY and CHENGNUO_TLS_CA, else the profile's `tls`, else the stack's
client certificate; plaintext only when none is known (a service run with CHENGNUO_TLS=off).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc

from services.kernel.config import SERVICES, TLS_VARIABLES
from services.kernel.rpc.tls import TlsFiles

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
    tls: TlsFiles | None = None
    tls_problem: str = ""  # reported when a call is made, like a missing address

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
        cert, key, ca = (os.environ.get(name, "") for name in TLS_VARIABLES)
        if cert and key and ca:
            return cls(endpoints, token, nats_url, prefix, TlsFiles(Path(cert), Path(key), Path(ca)))
        if cert or key or ca:
            return cls(
                endpoints, token, nats_url, prefix, None, f"set all of {', '.join(TLS_VARIABLES)}, or none"
            )
        tls = TlsFiles.from_json(profile.get("tls")) or TlsFiles.from_json(stack.get("tls"))
        return cls(endpoints, token, nats_url, prefix, tls)

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
        address = self.address(service)
        return make(grpc.intercept_channel(self._channel(address), _Auth(self.token)))

    def _channel(self, address: str) -> grpc.Channel:
        if self.tls_problem:
            raise NotConfigured(self.tls_problem)
        if self.tls is None:
            return grpc.insecure_channel(address)
        try:
            return grpc.secure_channel(address, self.tls.channel_credentials())
        except OSError as error:
            raise NotConfigured(f"cannot read the TLS file {error.filename}: {error.strerror}") from None


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
