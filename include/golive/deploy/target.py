"""What the application's profile says to deploy: the chart, its values files, the image, the endpoints.

:func:`resolve_target` turns a :class:`golive.profile.ResolvedProfile` (the tree's ``golive.yaml``,
the conf's profile, or detection) into a :class:`Target`:

==========================================  =====================================================
profile                                     what is rendered
==========================================  =====================================================
``chart.ref`` a directory, ``type: helm``   that chart of the application's tree; ``chart.values.<env>``
                                            files of the tree, after the chart's ``values-<env>.yaml``
``chart.ref`` ``oci://`` / ``https://``     the chart pulled with Helm's SDK (:func:`golive.charts.pull_chart`;
                                            needs the registry: offline it fails naming the ref)
``chart.ref: golive:<name>``                a chart golive ships (``golive:golive-app``, the generic
                                            one; ``golive:sample-app``, the bundled sample app's)
``chart.type: kustomize``                   the overlay ``<ref>/overlays/<environment>`` (``prod`` also
                                            ``production``, ``dev`` also ``development``), else ``<ref>``
                                            itself, rendered by Kustomize (:mod:`golive.kustomize`) with the
                                            image tag set; needs ``image``; rolling strategy only
no chart                                    golive's generic chart ``charts/golive-app``, its probes on
                                            ``endpoints.health``; needs ``image``
==========================================  =====================================================

``image`` becomes ``image.repository`` (the version is ``image.tag``). Nothing here touches a cluster;
only a remote chart reaches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from golive.charts import ChartRenderError, pull_chart
from golive.deploy.errors import DeployInputError
from golive.deploy.release import generic_chart_dir, shipped_chart
from golive.kustomize import KustomizeError, overlay_for
from golive.profile import ResolvedProfile
from golive.profile.model import ApplicationProfile, ChartSpec

__all__ = ["Target", "resolve_target"]


@dataclass(frozen=True)
class Target:
    """A resolved deployment target.

    :param chart_dir: the chart directory to render.
    :param values_files: values files in order (environment files of the chart, then of the profile).
    :param base_values: values golive derives from the profile (the generic chart's probe path), under
        ``--values-file`` and ``--set``.
    :param image: the image repository (None: the chart's own).
    :param health_path: the path the deployment's HTTP checks call.
    :param version_path: the path that reports the version (None: verified by the Deployment's image tag).
    :param chart: how the chart was chosen, in words (reported in the action's output).
    :param renderer: ``helm`` (``chart_dir`` is a chart) or ``kustomize`` (``chart_dir`` is an overlay).
    """

    chart_dir: Path
    values_files: tuple[Path, ...] = ()
    base_values: dict[str, Any] = field(default_factory=dict)
    image: str | None = None
    health_path: str = "/health"
    version_path: str | None = "/version"
    chart: str = ""
    renderer: Literal["helm", "kustomize"] = "helm"


def _inside(tree: Path, rel: str, what: str) -> Path:
    path = (tree / rel).resolve()
    if path != tree.resolve() and tree.resolve() not in path.parents:
        raise DeployInputError(f"{what} {rel} leaves the application's tree")
    return path


def _kustomize(resolved: ResolvedProfile, tree: Path | None, environment: str | None,
               common: dict[str, Any]) -> Target:
    """The overlay of a ``type: kustomize`` chart for ``environment``."""
    profile = resolved.profile
    assert profile.chart is not None
    ref = profile.chart.ref
    if tree is None:
        raise DeployInputError(f"chart.ref {ref} is a kustomize directory of the application's tree: give --source")
    if profile.image is None:
        raise DeployInputError("a kustomize overlay needs the profile's image: golive sets its tag to the version "
                               "through Kustomize's images transformer")
    try:
        overlay = overlay_for(_inside(tree, ref, "chart.ref"), environment)
    except KustomizeError as exc:
        raise DeployInputError(f"chart.ref {ref}: {exc}") from exc
    return Target(chart_dir=overlay, renderer="kustomize",
                  chart=f"kustomize {overlay.relative_to(tree.resolve()).as_posix()} ({resolved.why('chart')})",
                  **common)


def _environment_files(spec: ChartSpec, chart_dir: Path, tree: Path | None, environment: str | None) -> list[Path]:
    """The chart's ``values-<environment>.yaml``, then the profile's ``chart.values.<environment>`` files."""
    files: list[Path] = []
    if not environment:
        return files
    own = chart_dir / f"values-{environment}.yaml"
    if own.is_file():
        files.append(own)
    for rel in getattr(spec.values, environment):
        if tree is None:
            raise DeployInputError(f"chart.values.{environment} are files of the tree: give --source")
        path = _inside(tree, rel, f"chart.values.{environment}")
        if not path.is_file():
            raise DeployInputError(f"chart.values.{environment}: {rel} is not a file of the tree")
        files.append(path)
    return files


def resolve_target(resolved: ResolvedProfile, tree: Path | None, environment: str | None,
                   pull_dir: Path) -> Target:
    """The chart, values and image the profile asks for.

    :param tree: the application's checked-out tree (None: a profile from the conf without a tree).
    :param pull_dir: an empty directory a remote chart may be pulled into (the caller removes it).
    :raises DeployInputError: a kustomize directory without an overlay, a chart directory that is missing
        or has no ``Chart.yaml``, a remote chart that cannot be pulled, or the generic chart or an overlay
        without ``image``.
    """
    profile = resolved.profile
    endpoints = profile.endpoints
    common: dict[str, Any] = {"image": profile.image, "health_path": endpoints.health,
                              "version_path": endpoints.version}
    spec = profile.chart
    if spec is None:
        if profile.image is None:
            raise DeployInputError("the profile names no chart and no image: golive's generic chart needs the "
                                   "image repository (golive.yaml `image:`)")
        return Target(chart_dir=generic_chart_dir(), base_values=_generic_values(profile),
                      chart=f"golive's generic chart charts/golive-app ({resolved.why('chart')})", **common)
    if spec.type == "kustomize":
        return _kustomize(resolved, tree, environment, common)
    if spec.shipped is not None:
        chart_dir = shipped_chart(spec.shipped)
        if not (chart_dir / "Chart.yaml").is_file():
            raise DeployInputError(f"chart.ref {spec.ref}: golive ships no chart {spec.shipped} ({chart_dir})")
        described = spec.ref
    elif spec.is_remote:
        try:
            chart_dir = pull_chart(spec.ref, pull_dir, name=spec.name, version=spec.version)
        except ChartRenderError as exc:
            raise DeployInputError(str(exc)) from exc
        described = f"{spec.ref}{f' {spec.name}' if spec.name else ''}{f' {spec.version}' if spec.version else ''}"
    else:
        if tree is None:
            raise DeployInputError(f"chart.ref {spec.ref} is a directory of the application's tree: give --source")
        chart_dir = _inside(tree, spec.ref, "chart.ref")
        if not (chart_dir / "Chart.yaml").is_file():
            raise DeployInputError(f"chart.ref {spec.ref}: no Chart.yaml in {chart_dir}")
        described = spec.ref
    base = _generic_values(profile) if chart_dir == generic_chart_dir() else {}
    return Target(chart_dir=chart_dir, values_files=tuple(_environment_files(spec, chart_dir, tree, environment)),
                  base_values=base, chart=f"{described} ({resolved.why('chart')})", **common)


def _generic_values(profile: ApplicationProfile) -> dict[str, Any]:
    """What golive derives from the profile for its generic chart: the probes' path."""
    return {"probes": {"path": profile.endpoints.health}}
