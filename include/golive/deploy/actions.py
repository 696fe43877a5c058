"""What a deployment action takes (:class:`Request`, validated by the CLI) and gives back (:class:`Result`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["Request", "Result"]


@dataclass(frozen=True)
class Request:
    """One deployment-agent action's input, validated by the CLI.

    :param app: application name.
    :param namespace: its namespace.
    :param version: the version this go-live takes live (the image tag); None where an action
        does not need it (status, and rollback/promote where it is read from the cluster).
    :param strategy: ``rolling``, ``blue-green`` or ``canary``.
    :param chart_dir: the chart (the profile's, the generic ``charts/golive-app`` or the sample-app's).
    :param values_files: values files in order (the environment's first, then ``--values-file``).
    :param user_values: values from ``--set``.
    :param replicas: API replicas (None: keep the values' or the running count).
    :param timeout: seconds to wait for a rollout.
    :param weight: canary traffic weight in percent (deploy and canary-step).
    :param to_revision: rollback target revision (rolling), when known.
    :param reason: why the rollback happens (recorded in its output).
    :param cleanup: promote: delete the old colour's Deployment too (blue-green).
    :param settle: seconds the post-rollback verification may retry while endpoints settle.
    :param image: the image repository (the profile's ``image``); None keeps the chart's.
    :param health_path: the path the HTTP checks call for health (the profile's ``endpoints.health``).
    :param version_path: the path that reports the version; None: the version is the Deployment's image tag.
    :param renderer: ``helm`` (``chart_dir`` is a chart) or ``kustomize`` (an overlay: rolling only).
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
    image: str | None = None
    health_path: str = "/health"
    version_path: str | None = "/version"
    renderer: Literal["helm", "kustomize"] = "helm"


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
