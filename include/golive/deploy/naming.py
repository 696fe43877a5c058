"""Names of a release's objects, the labels golive finds them by, and the checks on what names them.

A release is ``<app>-<variant>`` — the colour for blue-green, else the track — so several releases of
one application live side by side in a namespace. golive finds a release's Deployment by its labels
(:func:`workload_selector`: ``app.kubernetes.io/instance=<release>``, and
``app.kubernetes.io/component=api`` where the release has several Deployments), never by the chart's
naming; the shared Service is ``<app>`` and selects the pods by ``app``, ``app.kubernetes.io/component``,
``track`` and ``colour`` (the values contract in the README). The sample-app chart (``charts/sample-app``)
names its objects like this (its API Deployment name is also the fallback of a release not deployed yet):

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

Everything here is pure (no cluster).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from golive.deploy.errors import DeployInputError
from golive.patterns import DNS1123_LABEL, MAX_APP_LENGTH, MAX_VERSION_LENGTH, VERSION

__all__ = [
    "COMPONENT",
    "COMPONENT_LABEL",
    "INSTANCE_LABEL",
    "MAX_APP_LENGTH",
    "check_application",
    "check_version",
    "configmap_name",
    "deployment_name",
    "object_ref",
    "preview_service_name",
    "release_base",
    "release_name",
    "secret_name",
    "service_name",
    "version_of_image",
    "workload_selector",
]

#: The chart component the strategies move (its Deployment and Service).
COMPONENT = "api"
#: The label that names a release on its objects (Helm's ``.Release.Name``).
INSTANCE_LABEL = "app.kubernetes.io/instance"
#: The label that tells the application's Deployment from the release's others (workers).
COMPONENT_LABEL = "app.kubernetes.io/component"


def release_name(app: str, variant: str) -> str:
    """Helm release name of one variant (``stable``, ``canary``, ``blue``, ``green``) of ``app``."""
    return f"{app}-{variant}"


def workload_selector(app: str, variant: str) -> dict[str, str]:
    """The labels every Deployment of one variant's release carries (``app.kubernetes.io/instance``)."""
    return {INSTANCE_LABEL: release_name(app, variant)}


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
    """Return ``version`` when it is a valid image tag and label value (``golive.patterns.VERSION``, the
    request's rule), else raise."""
    if not re.fullmatch(VERSION, version):
        raise DeployInputError(f"version {version!r} is not a valid image tag and label value (letters, digits, "
                               f"'_', '.', '-'; at most {MAX_VERSION_LENGTH}; starting and ending with a letter "
                               "or digit; no '+')")
    return version


def check_application(app: str) -> str:
    """Return ``app`` when it is a DNS-1123 label the chart keeps whole (at most 40 characters)."""
    if not re.fullmatch(DNS1123_LABEL, app) or len(app) > MAX_APP_LENGTH:
        raise DeployInputError(f"application {app!r} must be a DNS-1123 label of at most {MAX_APP_LENGTH} "
                               "characters (lowercase letters, digits and '-')")
    return app
