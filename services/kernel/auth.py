"""Who is calling: signed tokens (JWT, Ed25519) carrying subject, department, region and roles.

Tokens are minted by whoever holds the signing key (the launcher and CLI in development, the
identity provider in production) and verified by every service against the public keys it was
given; several keys may be trusted at once so the signing key can be rotated without downtime.

Scope: a caller acts for one department in one region, and an empty scope never means "all of
them". Every role except the system-wide ones (UNSCOPED_ROLES) therefore needs both a department
and a region: `mint` refuses to sign a token without them and `TokenVerifier` refuses such a token
should another issuer sign one. The exceptions are the roles whose work is not a department's:
`service` (another chengnuo service calling on its own behalf, e.g. the launcher's service tokens),
`admin` (calendars, rule sets, sharing agreements, the development clock) and `auditor` (the
whole audit trail). Their tokens may name a department; they are not granted more by naming none.
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
from services.kernel.identifiers import region_covers

ISSUER = "chengnuo"
AUDIENCE = "chengnuo"
ADMIN = "admin"  # system administration: calendars, rule sets, development clock
SERVICE = "service"  # another chengnuo service calling on its own behalf
AUDITOR = "auditor"  # inspects the audit trail of a whole service
ANY_ROLE = "*"  # any authenticated caller
# Roles that act for the system rather than for a department (see the module docstring).
UNSCOPED_ROLES = frozenset({ADMIN, SERVICE, AUDITOR})


def missing_scope(department: str, region: str, roles: Sequence[str]) -> str | None:
    """Why a token with this scope may not carry these roles, or None when it may."""
    scoped = sorted(set(roles) - UNSCOPED_ROLES)
    missing = [name for name, value in (("department", department), ("region", region)) if not value.strip()]
    if scoped and missing:
        acting = ", ".join(scoped)
        return f"{acting} act(s) for a department and region; the token names no {' or '.join(missing)}"
    return None


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

    def covers_region(self, region_code: str) -> bool:
        """Whether data of `region_code` lies in the caller's region. A caller of no region is a
        system-wide one (service, admin, auditor: the verifier refuses a scoped role without a
        region), so it is covered."""
        return not self.region or region_covers(self.region, region_code)

    def require_region(self, region_code: str, what: str) -> None:
        if not self.covers_region(region_code):
            raise PermissionDenied(f"the {what} belongs to region {region_code}, outside {self.region}")

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


def reset_current_caller(token: contextvars.Token[Caller]) -> None:
    _current.reset(token)


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
    """A signed token; ValueError for a role that acts for a department given no department or
    region (see the module docstring)."""
    refusal = missing_scope(department, region, roles)
    if refusal:
        raise ValueError(refusal)
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
        department, region = str(claims.get("dept", "")), str(claims.get("region", ""))
        roles = frozenset(str(r) for r in claims.get("roles", []))
        refusal = missing_scope(department, region, sorted(roles))
        if refusal:
            raise Unauthenticated(f"invalid token: {refusal}")
        return Caller(
            subject=str(claims["sub"]),
            department=department,
            region=region,
            roles=roles,
            expires_at=float(claims["exp"]),
        )
