"""The chengnuo containers: the right command, a configuration the services accept, a stop that lets
in-flight calls finish, and a locked-down runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.kernel.config import SERVICES, VARIABLES, Settings
from tests.deploy.dockerfile import stages
from tests.deploy.kustomize import containers, image_name
from tests.deploy.model import Overlay, Pod, SecretRef, quantity

PLACEHOLDER_DSN = "postgresql://chengnuo@chengnuo-pg-rw:5432/chengnuo"


def _chengnuo_pods(overlay: Overlay) -> list[Pod]:
    return [p for p in overlay.pods() if p.spec and p.labels.get("app.kubernetes.io/name") == "chengnuo"]


def _service(overlay: Overlay, name: str) -> tuple[Pod, dict[str, Any]]:
    (pod,) = [p for p in _chengnuo_pods(overlay) if p.owner["metadata"]["name"] == name]
    (container,) = pod.spec["containers"]
    return pod, container


@pytest.mark.parametrize("command", [["serve", "--help"], ["migrate", "--help"]])
def test_the_commands_the_manifests_run_exist(command: list[str]) -> None:
    assert CliRunner().invoke(app, command).exit_code == 0


def test_each_workload_runs_its_command(overlay: Overlay) -> None:
    commands = {p.owner["metadata"]["name"]: p.spec["containers"][0]["args"] for p in _chengnuo_pods(overlay)}
    assert commands == {**{s: ["serve", s] for s in SERVICES}, "chengnuo-migrate": ["migrate"]}
    for pod in _chengnuo_pods(overlay):
        assert "command" not in pod.spec["containers"][0], "keep the image's chengnuo entrypoint"


def _materialise(overlay: Overlay, pod: Pod, container: dict[str, Any], root: Path) -> dict[str, str]:
    """The container's environment, with every mounted file it names created under `root`."""
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.spec["volumes"]}
    env: dict[str, str] = {}
    for name, value in overlay.environment(container).items():
        if isinstance(value, SecretRef):
            env[name] = PLACEHOLDER_DSN
        elif value.startswith("/"):
            env[name] = ":".join(_mounted_file(path, mounts, volumes, root) for path in value.split(":"))
        else:
            env[name] = value
    return env


def _mounted_file(path: str, mounts: dict[str, str], volumes: dict[str, Any], root: Path) -> str:
    folder, _, file = path.rpartition("/")
    assert folder in mounts, f"{path} is not in a mounted volume"
    secret = volumes[mounts[folder]]["secret"]
    assert file in [item["path"] for item in secret["items"]], f"{secret['secretName']} does not give {file}"
    made = root / folder.lstrip("/") / file
    made.parent.mkdir(parents=True, exist_ok=True)
    made.write_text("x")
    return str(made)


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_accepts_its_configuration(overlay: Overlay, service: str, tmp_path: Path) -> None:
    pod, container = _service(overlay, service)
    env = _materialise(overlay, pod, container, tmp_path)
    assert set(env) <= set(VARIABLES), f"unknown variables {set(env) - set(VARIABLES)}"
    settings = Settings.from_env(service, env)  # raises ConfigError naming every problem
    port = int(settings.grpc_listen.rpartition(":")[2])
    assert port == pod.named_port("grpc")
    assert len(settings.token_public_keys) >= 2, "room for a second key while the signing key rotates"
    if service == "verification":
        host, _, credit_port = settings.credit_addr.rpartition(":")
        credit = overlay.get("Service", host)
        assert credit is not None
        assert int(credit_port) in [p["port"] for p in credit["spec"]["ports"]]


@pytest.mark.parametrize("service", SERVICES)
def test_termination_outlasts_the_graceful_stop(overlay: Overlay, service: str, tmp_path: Path) -> None:
    pod, container = _service(overlay, service)
    grace = Settings.from_env(service, _materialise(overlay, pod, container, tmp_path)).grace_seconds
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    # After preStop and the grace, the process still closes NATS and its pool: keep 5 s for that.
    assert pod.spec["terminationGracePeriodSeconds"] >= pre_stop + grace + 5
    # NOT_SERVING while draining must not look like a dead process to a liveness probe still running.
    liveness = container["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > pre_stop + grace


@pytest.mark.parametrize("service", SERVICES)
def test_rotated_service_tokens_reach_the_running_pod(overlay: Overlay, service: str) -> None:
    pod, container = _service(overlay, service)
    token = str(overlay.config_value(container, "CHENGNUO_SERVICE_TOKEN_FILE"))
    (mount,) = [m for m in container["volumeMounts"] if token.startswith(m["mountPath"] + "/")]
    assert "subPath" not in mount, "the kubelet never updates a subPath mount"
    secret = next(v["secret"] for v in pod.spec["volumes"] if v["name"] == mount["name"])
    assert secret["secretName"] == f"{service}-credentials", "each service mounts only its own credentials"


def test_pods_run_locked_down(overlay: Overlay) -> None:
    uid = int(stages()[-1].all("USER")[0].arguments.partition(":")[0])
    for pod in (p for p in overlay.pods() if p.spec):
        context = pod.spec["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod.spec["automountServiceAccountToken"] is False, pod.name
        for container in pod.spec["containers"]:
            secure = container["securityContext"]
            assert secure["allowPrivilegeEscalation"] is False
            assert secure["readOnlyRootFilesystem"] is True
            assert secure["capabilities"]["drop"] == ["ALL"]
    for pod in _chengnuo_pods(overlay):
        assert pod.spec["securityContext"]["runAsUser"] == uid, "the image's USER"


def test_every_container_states_its_resources(overlay: Overlay) -> None:
    for resource in overlay.resources:
        for container in containers(resource):
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert quantity(requests["cpu"]) > 0
            assert quantity(requests["memory"]) <= quantity(limits["memory"]), container["name"]


def test_images_are_pinned_and_chengnuo_is_one_image(overlay: Overlay) -> None:
    images = [c["image"] for r in overlay.resources for c in containers(r)]
    for image in images:
        reference = image[len(image_name(image)) :]
        assert reference.startswith((":", "@")), f"{image} has no tag or digest"
        assert reference != ":latest"
    chengnuo = {c["image"] for p in _chengnuo_pods(overlay) for c in p.spec["containers"]}
    assert len(chengnuo) == 1
