"""Transport security of every gRPC endpoint: mutual TLS from three PEM files.

One certificate per party serves both ways: a service presents it to its callers (server
identity) and to the services it calls (client identity); the CA file holds the authorities whose
certificates it accepts from either. A server with TLS requires a client certificate from that
CA, so every caller (another service, a portal, an admin tool) is authenticated by the transport
before its token is read.
"""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

# A key a group may read is accepted: Kubernetes mounts Secrets group-readable for the pod's
# fsGroup (0440). Others never.
OTHERS = stat.S_IRWXO


@dataclass(frozen=True)
class TlsFiles:
    cert: Path  # PEM: this party's certificate, then any intermediates
    key: Path  # PEM: its private key
    ca: Path  # PEM: the authorities whose certificates it accepts from peers

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=self.ca.read_bytes(),
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=self.key.read_bytes(),
            certificate_chain=self.cert.read_bytes(),
        )

    def as_json(self) -> dict[str, str]:
        return {"cert": str(self.cert), "key": str(self.key), "ca": str(self.ca)}

    @classmethod
    def from_json(cls, found: object) -> TlsFiles | None:
        """The files a stack.json or profile names, or None when it names none (a plaintext stack)."""
        if not isinstance(found, dict) or not all(found.get(k) for k in ("cert", "key", "ca")):
            return None
        return cls(Path(found["cert"]), Path(found["key"]), Path(found["ca"]))


def problems(files: TlsFiles, names: tuple[str, str, str], now: dt.datetime) -> list[str]:
    """What is wrong with the three files, one line each naming its variable (`names`: cert, key,
    CA): caught at start rather than as a handshake failure on every call."""
    cert_name, key_name, ca_name = names
    found: list[str] = []
    chain = _certificates(files.cert, cert_name, found)
    authorities = _certificates(files.ca, ca_name, found)
    key = _private_key(files.key, key_name, found)
    if chain:
        leaf = chain[0]
        expiry = leaf.not_valid_after_utc
        if expiry <= now:
            found.append(f"{cert_name}: the certificate in {files.cert} expired on {expiry:%Y-%m-%d}")
        if key is not None and key.public_key() != leaf.public_key():
            found.append(f"{key_name}: {files.key} is not the key of the certificate in {cert_name}")
        if authorities and not any(_issued_by(chain[-1], ca) for ca in authorities):
            found.append(f"{cert_name}: the certificate in {files.cert} is not issued by a CA in {ca_name}")
    return found


def _certificates(path: Path, name: str, found: list[str]) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except OSError as exc:
        found.append(f"{name}: cannot read {path}: {exc.strerror}")
    except ValueError:
        found.append(f"{name}: {path} holds no PEM certificate")
    return []


def _private_key(path: Path, name: str, found: list[str]) -> PrivateKeyTypes | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & OTHERS:
            found.append(f"{name}: {path} is open to other users (mode {mode:04o}); chmod 600 it")
            return None
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        found.append(f"{name}: cannot read {path}: {exc.strerror}")
        return None
    except (ValueError, TypeError):  # TypeError: a key that needs a password
        found.append(f"{name}: {path} holds no unencrypted PEM private key")
        return None
    return key


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert == ca:
        return True
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
