"""Where a running agent finds the paths a pod mounts, on a real cluster and on localkube.

On a real cluster the paths a pod spec mounts (``/airflow/xcom`` for KubernetesPodOperator's
XCom sidecar) exist as such. localkube runs pods as local processes and cannot mount, so its
kubelet creates a directory per mounted volume and passes the mapping in ``LOCALKUBE_MOUNT_MAP``
(JSON: ``{"/airflow/xcom": "/tmp/localkube/pods/<uid>/volumes/xcom"}``). ``resolve`` applies it;
without the variable it returns the path unchanged, so the same code runs in both places.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

MOUNT_MAP_ENV = "LOCALKUBE_MOUNT_MAP"
XCOM_RETURN_PATH = "/airflow/xcom/return.json"


def resolve(path: str) -> str:
    """Map a pod path to the local path localkube gave it (identity on a real cluster)."""
    raw = os.environ.get(MOUNT_MAP_ENV)
    if not raw:
        return path
    mapping: dict[str, str] = json.loads(raw)
    target = PurePosixPath(path)
    for mount, local in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
        try:
            rest = target.relative_to(mount)
        except ValueError:
            continue
        return str(PurePosixPath(local) / rest)
    return path


def write_xcom(payload: object, schema: type[BaseModel] | None = None) -> str | None:
    """Write ``payload`` as the pod's XCom return value when the XCom volume is mounted.

    The payload is validated against ``schema`` first (a malformed result fails here, in the pod
    that made it) and made travel-safe (``golive.results``): 64-bit integers, no NaN, bounded size.
    Returns the path written, or None when this process runs outside a pod that pushes XCom.
    """
    from golive.results import prepare

    data = prepare(payload, schema)
    path = resolve(XCOM_RETURN_PATH)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        return None
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, allow_nan=False)
    os.replace(tmp, path)
    return path
