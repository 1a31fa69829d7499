"""What a rendered overlay means once applied: its pods, their labels, ports and environment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.deploy import kustomize

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
WORKLOADS = {"Deployment", "StatefulSet", "Job"}
# Kinds the bundled Kubernetes schemas do not know, with the operator that makes their pods.
CUSTOM_KINDS = {("postgresql.cnpg.io/v1", "Cluster")}
# CloudNativePG labels every instance pod `cnpg.io/cluster: <name>`; PostgreSQL listens on 5432 and
# the instance manager's status endpoint on 8000.
CNPG_PORTS = {5432, 8000}

Resource = dict[str, Any]


@dataclass(frozen=True)
class SecretRef:
    secret: str
    key: str


@dataclass
class Pod:
    """The pods one workload (or one operator-managed resource) makes."""

    owner: Resource
    labels: dict[str, str]
    spec: dict[str, Any] = field(default_factory=dict)
    ports: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.owner['kind']}/{self.owner['metadata']['name']}"

    def named_port(self, name: str) -> int | None:
        return next(
            (
                p["containerPort"]
                for c in self.spec.get("containers", [])
                for p in c.get("ports", [])
                if p.get("name") == name
            ),
            None,
        )


class Overlay:
    def __init__(self, name: str, resources: list[Resource]) -> None:
        self.name, self.resources = name, resources

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r["kind"] == kind]

    def get(self, kind: str, name: str) -> Resource | None:
        return next((r for r in self.of_kind(kind) if r["metadata"]["name"] == name), None)

    def pods(self) -> list[Pod]:
        found = [_workload_pod(r) for r in self.resources if r["kind"] in WORKLOADS]
        found += [
            Pod(r, {"cnpg.io/cluster": r["metadata"]["name"]}, ports=set(CNPG_PORTS))
            for r in self.of_kind("Cluster")
        ]
        return found

    def pods_matching(self, selector: dict[str, Any]) -> list[Pod]:
        return [pod for pod in self.pods() if matches(selector, pod.labels)]

    def config_value(self, container: dict[str, Any], name: str) -> str | SecretRef | None:
        return self.environment(container).get(name)

    def environment(self, container: dict[str, Any]) -> dict[str, str | SecretRef]:
        """The container's variables as the kubelet sets them (later `env` wins over `envFrom`)."""
        env: dict[str, str | SecretRef] = {}
        for source in container.get("envFrom", []):
            config_map = self.get("ConfigMap", source["configMapRef"]["name"])
            assert config_map is not None, f"envFrom names a missing ConfigMap {source}"
            env.update(config_map["data"])
        for var in container.get("env", []):
            env[var["name"]] = self._value(var)
        return env

    def _value(self, var: dict[str, Any]) -> str | SecretRef:
        if "value" in var:
            return str(var["value"])
        source = var["valueFrom"]
        if "secretKeyRef" in source:
            return SecretRef(source["secretKeyRef"]["name"], source["secretKeyRef"]["key"])
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            config_map = self.get("ConfigMap", ref["name"])
            assert config_map is not None, f"no ConfigMap {ref['name']}"
            assert ref["key"] in config_map["data"], f"missing {ref}"
            return str(config_map["data"][ref["key"]])
        return f"<{next(iter(source))}>"  # fieldRef / resourceFieldRef: set by the kubelet


@cache
def render(name: str) -> Overlay:
    return Overlay(name, kustomize.build(K8S / "overlays" / name))


def _workload_pod(resource: Resource) -> Pod:
    template = resource["spec"]["template"]
    spec = template["spec"]
    ports = {p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])}
    return Pod(resource, dict(template["metadata"].get("labels", {})), spec, ports)


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes LabelSelector (matchLabels and matchExpressions) against a label set."""
    if set(selector) - {"matchLabels", "matchExpressions"}:
        raise ValueError(f"not a label selector: {selector}")
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    return all(_expression(e, labels) for e in selector.get("matchExpressions", []))


def _expression(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator, values = expr["key"], expr["operator"], expr.get("values", [])
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise ValueError(f"unknown selector operator {operator}")


_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(text: str | int) -> float:
    """A Kubernetes resource quantity (`500m`, `2Gi`, `1`) in base units."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?", str(text))
    assert found, f"not a quantity: {text!r}"
    number, unit = float(found.group(1)), found.group(2) or ""
    return number / 1000 if unit == "m" else number * _UNITS[unit]


def documented_secrets() -> dict[str, set[str]]:
    """The Secrets and keys README.md's "Secrets" table says the operator (or CloudNativePG) provides."""
    text = (K8S / "README.md").read_text()
    section = text.split("\n## Secrets", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and cells[0].startswith("`"):
            table.setdefault(cells[0].strip("`"), set()).update(re.findall(r"`([^`]+)`", cells[1]))
    return table
