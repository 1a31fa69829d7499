from __future__ import annotations

import datetime as dt
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kernel import auth
from services.kernel.errors import PermissionDenied, Unauthenticated

NOW = dt.datetime.now(dt.UTC)


def _token(key: Ed25519PrivateKey, ttl: dt.timedelta = dt.timedelta(hours=1), **claims: str) -> str:
    return auth.mint(
        key,
        subject=claims.get("subject", "u1"),
        department=claims.get("department", "D1"),
        region=claims.get("region", "350200"),
        roles=["portal", "verifier"],
        now=NOW,
        ttl=ttl,
    )


def test_a_token_round_trips_into_a_caller() -> None:
    key = Ed25519PrivateKey.generate()
    caller = auth.TokenVerifier([key.public_key()]).verify(_token(key), time.time())
    assert (caller.subject, caller.department, caller.region) == ("u1", "D1", "350200")
    assert caller.roles == frozenset({"portal", "verifier"})
    assert caller.has_any(["verifier"])
    assert not caller.has_any(["auditor"])
    assert caller.has_any([auth.ANY_ROLE])


def test_rotation_trusts_old_and_new_keys_until_the_old_one_is_dropped() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    both = auth.TokenVerifier([old.public_key(), new.public_key()])
    assert both.verify(_token(old), time.time()).subject == "u1"
    assert both.verify(_token(new), time.time()).subject == "u1"
    with pytest.raises(Unauthenticated, match="does not trust"):
        auth.TokenVerifier([new.public_key()]).verify(_token(old), time.time())


def test_expired_forged_and_garbage_tokens_are_refused() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = auth.TokenVerifier([key.public_key()])
    expired = _token(key, ttl=dt.timedelta(seconds=1))
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(expired, time.time() + 3600)
    header, _, signature = _token(key).split(".")
    forged = f"{header}.{_token(key, department='OTHER').split('.')[1]}.{signature}"
    with pytest.raises(Unauthenticated, match="invalid token"):
        verifier.verify(forged, time.time())
    with pytest.raises(Unauthenticated):
        verifier.verify("not-a-token", time.time())


def test_department_scoping() -> None:
    caller = auth.Caller("u", "D1", "350200", frozenset({"verifier"}), time.time() + 60)
    caller.require_department("D1")
    with pytest.raises(PermissionDenied, match="D2"):
        caller.require_department("D2")
