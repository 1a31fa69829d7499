"""Every rendered object is valid for the Kubernetes API; custom resources get their required fields
checked here, and no secret value is committed."""

from __future__ import annotations

import copy
import re
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.model import CUSTOM_KINDS, K8S, Overlay, quantity

# The oldest Kubernetes the manifests target (native gRPC probes: 1.27; preStop `sleep`: 1.30) and
# the newest the bundled schemas know.
VERSIONS = ("1.30", kubernetes_validate.latest_version())


def _problems(resource: dict[str, Any], version: str) -> list[str]:
    try:
        kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(p) for p in error.path)
        return [f"{resource['kind']}/{resource['metadata']['name']} {path}: {error.message}"]
    return []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_built_in_object_matches_the_kubernetes_schema(overlay: Overlay, version: str) -> None:
    built_in = [r for r in overlay.resources if (r["apiVersion"], r["kind"]) not in CUSTOM_KINDS]
    assert len(built_in) > 20
    # A kind the API does not serve raises SchemaNotFoundError here rather than passing unchecked.
    problems = [p for r in built_in for p in _problems(r, version)]
    assert problems == []


def test_the_validator_rejects_a_misspelt_field(overlay: Overlay) -> None:
    deployment = copy.deepcopy(overlay.of_kind("Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["prot"] = 1
    assert _problems(deployment, VERSIONS[-1]) != []


def test_cloudnativepg_cluster_has_what_its_crd_requires(overlay: Overlay) -> None:
    (cluster,) = overlay.of_kind("Cluster")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = cluster["spec"]
    assert isinstance(spec["instances"], int)
    assert spec["instances"] >= 1
    assert quantity(spec["storage"]["size"]) > 0
    assert quantity(spec["walStorage"]["size"]) > 0
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:\d+\.\d+", spec["imageName"])
    initdb = spec["bootstrap"]["initdb"]
    assert initdb["database"] == initdb["owner"] == "chengnuo"
    # The CRD types parameters as map[string]string: a bare YAML number would be rejected.
    assert all(isinstance(v, str) for v in spec["postgresql"]["parameters"].values())
    synchronous = spec["postgresql"].get("synchronous")
    if synchronous is not None:
        assert synchronous["method"] in ("any", "first")
        assert 1 <= synchronous["number"] < spec["instances"]
        assert synchronous.get("dataDurability", "required") in ("required", "preferred")
    assert cluster["spec"]["affinity"]["podAntiAffinityType"] in ("preferred", "required")


def test_no_secret_is_committed(overlay: Overlay) -> None:
    assert overlay.of_kind("Secret") == []
    text = "\n".join(p.read_text() for p in K8S.rglob("*.yaml"))
    for marker in ("PRIVATE KEY", "BEGIN ", "password:", "eyJ"):  # PEM, credentials, a JWT header
        assert marker not in text
