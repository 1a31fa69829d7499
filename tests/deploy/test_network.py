"""NetworkPolicies let in exactly the intended callers and let out exactly the intended connections."""

from __future__ import annotations

import re

from tests.deploy.model import K8S, Overlay
from tests.deploy.network import ANYONE, egress, ingress, peer_names, peers, policies

SERVICES = {"Deployment/commitment", "Deployment/verification", "Deployment/credit"}
MIGRATE = "Job/chengnuo-migrate"
NATS = "StatefulSet/nats"
POSTGRES = "Cluster/chengnuo-pg"
CALLERS = "namespace chengnuo.io/caller In [admin-tools, portal] pods all"
DNS = "namespace kubernetes.io/metadata.name=kube-system pods k8s-app=kube-dns"
CNPG_OPERATOR = "namespace kubernetes.io/metadata.name=cnpg-system pods app.kubernetes.io/name=cloudnative-pg"

# (pod, port) -> who may connect. Ports nobody may reach from a pod (NATS monitoring, the services'
# plaintext health ports) are probed by the kubelet from the node, which NetworkPolicies do not govern.
INGRESS = {
    ("Deployment/commitment", 7401): {CALLERS},
    ("Deployment/verification", 7402): {CALLERS},
    ("Deployment/credit", 7403): {CALLERS, "Deployment/verification"},
    ("Deployment/commitment", 7410): set(),
    ("Deployment/verification", 7410): set(),
    ("Deployment/credit", 7410): set(),
    (NATS, 4222): SERVICES,
    (NATS, 6222): {NATS},
    (NATS, 8222): set(),
    (POSTGRES, 5432): {*SERVICES, MIGRATE, POSTGRES},
    (POSTGRES, 8000): {POSTGRES, CNPG_OPERATOR},
}
_COMMON = {(DNS, 53), (POSTGRES, 5432), (NATS, 4222)}
EGRESS = {
    "Deployment/commitment": _COMMON,
    "Deployment/verification": {*_COMMON, ("Deployment/credit", 7403)},
    "Deployment/credit": _COMMON,
    MIGRATE: {(DNS, 53), (POSTGRES, 5432)},
    NATS: {(NATS, 6222), (DNS, 53)},
    # The CloudNativePG instance manager must reach the Kubernetes API (its address varies by cluster).
    POSTGRES: {(ANYONE, None)},
}


def test_ingress_admits_only_the_intended_callers(overlay: Overlay) -> None:
    actual = {(pod.name, port): ingress(overlay, pod, port) for pod in overlay.pods() for port in pod.ports}
    assert actual == INGRESS


def test_egress_reaches_only_what_each_workload_needs(overlay: Overlay) -> None:
    assert {pod.name: egress(overlay, pod) for pod in overlay.pods()} == EGRESS


def test_every_pod_is_behind_a_default_deny(overlay: Overlay) -> None:
    deny = overlay.get("NetworkPolicy", "default-deny-ingress")
    assert deny is not None
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert all(policies(overlay, pod, "Ingress") for pod in overlay.pods())


def test_policy_selectors_match_real_pods(overlay: Overlay) -> None:
    for policy in overlay.of_kind("NetworkPolicy"):
        if policy["spec"]["podSelector"]:
            assert overlay.pods_matching(policy["spec"]["podSelector"]), policy["metadata"]["name"]
    for name, peer in peers(overlay):
        assert peer_names(overlay, peer), f"{name}: {peer} selects no pod"


def test_connections_allowed_out_land_on_open_ports(overlay: Overlay) -> None:
    by_name = {pod.name: pod for pod in overlay.pods()}
    for pod in overlay.pods():
        for peer, port in egress(overlay, pod):
            if peer in by_name:
                assert port in by_name[peer].ports, f"{pod.name} -> {peer}:{port}"
                assert pod.name in ingress(overlay, by_name[peer], port), f"{peer} refuses {pod.name}"


def test_caller_namespace_labels_are_documented() -> None:
    readme = (K8S / "README.md").read_text()
    for value in re.findall(r"\[([^\]]*)\]", CALLERS)[0].split(", "):
        assert f"chengnuo.io/caller={value}" in readme
