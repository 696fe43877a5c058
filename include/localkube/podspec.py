"""Turning a container spec into what a local process gets: argv, environment, working
directory, volume directories (``LOCALKUBE_MOUNT_MAP``) and process limits."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from localkube.quantity import parse_quantity

MOUNT_MAP_ENV = "LOCALKUBE_MOUNT_MAP"
_VAR_REF = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")
_PYTHON = re.compile(r"^python(3(\.\d+)?)?$")

Lookup = Callable[[str, str], Mapping[str, Any] | None]


class ContainerConfigError(Exception):
    """The container cannot be configured (kubelet's ``CreateContainerConfigError``)."""


class StartError(Exception):
    """The container's process cannot be started (containerd's ``StartError``, exit code 128)."""


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: defined refs are replaced, ``$$`` escapes, others stay."""

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _VAR_REF.sub(repl, text)


def _field_ref(path: str, pod: Mapping[str, Any]) -> str:
    meta, spec, status = pod.get("metadata", {}), pod.get("spec", {}), pod.get("status", {})
    match = re.match(r"^metadata\.(labels|annotations)\['(.+)'\]$", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    simple = {
        "metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.hostIP": status.get("hostIP"), "status.podIP": status.get("podIP"),
        "status.podIPs": ",".join(ip["ip"] for ip in status.get("podIPs") or []),
        "status.hostIPs": ",".join(ip["ip"] for ip in status.get("hostIPs") or []),
    }
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    if path not in simple:
        raise ContainerConfigError(f"unsupported fieldRef fieldPath {path!r}")
    return str(simple[path] or "")


def _resource_ref(ref: Mapping[str, Any], containers: Mapping[str, Mapping[str, Any]], default: str) -> str:
    container = containers.get(ref.get("containerName") or default) or {}
    kind, _, name = ref["resource"].partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        return "0" if kind == "requests" else ""
    divisor = parse_quantity(ref.get("divisor") or "1")
    return str(math.ceil(parse_quantity(value) / divisor))


def _key_ref(ref: Mapping[str, Any], what: str, lookup: Lookup, namespace: str) -> str | None:
    obj = lookup(namespace, ref["name"])
    optional = bool(ref.get("optional"))
    if obj is None:
        if optional:
            return None
        raise ContainerConfigError(f'{what} "{ref["name"]}" not found')
    if what == "secret":
        data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        data.update(obj.get("stringData") or {})
    else:
        data = dict(obj.get("data") or {})
    if ref["key"] not in data:
        if optional:
            return None
        raise ContainerConfigError(f"couldn't find key {ref['key']} in {what} {namespace}/{ref['name']}")
    return data[ref["key"]]


def build_env(container: Mapping[str, Any], pod: Mapping[str, Any], base: Mapping[str, str],
              configmaps: Lookup, secrets: Lookup) -> dict[str, str]:
    """The container's environment: ``base``, then ``envFrom``, then ``env`` (with expansion)."""
    namespace = pod["metadata"]["namespace"]
    env = dict(base)
    containers = {c["name"]: c for c in (pod["spec"].get("containers") or [])
                  + (pod["spec"].get("initContainers") or [])}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        for kind, lookup in (("configMapRef", configmaps), ("secretRef", secrets)):
            ref = source.get(kind)
            if not ref:
                continue
            obj = lookup(namespace, ref["name"])
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ContainerConfigError(f'{kind[:-3].lower()} "{ref["name"]}" not found')
            data = dict(obj.get("data") or {})
            if kind == "secretRef":
                data = {k: base64.b64decode(v).decode() for k, v in data.items()}
            env.update({prefix + k: str(v) for k, v in data.items()})
    for var in container.get("env") or []:
        name = var["name"]
        if var.get("valueFrom"):
            source = var["valueFrom"]
            if source.get("fieldRef"):
                env[name] = _field_ref(source["fieldRef"]["fieldPath"], pod)
            elif source.get("resourceFieldRef"):
                env[name] = _resource_ref(source["resourceFieldRef"], containers, container["name"])
            elif source.get("configMapKeyRef"):
                value = _key_ref(source["configMapKeyRef"], "configmap", configmaps, namespace)
                if value is not None:
                    env[name] = value
            elif source.get("secretKeyRef"):
                value = _key_ref(source["secretKeyRef"], "secret", secrets, namespace)
                if value is not None:
                    env[name] = value
            else:
                raise ContainerConfigError(f"unsupported valueFrom for env var {name!r}")
        else:
            env[name] = expand(str(var.get("value") or ""), env)
    return env


def resolve_argv(container: Mapping[str, Any], env: Mapping[str, str],
                 mount_map: Mapping[str, str]) -> list[str]:
    """``command + args`` expanded, with the executable resolved to a local path.

    ``python``/``python3``/``pythonX.Y`` (bare or absolute) become the interpreter running
    localkube, so pods use its virtual environment; other bare names are looked up on the
    container's ``PATH``; absolute paths are mapped through the volume mounts.
    """
    argv = [expand(str(a), env) for a in (container.get("command") or [])]
    argv += [expand(str(a), env) for a in (container.get("args") or [])]
    if not argv:
        raise StartError(
            f"container {container['name']!r} has no command or args: localkube runs processes, "
            "not images, so it cannot use the image's entrypoint; set command/args"
        )
    return resolve_executable(argv, env, mount_map)


def resolve_executable(argv: list[str], env: Mapping[str, str], mount_map: Mapping[str, str]) -> list[str]:
    """Resolve ``argv[0]`` to a local executable (see :func:`resolve_argv`); raises StartError."""
    argv = list(argv)
    exe = argv[0]
    if _PYTHON.match(PurePosixPath(exe).name):
        argv[0] = sys.executable
        return argv
    if "/" not in exe:
        found = shutil.which(exe, path=env.get("PATH"))
        if not found:
            raise StartError(f'exec: "{exe}": executable file not found in $PATH')
        argv[0] = found
        return argv
    local = map_path(exe, mount_map)
    if not os.access(local, os.X_OK):
        raise StartError(f'exec: "{exe}": stat {exe}: no such file or directory')
    argv[0] = local
    return argv


def map_path(path: str, mount_map: Mapping[str, str]) -> str:
    """Map a path inside the pod to its local directory (longest mount path wins)."""
    target = PurePosixPath(path)
    for mount, local in sorted(mount_map.items(), key=lambda kv: -len(kv[0])):
        try:
            rest = target.relative_to(mount)
        except ValueError:
            continue
        return str(PurePosixPath(local) / rest)
    return path


def _write_files(directory: Path, items: Mapping[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for rel, content in items.items():
        target = (directory / rel).resolve()
        if directory.resolve() not in target.parents:
            raise ContainerConfigError(f"volume item path {rel!r} escapes the volume")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _projected_items(source: Mapping[str, Any], data: Mapping[str, bytes]) -> dict[str, bytes]:
    if source.get("items"):
        return {item["path"]: data[item["key"]] for item in source["items"] if item["key"] in data}
    return dict(data)


def prepare_volumes(pod: Mapping[str, Any], pod_dir: Path, state_dir: Path,
                    configmaps: Lookup, secrets: Lookup) -> dict[str, str]:
    """Create a local directory per volume; returns ``{volume name: local path}``.

    emptyDir → ``<pod dir>/volumes/<name>``; configMap/secret/downwardAPI → files written there;
    hostPath → the host path itself; persistentVolumeClaim → ``<state dir>/pvc/<ns>/<claim>``
    (kept across pods). Anything else raises :class:`ContainerConfigError`.
    """
    namespace = pod["metadata"]["namespace"]
    result: dict[str, str] = {}
    for volume in pod["spec"].get("volumes") or []:
        name = volume["name"]
        local = pod_dir / "volumes" / name
        if "emptyDir" in volume:
            local.mkdir(parents=True, exist_ok=True)
        elif volume.get("configMap") or volume.get("secret"):
            kind = "configMap" if volume.get("configMap") else "secret"
            source = volume[kind]
            ref_name = source.get("name") or source.get("secretName")
            obj = (configmaps if kind == "configMap" else secrets)(namespace, ref_name)
            if obj is None:
                if not source.get("optional"):
                    raise ContainerConfigError(f'{kind.lower()} "{ref_name}" not found')
                obj = {}
            if kind == "secret":
                data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
            else:
                data = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
                data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
            _write_files(local, _projected_items(source, data))
        elif volume.get("downwardAPI"):
            files = {item["path"]: _field_ref(item["fieldRef"]["fieldPath"], pod).encode()
                     for item in volume["downwardAPI"].get("items") or [] if item.get("fieldRef")}
            _write_files(local, files)
        elif volume.get("hostPath"):
            local = Path(volume["hostPath"]["path"])
            if volume["hostPath"].get("type") == "DirectoryOrCreate":
                local.mkdir(parents=True, exist_ok=True)
        elif volume.get("persistentVolumeClaim"):
            local = state_dir / "pvc" / namespace / volume["persistentVolumeClaim"]["claimName"]
            local.mkdir(parents=True, exist_ok=True)
        else:
            kinds = sorted(k for k in volume if k != "name")
            raise ContainerConfigError(f"localkube does not support volume {name!r} of type {kinds}")
        result[name] = str(local)
    return result


def mount_map(container: Mapping[str, Any], volumes: Mapping[str, str]) -> dict[str, str]:
    """``{mountPath: local path}`` for the container's volumeMounts (``subPath`` honoured)."""
    mapping: dict[str, str] = {}
    for mount in container.get("volumeMounts") or []:
        local = volumes.get(mount["name"])
        if local is None:
            raise ContainerConfigError(f"volumeMount {mount['name']!r} refers to no volume of the pod")
        if mount.get("subPath"):
            local = str(Path(local) / mount["subPath"])
            Path(local).mkdir(parents=True, exist_ok=True)
        mapping[mount["mountPath"]] = local
    return mapping


@dataclass
class Limits:
    """Process limits derived from ``resources.limits`` (see :func:`process_limits`)."""

    memory_bytes: int | None = None
    cpu_seconds: int | None = None
    cores: list[int] = field(default_factory=list)


def process_limits(container: Mapping[str, Any], deadline: int | None, core_offset: int = 0) -> Limits:
    """Approximate a container's limits with process limits.

    * ``limits.memory`` → ``memory_bytes``: the kubelet's watchdog OOM-kills the container (exit
      code 137, reason OOMKilled) when its resident memory exceeds it, and ``RLIMIT_DATA`` at four
      times it (see :mod:`localkube.memory`) makes a huge allocation fail at once (``MemoryError``).
    * ``limits.cpu`` → CPU affinity to ``ceil(cpu)`` cores (parallelism is capped, not the duty
      cycle) and, when the pod has ``activeDeadlineSeconds``, ``RLIMIT_CPU`` of ``cpu × deadline``
      seconds: the CPU time the pod could have used on a cluster before its deadline.
    """
    limits = (container.get("resources") or {}).get("limits") or {}
    result = Limits()
    if limits.get("memory") is not None:
        result.memory_bytes = int(parse_quantity(limits["memory"]))
    if limits.get("cpu") is not None:
        cpu = parse_quantity(limits["cpu"])
        available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        count = max(1, math.ceil(cpu))
        if available and count < len(available):
            start = core_offset % len(available)
            result.cores = [available[(start + i) % len(available)] for i in range(count)]
        if deadline:
            result.cpu_seconds = max(1, math.ceil(cpu * deadline))
    return result


def mount_map_json(mapping: Mapping[str, str]) -> str:
    """The ``LOCALKUBE_MOUNT_MAP`` value."""
    return json.dumps(dict(mapping), sort_keys=True)
