"""Certificates for mutual TLS: a CA, a server certificate per service, client certificates.

`chengnuo up` makes development ones at first start into its data directory (`tls/`) and reuses
them afterwards; `chengnuo certs` issues the same set for a Kubernetes namespace. Keys are ECDSA
P-256 (every TLS stack speaks it), written 0600 into a 0700 folder; certificates name their hosts
in the subject alternative names, which is what clients check (grpc, grpcurl, browsers).
A certificate is issued again when it is missing, expires within RENEW_BEFORE, was issued by
another CA or lacks a name it must carry; otherwise it is kept.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.kernel.keys import private_dir, write_secret
from services.kernel.rpc.tls import TlsFiles

CA_LIFETIME = dt.timedelta(days=3650)
LEAF_LIFETIME = dt.timedelta(days=825)
RENEW_BEFORE = dt.timedelta(days=30)
# Clocks of the machines that check a certificate may be a little behind the one that issued it.
BACKDATE = dt.timedelta(hours=1)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# The overlays' namespaces (deploy/k8s): a development certificate also fits a dev cluster.
NAMESPACES = ("chengnuo", "chengnuo-dev")
CLIENT = "client"  # the client certificate of `chengnuo up`: the CLI's and the tests' identity

Host = x509.DNSName | x509.IPAddress


@dataclass(frozen=True)
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class CertFolder:
    """Where one CA and what it issued live: ca.pem, ca.key, NAME.pem and NAME.key."""

    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    def files(self, name: str) -> TlsFiles:
        return TlsFiles(self.folder / f"{name}.pem", self.folder / f"{name}.key", self.ca)

    @property
    def client(self) -> TlsFiles:
        return self.files(CLIENT)


def service_hosts(service: str, namespaces: Sequence[str] = NAMESPACES, local: bool = True) -> list[str]:
    """The names a service is reached by: its Kubernetes Service in each namespace (short and
    qualified forms) and, for port-forwards and local stacks, loopback."""
    names = [service]
    for namespace in namespaces:
        names += [
            f"{service}.{namespace}",
            f"{service}.{namespace}.svc",
            f"{service}.{namespace}.svc.cluster.local",
        ]
    return [*names, *LOCAL_HOSTS] if local else names


def ensure_dev_certs(folder: Path, services: Iterable[str], extra_hosts: Sequence[str] = ()) -> CertFolder:
    """The development CA, a certificate per service and the client certificate, made or kept."""
    return ensure_certs(
        folder, services, NAMESPACES, [CLIENT], extra_hosts=extra_hosts, ca_name="chengnuo development CA"
    )


def ensure_certs(
    folder: Path,
    services: Iterable[str],
    namespaces: Sequence[str],
    clients: Sequence[str],
    *,
    extra_hosts: Sequence[str] = (),
    ca_name: str = "chengnuo CA",
) -> CertFolder:
    """A CA in `folder`, a certificate per service named for `namespaces` (and loopback, for
    port-forwards) and one per client, each made or kept."""
    certs = CertFolder(private_dir(folder))
    now = dt.datetime.now(dt.UTC)
    authority = ensure_authority(certs, now, ca_name)
    for service in services:
        hosts = [*service_hosts(service, namespaces), *extra_hosts]
        ensure_leaf(certs, authority, service, hosts, server=True, now=now)
    for name in clients:
        ensure_leaf(certs, authority, name, [], server=False, now=now)
    return certs


def ensure_authority(certs: CertFolder, now: dt.datetime, name: str = "chengnuo development CA") -> Authority:
    found = _load_authority(certs)
    if found is not None and found.cert.not_valid_after_utc - RENEW_BEFORE > now:
        return found
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _builder(subject, subject, key.public_key(), now, CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(certs.ca_key, certs.ca, key, [cert])
    return Authority(cert, key)


def ensure_leaf(
    certs: CertFolder,
    authority: Authority,
    name: str,
    hosts: Sequence[str],
    *,
    server: bool,
    now: dt.datetime,
) -> TlsFiles:
    """`name`'s certificate: a server's names `hosts` and serves both ways (a service is also a
    client of the others); a client's (server=False) only authenticates a caller."""
    files = certs.files(name)
    wanted = [_host(h) for h in dict.fromkeys(hosts)]
    if not _still_good(files, authority, wanted, now):
        key = ec.generate_private_key(ec.SECP256R1())
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
        builder = (
            _builder(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
                authority.cert.subject,
                key.public_key(),
                now,
                LEAF_LIFETIME,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([*usages, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
            )
        )
        if wanted:
            builder = builder.add_extension(x509.SubjectAlternativeName(wanted), critical=False)
        _write(files.key, files.cert, key, [builder.sign(authority.key, hashes.SHA256())])
    return files


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public: ec.EllipticCurvePublicKey,
    now: dt.datetime,
    life: dt.timedelta,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + life)
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _host(host: str) -> Host:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _load_authority(certs: CertFolder) -> Authority | None:
    try:
        cert = x509.load_pem_x509_certificate(certs.ca.read_bytes())
        key = serialization.load_pem_private_key(certs.ca_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return Authority(cert, key)


def _still_good(files: TlsFiles, authority: Authority, wanted: list[Host], now: dt.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(authority.cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    if key.public_key() != cert.public_key() or cert.not_valid_after_utc - RENEW_BEFORE <= now:
        return False
    try:
        named = set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        named = set()
    return set(wanted) <= named


def _write(
    key_path: Path, cert_path: Path, key: ec.EllipticCurvePrivateKey, chain: list[x509.Certificate]
) -> None:
    write_secret(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    # Certificates are public, but kept as private as the rest of the folder.
    write_secret(cert_path, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
