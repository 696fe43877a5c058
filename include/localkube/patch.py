"""The three PATCH flavours kube-apiserver accepts for core objects.

* ``application/merge-patch+json`` — RFC 7386 JSON merge patch;
* ``application/strategic-merge-patch+json`` — merge patch where lists of objects that carry a
  merge key (``name`` for containers, env, volumes…; ``type`` for conditions; ``containerPort``
  for a container's ports, ``port`` for a Service's) are merged item by item, with
  ``$patch: delete`` / ``$patch: replace`` honoured;
* ``application/json-patch+json`` — RFC 6902 operations.
"""

from __future__ import annotations

import copy
from typing import Any

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# Field name -> merge key, as declared by patchMergeKey in the Kubernetes API types.
_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "name", "volumeDevices": "devicePath", "ports": "containerPort",
    "conditions": "type", "containerStatuses": "name", "initContainerStatuses": "name",
    "imagePullSecrets": "name", "hostAliases": "ip", "tolerations": "key", "ownerReferences": "uid",
    "podIPs": "ip", "hostIPs": "ip",
}


class PatchError(ValueError):
    """The patch document is malformed or an operation cannot be applied."""


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch and return the result (inputs are not modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any, field: str | None = None) -> Any:
    """Apply a strategic merge patch (see the module docstring for what is supported)."""
    if isinstance(patch, list):
        return _strategic_list(target, patch, field)
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
            continue
        merged = strategic_merge_patch(result.get(key), value, key)
        if merged is None and isinstance(value, dict) and value.get("$patch") == "delete":
            result.pop(key, None)
        else:
            result[key] = merged
    return result


def _strategic_list(target: Any, patch: list[Any], field: str | None) -> list[Any]:
    merge_key = _MERGE_KEYS.get(field or "")
    if field == "ports" and any(isinstance(i, dict) and "port" in i and "containerPort" not in i for i in patch):
        merge_key = "port"  # a Service's ports merge on `port`, a container's on `containerPort`
    current = copy.deepcopy(target) if isinstance(target, list) else []
    if not merge_key or not all(isinstance(item, dict) for item in patch):
        return [copy.deepcopy(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    if any(item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(item) for item in patch if "$patch" not in item]
    for item in patch:
        key_value = item.get(merge_key)
        index = next((i for i, old in enumerate(current)
                      if isinstance(old, dict) and old.get(merge_key) == key_value), None)
        if item.get("$patch") == "delete":
            if index is not None:
                current.pop(index)
            continue
        if index is None:
            current.append(strategic_merge_patch({}, item))
        else:
            current[index] = strategic_merge_patch(current[index], item)
    return current


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer {path!r} must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(doc, list):
            try:
                doc = doc[int(part)]
            except (ValueError, IndexError) as exc:
                raise PatchError(f"no list index {part!r}") from exc
        elif isinstance(doc, dict):
            if part not in doc:
                raise PatchError(f"path component {part!r} does not exist")
            doc = doc[part]
        else:
            raise PatchError(f"cannot descend into {type(doc).__name__} at {part!r}")
    return doc


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                parent.insert(int(last), value)
            except ValueError as exc:
                raise PatchError(f"bad list index {last!r}") from exc
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError(f"cannot add to {type(parent).__name__}")
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise PatchError(f"cannot remove {last!r}: it does not exist") from exc


def json_patch(target: Any, operations: Any) -> Any:
    """Apply RFC 6902 operations (add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"malformed JSON patch operation {op!r}")
        kind, parts = op["op"], _pointer(op["path"])
        if kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, parts)
        elif kind == "replace":
            _walk(doc, parts)  # must exist
            if parts:
                _remove(doc, parts)
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            value = copy.deepcopy(_walk(doc, source))
            if kind == "move":
                _remove(doc, source)
            doc = _add(doc, parts, value)
        elif kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise PatchError(f"test operation failed at {op['path']!r}")
        else:
            raise PatchError(f"unknown JSON patch operation {kind!r}")
    return doc


def apply_patch(content_type: str, target: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply ``body`` to ``target`` according to the request's ``Content-Type``."""
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media == JSON_PATCH:
        result = json_patch(target, body)
    elif media == MERGE_PATCH:
        result = merge_patch(target, body)
    elif media == STRATEGIC_MERGE_PATCH:
        result = strategic_merge_patch(target, body)
    else:
        raise PatchError(f"unsupported patch content type {content_type!r}")
    if not isinstance(result, dict):
        raise PatchError("the patch must leave an object")
    return result
