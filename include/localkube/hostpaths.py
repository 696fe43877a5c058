"""Which host directories a pod may mount as ``hostPath``: only those under an allowed prefix.

A ``hostPath`` volume is the host directory itself (there is no mount namespace), so a chart could
hand a served application the user's ``~/.ssh`` or have ``DirectoryOrCreate`` make directories
anywhere. localkube allows its own state directory plus the prefixes it was started with
(``LocalKube(host_path_prefixes=...)``, ``--allow-host-path``); anything else is refused when the
pod or the workload whose template holds it is written (403 Forbidden naming the volume and path),
and again by the kubelet before it mounts. Paths are compared after resolving symlinks and ``..``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from localkube.errors import ApiError


class HostPathPolicy:
    """The allowed ``hostPath`` prefixes (resolved); :meth:`check` refuses the rest."""

    def __init__(self, prefixes: Iterable[str | os.PathLike[str]] = ()) -> None:
        resolved: list[Path] = []
        for prefix in prefixes:
            path = Path(prefix)
            if not path.is_absolute():
                raise ValueError(f"hostPath prefix {str(prefix)!r} must be an absolute path")
            resolved.append(Path(os.path.realpath(path)))
        self.prefixes = tuple(dict.fromkeys(resolved))

    def allows(self, path: str) -> bool:
        """Whether ``path`` (absolute) lies under an allowed prefix once symlinks are resolved."""
        if not os.path.isabs(path):
            return False
        real = Path(os.path.realpath(path))
        return any(real == prefix or prefix in real.parents for prefix in self.prefixes)

    def problems(self, pod_spec: Mapping[str, Any] | None) -> list[str]:
        """One message per ``hostPath`` volume of ``pod_spec`` that is not allowed."""
        found = []
        allowed = ", ".join(str(p) for p in self.prefixes) or "none"
        for volume in (pod_spec or {}).get("volumes") or []:
            host_path = volume.get("hostPath") if isinstance(volume, Mapping) else None
            if host_path is None:
                continue
            path = str((host_path or {}).get("path") or "")
            if not self.allows(path):
                found.append(f'hostPath volume "{volume.get("name")}" path {path!r} is outside the allowed '
                             f"hostPath prefixes ({allowed}); start localkube with --allow-host-path to allow it")
        return found

    def check(self, plural: str, name: str, pod_spec: Mapping[str, Any] | None) -> None:
        """Raise 403 Forbidden when ``pod_spec`` mounts a host path that is not allowed."""
        problems = self.problems(pod_spec)
        if problems:
            raise ApiError(403, "Forbidden", f'{plural} "{name}" is forbidden: ' + "; ".join(problems),
                           {"name": name, "kind": plural})
