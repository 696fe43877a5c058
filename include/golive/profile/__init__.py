"""The application profile: ``golive.yaml`` (model, loader, JSON schema) and its detection from a tree.

The loader (YAML, detection) is imported on first use: the request model imports the profile model
at DAG parse time, which must not pay for reading trees.
"""

from typing import TYPE_CHECKING, Any

from golive.profile.model import HTTP_KINDS, ApplicationProfile

if TYPE_CHECKING:
    from golive.profile.load import ProfileError, ResolvedProfile, load_profile, parse_profile

_LOADER = frozenset({"ProfileError", "ResolvedProfile", "load_profile", "parse_profile"})

__all__ = ["HTTP_KINDS", "ApplicationProfile", "ProfileError", "ResolvedProfile", "load_profile", "parse_profile"]


def __getattr__(name: str) -> Any:
    if name in _LOADER:
        from golive.profile import load

        return getattr(load, name)
    raise AttributeError(f"module 'golive.profile' has no attribute {name!r}")
