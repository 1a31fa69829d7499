"""The kustomize subset the manifest tests render with behaves as `kustomize build` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.kustomize import Unsupported, build, image_name

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: chengnuo
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
        - name: side
          image: nats:2.15.1-alpine
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LEVEL: info}
"""


def _tree(tmp_path: Path, overlay: str, files: dict[str, str] | None = None) -> Path:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "app.yaml").write_text(DEPLOYMENT)
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nlabels:\n  - pairs: {stage: one}\n"
    )
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text(overlay)
    for name, text in (files or {}).items():
        (tmp_path / "overlay" / name).write_text(text)
    return tmp_path / "overlay"


def test_resources_namespace_labels_and_images(tmp_path: Path) -> None:
    overlay = _tree(
        tmp_path,
        "namespace: prod\nresources: [../base]\n"
        "images:\n  - {name: chengnuo, newName: registry.local:5000/chengnuo, newTag: '1.2'}\n",
    )
    deployment, config_map = build(overlay)
    assert deployment["metadata"]["namespace"] == config_map["metadata"]["namespace"] == "prod"
    assert deployment["metadata"]["labels"] == {"app": "web", "stage": "one"}
    assert deployment["spec"]["template"]["metadata"]["labels"] == {"app": "web"}  # metadata only
    images = [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]
    assert images == ["registry.local:5000/chengnuo:1.2", "nats:2.15.1-alpine"]


def test_json_patch_by_kind_and_label(tmp_path: Path) -> None:
    patch = (
        "- {op: replace, path: /spec/template/spec/containers/0/image, value: other}\n"
        "- {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: C, value: '3'}}\n"
        "- {op: remove, path: /spec/template/spec/containers/1}\n"
    )
    overlay = _tree(
        tmp_path,
        "resources: [../base]\npatches:\n"
        "  - {path: p.yaml, target: {kind: Deployment, labelSelector: app=web}}\n",
        {"p.yaml": patch},
    )
    (container,) = build(overlay)[0]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "other"
    assert [e["name"] for e in container["env"]] == ["A", "B", "C"]


def test_json_patch_of_a_missing_path_or_target_fails(tmp_path: Path) -> None:
    missing_path = _tree(
        tmp_path,
        "resources: [../base]\npatches:\n  - {path: p.yaml, target: {kind: ConfigMap}}\n",
        {"p.yaml": "- {op: replace, path: /data/ABSENT, value: x}\n"},
    )
    with pytest.raises(ValueError, match="does not exist"):
        build(missing_path)
    (missing_path / "kustomization.yaml").write_text(
        "resources: [../base]\npatches:\n  - {path: p.yaml, target: {kind: Service}}\n"
    )
    with pytest.raises(ValueError, match="selects nothing"):
        build(missing_path)


def test_strategic_merge_by_name_merges_named_lists_and_deletes_nulls(tmp_path: Path) -> None:
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          env: [{name: B, value: changed}, {name: D, value: new}]\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {LEVEL: null, X: y}\n"
    )
    overlay = _tree(tmp_path, "resources: [../base]\npatches:\n  - path: p.yaml\n", {"p.yaml": patch})
    deployment, config_map = build(overlay)
    web, side = deployment["spec"]["template"]["spec"]["containers"]
    assert [(e["name"], e["value"]) for e in web["env"]] == [("A", "1"), ("B", "changed"), ("D", "new")]
    assert side["name"] == "side"
    assert config_map["data"] == {"X": "y"}


@pytest.mark.parametrize(
    ("kustomization", "files"),
    [
        ("resources: [../base]\nnamePrefix: x-\n", {}),
        ("resources: [../base]\nlabels:\n  - {pairs: {a: b}, includeSelectors: true}\n", {}),
        (
            "resources: [../base]\npatches:\n  - {path: p.yaml, target: {kind: Deployment}}\n",
            {"p.yaml": "- {op: move, from: /a, path: /b}\n"},
        ),
        (
            "resources: [../base]\npatches:\n  - path: p.yaml\n",
            {"p.yaml": "apiVersion: example.io/v1\nkind: Thing\nmetadata: {name: t}\nspec: {a: 1}\n"},
        ),
    ],
    ids=["namePrefix", "includeSelectors", "json-move", "custom-resource-merge"],
)
def test_what_is_not_implemented_is_refused(
    tmp_path: Path, kustomization: str, files: dict[str, str]
) -> None:
    with pytest.raises(Unsupported):
        build(_tree(tmp_path, kustomization, files))


def test_a_resource_defined_twice_is_an_error(tmp_path: Path) -> None:
    overlay = _tree(tmp_path, "resources: [../base, again.yaml]\n", {"again.yaml": DEPLOYMENT})
    with pytest.raises(ValueError, match="defined twice"):
        build(overlay)


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("chengnuo", "chengnuo"),
        ("nats:2.15.1-alpine", "nats"),
        ("registry.local:5000/a/b:1.0", "registry.local:5000/a/b"),
        ("registry.local:5000/a/b", "registry.local:5000/a/b"),
        ("a/b@sha256:0123", "a/b"),
    ],
)
def test_image_name_strips_tag_and_digest(image: str, name: str) -> None:
    assert image_name(image) == name
