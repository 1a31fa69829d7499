from __future__ import annotations

import datetime as dt
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.contracts import roles
from services.kernel import auth
from services.kernel.errors import PermissionDenied, Unauthenticated

NOW = dt.datetime.now(dt.UTC)
TTL = dt.timedelta(hours=1)


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


@pytest.mark.parametrize(("department", "region"), [("", "350200"), ("D1", ""), (" ", " "), ("", "")])
def test_a_role_acting_for_a_department_needs_department_and_region(department: str, region: str) -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="portal act"):
        auth.mint(key, subject="u", department=department, region=region, roles=["portal"], now=NOW, ttl=TTL)
    # a token of another issuer, signed without mint's check, is refused by the verifier
    claims: dict[str, object] = {"iss": auth.ISSUER, "aud": auth.AUDIENCE, "sub": "u", "dept": department}
    claims |= {"region": region, "roles": ["verifier"], "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": auth.key_id(key.public_key())})
    with pytest.raises(Unauthenticated, match="verifier act"):
        auth.TokenVerifier([key.public_key()]).verify(forged, time.time())


@pytest.mark.parametrize("role", sorted(auth.UNSCOPED_ROLES))
def test_system_wide_roles_may_have_no_scope_and_are_not_limited_to_a_region(role: str) -> None:
    key = Ed25519PrivateKey.generate()
    token = auth.mint(key, subject="s", department="", region="", roles=[role], now=NOW, ttl=TTL)
    caller = auth.TokenVerifier([key.public_key()]).verify(token, time.time())
    assert caller.covers_region("110000")
    with pytest.raises(ValueError, match="portal act"):  # adding a scoped role needs the scope
        auth.mint(key, subject="s", department="", region="", roles=[role, "portal"], now=NOW, ttl=TTL)


def test_a_regional_caller_is_limited_to_its_region() -> None:
    caller = auth.Caller("u", "D1", "350200", frozenset({"portal"}), time.time() + 60)
    assert caller.covers_region("350203")
    assert not caller.covers_region("350100")
    with pytest.raises(PermissionDenied, match="350100, outside 350200"):
        caller.require_region("350100", "commitment")


def test_every_role_but_the_system_wide_ones_acts_for_a_department() -> None:
    assert sorted(set(roles.ALL) - roles.DEPARTMENT_ROLES) == ["admin", "auditor", "service"]
    assert auth.AUDITOR == roles.AUDITOR
