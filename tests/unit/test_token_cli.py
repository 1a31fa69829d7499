"""`chengnuo token` refuses what would mint a useless token: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from services.cli.main import app


@pytest.fixture(name="key_file")
def key_file_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "signing.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


def run(key_file: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["token", "--key-file", str(key_file), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_good_token_is_minted(key_file: Path) -> None:
    code, out, _ = run(key_file, "--role", "verifier", "--department", "350200-SCJ", "--region", "350200")
    assert code == 0
    claims = jwt.decode(out.strip(), options={"verify_signature": False})
    assert (claims["dept"], claims["region"], claims["roles"]) == ("350200-SCJ", "350200", ["verifier"])
    assert claims["exp"] - claims["iat"] == 8 * 3600
    # roles that act for no department, and no region, are fine
    assert run(key_file, "--role", "service", "--subject", "service:credit", "--ttl", "30d")[0] == 0
    assert run(key_file, "--role", "admin")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ttl", "0h"], "error: --ttl: must be more than 0 and at most 3650d"),
        (["--ttl", "0s"], "error: --ttl: must be more than 0 and at most 3650d"),
        (["--ttl", "-1h"], "error: --ttl: use a number and s, m, h or d, e.g. 8h"),
        (["--ttl", "99999999999d"], "error: --ttl: must be more than 0 and at most 3650d"),
        (
            ["--region", "35020"],
            "error: --region: a region code is 6 digits (GB/T 2260) starting with a province code",
        ),
        (
            ["--region", "35O200"],
            "error: --region: a region code is 6 digits (GB/T 2260) starting with a province code",
        ),
    ],
)
def test_a_bad_ttl_or_region_is_one_line_and_status_2(key_file: Path, args: list[str], message: str) -> None:
    code, out, err = run(
        key_file, "--role", "portal", "--department", "350200-ZWFW", "--region", "350200", *args
    )
    assert (code, out, err) == (2, "", message + "\n")


@pytest.mark.parametrize(
    "role",
    [
        "portal",
        "catalogue_admin",
        "verifier",
        "verification_lead",
        "credit_officer",
        "credit_reviewer",
        "data_consumer",
    ],
)
def test_roles_acting_for_a_department_need_one(key_file: Path, role: str) -> None:
    code, out, err = run(key_file, "--role", role, "--department", " ")
    assert (code, out, err) == (2, "", f"error: --department: required: {role} act(s) for a department\n")


def test_unknown_roles_and_a_missing_key_are_one_line_too(tmp_path: Path, key_file: Path) -> None:
    assert run(key_file, "--role", "nobody")[2] == "error: --role: unknown role(s) nobody\n"
    missing = tmp_path / "none.pem"
    code, _, err = run(missing, "--role", "admin")
    assert (code, err.count("\n"), err.startswith("error: --data-dir: no signing key at")) == (2, 1, True)


def test_roles_acting_for_a_department_need_a_region_too(key_file: Path) -> None:
    code, out, err = run(key_file, "--role", "verifier", "--department", "350200-SCJ")
    assert (code, out, err) == (2, "", "error: --region: required: verifier act(s) for a region\n")
