"""The image catalog: how localkube runs an image it cannot pull.

localkube runs containers as local processes, so an image is only a name — unless the catalog says
what the image would run. The catalog is YAML (or JSON) with one entry per image repository::

    root: ../..                      # optional; relative paths below are resolved against it
                                     # (itself relative to this file); default: the repository root
    images:
      golive-sample-app:             # repository, without tag or digest
        aliases: [golive/sample-app, sample-app]
        workingDir: include/sample_app   # the image's WORKDIR: where the process starts
        entrypoint: []               # the image's ENTRYPOINT
        cmd: [python, -m, app]       # the image's CMD
        env: {PYTHONDONTWRITEBYTECODE: "1"}   # the image's ENV (below the pod's env)
        variants:                    # tag suffix -> what that build does differently
          "-errors": {env: {FAULT_MODE: errors}}
          "-slow": {env: {FAULT_MODE: slow}}

A container whose image (``repo:tag``, ``registry/repo:tag`` or ``repo@sha256:…``; a registry host is
ignored when the full name is not listed) matches an entry runs like the image would on a cluster:
``command`` replaces the entrypoint and ``args`` the cmd (Docker semantics), ``workingDir`` defaults
to the entry's, and the entry's ``env`` sits under the pod's ``env``/``envFrom``. A tag ending in a
variant's suffix (``1.1.0-errors``) is a different *build*: its env is applied over the pod's
environment, as code baked into the image would be — that is how a "bad build" exists locally.
Images not in the catalog run their ``command``/``args`` as given (what KubernetesPodOperator's
agent pods do). ``python`` in argv keeps resolving to localkube's interpreter.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localkube.errors import LocalKubeError

DEFAULT_CATALOG = Path(__file__).with_name("images.yaml")
REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG_ENV = "LOCALKUBE_IMAGES"


@dataclass(frozen=True)
class Image:
    """One catalog entry (paths resolved)."""

    repository: str
    working_dir: str | None = None
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    variants: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """What a container runs once the catalog has been applied."""

    spec: dict[str, Any]
    image_env: dict[str, str]
    forced_env: dict[str, str]
    entry: Image | None


def split_image(image: str) -> tuple[str, str]:
    """``(repository, tag)``: ``registry:5000/a/b:1.0`` → (``registry:5000/a/b``, ``1.0``); digests drop."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:]
    return name, "latest"


class ImageCatalog:
    """Looks images up and applies an entry to a container spec."""

    def __init__(self, images: Mapping[str, Image] | None = None) -> None:
        self._images: dict[str, Image] = dict(images or {})

    def __len__(self) -> int:
        return len(self._images)

    def lookup(self, image: str) -> Image | None:
        """The entry for ``image`` (full repository first, then without a registry host)."""
        repository, _ = split_image(image)
        if repository in self._images:
            return self._images[repository]
        first, _, rest = repository.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return self._images.get(rest)
        return None

    def resolve(self, container: Mapping[str, Any]) -> Resolved:
        """The container spec as the image would run it, plus the image's env layers."""
        spec = dict(container)
        entry = self.lookup(str(spec.get("image") or ""))
        if entry is None:
            return Resolved(spec, {}, {}, None)
        if not spec.get("command"):
            spec["command"] = list(entry.entrypoint)
            if not spec.get("args"):
                spec["args"] = list(entry.cmd)
        if not spec.get("workingDir") and entry.working_dir:
            spec["workingDir"] = entry.working_dir
        _, tag = split_image(str(spec.get("image") or ""))
        forced: dict[str, str] = {}
        for suffix, env in entry.variants.items():
            if tag.endswith(suffix):
                forced.update(env)
        return Resolved(spec, dict(entry.env), forced, entry)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise LocalKubeError(f"image catalog: {where} must be a list of strings")
    return tuple(str(v) for v in value)


def _env(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LocalKubeError(f"image catalog: {where} must be a mapping of NAME: value")
    return {str(k): str(v) for k, v in value.items()}


def parse_catalog(doc: Mapping[str, Any], root: Path = REPO_ROOT) -> ImageCatalog:
    """Build a catalog from its document (see the module docstring); raises LocalKubeError."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("images", {}), Mapping):
        raise LocalKubeError("image catalog: the document must be a mapping with an `images` mapping")
    images: dict[str, Image] = {}
    for repository, raw in (doc.get("images") or {}).items():
        if not isinstance(raw, Mapping):
            raise LocalKubeError(f"image catalog: images.{repository} must be a mapping")
        where = f"images.{repository}"
        unknown = set(raw) - {"aliases", "workingDir", "entrypoint", "cmd", "env", "variants"}
        if unknown:
            raise LocalKubeError(f"image catalog: {where} has unknown keys {sorted(unknown)}")
        working_dir = raw.get("workingDir")
        if working_dir is not None:
            path = Path(str(working_dir))
            working_dir = str(path if path.is_absolute() else (root / path).resolve())
        variants = {str(suffix): _env((v or {}).get("env"), f"{where}.variants.{suffix}.env")
                    for suffix, v in (raw.get("variants") or {}).items()}
        entry = Image(repository=str(repository), working_dir=working_dir,
                      entrypoint=_strings(raw.get("entrypoint"), f"{where}.entrypoint"),
                      cmd=_strings(raw.get("cmd"), f"{where}.cmd"), env=_env(raw.get("env"), f"{where}.env"),
                      variants=variants)
        for name in (repository, *_strings(raw.get("aliases"), f"{where}.aliases")):
            images[str(name)] = entry
    return ImageCatalog(images)


def load_catalog(source: str | os.PathLike[str] | Mapping[str, Any] | ImageCatalog | None = None) -> ImageCatalog:
    """Load a catalog from a file, a mapping, or the default (``$LOCALKUBE_IMAGES``, else images.yaml)."""
    if isinstance(source, ImageCatalog):
        return source
    if isinstance(source, Mapping):
        return parse_catalog(source)
    path = Path(source) if source is not None else Path(os.environ.get(CATALOG_ENV) or DEFAULT_CATALOG)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LocalKubeError(f"image catalog {path} cannot be read ({exc.strerror}); pass an existing file") from exc
    if path.suffix == ".json":
        doc = json.loads(text)
    else:
        import yaml

        doc = yaml.safe_load(text) or {}
    root = REPO_ROOT
    if isinstance(doc, Mapping) and doc.get("root"):
        root = (path.parent / str(doc["root"])).resolve()
    return parse_catalog(doc, root)
