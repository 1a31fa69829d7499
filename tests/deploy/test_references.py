"""Objects that name each other agree: selectors, ports, accounts, ConfigMaps and Secrets."""

from __future__ import annotations

from typing import Any

from tests.deploy.model import Overlay, Pod, SecretRef, documented_secrets, matches


def _workload_pods(overlay: Overlay) -> list[Pod]:
    return [pod for pod in overlay.pods() if pod.spec]


def test_workload_selectors_match_their_own_pods(overlay: Overlay) -> None:
    for pod in _workload_pods(overlay):
        selector = pod.owner["spec"].get("selector")
        if pod.owner["kind"] != "Job":  # a Job's selector is generated
            assert matches(selector, pod.labels), pod.name
            assert [p.name for p in overlay.pods_matching(selector)] == [pod.name]
        for spread in pod.spec.get("topologySpreadConstraints", []):
            assert overlay.pods_matching(spread["labelSelector"]) == [pod], pod.name


def test_services_select_pods_and_target_their_ports(overlay: Overlay) -> None:
    for service in overlay.of_kind("Service"):
        selected = overlay.pods_matching({"matchLabels": service["spec"]["selector"]})
        assert len(selected) == 1, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            number = selected[0].named_port(target) if isinstance(target, str) else target
            assert number in selected[0].ports, f"{service['metadata']['name']}: {target}"


def test_statefulset_names_its_headless_service(overlay: Overlay) -> None:
    for stateful in overlay.of_kind("StatefulSet"):
        service = overlay.get("Service", stateful["spec"]["serviceName"])
        assert service is not None
        assert service["spec"]["clusterIP"] == "None"
        assert service["spec"]["publishNotReadyAddresses"] is True
        assert matches(
            {"matchLabels": service["spec"]["selector"]}, stateful["spec"]["template"]["metadata"]["labels"]
        )


def test_disruption_budgets_and_autoscalers_point_at_workloads(overlay: Overlay) -> None:
    for budget in overlay.of_kind("PodDisruptionBudget"):
        assert len(overlay.pods_matching(budget["spec"]["selector"])) == 1, budget["metadata"]["name"]
    scaled = set()
    for autoscaler in overlay.of_kind("HorizontalPodAutoscaler"):
        ref = autoscaler["spec"]["scaleTargetRef"]
        target = overlay.get(ref["kind"], ref["name"])
        assert target is not None
        assert ref["apiVersion"] == target["apiVersion"]
        assert "replicas" not in target["spec"], "the autoscaler owns the replica count"
        assert 1 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
        for container in target["spec"]["template"]["spec"]["containers"]:
            assert "cpu" in container["resources"]["requests"], "CPU utilisation needs a request"
        scaled.add(ref["name"])
    deployments = {d["metadata"]["name"] for d in overlay.of_kind("Deployment")}
    assert scaled == deployments
    budgets = {
        p.owner["metadata"]["name"]
        for b in overlay.of_kind("PodDisruptionBudget")
        for p in overlay.pods_matching(b["spec"]["selector"])
    }
    assert deployments | {"nats"} <= budgets


def test_service_accounts_exist(overlay: Overlay) -> None:
    for pod in _workload_pods(overlay):
        name = pod.spec.get("serviceAccountName")
        if pod.owner["metadata"]["labels"].get("app.kubernetes.io/name") == "chengnuo":
            assert name is not None, pod.name
        if name is not None:
            assert overlay.get("ServiceAccount", name) is not None, pod.name


def test_probes_name_ports_the_container_opens(overlay: Overlay) -> None:
    for pod in _workload_pods(overlay):
        for container in pod.spec["containers"]:
            opened = {p["containerPort"] for p in container.get("ports", [])}
            names = {p["name"] for p in container.get("ports", [])}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = container.get(kind)
                if probe is None:
                    continue
                if "grpc" in probe:  # a number only: the API has no named gRPC probe port
                    # The plaintext health port: the kubelet's gRPC probe cannot speak TLS.
                    assert probe["grpc"]["port"] == pod.named_port("health"), f"{pod.name} {kind}"
                else:
                    port = probe["httpGet"]["port"]
                    assert port in (names if isinstance(port, str) else opened), f"{pod.name} {kind}"


def _config_map_refs(spec: dict[str, Any]) -> list[tuple[str, str | None]]:
    refs: list[tuple[str, str | None]] = []
    for container in spec["containers"]:
        refs += [(s["configMapRef"]["name"], None) for s in container.get("envFrom", [])]
        refs += [
            (v["valueFrom"]["configMapKeyRef"]["name"], v["valueFrom"]["configMapKeyRef"]["key"])
            for v in container.get("env", [])
            if "configMapKeyRef" in v.get("valueFrom", {})
        ]
    for volume in spec.get("volumes", []):
        for source in [volume, *volume.get("projected", {}).get("sources", [])]:
            if "configMap" in source:
                refs += [
                    (source["configMap"]["name"], i["key"]) for i in source["configMap"].get("items", [])
                ]
    return refs


def _secret_refs(overlay: Overlay, spec: dict[str, Any]) -> list[SecretRef]:
    refs = [
        value
        for container in spec["containers"]
        for value in overlay.environment(container).values()
        if isinstance(value, SecretRef)
    ]
    for volume in spec.get("volumes", []):
        # A projected volume's secret source names it `name`, a secret volume `secretName`.
        for source in [volume, *volume.get("projected", {}).get("sources", [])]:
            if "secret" in source:
                items = source["secret"].get("items")
                assert items, f"secret volume {volume['name']}: list its keys so the reference is checkable"
                name = source["secret"].get("secretName") or source["secret"]["name"]
                refs += [SecretRef(name, i["key"]) for i in items]
    return refs


def test_config_maps_hold_every_referenced_key(overlay: Overlay) -> None:
    for pod in _workload_pods(overlay):
        for name, key in _config_map_refs(pod.spec):
            config_map = overlay.get("ConfigMap", name)
            assert config_map is not None, f"{pod.name}: no ConfigMap {name}"
            assert key is None or key in config_map["data"], f"{pod.name}: {name} has no {key}"


def test_every_secret_key_is_documented_for_the_operator(overlay: Overlay) -> None:
    documented = documented_secrets()
    used: dict[str, set[str]] = {}
    for pod in _workload_pods(overlay):
        for ref in _secret_refs(overlay, pod.spec):
            assert ref.key in documented.get(ref.secret, set()), f"{pod.name}: {ref} is not in README.md"
            used.setdefault(ref.secret, set()).add(ref.key)
    assert used == documented, "README.md documents Secrets no pod reads"


def test_the_database_secret_is_the_one_cloudnativepg_makes(overlay: Overlay) -> None:
    (cluster,) = overlay.of_kind("Cluster")
    for pod in _workload_pods(overlay):
        for container in pod.spec["containers"]:
            dsn = overlay.config_value(container, "CHENGNUO_PG_DSN")
            if dsn is not None:
                assert dsn == SecretRef(f"{cluster['metadata']['name']}-app", "uri"), pod.name
