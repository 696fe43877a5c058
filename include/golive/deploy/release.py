"""One release of the chart: its values (``--set`` parsing, what the strategy forces) and rendering.

The values contract a chart must accept (the sample-app and the generic ``charts/golive-app`` do):
``appName``, ``image.repository``, ``image.tag``, ``replicaCount``, ``track``, ``colour``,
``strategy.type``, ``service.selector.{mode,track,colour}``, ``secrets.existingSecret``; its
Deployment must carry ``app.kubernetes.io/instance=<release>`` (:func:`workload_of`). Everything here
is pure (no cluster): :func:`render_release` runs ``helm template``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.charts import ChartRenderError, merge_values, render_chart
from golive.deploy.errors import DeployInputError
from golive.deploy.naming import COMPONENT, COMPONENT_LABEL, INSTANCE_LABEL, release_name
from golive.settings import get_settings

__all__ = [
    "MANAGED_KEYS",
    "ReleaseSpec",
    "build_values",
    "default_chart_dir",
    "find",
    "parse_set",
    "render_release",
    "workload_of",
]

_SET_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")

#: Values the agent sets itself; a ``--set`` of one of them is refused (use the named option).
MANAGED_KEYS: dict[str, str] = {
    "image.tag": "use --version",
    "image.repository": "the profile's image",
    "replicaCount": "use --replicas",
    "appName": "use --application",
    "fullnameOverride": "the agent names releases after --application",
    "nameOverride": "the agent names releases after --application",
    "track": "the strategy decides the track",
    "colour": "the strategy decides the colour",
    "strategy.type": "use --strategy",
    "service.selector": "the strategy decides what the Service selects",
    "service.enabled": "the strategy decides which release owns the Service",
    "secrets.existingSecret": "the agent uses <application>-secrets when it exists",
    "secrets.values": "secret values never travel on a command line; the infrastructure phase creates "
                      "<application>-secrets",
}


def _scalar(text: str) -> Any:
    """Type a ``--set`` value like Helm does: integers, true/false and null; the rest stays a string."""
    if _INT.match(text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    return text


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``--set key.path=value`` items into a nested values dict (later items win).

    :raises DeployInputError: an item without ``=``, a malformed key, or a key the agent manages
        (:data:`MANAGED_KEYS`).
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not _SET_KEY.match(key):
            raise DeployInputError(f"--set {item!r}: expected key.path=value (letters, digits, '_' and '-' in "
                                   "each key; no lists)")
        for managed, why in MANAGED_KEYS.items():
            if key == managed or key.startswith(managed + ".") or managed.startswith(key + "."):
                raise DeployInputError(f"--set {key}: {managed} is managed by the deployment agent ({why})")
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = _scalar(raw)
    return out


@dataclass(frozen=True)
class ReleaseSpec:
    """One release of the application as a strategy wants it rendered.

    :param app: application name (``appName``).
    :param version: image tag, also reported as the running version.
    :param strategy: ``rolling``, ``blue-green`` or ``canary`` (``strategy.type``).
    :param track: ``stable`` or ``canary``.
    :param colour: ``""``, ``blue`` or ``green``.
    :param replicas: API replicas; None keeps the values' own.
    :param service_mode: what the Service selects: ``app``, ``track`` or ``colour``.
    :param service_colour: the colour selected in colour mode ("" = this release's colour).
    :param include_service: render the Service (False for a release that must not touch it).
    :param existing_secret: name of the existing Secret, or "" to let the chart create one.
    :param user_values: values from ``--values-file`` and ``--set`` (already merged).
    :param image: the image repository (the profile's ``image``); None keeps the chart's own.
    """

    app: str
    version: str
    strategy: str = "rolling"
    track: str = "stable"
    colour: str = ""
    replicas: int | None = None
    service_mode: str = "app"
    service_colour: str = ""
    include_service: bool = True
    existing_secret: str = ""
    user_values: Mapping[str, Any] = field(default_factory=dict)
    image: str | None = None

    @property
    def variant(self) -> str:
        """The colour when set, else the track (what names the release's objects)."""
        return self.colour or self.track

    @property
    def release(self) -> str:
        """The Helm release name."""
        return release_name(self.app, self.variant)



def build_values(spec: ReleaseSpec) -> dict[str, Any]:
    """The values of one release: the user's values under the ones the strategy sets.

    The Service is always rendered (the chart needs it to compute the selector) and dropped by
    :func:`render_release` when ``include_service`` is False.
    """
    forced: dict[str, Any] = {
        "appName": spec.app,
        "image": {"tag": spec.version, **({"repository": spec.image} if spec.image else {})},
        "track": spec.track,
        "colour": spec.colour,
        "strategy": {"type": spec.strategy},
        "service": {"selector": {"mode": spec.service_mode, "track": "",
                                 "colour": spec.service_colour if spec.service_mode == "colour" else ""}},
        "secrets": {"existingSecret": spec.existing_secret},
    }
    if spec.replicas is not None:
        forced["replicaCount"] = spec.replicas
    return merge_values(dict(spec.user_values), forced)


def shipped_chart(name: str) -> Path:
    """A chart golive ships (``sample-app``, ``golive-app``): under ``$GOLIVE_CHARTS_HOME`` (the image's
    ``/opt/airflow/charts``), else ``charts/`` of the repository golive runs from."""
    home = get_settings().charts_home
    if home:
        return home / name
    import golive

    return Path(golive.__file__).resolve().parents[2] / "charts" / name


def default_chart_dir() -> Path:
    """The chart of a run without a profile: ``$GOLIVE_CHART_DIR``, else the sample-app chart."""
    configured = get_settings().chart_dir
    if configured:
        return configured
    return shipped_chart("sample-app")


def generic_chart_dir() -> Path:
    """golive's generic chart (``charts/golive-app``): for an application whose profile and tree have none."""
    return shipped_chart("golive-app")


def workload_of(objects: Iterable[Mapping[str, Any]], release: str, chart: str = "the chart") -> str:
    """The name of the release's Deployment among ``objects``, found by its labels.

    The Deployment labelled ``app.kubernetes.io/instance=<release>``; where several are, the one also
    labelled ``app.kubernetes.io/component=api``.

    :raises DeployInputError: no Deployment, or none with the labels (the message names the label).
    """
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    if not deployments:
        raise DeployInputError(f"{chart} rendered no Deployment for release {release}")
    labelled = [d for d in deployments
                if ((d.get("metadata") or {}).get("labels") or {}).get(INSTANCE_LABEL) == release]
    if not labelled:
        names = ", ".join(str((d.get("metadata") or {}).get("name")) for d in deployments)
        raise DeployInputError(f"{chart}: no Deployment carries the label {INSTANCE_LABEL}={release} (found {names}); "
                               f"golive finds a release's workload by that label: set it to the release name")
    if len(labelled) > 1:
        labelled = [d for d in labelled if (d["metadata"].get("labels") or {}).get(COMPONENT_LABEL) == COMPONENT]
        if len(labelled) != 1:
            raise DeployInputError(f"{chart}: release {release} has several Deployments; label the application's "
                                   f"one {COMPONENT_LABEL}={COMPONENT}")
    return str(labelled[0]["metadata"]["name"])


def render_release(spec: ReleaseSpec, namespace: str, chart_dir: str | os.PathLike[str],
                   values_files: Sequence[str | os.PathLike[str]] = (), *,
                   renderer: str = "helm") -> list[dict[str, Any]]:
    """Render one release of the chart (``helm template``) or Kustomize overlay and return its objects,
    install order.

    Each object gets ``metadata.namespace``. The Service is left out unless ``include_service``.

    :raises DeployInputError: the chart or the values are unusable (the chart's own message).
    """
    if renderer == "kustomize":
        objects = _render_overlay(spec, namespace, Path(chart_dir), values_files)
    else:
        try:
            objects = render_chart(chart_dir, spec.release, namespace, build_values(spec), list(values_files))
        except ChartRenderError as exc:
            raise DeployInputError(str(exc)) from exc
    out: list[dict[str, Any]] = []
    for obj in objects:
        if obj.get("kind") == "Service" and not spec.include_service:
            continue
        obj.setdefault("metadata", {})["namespace"] = namespace
        out.append(obj)
    workload_of(out, spec.release, f"the chart {chart_dir}")
    return out


def _render_overlay(spec: ReleaseSpec, namespace: str, overlay: Path,
                    values_files: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """A Kustomize overlay as one release: golive's labels and the image tag set by Kustomize, the
    replicas on the workload. Values belong to charts: a values file or ``--set`` is refused."""
    from golive.kustomize import KustomizeError, render_kustomization

    if spec.strategy != "rolling":
        raise DeployInputError(f"a kustomize overlay deploys with the rolling strategy only ({spec.strategy} needs a "
                               "chart that follows golive's values contract, e.g. golive:golive-app)")
    if values_files or spec.user_values:
        raise DeployInputError("values files and --set apply to Helm charts, not to a kustomize overlay")
    if spec.image is None:
        raise DeployInputError("a kustomize overlay needs the image repository whose tag golive sets")
    try:
        objects = render_kustomization(overlay, namespace=namespace,
                                       labels={INSTANCE_LABEL: spec.release, "track": spec.track},
                                       images={spec.image: spec.version})
    except KustomizeError as exc:
        raise DeployInputError(str(exc)) from exc
    if spec.replicas is not None:
        name = workload_of(objects, spec.release, f"the overlay {overlay}")
        for obj in objects:
            if obj.get("kind") == "Deployment" and obj["metadata"]["name"] == name:
                obj.setdefault("spec", {})["replicas"] = spec.replicas
    return objects


def find(objects: Iterable[Mapping[str, Any]], kind: str, name: str | None = None) -> dict[str, Any] | None:
    """The first object of ``kind`` (and ``name`` when given) in ``objects``, or None."""
    for obj in objects:
        if obj.get("kind") == kind and (name is None or (obj.get("metadata") or {}).get("name") == name):
            return dict(obj)
    return None
