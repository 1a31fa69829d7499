"""The procedures deploy/k8s/README.md gives the operator work as written."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from services.cli.main import app
from services.kernel.auth import SERVICE, TokenVerifier
from services.kernel.errors import Unauthenticated
from tests.deploy.model import K8S, Overlay

README = (K8S / "README.md").read_text()
STAGES = ("platform", "migrate", "services")


def test_every_object_belongs_to_one_apply_stage(overlay: Overlay) -> None:
    stages = {r["metadata"]["labels"].get("chengnuo.io/stage") for r in overlay.resources}
    assert stages == set(STAGES)
    job = overlay.get("Job", "chengnuo-migrate")
    assert job is not None
    assert job["metadata"]["labels"]["chengnuo.io/stage"] == "migrate"
    for deployment in overlay.of_kind("Deployment"):
        assert deployment["metadata"]["labels"]["chengnuo.io/stage"] == "services"


def test_the_readme_applies_the_stages_in_order_and_waits_for_the_migration() -> None:
    deploy = README.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    positions = [deploy.index(f"-l chengnuo.io/stage={stage}") for stage in STAGES]
    assert positions == sorted(positions)
    wait = deploy.index("--for=condition=complete job/chengnuo-migrate")
    assert positions[1] < wait < positions[2]


def _key_pair(folder: Path, name: str) -> tuple[Ed25519PrivateKey, Path]:
    """A key pair in the PEM forms `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write."""
    private = Ed25519PrivateKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pem").write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = folder / f"{name}.pub.pem"
    public.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _service_token(signer: Path, private_key_file: Path, service: str) -> str:
    """`chengnuo token --role service ... --data-dir signer`, as the README mints service tokens."""
    (signer / "keys").mkdir(parents=True, exist_ok=True)
    (signer / "keys" / "token-signing.pem").write_bytes(private_key_file.read_bytes())
    command = ["token", "--role", "service", "--subject", f"service:{service}", "--ttl", "30d"]
    result = CliRunner().invoke(app, [*command, "--data-dir", str(signer)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_documented_service_tokens_are_accepted(tmp_path: Path) -> None:
    assert "chengnuo token --role service --subject service:$s --ttl 30d --data-dir signer" in README
    _, public = _key_pair(tmp_path, "token-signing")
    token = _service_token(tmp_path / "signer", tmp_path / "token-signing.pem", "verification")
    caller = TokenVerifier.from_files([public, public]).verify(token, time.time())
    assert caller.subject == "service:verification"
    assert caller.roles == frozenset({SERVICE})


def test_signing_key_rotation_trusts_both_keys_then_only_the_new_one(tmp_path: Path) -> None:
    _, old_public = _key_pair(tmp_path, "old")
    _, new_public = _key_pair(tmp_path, "new")
    old_token = _service_token(tmp_path / "a", tmp_path / "old.pem", "credit")
    new_token = _service_token(tmp_path / "b", tmp_path / "new.pem", "credit")
    during = TokenVerifier.from_files([old_public, new_public])  # current.pub.pem, next.pub.pem
    assert during.verify(old_token, time.time()).subject == "service:credit"
    assert during.verify(new_token, time.time()).subject == "service:credit"
    after = TokenVerifier.from_files([new_public, new_public])
    assert after.verify(new_token, time.time()).subject == "service:credit"
    with pytest.raises(Unauthenticated, match="does not trust"):
        after.verify(old_token, time.time())


def test_the_readme_names_the_key_files_the_config_lists(overlay: Overlay) -> None:
    config_map = overlay.get("ConfigMap", "chengnuo-config")
    assert config_map is not None
    for path in config_map["data"]["CHENGNUO_TOKEN_PUBLIC_KEYS"].split(":"):
        assert re.search(rf"--from-file={re.escape(path.rpartition('/')[2])}=", README)


def test_the_documented_certificates_fill_the_tls_secrets_the_pods_mount(
    overlay: Overlay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = README.split("\n## Secrets", 1)[1].split("\n## ", 1)[0]
    joined = secrets.replace("\\\n", " ")
    (issue,) = [shlex.split(line) for line in joined.splitlines() if line.startswith("chengnuo certs ")]
    (create,) = [line for line in joined.splitlines() if "create secret generic $s-tls" in line]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, issue[1:])
    assert result.exit_code == 0, result.output
    namespace = issue[issue.index("--namespace") + 1]
    assert "--type=kubernetes.io/tls" in create
    given = dict(re.findall(r"--from-file=([\w.]+)=(\S+)", create))
    for deployment in overlay.of_kind("Deployment"):
        service = deployment["metadata"]["name"]
        volumes = deployment["spec"]["template"]["spec"]["volumes"]
        (secret,) = [
            v["secret"] for v in volumes if v.get("secret", {}).get("secretName") == f"{service}-tls"
        ]
        assert {i["key"] for i in secret["items"]} == set(given)
        for path in given.values():
            assert (tmp_path / path.replace("$s", service)).is_file()
        cert = x509.load_pem_x509_certificate(
            (tmp_path / given["tls.crt"].replace("$s", service)).read_bytes()
        )
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert f"{service}.{namespace}.svc.cluster.local" in names.get_values_for_type(x509.DNSName)
    for client in issue[issue.index("--client") + 1 :: 2]:
        assert (tmp_path / "tls" / f"{client}.pem").is_file(), "a client certificate for each --client"
