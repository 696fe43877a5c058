"""One release of the chart: its values (``--set`` parsing, what the strategy forces) and rendering.

Everything here is pure (no cluster): :func:`render_release` runs ``helm template``.
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
from golive.deploy.naming import deployment_name, release_name
from golive.settings import get_settings

__all__ = [
    "MANAGED_KEYS",
    "ReleaseSpec",
    "build_values",
    "default_chart_dir",
    "find",
    "parse_set",
    "render_release",
]

_SET_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")

#: Values the agent sets itself; a ``--set`` of one of them is refused (use the named option).
MANAGED_KEYS: dict[str, str] = {
    "image.tag": "use --version",
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

    @property
    def variant(self) -> str:
        """The colour when set, else the track (what names the release's objects)."""
        return self.colour or self.track

    @property
    def release(self) -> str:
        """The Helm release name."""
        return release_name(self.app, self.variant)

    @property
    def deployment(self) -> str:
        """The API Deployment's name."""
        return deployment_name(self.app, self.variant)


def build_values(spec: ReleaseSpec) -> dict[str, Any]:
    """The values of one release: the user's values under the ones the strategy sets.

    The Service is always rendered (the chart needs it to compute the selector) and dropped by
    :func:`render_release` when ``include_service`` is False.
    """
    forced: dict[str, Any] = {
        "appName": spec.app,
        "image": {"tag": spec.version},
        "track": spec.track,
        "colour": spec.colour,
        "strategy": {"type": spec.strategy},
        "service": {"selector": {"mode": spec.service_mode, "track": "",
                                 "colour": spec.service_colour if spec.service_mode == "colour" else ""}},
        "secrets": {"existingSecret": spec.existing_secret},
    }
    if spec.replicas is not None:
        forced["api"] = {"replicas": spec.replicas}
    return merge_values(dict(spec.user_values), forced)


def default_chart_dir() -> Path:
    """The sample-app chart: ``$GOLIVE_CHART_DIR``, else ``charts/sample-app`` next to the golive package.

    golive lives in ``<repo>/include/golive``; the workload image copies the chart to the same
    relative place (or sets ``GOLIVE_CHART_DIR``).
    """
    configured = get_settings().chart_dir
    if configured:
        return configured
    import golive

    return Path(golive.__file__).resolve().parents[2] / "charts" / "sample-app"


def render_release(spec: ReleaseSpec, namespace: str, chart_dir: str | os.PathLike[str],
                   values_files: Sequence[str | os.PathLike[str]] = ()) -> list[dict[str, Any]]:
    """Render one release of the chart (``helm template``) and return its objects, install order.

    Each object gets ``metadata.namespace``. The Service is left out unless ``include_service``.

    :raises DeployInputError: the chart or the values are unusable (the chart's own message).
    """
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
    if not any(o.get("kind") == "Deployment" and o["metadata"].get("name") == spec.deployment for o in out):
        raise DeployInputError(f"the chart {chart_dir} rendered no Deployment {spec.deployment} for release "
                               f"{spec.release}; is api.enabled false in the values?")
    return out


def find(objects: Iterable[Mapping[str, Any]], kind: str, name: str | None = None) -> dict[str, Any] | None:
    """The first object of ``kind`` (and ``name`` when given) in ``objects``, or None."""
    for obj in objects:
        if obj.get("kind") == kind and (name is None or (obj.get("metadata") or {}).get("name") == name):
            return dict(obj)
    return None
