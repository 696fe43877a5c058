"""Kubeconfig files and Airflow connection strings that point at a localkube server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CONTEXT = "localkube"


def kubeconfig_dict(url: str, token: str, namespace: str = "default") -> dict[str, Any]:
    """A kubeconfig with one cluster/user/context named ``localkube`` (plain HTTP, bearer ``token``)."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": CONTEXT, "cluster": {"server": url, "insecure-skip-tls-verify": True}}],
        "users": [{"name": CONTEXT, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": namespace}}],
        "current-context": CONTEXT,
    }


def write_kubeconfig(path: str | os.PathLike[str], url: str, token: str, namespace: str = "default") -> Path:
    """Write the kubeconfig for ``url`` and ``token`` to ``path`` (mode 0600, parents created); returns the path."""
    import yaml  # PyYAML comes with the kubernetes client; imported lazily to keep startup light

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a leftover temporary file keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(kubeconfig_dict(url, token, namespace), fh, sort_keys=False)
    os.replace(tmp, target)
    return target


def connection_extra(kubeconfig_path: str | os.PathLike[str], namespace: str = "default") -> dict[str, Any]:
    """The ``extra`` of an Airflow ``kubernetes`` connection using this kubeconfig."""
    return {"kube_config_path": str(kubeconfig_path), "namespace": namespace}


def connection_uri(kubeconfig_path: str | os.PathLike[str], namespace: str = "default") -> str:
    """JSON for ``AIRFLOW_CONN_KUBERNETES_DEFAULT`` (Airflow accepts JSON connections in env vars)."""
    return json.dumps({"conn_type": "kubernetes", "extra": connection_extra(kubeconfig_path, namespace)})
