"""The release-train manifest: which applications go live, from which source and version, after which.

A manifest is YAML::

    name: agents
    namespace: golive-apps
    environment: dev
    applications:
      - name: orchestrator
        version: 1.0.0
      - name: sandbox-manager
        version: 1.0.0
        depends_on: [orchestrator]

``source`` defaults to the bundled sample application. Every go-live of a train is a rolling update:
the checkpoints record the stable Deployment's revision and the rollback restores it.
Everything is checked before anything runs —
field rules (the ``golive`` DAG's own: names, versions, sources, refs), duplicate names, dependencies
on applications the manifest does not hold, an application depending on itself, cycles — and each
problem is reported with the field it is about (``applications[3].depends_on``).
The train's phases are the manifest's topological layers (:meth:`TrainManifest.layers`): an
application runs in the first phase after every application it depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from golive.errors import GoliveError
from golive.models import (
    ApplicationName,
    Environment,
    GitRef,
    SourceStr,
    Strategy,
    VersionStr,
)
from golive.patterns import DNS1123_LABEL
from golive.profile.model import ApplicationProfile

__all__ = ["ManifestError", "TrainApplication", "TrainManifest", "load_manifest", "parse_manifest"]

#: The most applications one train takes live (each is a whole go-live).
MAX_APPLICATIONS = 50


class ManifestError(GoliveError):
    """A manifest that cannot be taken live; ``problems`` lists each as ``field: what is wrong``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"release-train manifest {source} refused: " + "; ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)


class TrainApplication(_Strict):
    """One application of the train: what the ``golive`` DAG gets as its conf, and what it waits for."""

    name: ApplicationName = Field(description="Application name (the golive conf's `application`).")
    version: VersionStr = Field(description="Version to take live.")
    source: SourceStr | None = Field(default=None, description="Source tree or git URL; default: the bundled "
                                                                "sample application.")
    ref: GitRef = Field(default="HEAD", description="Git ref of the source.")
    depends_on: list[ApplicationName] = Field(default_factory=list, max_length=MAX_APPLICATIONS,
                                              description="Applications that must be live first.")
    quality_threshold: float = Field(default=85.0, ge=0, le=100, description="Its gates' acceptance threshold.")
    profile: ApplicationProfile | None = Field(default=None, description="Its golive.yaml as an object.")

    def golive_conf(self, *, source: str, namespace: str, environment: str,
                    version: str | None = None) -> dict[str, Any]:
        """The conf of this application's ``golive`` run (``GoLiveRequest``'s fields)."""
        conf: dict[str, Any] = {"application": self.name, "version": version or self.version, "source": source,
                                "ref": self.ref, "environment": environment, "strategy": str(Strategy.ROLLING),
                                "quality_threshold": self.quality_threshold, "namespace": namespace}
        if self.profile is not None:
            conf["profile"] = self.profile.model_dump(mode="json", exclude_none=True)
        return conf


class TrainManifest(_Strict):
    """A release train: applications and their dependencies (a directed acyclic graph)."""

    name: str = Field(min_length=1, max_length=40, pattern=DNS1123_LABEL, description="The train's name.")
    description: str = Field(default="", max_length=2000)
    namespace: str = Field(default="golive-apps", min_length=1, max_length=63, pattern=DNS1123_LABEL,
                           description="Namespace every application goes live in.")
    environment: Environment = Field(default=Environment.DEV, description="Environment of every go-live.")
    applications: list[TrainApplication] = Field(min_length=1, max_length=MAX_APPLICATIONS)

    @model_validator(mode="after")
    def _a_graph(self) -> TrainManifest:
        problems = graph_problems(self.applications)
        if problems:
            raise ValueError("\n".join(problems))  # one per line: parse_manifest lists them one by one
        return self

    def application(self, name: str) -> TrainApplication:
        """The application called ``name`` (KeyError when the manifest has none)."""
        for app in self.applications:
            if app.name == name:
                return app
        raise KeyError(name)

    def layers(self) -> list[list[str]]:
        """The train's phases: each layer holds the applications whose dependencies all live in earlier
        layers, in manifest order (applications of one layer go live in parallel)."""
        return layers({a.name: a.depends_on for a in self.applications})

    def phase_of(self) -> dict[str, int]:
        """Each application's phase number (1-based)."""
        return {name: i for i, layer in enumerate(self.layers(), start=1) for name in layer}


def graph_problems(applications: list[TrainApplication]) -> list[str]:
    """Duplicate names, unknown or self dependencies and cycles, each naming its field."""
    problems: list[str] = []
    first: dict[str, int] = {}
    for i, app in enumerate(applications):
        if app.name in first:
            problems.append(f"applications[{i}].name: {app.name!r} is already the name of "
                            f"applications[{first[app.name]}]")
        else:
            first[app.name] = i
    for i, app in enumerate(applications):
        for j, dep in enumerate(app.depends_on):
            if dep == app.name:
                problems.append(f"applications[{i}].depends_on[{j}]: {app.name!r} depends on itself")
            elif dep not in first:
                problems.append(f"applications[{i}].depends_on[{j}]: {dep!r} is not an application of this manifest "
                                f"(known: {', '.join(sorted(first))})")
        if len(set(app.depends_on)) != len(app.depends_on):
            problems.append(f"applications[{i}].depends_on: {app.name!r} names a dependency twice")
    if not problems:
        try:
            layers({a.name: a.depends_on for a in applications})
        except CycleError as exc:
            cycle = list(exc.args[1])
            problems.append(f"applications.depends_on: dependency cycle {' → '.join(reversed(cycle))}")
    return problems


def layers(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Topological layers of ``graph`` (node → the nodes it depends on), each in ``graph``'s order.

    :raises graphlib.CycleError: the graph has a cycle.
    """
    order = {name: i for i, name in enumerate(graph)}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    result: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=order.__getitem__)
        result.append(ready)
        sorter.done(*ready)
    return result


def _field(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("function-after", "list", "str"):
            text += f".{part}" if text else str(part)
    return text or "manifest"


def parse_manifest(data: Any, source: str = "<manifest>") -> TrainManifest:
    """Validate a manifest's parsed YAML; :class:`ManifestError` names every problem's field."""
    if not isinstance(data, Mapping):
        kind = type(data).__name__
        raise ManifestError(source, [f"manifest: must be a mapping with 'name' and 'applications', not {kind}"])
    try:
        return TrainManifest.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "value_error" and not err["loc"]:
                problems += message.splitlines()
            else:
                problems.append(f"{_field(tuple(err['loc']))}: {message}")
        raise ManifestError(source, problems) from None


def load_manifest(path: Path | str) -> TrainManifest:
    """Read and validate the manifest at ``path`` (YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(str(path), [f"manifest: cannot be read ({exc.strerror or exc})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError(str(path), [f"manifest: not YAML ({exc})"]) from None
    return parse_manifest(data, str(path))
