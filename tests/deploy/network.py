"""Who may talk to whom under an overlay's NetworkPolicies, as the Kubernetes API defines it:
traffic a direction is open unless a policy of that type selects the pod; then only what one of
those policies' rules admits (rules add up)."""

from __future__ import annotations

from typing import Any

from tests.deploy.model import Overlay, Pod, matches

ANYONE = "*"


def selector_text(selector: dict[str, Any]) -> str:
    """A stable description of a label selector, e.g. `a=b,k In [x, y]` (`all` when empty)."""
    terms = [f"{k}={v}" for k, v in sorted(selector.get("matchLabels", {}).items())]
    terms += [
        f"{e['key']} {e['operator']} [{', '.join(sorted(e.get('values', [])))}]"
        for e in selector.get("matchExpressions", [])
    ]
    return ",".join(terms) or "all"


def peer_names(overlay: Overlay, peer: dict[str, Any]) -> set[str]:
    """The pods of this namespace a peer names, or one description of outside traffic."""
    if "ipBlock" in peer:
        return {f"ip {peer['ipBlock']['cidr']}"}
    if "namespaceSelector" in peer:
        pods = selector_text(peer.get("podSelector", {}))
        return {f"namespace {selector_text(peer['namespaceSelector'])} pods {pods}"}
    return {pod.name for pod in overlay.pods_matching(peer["podSelector"])}


def policies(overlay: Overlay, pod: Pod, direction: str) -> list[dict[str, Any]]:
    return [
        p
        for p in overlay.of_kind("NetworkPolicy")
        if direction in p["spec"]["policyTypes"] and matches(p["spec"]["podSelector"], pod.labels)
    ]


def _rule_ports(rule: dict[str, Any]) -> list[int | None]:
    return [p["port"] for p in rule.get("ports", [])] or [None]  # None: every port


def ingress(overlay: Overlay, pod: Pod, port: int) -> set[str]:
    """Who may open a connection to `port` of `pod`."""
    selecting = policies(overlay, pod, "Ingress")
    if not selecting:
        return {ANYONE}
    allowed: set[str] = set()
    for rule in (r for p in selecting for r in p["spec"].get("ingress", [])):
        if any(p in (None, port) for p in _rule_ports(rule)):
            peers = rule.get("from")
            allowed |= {ANYONE} if not peers else set().union(*(peer_names(overlay, x) for x in peers))
    return allowed


def egress(overlay: Overlay, pod: Pod) -> set[tuple[str, int | None]]:
    """Where `pod` may connect, as (peer, port) pairs; {(ANYONE, None)} when egress is not limited."""
    selecting = policies(overlay, pod, "Egress")
    if not selecting:
        return {(ANYONE, None)}
    allowed: set[tuple[str, int | None]] = set()
    for rule in (r for p in selecting for r in p["spec"].get("egress", [])):
        peers = set().union(*(peer_names(overlay, x) for x in rule["to"])) if rule.get("to") else {ANYONE}
        allowed |= {(peer, port) for peer in peers for port in _rule_ports(rule)}
    return allowed


def peers(overlay: Overlay) -> list[tuple[str, dict[str, Any]]]:
    """Every (policy name, peer) in every rule, both directions."""
    return [
        (p["metadata"]["name"], peer)
        for p in overlay.of_kind("NetworkPolicy")
        for rule in [*p["spec"].get("ingress", []), *p["spec"].get("egress", [])]
        for peer in [*rule.get("from", []), *rule.get("to", [])]
    ]
