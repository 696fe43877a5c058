"""Render, lint and validate Helm charts from Python, offline.

Rendering and linting use **helm-python-sdk** (import name ``helm_python``): ctypes bindings to
``libhelm_c``, a C ABI over Helm's own Go SDK (Helm v4), bundled in the wheel. No ``helm`` binary,
no cluster and no network are involved: ``lookup`` returns nothing, exactly like ``helm template``.
Values files are merged the way ``helm -f a.yaml -f b.yaml --set …`` merges them (later files win,
maps merge recursively, ``null`` deletes a default), then Helm coalesces them with the chart's
defaults and validates the result against the chart's ``values.schema.json``.

Validation of the rendered objects against the Kubernetes OpenAPI schema uses
**kubernetes-validate**, which ships the JSON schemas of every Kubernetes minor version offline.
Its ``validate()`` stops at the first error; :func:`validate_manifests` reports all of them.

Public API::

    objs = render_chart("charts/sample-app", "sample-app", "apps", {"api": {"replicas": 3}},
                        ["charts/sample-app/values-prod.yaml"])
    errors = validate_manifests(objs, k8s_version="1.31")
    report = lint_chart("charts/sample-app", values_files=["charts/sample-app/values-dev.yaml"])
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from golive.errors import GoliveError

__all__ = [
    "DEFAULT_K8S_VERSION",
    "ChartRenderError",
    "ChartValuesError",
    "LintReport",
    "lint_chart",
    "load_values_files",
    "merge_values",
    "parse_pod_profiles",
    "pull_chart",
    "render_chart",
    "validate_manifests",
]

DEFAULT_K8S_VERSION = "1.31"

# Helm's install order (kind_sorter.go in Helm's release utilities): what a deployment applies first.
_INSTALL_ORDER = [
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
]
_ORDER = {kind: i for i, kind in enumerate(_INSTALL_ORDER)}

# "- at '/api/replicas': minimum: got 0, want 1" in Helm's schema-violation message.
_SCHEMA_LINE = re.compile(r"^\s*-\s*at '(?P<pointer>[^']*)':\s*(?P<message>.*)$")
_GENERIC = re.compile(r"^(validation failed|'(allOf|anyOf|oneOf|not|if|then|else)' failed)$")
_NAMED_PROPS = re.compile(
    r"^(?P<what>missing|additional) propert(?:y|ies) (?P<props>'[^']*'(?:, '[^']*')*)(?: not allowed)?$"
)
# libhelm_c is a Go runtime behind a C ABI; serialize calls to be safe with threaded callers.
_HELM_LOCK = threading.Lock()


class ChartRenderError(GoliveError):
    """A chart could not be loaded, rendered or linted; carries Helm's own message."""

    def __init__(self, message: str, *, chart: str, helm_message: str = "") -> None:
        super().__init__(message)
        self.chart = chart
        self.helm_message = helm_message


class ChartValuesError(ChartRenderError):
    """The values violate the chart's ``values.schema.json`` (or a values file is unusable).

    ``violations`` maps each offending value, as a dotted path (``api.replicas``), to what the
    schema wants; ``str()`` of the error names every one of them.
    """

    def __init__(
        self, message: str, *, chart: str, helm_message: str = "", violations: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, chart=chart, helm_message=helm_message)
        self.violations = dict(violations or {})


@dataclass(frozen=True)
class LintReport:
    """What ``helm lint`` said about a chart: findings are data, ``ok`` is False on any error."""

    chart: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when Helm reported no error."""
        return not self.errors


def _helm() -> Any:
    """Import helm-python-sdk lazily (loading the 80 MB native library costs ~0.1 s)."""
    try:
        import helm_python
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ChartRenderError(
            "helm-python-sdk is not installed: pip install helm-python-sdk==0.2.2", chart=""
        ) from exc
    return helm_python


def _pointer_to_dotted(pointer: str) -> str:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p]
    return ".".join(parts) if parts else "(root)"


def _schema_violations(helm_message: str) -> dict[str, str]:
    """Parse Helm's schema-violation lines into ``{dotted.path: constraint}``.

    Missing and unknown properties are reported under the property's own path
    (``image.tag: is required``), and the summary lines of nested failures ("validation failed",
    "'allOf' failed") are dropped in favour of the nested lines that say why.
    """
    found: dict[str, str] = {}

    def add(key: str, why: str) -> None:
        found[key] = f"{found[key]}; {why}" if key in found else why

    for line in helm_message.splitlines():
        match = _SCHEMA_LINE.match(line)
        if not match:
            continue
        base = _pointer_to_dotted(match["pointer"])
        prefix = "" if base == "(root)" else base + "."
        message = match["message"].strip()
        if _GENERIC.match(message):
            continue
        named = _NAMED_PROPS.match(message)
        if named:
            why = "is required" if named["what"] == "missing" else "is not a known value (misspelt?)"
            for prop in re.findall(r"'([^']*)'", named["props"]):
                add(prefix + prop, why)
            continue
        add(base, message)
    return found


def _values_error(chart: str, exc: Exception) -> ChartValuesError:
    helm_message = str(exc).strip()
    violations = _schema_violations(helm_message)
    if violations:
        listed = "; ".join(f"{key}: {why}" for key, why in violations.items())
        message = f"values for chart {chart} are invalid: {listed}. Fix these values and render again."
    else:
        message = f"values for chart {chart} are invalid: {helm_message}"
    return ChartValuesError(message, chart=chart, helm_message=helm_message, violations=violations)


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` like Helm merges ``-f`` files: maps recurse, others replace."""
    out: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_values(out[key], value)
        else:
            out[key] = value
    return out


def load_values_files(values_files: Iterable[str | os.PathLike[str]], *, chart: str = "") -> dict[str, Any]:
    """Read and merge values files in order (later wins), parsed by Helm's own YAML parser."""
    helm = _helm()
    merged: dict[str, Any] = {}
    for item in values_files:
        path = Path(item)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ChartValuesError(
                f"values file {path} cannot be read ({exc.strerror}); pass an existing file", chart=chart
            ) from exc
        try:
            parsed = helm.values_from_yaml(text) if text.strip() else {}
        except helm.HelmError as exc:
            raise ChartValuesError(
                f"values file {path} is not valid YAML: {exc}", chart=chart, helm_message=str(exc)
            ) from exc
        if not isinstance(parsed, dict):
            raise ChartValuesError(f"values file {path} must hold a mapping at the top", chart=chart)
        merged = merge_values(merged, parsed)
    return merged


def _sort_key(obj: Mapping[str, Any]) -> tuple[int, str, str]:
    kind = str(obj.get("kind", ""))
    name = str((obj.get("metadata") or {}).get("name", ""))
    return (_ORDER.get(kind, len(_ORDER)), kind, name)


def render_chart(
    chart_dir: str | os.PathLike[str],
    release: str,
    namespace: str,
    values: Mapping[str, Any] | None = None,
    values_files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    revision: int = 1,
    is_upgrade: bool = False,
) -> list[dict[str, Any]]:
    """Render a chart like ``helm template`` and return the parsed objects in Helm's install order.

    :param chart_dir: chart directory (or ``.tgz``).
    :param release: release name (``.Release.Name``); must be a valid Helm release name.
    :param namespace: ``.Release.Namespace``.
    :param values: values given last (``--set``), over the files.
    :param values_files: values files merged in order (``-f``), over the chart's defaults.
    :param revision: ``.Release.Revision``.
    :param is_upgrade: render as an upgrade rather than an install.
    :raises ChartValuesError: a values file is unusable or the values violate values.schema.json;
        the message names each offending value.
    :raises ChartRenderError: the chart cannot be loaded or a template fails (Helm's message).
    """
    helm = _helm()
    chart = os.fspath(chart_dir)
    merged = load_values_files(values_files or (), chart=chart)
    if values:
        merged = merge_values(merged, values)
    try:
        helm.validate_release_name(release)
    except helm.HelmError as exc:
        raise ChartRenderError(
            f"release name {release!r} is not valid for Helm: {exc}", chart=chart, helm_message=str(exc)
        ) from exc
    with _HELM_LOCK:
        try:
            with helm.Chart.load(chart) as loaded:
                rendered = loaded.render(
                    merged,
                    name=release,
                    namespace=namespace,
                    revision=revision,
                    is_install=not is_upgrade,
                    is_upgrade=is_upgrade,
                )
        except helm.HelmValuesError as exc:
            raise _values_error(chart, exc) from exc
        except helm.HelmChartLoadError as exc:
            raise ChartRenderError(
                f"chart {chart} cannot be loaded: {exc}", chart=chart, helm_message=str(exc)
            ) from exc
        except helm.HelmError as exc:
            raise ChartRenderError(
                f"chart {chart} failed to render: {exc}", chart=chart, helm_message=str(exc)
            ) from exc
    objects: list[dict[str, Any]] = []
    for path in sorted(rendered):
        name = path.rsplit("/", 1)[-1]
        if name == "NOTES.txt" or name.startswith("_") or not name.endswith((".yaml", ".yml", ".json")):
            continue
        try:
            docs = list(yaml.safe_load_all(rendered[path]))
        except yaml.YAMLError as exc:
            raise ChartRenderError(f"chart {chart}: template {path} rendered invalid YAML: {exc}", chart=chart) from exc
        for doc in docs:
            if doc is None:
                continue
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                raise ChartRenderError(
                    f"chart {chart}: template {path} rendered a document that is not a Kubernetes "
                    "object (apiVersion and kind are required)",
                    chart=chart,
                )
            objects.append(doc)
    objects.sort(key=_sort_key)
    return objects


def lint_chart(
    chart_dir: str | os.PathLike[str],
    values: Mapping[str, Any] | None = None,
    values_files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    namespace: str = "default",
    strict: bool = False,
    k8s_version: str = DEFAULT_K8S_VERSION,
) -> LintReport:
    """Run ``helm lint`` (Helm's Go linter, through helm-python-sdk) on a chart directory.

    Findings are returned, not raised: check :attr:`LintReport.ok`. ``strict`` makes warnings
    errors, like ``helm lint --strict``.

    :raises ChartValuesError: a values file is unusable.
    :raises ChartRenderError: the linter itself could not run (Helm's message).
    """
    helm = _helm()
    chart = os.fspath(chart_dir)
    merged = load_values_files(values_files or (), chart=chart)
    if values:
        merged = merge_values(merged, values)
    kube_version = k8s_version if k8s_version.startswith("v") else f"v{k8s_version}"
    if kube_version.count(".") == 1:
        kube_version += ".0"
    with _HELM_LOCK:
        try:
            raw = helm.lint(chart, merged or None, strict=strict, namespace=namespace, kube_version=kube_version)
        except helm.HelmError as exc:
            raise ChartRenderError(f"helm lint of {chart} failed: {exc}", chart=chart, helm_message=str(exc)) from exc
    errors: list[str] = []
    warnings: list[str] = []
    infos: list[str] = []
    for msg in raw.get("messages", []):
        text = f"{msg.get('path', '')}: {str(msg.get('error', '')).strip()}"
        severity = int(msg.get("severity", 0))
        (errors if severity >= 3 else warnings if severity == 2 else infos).append(text)
    for extra in raw.get("errors", []):
        if not any(str(extra).strip() in e for e in errors):
            errors.append(str(extra).strip())
    return LintReport(chart=chart, errors=errors, warnings=warnings, infos=infos)


def parse_pod_profiles(configmap: Mapping[str, Any]) -> dict[str, Any]:
    """Read the ``golive-pod-profiles`` ConfigMap (from charts/golive) into a dict, checking its shape
    (``golive.kube.podprofiles.check_profiles``: the document AgentPodOperator reads).

    :raises GoliveError: the ConfigMap is not a version-1 profile document.
    """
    import json

    from golive.kube.podprofiles import check_profiles

    raw = (configmap.get("data") or {}).get("profiles.json")
    if not raw:
        raise GoliveError("ConfigMap golive-pod-profiles has no data['profiles.json']; reinstall charts/golive")
    return check_profiles(json.loads(raw), "ConfigMap golive-pod-profiles")


# --- Kubernetes OpenAPI validation ----------------------------------------------------------


@lru_cache(maxsize=4)
def _schema_registry(version_dir: str) -> Any:
    from kubernetes_validate import utils as kv
    from referencing import Registry, Resource

    defs = kv.schema_contents(f"kubernetes-json-schema/{version_dir}/_definitions.json", version_dir)
    return Resource.from_contents(defs) @ Registry()


@lru_cache(maxsize=256)
def _validator(version_dir: str, kind: str, api_version: str) -> Any:
    """A Draft 2020-12 validator for one kind, or None when kubernetes-validate has no schema."""
    import jsonschema
    from kubernetes_validate import utils as kv

    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"kubernetes-json-schema/{version_dir}/{kind.lower()}-{group}.json", version_dir)
    except FileNotFoundError:
        return None
    from referencing import Resource

    registry = Resource.from_contents(schema) @ _schema_registry(version_dir)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _version_dir(k8s_version: str, strict: bool) -> str:
    from kubernetes_validate import utils as kv
    from packaging.version import Version

    wanted = k8s_version.removeprefix("v")
    wanted_mm = Version(kv.major_minor(wanted))
    shipped = [v for v in kv.all_versions() if Version(kv.major_minor(v)) <= wanted_mm]
    if not shipped:
        raise GoliveError(
            f"kubernetes-validate ships no schema for Kubernetes {k8s_version}; "
            f"choose one of {', '.join(kv.major_minor(v) for v in kv.all_versions())}"
        )
    if Version(kv.major_minor(kv.latest_version())) < wanted_mm:
        raise GoliveError(
            f"kubernetes-validate ships schemas up to Kubernetes {kv.major_minor(kv.latest_version())}, "
            f"not {k8s_version}; upgrade kubernetes-validate or choose an older version"
        )
    return f"v{shipped[-1]}-local" + ("-strict" if strict else "")


def _object_name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    name = meta.get("name", "<no name>")
    return f"{obj.get('kind', '<no kind>')}/{ns + '/' if ns else ''}{name}"


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(object)"


def validate_manifests(
    objs: Iterable[Mapping[str, Any]],
    k8s_version: str = DEFAULT_K8S_VERSION,
    *,
    strict: bool = True,
    allow_unknown_kinds: bool = False,
) -> list[str]:
    """Validate objects against the Kubernetes OpenAPI schema of ``k8s_version``; return all errors.

    ``strict`` (default) uses kubernetes-validate's strict schemas, which also reject unknown
    fields (a misspelt ``readinesProbe`` is an error, not silently dropped). An object whose kind
    has no schema (a CRD) is an error unless ``allow_unknown_kinds``: unvalidated is not valid.
    An empty list means every object is valid.
    """
    version_dir = _version_dir(k8s_version, strict)
    errors: list[str] = []
    for index, obj in enumerate(objs):
        if not isinstance(obj, Mapping) or "kind" not in obj or "apiVersion" not in obj:
            errors.append(f"object #{index}: not a Kubernetes object (apiVersion and kind are required)")
            continue
        validator = _validator(version_dir, str(obj["kind"]), str(obj["apiVersion"]))
        if validator is None:
            if not allow_unknown_kinds:
                errors.append(
                    f"{_object_name(obj)}: no schema for {obj['apiVersion']} {obj['kind']} in Kubernetes {k8s_version}"
                )
            continue
        for err in sorted(validator.iter_errors(dict(obj)), key=lambda e: list(map(str, e.absolute_path))):
            message = err.message if len(err.message) <= 400 else err.message[:400] + "…"
            errors.append(f"{_object_name(obj)}: {_json_path(err.absolute_path)}: {message}")
    return errors


def pull_chart(ref: str, destination: str | os.PathLike[str], *, name: str | None = None,
               version: str | None = None) -> Path:
    """Download a remote chart (``helm pull --untar``) into ``destination``; the chart's directory.

    :param ref: ``oci://host/path/chart`` or an ``https://`` Helm repository URL (then ``name`` is the chart).
    :raises ChartRenderError: the registry or repository could not be reached (offline, unknown chart,
        refused), with Helm's message.
    """
    helm = _helm()
    dest = Path(destination)
    dest.mkdir(parents=True, exist_ok=True)
    chart_ref, repo_url = (ref, None) if ref.startswith("oci://") else (name or "", ref)
    with _HELM_LOCK:
        try:
            helm.pull(chart_ref, repo_url=repo_url, version=version, destination=dest, untar=True, untar_dir=dest)
        except helm.HelmError as exc:
            where = ref if repo_url is None else f"{name} from {ref}"
            raise ChartRenderError(f"helm pull of {where}{f' {version}' if version else ''} failed (is the "
                                   f"registry reachable from here?): {exc}", chart=where,
                                   helm_message=str(exc)) from exc
    charts = sorted(c.parent for c in dest.glob("*/Chart.yaml"))
    if not charts:
        raise ChartRenderError(f"helm pull of {ref} left no chart directory in {dest}", chart=ref)
    return charts[0]
