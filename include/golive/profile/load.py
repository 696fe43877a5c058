"""Load an application's profile: its ``golive.yaml`` (or ``golive.yml``), completed by detection.

What the file sets wins; what it leaves out (``kind``, ``languages``, ``tests``, ``chart``) is
detected from the tree and said so in the assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from golive.errors import GoliveError
from golive.profile.detect import detect
from golive.profile.model import UNION_TAGS, ApplicationProfile

PROFILE_FILES = ("golive.yaml", "golive.yml")
#: Fields detection fills in when the file does not set them.
DETECTED_FIELDS = ("kind", "languages", "tests", "chart")
_MAX_BYTES = 1024 * 1024

ProfileSource = Literal["golive.yaml", "golive.yml", "conf", "detected", "default"]


class ProfileError(GoliveError):
    """The application's ``golive.yaml`` is unreadable or invalid; the message names the field."""


@dataclass(frozen=True)
class ResolvedProfile:
    """A profile and where it came from.

    :param profile: the profile.
    :param source: ``conf`` when the run's conf carried the profile, ``golive.yaml`` / ``golive.yml``
        when the tree has one, ``detected`` for a tree without one, ``default`` with neither (a url agent
        run without ``--source``).
    :param assumptions: one sentence per thing detected or assumed.
    :param basis: field → the sentence that explains its value (``kind``, ``languages``, ``tests``, ``chart``).
    """

    profile: ApplicationProfile
    source: ProfileSource
    assumptions: list[str] = field(default_factory=list)
    basis: dict[str, str] = field(default_factory=dict)

    def why(self, name: str) -> str:
        """The sentence that explains the value of field ``name``."""
        return self.basis.get(name, f"{name} from {self.source}")


def format_validation_error(error: ValidationError, prefix: str = "") -> str:
    """Each problem as ``field.path: message``, joined by '; '."""
    parts = []
    for problem in error.errors():
        loc = ".".join(str(p) for p in problem["loc"] if p not in UNION_TAGS) or "(top level)"
        message = str(problem["msg"]).removeprefix("Value error, ")
        parts.append(f"{prefix}{loc}: {message}")
    return "; ".join(parts)


def parse_profile(text: str, where: str = "golive.yaml") -> ApplicationProfile:
    """Validate the YAML ``text`` of a profile file.

    :raises ProfileError: naming the file and each bad field (``endpoints.health: …``).
    """
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{where} is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProfileError(f"{where} must be a mapping of fields, not {type(data).__name__}")
    try:
        return ApplicationProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{where}: {format_validation_error(exc)}") from exc


def load_profile(tree: Path | None, declared: str | None = None) -> ResolvedProfile:
    """The profile of the application at ``tree``: its ``golive.yaml`` completed by detection.

    :param declared: a profile given in the run's conf (JSON or YAML text): it replaces the tree's file;
        what it leaves out is still detected from the tree.
    :raises ProfileError: when the file or the declared profile is unreadable or invalid.
    """
    if tree is None:
        if declared is None:
            return ResolvedProfile(profile=ApplicationProfile(), source="default",
                                   assumptions=["no profile and no source tree: golive's defaults"])
        return ResolvedProfile(profile=parse_profile(declared, "the conf's profile"), source="conf")
    detected = detect(tree)
    if declared is not None:
        return _merge(parse_profile(declared, "the conf's profile"), detected.profile, detected.basis, "conf")
    for name in PROFILE_FILES:
        path = tree / name
        if not path.is_file():
            continue
        try:
            raw = path.read_bytes()[:_MAX_BYTES + 1]
        except OSError as exc:
            raise ProfileError(f"{name} cannot be read: {exc}") from exc
        if len(raw) > _MAX_BYTES:
            raise ProfileError(f"{name} is larger than {_MAX_BYTES} bytes")
        in_tree = parse_profile(raw.decode("utf-8", errors="replace"), name)
        source: ProfileSource = "golive.yaml" if name == "golive.yaml" else "golive.yml"
        return _merge(in_tree, detected.profile, detected.basis, source)
    return ResolvedProfile(profile=detected.profile, source="detected",
                           assumptions=list(detected.assumptions), basis=dict(detected.basis))


def _merge(declared: ApplicationProfile, detected: ApplicationProfile, detected_basis: dict[str, str],
           source: ProfileSource) -> ResolvedProfile:
    """``declared`` with the fields it leaves out taken from ``detected``, each choice explained."""
    update: dict[str, Any] = {}
    basis: dict[str, str] = {}
    assumptions: list[str] = []
    for name in DETECTED_FIELDS:
        if name in declared.model_fields_set:
            basis[name] = f"{name} {_show(getattr(declared, name))} declared in {source}"
        else:
            update[name] = getattr(detected, name)
            basis[name] = f"{detected_basis.get(name, name)} (not set in {source}, detected)"
            assumptions.append(basis[name])
    profile = declared.model_copy(update=update) if update else declared
    return ResolvedProfile(profile=profile, source=source, assumptions=assumptions, basis=basis)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "[]"
    if hasattr(value, "model_dump"):
        return str(value.model_dump(exclude_defaults=True))
    return str(value)
