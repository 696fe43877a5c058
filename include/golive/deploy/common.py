"""What every deployment strategy shares: names, values, replica math, rendering and HTTP checks.

The sample-app chart (``charts/sample-app``) names a release's objects after the application and a
*variant* — the colour for blue-green, else the track — so several releases of one application live
side by side in a namespace:

=================  ==========================  ==============================
object             name                        note
=================  ==========================  ==============================
Helm release       ``<app>-<variant>``         ``app.kubernetes.io/instance``
API Deployment     ``<app>-<variant>-api``     selector includes the release
ConfigMap          ``<app>-<variant>-config``
ServiceAccount     ``<app>-<variant>``
Service            ``<app>``                   shared: selects app / track / colour
Secret             ``<app>-secrets``           shared: ``secrets.existingSecret``
=================  ==========================  ==============================

Everything here is pure (no cluster): the strategy modules and the unit tests build on it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from golive import http as app_http
from golive.errors import GoliveError
from golive.settings import get_settings

__all__ = [
    "COMPONENT",
    "MANAGED_KEYS",
    "MAX_APP_LENGTH",
    "Check",
    "DeployError",
    "DeployInputError",
    "ReleaseSpec",
    "Request",
    "Result",
    "build_values",
    "canary_replicas",
    "check_application",
    "check_version",
    "configmap_name",
    "default_chart_dir",
    "deployment_name",
    "effective_weight",
    "find",
    "object_ref",
    "parse_set",
    "preview_service_name",
    "release_base",
    "release_name",
    "render_release",
    "secret_name",
    "service_name",
    "verify_service",
    "version_of_image",
]

#: The chart component the strategies move (its Deployment and Service).
COMPONENT = "api"
#: The chart truncates ``appName`` to 40 characters; longer names would not round-trip.
MAX_APP_LENGTH = 40
_OCI_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
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


class DeployError(GoliveError):
    """A deployment action could not be carried out; the message says what happened and what to do."""


class DeployInputError(DeployError):
    """The action's input is unusable (bad option, values the chart rejects); nothing was changed."""


# --- names ------------------------------------------------------------------------------------------


def release_name(app: str, variant: str) -> str:
    """Helm release name of one variant (``stable``, ``canary``, ``blue``, ``green``) of ``app``."""
    return f"{app}-{variant}"


def release_base(app: str, variant: str) -> str:
    """The chart's ``sample-app.base``: ``appName-variant`` truncated to 50, without a trailing '-'.

    It names the release's own objects (``<base>-api``, ``<base>-config``, the ServiceAccount…)."""
    return f"{app[:MAX_APP_LENGTH].rstrip('-')}-{variant}"[:50].rstrip("-")


def deployment_name(app: str, variant: str) -> str:
    """Name of the API Deployment of one variant (``shop-canary-api``)."""
    return f"{release_base(app, variant)}-{COMPONENT}"


def configmap_name(app: str, variant: str) -> str:
    """Name of one variant's ConfigMap (``shop-canary-config``)."""
    return f"{release_base(app, variant)}-config"


def service_name(app: str) -> str:
    """Name of the application's live Service (``shop``)."""
    return app[:MAX_APP_LENGTH].rstrip("-")


def preview_service_name(app: str) -> str:
    """Name of the blue-green preview Service that selects the colour not yet live (``shop-preview``)."""
    return f"{service_name(app)}-preview"


def secret_name(app: str) -> str:
    """Name of the application's Secret (``shop-secrets``), shared by all its releases."""
    return f"{service_name(app)}-secrets"


def object_ref(obj: Mapping[str, Any]) -> str:
    """``Kind/name`` of a Kubernetes object (what the agents report; never its content)."""
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def version_of_image(image: str | None) -> str | None:
    """The tag of an image reference (``repo/app:1.2.0`` → ``1.2.0``); None without a tag."""
    if not image:
        return None
    ref = image.split("@", 1)[0]
    _name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return None
    return tag or None


def check_version(version: str) -> str:
    """Return ``version`` when it is a valid image tag (it becomes ``image.tag``), else raise."""
    if not _OCI_TAG.match(version):
        raise DeployInputError(f"version {version!r} is not a valid image tag (letters, digits, '_', '.', '-'; "
                               "at most 128; not starting with '.' or '-')")
    return version


def check_application(app: str) -> str:
    """Return ``app`` when it is a DNS-1123 label the chart keeps whole (at most 40 characters)."""
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", app) or len(app) > MAX_APP_LENGTH:
        raise DeployInputError(f"application {app!r} must be a DNS-1123 label of at most {MAX_APP_LENGTH} "
                               "characters (lowercase letters, digits and '-')")
    return app


# --- values -----------------------------------------------------------------------------------------


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


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
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
    return _merge(dict(spec.user_values), forced)


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
    from golive.charts import ChartRenderError, render_chart

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


# --- replica math -----------------------------------------------------------------------------------


def canary_replicas(weight: float, stable_replicas: int) -> int:
    """Canary replicas that give it about ``weight`` percent of the traffic next to ``stable_replicas``.

    Traffic splits by replica ratio (the Service selects both tracks), so for a fraction
    ``w = weight/100`` below 1 the canary gets ``max(1, round(w·s/(1−w)))`` replicas (halves round
    up); at 100 % it gets as many as stable.

    :raises DeployInputError: a weight outside (0, 100] or a stable count below 1.
    """
    if not 0 < weight <= 100 or math.isnan(weight):
        raise DeployInputError(f"canary weight must be in (0, 100] percent, got {weight:g}")
    if stable_replicas < 1:
        raise DeployInputError(f"the stable track has {stable_replicas} replicas; a canary needs a running "
                               "stable track (scale it up or deploy it first)")
    if weight >= 100:
        return stable_replicas
    # w·s/(1−w) with w = weight/100, computed as weight·s/(100−weight) so that exact halves stay exact
    exact = weight * stable_replicas / (100.0 - weight)
    return max(1, math.floor(exact + 0.5 + 1e-9))


def effective_weight(canary: int, stable: int) -> float:
    """The canary's share of the traffic in percent, ``100·c/(c+s)`` (0 without replicas)."""
    total = canary + stable
    return round(100.0 * canary / total, 2) if total > 0 else 0.0


# --- HTTP checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One verification check: its name, whether it passed, and what was seen."""

    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def verify_service(url: str | None, expected_version: str | None, *, attempts: int = 5,
                   timeout: float = 5.0, client: httpx.Client | None = None,
                   sleep: Any = None) -> list[Check]:
    """Check that ``url`` is healthy (:func:`golive.http.is_healthy`) and that ``/version`` reports
    ``expected_version`` (:func:`golive.http.version_of`, :func:`golive.http.versions_match`).

    Several replicas may sit behind the URL, so ``/version`` is asked ``attempts`` times, each over a
    new connection (Services balance connections, not requests), and every answer must carry the
    expected version (a leftover replica of another version fails the check).
    ``expected_version`` None checks only that ``/version`` answers.
    """
    import time

    pause = sleep or time.sleep
    if not url:
        return [Check("service url", False, "the Service has no URL (is it created, and does it have a port?)")]
    own = client is None
    # No keep-alive: a Service balances connections, so each answer must come over a new one.
    http = client or app_http.client(timeout=timeout, keepalive=0)
    checks: list[Check] = []
    try:
        health = _get(http, f"{url}/health", attempts, pause)
        healthy = app_http.is_healthy(httpx.Response(health[0], text=health[1]))
        checks.append(Check("health", healthy,
                            f"GET {url}/health answered {health[0]}" + ("" if healthy else f" ({health[1]})")))
        seen: list[str] = []
        problems: list[str] = []
        for _ in range(max(1, attempts)):
            status, body = _get(http, f"{url}/version", 1, pause)
            version = app_http.version_of(httpx.Response(status, text=body))
            if version is None:
                problems.append(f"HTTP {status} {body[:200]}" if status != 200 else f"no version in {body[:200]}")
                continue
            seen.append(version)
        versions = sorted(set(seen))
        if problems:
            ok, detail = False, f"GET {url}/version failed: {'; '.join(problems[:3])}"
        elif expected_version is None:
            ok, detail = bool(seen), f"running version(s) {', '.join(versions)}"
        else:
            ok = bool(seen) and all(app_http.versions_match(v, expected_version) for v in seen)
            detail = (f"{len(seen)} answers, all version {expected_version}" if ok
                      else f"expected version {expected_version}, got {', '.join(versions) or 'nothing'}")
        checks.append(Check("version", ok, detail))
    finally:
        if own:
            http.close()
    return checks


def _get(http: httpx.Client, url: str, attempts: int, pause: Any) -> tuple[int, str]:
    """GET ``url``, retrying transport errors and 5xx up to ``attempts`` times; (status, body)."""
    last: tuple[int, str] = (0, "")
    for attempt in range(max(1, attempts)):
        try:
            response = http.get(url)
            last = (response.status_code, response.text)
            if response.status_code < 500:
                return last
        except httpx.HTTPError as exc:
            last = (0, f"{type(exc).__name__}: {exc}")
        if attempt + 1 < attempts:
            pause(0.5)
    return last


# --- requests and results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One deployment-agent action's input, validated by the CLI.

    :param app: application name.
    :param namespace: its namespace.
    :param version: the version this go-live takes live (the image tag); None where an action
        does not need it (status, and rollback/promote where it is read from the cluster).
    :param strategy: ``rolling``, ``blue-green`` or ``canary``.
    :param chart_dir: the sample-app chart.
    :param values_files: values files in order (the environment's first, then ``--values-file``).
    :param user_values: values from ``--set``.
    :param replicas: API replicas (None: keep the values' or the running count).
    :param timeout: seconds to wait for a rollout.
    :param weight: canary traffic weight in percent (deploy and canary-step).
    :param to_revision: rollback target revision (rolling), when known.
    :param reason: why the rollback happens (recorded in its output).
    :param cleanup: promote: delete the old colour's Deployment too (blue-green).
    :param settle: seconds the post-rollback verification may retry while endpoints settle.
    """

    app: str
    namespace: str
    version: str | None = None
    strategy: str = "rolling"
    chart_dir: Path = field(default_factory=lambda: Path("charts/sample-app"))
    values_files: tuple[Path, ...] = ()
    user_values: Mapping[str, Any] = field(default_factory=dict)
    replicas: int | None = None
    timeout: float = 300.0
    weight: float | None = None
    to_revision: int | None = None
    reason: str = ""
    cleanup: bool = False
    settle: float = 20.0


@dataclass
class Result:
    """An action's outcome: ``ok`` (exit 0) or not (exit 1, ``payload['error']`` says why)."""

    ok: bool
    payload: dict[str, Any]

    @classmethod
    def failed(cls, payload: dict[str, Any], reason: str) -> Result:
        """A failed outcome: ``error`` says why; so does ``reason`` unless the payload has its own
        (a rollback's ``reason`` is why it was asked for)."""
        payload = dict(payload)
        payload["error"] = reason
        payload.setdefault("reason", reason)
        return cls(False, payload)
