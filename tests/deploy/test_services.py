"""The chengnuo containers: the right command, a configuration the services accept, a stop that lets
in-flight calls finish, and a locked-down runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from typer.testing import CliRunner

from services.cli.main import app
from services.kernel.auth import TokenVerifier
from services.kernel.config import SERVICES, VARIABLES, Settings
from services.kernel.keys import ensure_dev_keys
from services.kernel.rpc import server
from services.launcher.certs import CertFolder, ensure_certs
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


def _materialise(
    overlay: Overlay, pod: Pod, container: dict[str, Any], root: Path, certs: Path | None = None
) -> dict[str, str]:
    """The container's environment, with every mounted file it names created under `root` (with
    its volume's mode; TLS Secrets hold what `chengnuo certs --out certs` issues for the pod's
    namespace)."""
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.spec["volumes"]}
    namespace = pod.owner["metadata"]["namespace"]
    issued = ensure_certs(certs or root / "certs", SERVICES, [namespace], [])
    env: dict[str, str] = {}
    for name, value in overlay.environment(container).items():
        if isinstance(value, SecretRef):
            env[name] = PLACEHOLDER_DSN
        elif value.startswith("/"):
            files = [_mounted_file(path, mounts, volumes, root, issued) for path in value.split(":")]
            env[name] = ":".join(files)
        else:
            env[name] = value
    return env


def _mounted_file(
    path: str, mounts: dict[str, str], volumes: dict[str, Any], root: Path, issued: CertFolder
) -> str:
    folder, _, file = path.rpartition("/")
    assert folder in mounts, f"{path} is not in a mounted volume"
    secret = volumes[mounts[folder]]["secret"]
    (key,) = [item["key"] for item in secret["items"] if item["path"] == file] or [None]
    assert key is not None, f"{secret['secretName']} does not give {file}"
    made = root / folder.lstrip("/") / file
    made.parent.mkdir(parents=True, exist_ok=True)
    made.write_bytes(_secret_value(secret["secretName"], key, issued))
    made.chmod(secret["defaultMode"])
    return str(made)


def _secret_value(secret: str, key: str, issued: CertFolder) -> bytes:
    """What README.md's commands put in the Secret: `chengnuo certs` files for a <service>-tls."""
    if not secret.endswith("-tls"):
        return b"x"
    files = issued.files(secret.removesuffix("-tls"))
    return {"tls.crt": files.cert, "tls.key": files.key, "ca.crt": files.ca}[key].read_bytes()


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


def _tls_volume(
    pod: Pod, container: dict[str, Any], overlay: Overlay
) -> tuple[dict[str, Any], dict[str, Any]]:
    cert = str(overlay.config_value(container, "CHENGNUO_TLS_CERT"))
    (mount,) = [m for m in container["volumeMounts"] if cert.startswith(m["mountPath"] + "/")]
    (volume,) = [v for v in pod.spec["volumes"] if v["name"] == mount["name"]]
    return mount, volume["secret"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_mutual_tls_from_its_own_secret(
    overlay: Overlay, service: str, tmp_path: Path
) -> None:
    pod, container = _service(overlay, service)
    settings = Settings.from_env(service, _materialise(overlay, pod, container, tmp_path))
    assert settings.tls is not None, "mutual TLS in every overlay"
    mount, secret = _tls_volume(pod, container, overlay)
    assert secret["secretName"] == f"{service}-tls", "each service mounts only its own key"
    assert "subPath" not in mount, "the kubelet never updates a subPath mount"
    assert {i["key"] for i in secret["items"]} == {"tls.crt", "tls.key", "ca.crt"}  # kubernetes.io/tls + CA
    for name in ("CHENGNUO_TLS_CERT", "CHENGNUO_TLS_KEY", "CHENGNUO_TLS_CA"):
        assert str(overlay.config_value(container, name)).startswith(mount["mountPath"] + "/"), name
    assert not secret["defaultMode"] & 0o007, "the key is never open to other users"


@pytest.mark.parametrize("service", SERVICES)
def test_probes_reach_the_plaintext_health_port_not_the_tls_one(
    overlay: Overlay, service: str, tmp_path: Path
) -> None:
    pod, container = _service(overlay, service)
    settings = Settings.from_env(service, _materialise(overlay, pod, container, tmp_path))
    health = int(settings.health_listen.rpartition(":")[2])
    assert health == pod.named_port("health") != pod.named_port("grpc")
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[kind]["grpc"]["port"] == health, kind


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_outage_takes_the_pod_out_of_service_without_restarting_it(
    overlay: Overlay, service: str
) -> None:
    """Readiness asks for the overall status, which turns NOT_SERVING while PostgreSQL is away;
    liveness asks for the name that stays SERVING, or every pod would restart in an outage."""
    _, container = _service(overlay, service)
    assert container["readinessProbe"]["grpc"].get("service", "") == ""
    assert container["livenessProbe"]["grpc"]["service"] == server.LIVENESS


async def test_verification_reaches_credit_by_the_name_it_is_given(overlay: Overlay, tmp_path: Path) -> None:
    """The manifests' settings with the certificates `chengnuo certs` issues: a handshake as in the
    cluster, verification's certificate as the client and credit's checked for CHENGNUO_CREDIT_ADDR."""
    made = {}
    for service in ("verification", "credit"):  # each pod its own files, from one `chengnuo certs`
        env = _materialise(overlay, *_service(overlay, service), tmp_path / service, tmp_path / "certs")
        made[service] = Settings.from_env(service, env)
    caller, called = made["verification"], made["credit"]
    assert caller.tls is not None
    assert called.tls is not None
    keys = ensure_dev_keys(tmp_path / "keys", ())
    running = await server.start("127.0.0.1:0", [], TokenVerifier.from_files([keys.public_key]), called.tls)
    host = caller.credit_addr.rpartition(":")[0]
    options = [("grpc.ssl_target_name_override", host)]  # `credit` resolves only in the cluster
    try:
        async with grpc.aio.secure_channel(
            f"127.0.0.1:{running.port}", caller.tls.channel_credentials(), options=options
        ) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await running.stop(0)
