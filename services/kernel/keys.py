"""Development secrets, generated on first start into the data directory (never in the repo).

Every file here is readable by its owner only (0600) in a folder only its owner can open (0700),
and so is anything else holding a secret: the stack's state file (its DSN may carry a password)
and the CLI profile (a token).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


@dataclass(frozen=True)
class DevKeys:
    folder: Path

    @property
    def signing_key(self) -> Path:
        return self.folder / "token-signing.pem"

    @property
    def public_key(self) -> Path:
        return self.folder / "token-signing.pub.pem"

    def audit_key(self, service: str) -> Path:
        return self.folder / f"audit-{service}.key"

    def service_token(self, service: str) -> Path:
        return self.folder / f"service-{service}.token"

    @property
    def pseudonym_key(self) -> Path:
        """The installation's key for natural persons' pseudonyms in platform feeds (one for all
        services, so a person has the same pseudonym in every feed)."""
        return self.folder / "feed-pseudonym.key"


def private_dir(folder: Path) -> Path:
    """`folder` created if missing, and closed to others even if it existed before."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    folder.chmod(PRIVATE_DIR)
    return folder


def _write_secret(path: Path, data: bytes) -> None:
    # Created 0600 from the start so the secret is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def ensure_dev_keys(folder: Path, services: tuple[str, ...]) -> DevKeys:
    keys = DevKeys(private_dir(folder))
    if not keys.signing_key.exists():
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_secret(keys.signing_key, pem)
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        write_secret(keys.public_key, public)
    for service in services:
        if not keys.audit_key(service).exists():
            _write_secret(keys.audit_key(service), secrets.token_hex(32).encode())
    if not keys.pseudonym_key.exists():
        _write_secret(keys.pseudonym_key, secrets.token_hex(32).encode())
    for made in folder.iterdir():  # files an older version left readable to others
        if made.is_file():
            made.chmod(PRIVATE_FILE)
    return keys


def write_secret(path: Path, data: bytes) -> None:
    """Replace a secret file atomically, keeping it private."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    _write_secret(tmp, data)
    tmp.replace(path)
