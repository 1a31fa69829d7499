"""Who is calling: signed tokens (JWT, Ed25519) carrying subject, department, region and roles.

Tokens are minted by whoever holds the signing key (the launcher and CLI in development, the
identity provider in production) and verified by every service against the public keys it was
given; several keys may be trusted at once so the signing key can be rotated without downtime.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.kernel.errors import PermissionDenied, Unauthenticated

ISSUER = "chengnuo"
AUDIENCE = "chengnuo"
ADMIN = "admin"  # system administration: calendars, rule sets, development clock
SERVICE = "service"  # another chengnuo service calling on its own behalf
ANY_ROLE = "*"  # any authenticated caller


@dataclass(frozen=True)
class Caller:
    subject: str
    department: str
    region: str
    roles: frozenset[str]
    expires_at: float

    def has_any(self, roles: Sequence[str]) -> bool:
        return ANY_ROLE in roles or not self.roles.isdisjoint(roles)

    def require_department(self, department: str) -> None:
        if department != self.department:
            raise PermissionDenied(
                f"this belongs to department {department!r}; the caller acts for {self.department!r}"
            )

    @property
    def role(self) -> str:
        """The caller's roles as one audit-friendly string."""
        return ",".join(sorted(self.roles))


_current: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller")


def current_caller() -> Caller:
    """The authenticated caller of the RPC being served (set by the auth interceptor)."""
    try:
        return _current.get()
    except LookupError:
        raise Unauthenticated("no authenticated caller in this context") from None


def set_current_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _current.set(caller)


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def mint(
    key: Ed25519PrivateKey,
    *,
    subject: str,
    department: str,
    region: str,
    roles: Sequence[str],
    now: dt.datetime,
    ttl: dt.timedelta,
) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "dept": department,
        "region": region,
        "roles": sorted(set(roles)),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": key_id(key.public_key())})


class TokenVerifier:
    """Verifies tokens against the trusted keys; remembers tokens it has already checked."""

    _CACHE_LIMIT = 4096

    def __init__(self, keys: Sequence[Ed25519PublicKey]) -> None:
        self._keys = {key_id(k): k for k in keys}
        self._cache: dict[str, Caller] = {}

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> TokenVerifier:
        return cls([load_public_key(p) for p in paths])

    def verify(self, token: str, now: float) -> Caller:
        caller = self._cache.get(token)
        if caller is None:
            caller = self._decode(token)
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = caller
        if caller.expires_at <= now:
            raise Unauthenticated("the token has expired")
        return caller

    def _decode(self, token: str) -> Caller:
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = self._keys.get(kid)
            if key is None:
                raise Unauthenticated("the token is signed by a key this service does not trust")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        return Caller(
            subject=str(claims["sub"]),
            department=str(claims.get("dept", "")),
            region=str(claims.get("region", "")),
            roles=frozenset(str(r) for r in claims.get("roles", [])),
            expires_at=float(claims["exp"]),
        )
