"""Render a kustomization the way `kustomize build` does, for the subset deploy/k8s uses.

No kustomize binary or faithful Python port is available here, so the tests render the overlays
with this small implementation. It covers exactly: `resources` (files and directories), `patches`
(RFC 6902 JSON patches with a target; strategic-merge patches of built-in kinds, found by kind and
name), `namespace`, `labels` (metadata only) and `images`, applied in kustomize's order (patches,
namespace, labels, images). Anything else raises `Unsupported`, so the manifests cannot drift
outside what is checked here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
# Strategic-merge keys of the lists our patches may touch (from the Kubernetes API's patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}
BUILT_IN_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}


class Unsupported(Exception):
    """The kustomization uses something this renderer does not implement."""


def build(folder: Path) -> list[Resource]:
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(spec) - FIELDS
    if unknown:
        raise Unsupported(f"{folder}: kustomization fields {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        resources += _load(folder / entry)
    _check_unique(resources, folder)
    for patch in spec.get("patches", []):
        _patch(resources, patch, folder)
    if "namespace" in spec:
        _set_namespace(resources, spec["namespace"])
    for label in spec.get("labels", []):
        _label(resources, label)
    for image in spec.get("images", []):
        _set_image(resources, image)
    return resources


def _load(path: Path) -> list[Resource]:
    if path.is_dir():
        return build(path)
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _check_unique(resources: list[Resource], folder: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for res in resources:
        ident = (res["kind"], res["metadata"]["name"])
        if ident in seen:
            raise ValueError(f"{folder}: {ident} is defined twice")
        seen.add(ident)


def _patch(resources: list[Resource], entry: dict[str, Any], folder: Path) -> None:
    if set(entry) - {"path", "patch", "target"}:
        raise Unsupported(f"patch options {sorted(entry)}")
    text = (folder / entry["path"]).read_text() if "path" in entry else entry["patch"]
    docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    if len(docs) == 1 and isinstance(docs[0], list):
        if "target" not in entry:
            raise Unsupported("a JSON 6902 patch needs a target")
        targets = [r for r in resources if _selected(r, entry["target"])]
        if not targets:
            raise ValueError(f"patch {entry} selects nothing")
        for res in targets:
            for op in docs[0]:
                _json_patch(res, op)
        return
    if "target" in entry:
        raise Unsupported("strategic-merge patches are matched by their kind and name, without target")
    for doc in docs:
        _strategic_patch(resources, doc)


def _selected(res: Resource, target: dict[str, str]) -> bool:
    if set(target) - {"kind", "name", "labelSelector"}:
        raise Unsupported(f"patch target fields {sorted(target)}")
    if "kind" in target and res["kind"] != target["kind"]:
        return False
    if "name" in target and not re.fullmatch(target["name"], res["metadata"]["name"]):
        return False
    labels = res["metadata"].get("labels", {})
    for term in filter(None, target.get("labelSelector", "").split(",")):
        key, sep, value = term.partition("=")
        if not sep or "!" in key:
            raise Unsupported(f"label selector term {term!r} (only key=value)")
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _json_patch(res: Resource, op: dict[str, Any]) -> None:
    *parents, last = _pointer(op["path"])
    node: Any = res
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    kind = op["op"]
    if kind not in {"add", "replace", "remove"}:
        raise Unsupported(f"JSON patch op {kind!r}")
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if kind == "add":
            node.insert(index, copy.deepcopy(op["value"]))
        elif kind == "replace":
            node[index] = copy.deepcopy(op["value"])
        else:
            del node[index]
        return
    if kind != "add" and last not in node:
        raise ValueError(f"{op['path']} does not exist in {res['kind']}/{res['metadata']['name']}")
    if kind == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(op["value"])


def _strategic_patch(resources: list[Resource], doc: Resource) -> None:
    if doc.get("apiVersion") not in BUILT_IN_GROUPS:
        raise Unsupported(f"strategic merge on {doc.get('apiVersion')} (custom resources merge differently)")
    for res in resources:
        if (res["kind"], res["metadata"]["name"]) == (doc["kind"], doc["metadata"]["name"]):
            _merge(res, doc)
            return
    raise ValueError(f"patch for {doc['kind']}/{doc['metadata']['name']} matches no resource")


def _merge(into: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            into[key] = _merge_list(key, into.get(key, []), value)
        else:
            into[key] = copy.deepcopy(value)


def _merge_list(key: str, current: list[dict[str, Any]], patch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if key not in MERGE_KEYS:
        raise Unsupported(f"strategic merge of the list {key!r}")
    merge_key = MERGE_KEYS[key]
    merged = copy.deepcopy(current)
    for item in patch:
        found = next((m for m in merged if m.get(merge_key) == item[merge_key]), None)
        if found is None:
            merged.append(copy.deepcopy(item))
        else:
            _merge(found, item)
    return merged


def _set_namespace(resources: list[Resource], namespace: str) -> None:
    for res in resources:
        if res["kind"] in CLUSTER_SCOPED or res["kind"].endswith("Binding"):
            raise Unsupported(f"namespace transform of {res['kind']}")
        res["metadata"]["namespace"] = namespace


def _label(resources: list[Resource], entry: dict[str, Any]) -> None:
    if set(entry) - {"pairs"} or not isinstance(entry.get("pairs"), dict):
        raise Unsupported(f"labels options {sorted(entry)} (only metadata labels from pairs)")
    for res in resources:
        res["metadata"].setdefault("labels", {}).update(entry["pairs"])


def _set_image(resources: list[Resource], entry: dict[str, str]) -> None:
    if set(entry) - {"name", "newName", "newTag", "digest"}:
        raise Unsupported(f"images options {sorted(entry)}")
    for container in (c for res in resources for c in containers(res)):
        name = image_name(container["image"])
        if name != entry["name"]:
            continue
        new = entry.get("newName", name)
        if "digest" in entry:
            container["image"] = f"{new}@{entry['digest']}"
        elif "newTag" in entry:
            container["image"] = f"{new}:{entry['newTag']}"
        else:
            container["image"] = new + container["image"][len(name) :]


def image_name(image: str) -> str:
    """`registry:5000/a/b:tag@sha256:...` -> `registry:5000/a/b` (a tag never contains '/')."""
    without_digest = image.split("@", 1)[0]
    head, _, tail = without_digest.rpartition(":")
    return head if head and "/" not in tail else without_digest


def containers(node: Any) -> Iterator[dict[str, Any]]:
    """Every container of every pod template inside `node`, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                yield from value
            else:
                yield from containers(value)
    elif isinstance(node, list):
        for item in node:
            yield from containers(item)
