"""TLS settings: mutual TLS from three files, checked at start one line per problem; production
refuses plaintext unless asked for; development certificates are private and kept across starts."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from services.kernel.config import ConfigError, Settings
from services.launcher.certs import CertFolder, ensure_authority, ensure_dev_certs, ensure_leaf


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    for name in ("pub.pem", "token", "audit.key"):
        (tmp_path / name).write_text("x")
    env = {
        "CHENGNUO_PG_DSN": "postgresql://chengnuo@db.internal:5432/chengnuo",
        "CHENGNUO_NATS_URL": "nats://nats-0:4222",
        "CHENGNUO_GRPC_LISTEN": "0.0.0.0:7403",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": str(tmp_path / "pub.pem"),
        "CHENGNUO_SERVICE_TOKEN_FILE": str(tmp_path / "token"),
        "CHENGNUO_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def _tls_env(certs: CertFolder, name: str = "credit") -> dict[str, str]:
    files = certs.files(name)
    return {
        "CHENGNUO_TLS_CERT": str(files.cert),
        "CHENGNUO_TLS_KEY": str(files.key),
        "CHENGNUO_TLS_CA": str(certs.ca),
    }


def _problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env("credit", env)
    return [line.strip() for line in str(raised.value).splitlines()[1:]]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_three_files_give_mutual_tls(tmp_path: Path) -> None:
    certs = ensure_dev_certs(tmp_path / "tls", ("credit",))
    settings = Settings.from_env("credit", _env(tmp_path, **_tls_env(certs)))
    assert settings.tls == certs.files("credit")


def test_production_refuses_plaintext_unless_asked_for(tmp_path: Path) -> None:
    (problem,) = _problems(_env(tmp_path))
    assert problem.startswith(
        "CHENGNUO_TLS_CERT is required in production, with CHENGNUO_TLS_KEY and CHENGNUO_TLS_CA"
    )
    assert problem.endswith("(mutual TLS), unless CHENGNUO_TLS=off")
    assert Settings.from_env("credit", _env(tmp_path, CHENGNUO_TLS="off")).tls is None
    assert Settings.from_env("credit", _env(tmp_path, CHENGNUO_ENV="development")).tls is None


def test_contradictory_or_partial_tls_settings_are_each_named(tmp_path: Path) -> None:
    certs = ensure_dev_certs(tmp_path / "tls", ("credit",))
    tls = _tls_env(certs)
    (contradiction,) = _problems(_env(tmp_path, CHENGNUO_TLS="off", **tls))
    assert contradiction == (
        "CHENGNUO_TLS=off contradicts CHENGNUO_TLS_CERT, CHENGNUO_TLS_KEY, CHENGNUO_TLS_CA: "
        "unset one or the other"
    )
    partial = _problems(_env(tmp_path, CHENGNUO_TLS_CERT=tls["CHENGNUO_TLS_CERT"]))
    assert [p.split()[0] for p in partial] == ["CHENGNUO_TLS_KEY", "CHENGNUO_TLS_CA"]
    assert _problems(_env(tmp_path, CHENGNUO_ENV="development", CHENGNUO_TLS="mutual"))[0].startswith(
        "CHENGNUO_TLS_CERT is required by CHENGNUO_TLS"
    )
    assert _problems(_env(tmp_path, CHENGNUO_TLS="yes")) == ["CHENGNUO_TLS='yes' must be one of mutual, off"]


def test_a_key_open_to_others_is_refused_a_group_readable_one_accepted(tmp_path: Path) -> None:
    certs = ensure_dev_certs(tmp_path / "tls", ("credit",))
    key = certs.files("credit").key
    key.chmod(0o644)
    assert _problems(_env(tmp_path, **_tls_env(certs))) == [
        f"CHENGNUO_TLS_KEY: {key} is open to other users (mode 0644); chmod 600 it"
    ]
    key.chmod(0o440)  # how Kubernetes mounts a Secret for the pod's fsGroup
    assert Settings.from_env("credit", _env(tmp_path, **_tls_env(certs))).tls is not None


def test_files_that_do_not_fit_together_are_refused_at_start(tmp_path: Path) -> None:
    ours = ensure_dev_certs(tmp_path / "ours", ("credit", "verification"))
    theirs = ensure_dev_certs(tmp_path / "theirs", ("credit",))
    tls = _tls_env(ours)
    wrong_key = _problems(_env(tmp_path, **{**tls, "CHENGNUO_TLS_KEY": str(ours.files("verification").key)}))
    assert wrong_key == [
        f"CHENGNUO_TLS_KEY: {ours.files('verification').key} is not the key of the certificate in "
        "CHENGNUO_TLS_CERT"
    ]
    other_ca = _problems(_env(tmp_path, **{**tls, "CHENGNUO_TLS_CA": str(theirs.ca)}))
    assert other_ca == [
        f"CHENGNUO_TLS_CERT: the certificate in {ours.files('credit').cert} is not issued by a CA in "
        "CHENGNUO_TLS_CA"
    ]
    (tmp_path / "junk.pem").write_text("not a certificate")
    junk = _problems(_env(tmp_path, **{**tls, "CHENGNUO_TLS_CA": str(tmp_path / "junk.pem")}))
    assert junk == [f"CHENGNUO_TLS_CA: {tmp_path / 'junk.pem'} holds no PEM certificate"]
    missing = _problems(_env(tmp_path, **{**tls, "CHENGNUO_TLS_CERT": str(tmp_path / "absent.pem")}))
    assert missing == [f"CHENGNUO_TLS_CERT: cannot read {tmp_path / 'absent.pem'}: No such file or directory"]


def test_an_expired_certificate_is_refused(tmp_path: Path) -> None:
    certs = CertFolder(tmp_path / "tls")
    certs.folder.mkdir()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1000)
    authority = ensure_authority(certs, long_ago + dt.timedelta(days=1))
    ensure_leaf(certs, authority, "credit", ["credit"], server=True, now=long_ago)
    (problem,) = _problems(_env(tmp_path, **_tls_env(certs)))
    assert problem.startswith(
        f"CHENGNUO_TLS_CERT: the certificate in {certs.files('credit').cert} expired on "
    )


def test_the_health_port_must_be_another_port(tmp_path: Path) -> None:
    env = _env(tmp_path, CHENGNUO_TLS="off")
    assert (
        Settings.from_env("credit", {**env, "CHENGNUO_HEALTH_LISTEN": "0.0.0.0:7410"}).health_listen
        == "0.0.0.0:7410"
    )
    assert _problems({**env, "CHENGNUO_HEALTH_LISTEN": "127.0.0.1:7403"}) == [
        "CHENGNUO_HEALTH_LISTEN='127.0.0.1:7403' must use another port than CHENGNUO_GRPC_LISTEN"
    ]


def test_development_certificates_are_private_complete_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    certs = ensure_dev_certs(folder, ("commitment", "credit"))
    assert _mode(folder) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"{n}.{e}" for n in ("ca", "client", "commitment", "credit") for e in ("pem", "key")
    )
    assert {p.name: _mode(p) for p in folder.iterdir()} == dict.fromkeys(names, 0o600)
    credit = x509.load_pem_x509_certificate(certs.files("credit").cert.read_bytes())
    named = credit.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "credit", "credit.chengnuo.svc.cluster.local", "credit.chengnuo-dev.svc"} <= set(
        named.get_values_for_type(x509.DNSName)
    )
    assert {str(ip) for ip in named.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    client = x509.load_pem_x509_certificate(certs.client.cert.read_bytes())
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]  # a caller only, never a server

    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    folder.chmod(0o755)
    ensure_dev_certs(folder, ("commitment", "credit"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, "a second start reuses them"
    assert _mode(folder) == 0o700


def test_a_certificate_is_issued_again_when_it_no_longer_fits(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    certs = ensure_dev_certs(folder, ("credit",))
    kept_ca = certs.ca.read_bytes()
    old_credit = certs.files("credit").cert.read_bytes()
    ensure_dev_certs(folder, ("credit",), ["10.0.0.7"])  # a new name to carry
    assert certs.files("credit").cert.read_bytes() != old_credit
    assert certs.ca.read_bytes() == kept_ca
    certs.ca_key.unlink()  # a lost CA key: a new CA, and everything it issued again
    client = certs.client.cert.read_bytes()
    ensure_dev_certs(folder, ("credit",))
    assert certs.ca.read_bytes() != kept_ca
    assert certs.client.cert.read_bytes() != client
    assert Settings.from_env("credit", _env(tmp_path, **_tls_env(certs))).tls is not None
