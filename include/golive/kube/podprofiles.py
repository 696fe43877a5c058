"""The cpu/gpu pod profiles of the agent pods: one document, written by charts/golive, read here.

charts/golive renders the ConfigMap ``golive-pod-profiles`` from its values; its ``profiles.json`` is
mounted into the Airflow workers and ``GOLIVE_POD_PROFILES`` points at it. Without that setting the
document embedded in golive (``golive/data/pod_profiles.json``, the chart's defaults; a unit test
keeps them equal) is used, so localkube and the tests run on the very profiles a cluster gets.

The document (version 1)::

    {"version": 1, "namespace": str, "serviceAccountName": str, "labels": {...},
     "gpuResourceName": "nvidia.com/gpu",
     "profiles": {"cpu": PROFILE, "gpu": PROFILE}}
    PROFILE = {"resources": {"requests": {...}, "limits": {...}}, "nodeSelector": {...},
               "tolerations": [...], "priorityClassName": str, "activeDeadlineSeconds": int}

``GOLIVE_CPU_*`` / ``GOLIVE_MEMORY_*`` and ``GOLIVE_GPU_*`` still override single fields when set
(a laptop's localkube with a differently labelled GPU node).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from golive.errors import GoliveError
from golive.settings import get_settings

#: The chart's defaults, embedded.
EMBEDDED_PROFILES = Path(__file__).resolve().parents[1] / "data" / "pod_profiles.json"
PROFILE_NAMES = ("cpu", "gpu")
_PROFILE_KEYS = frozenset({"resources", "nodeSelector", "tolerations", "priorityClassName", "activeDeadlineSeconds"})
_CPU_OVERRIDES = {"cpu_request": ("requests", "cpu"), "memory_request": ("requests", "memory"),
                  "cpu_limit": ("limits", "cpu"), "memory_limit": ("limits", "memory")}


class PodProfilesError(GoliveError):
    """The pod profiles document is missing, unreadable or not a version-1 document."""


@dataclass(frozen=True)
class PodProfile:
    """Resources, placement and deadline of an agent pod."""

    name: str
    requests: dict[str, str]
    limits: dict[str, str]
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: list[dict[str, Any]] = field(default_factory=list)
    priority_class_name: str | None = None
    active_deadline_seconds: int | None = None


def check_profiles(doc: Any, source: str) -> dict[str, Any]:
    """``doc`` when it is a version-1 profiles document; ``PodProfilesError`` naming the field otherwise."""
    if not isinstance(doc, dict):
        raise PodProfilesError(f"{source}: the pod profiles are not a JSON object")
    if doc.get("version") != 1:
        raise PodProfilesError(f"{source}: golive-pod-profiles version {doc.get('version')!r} is not supported "
                               "(expected 1)")
    for key in ("serviceAccountName", "labels"):
        if key not in doc:
            raise PodProfilesError(f"{source}: golive-pod-profiles lacks {key}")
    for name in PROFILE_NAMES:
        profile = (doc.get("profiles") or {}).get(name)
        if not isinstance(profile, dict):
            raise PodProfilesError(f"{source}: golive-pod-profiles has no {name!r} profile; set podProfiles.{name} "
                                   "in charts/golive")
        missing = _PROFILE_KEYS - profile.keys()
        if missing:
            raise PodProfilesError(f"{source}: golive-pod-profiles profile {name!r} lacks "
                                   f"{', '.join(sorted(missing))}")
        deadline = profile["activeDeadlineSeconds"]
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 1:
            raise PodProfilesError(f"{source}: profiles.{name}.activeDeadlineSeconds must be a positive integer, "
                                   f"not {deadline!r}")
        limits = (profile["resources"] or {}).get("limits") or {}
        if not {"cpu", "memory"} <= limits.keys():
            raise PodProfilesError(f"{source}: profiles.{name}.resources.limits needs cpu and memory")
    return dict(doc)


@lru_cache(maxsize=4)
def _read(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PodProfilesError(f"GOLIVE_POD_PROFILES={path}: cannot read the pod profiles ({exc.strerror or exc})") \
            from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PodProfilesError(f"GOLIVE_POD_PROFILES={path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    return check_profiles(doc, f"GOLIVE_POD_PROFILES={path}")


def load_profiles() -> dict[str, Any]:
    """The profiles document: ``GOLIVE_POD_PROFILES`` when set, else the embedded chart defaults."""
    configured = get_settings().pod_profiles
    return _read(str(configured if configured is not None else EMBEDDED_PROFILES))


def load_profiles_cache_clear() -> None:
    """Forget the documents read so far (tests that point ``GOLIVE_POD_PROFILES`` elsewhere)."""
    _read.cache_clear()


def pod_profile(name: str) -> PodProfile:
    """Profile ``cpu`` or ``gpu`` from the document, with the ``GOLIVE_CPU_*``/``GOLIVE_GPU_*`` overrides set."""
    if name not in PROFILE_NAMES:
        raise ValueError(f"unknown pod profile {name!r}: use 'cpu' or 'gpu'")
    doc = load_profiles()
    raw = doc["profiles"][name]
    resources = {"requests": dict(raw["resources"].get("requests") or {}),
                 "limits": dict(raw["resources"].get("limits") or {})}
    node_selector = dict(raw["nodeSelector"] or {})
    tolerations = [dict(t) for t in raw["tolerations"] or []]
    settings = get_settings()
    overridden = settings.model_fields_set
    if name == "cpu":
        for setting, (kind, resource) in _CPU_OVERRIDES.items():
            if setting in overridden:
                resources[kind][resource] = str(getattr(settings, setting))
    else:
        gpu = str(doc.get("gpuResourceName") or "nvidia.com/gpu")
        if "gpu_count" in overridden:
            resources["requests"][gpu] = resources["limits"][gpu] = settings.gpu_count
        if "gpu_node_selector" in overridden:
            node_selector = dict(settings.gpu_node_selector)
        if "gpu_tolerations" in overridden:
            tolerations = [dict(t) for t in settings.gpu_tolerations]
    return PodProfile(name=name, requests=resources["requests"], limits=resources["limits"],
                      node_selector=node_selector, tolerations=tolerations,
                      priority_class_name=raw.get("priorityClassName") or None,
                      active_deadline_seconds=int(raw["activeDeadlineSeconds"]))
