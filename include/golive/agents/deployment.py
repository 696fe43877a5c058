"""The deployment agent: take a version live on Kubernetes with a strategy, promote it, roll it back.

Runs inside an agent pod (KubernetesPodOperator) or anywhere with a kubeconfig; talks to the
Kubernetes API through :mod:`golive.kube` (kubeconfig or in-cluster)::

    python -m golive.agents.deployment ACTION --application APP --namespace NS [--version V]
        [--strategy rolling|blue-green|canary] [--environment dev|staging|prod]
        [--source PATH|GIT-URL [--ref REF]] [--chart DIR]
        [--values-file F ...] [--set key=value ...] [--replicas N] [--timeout S]

ACTION is ``deploy``, ``canary-step --weight W``, ``promote [--cleanup]``,
``rollback [--reason TEXT] [--to-revision N]`` or ``status``.

What is deployed comes from the application's profile (:mod:`golive.deploy.target`): ``--source``
is the application's tree (a directory or a git URL checked out at ``--ref``, like the gate agents
do), whose ``golive.yaml`` — or the conf's profile in ``$GOLIVE_PROFILE``, which replaces it — names
the chart (a directory of the tree, an ``oci://`` or ``https://`` chart pulled with Helm's SDK;
``kustomize`` is refused with the reason), its values files per environment, the ``image``
repository and the endpoints (the health and version paths the checks call). A profile without a
chart deploys golive's generic chart ``charts/golive-app``. ``--chart DIR`` overrides the profile's
chart; with neither ``--source`` nor ``$GOLIVE_PROFILE`` the chart is ``$GOLIVE_CHART_DIR`` or the
sample app's ``charts/sample-app``. ``--environment E`` adds the chart's ``values-E.yaml`` (when it
exists) and the profile's ``chart.values.E`` before the ``--values-file`` files. The image tag is
the version; ``secrets.existingSecret`` is ``<app>-secrets`` once that Secret exists.

Every action prints one JSON document on stdout (``action``, ``ok``, the strategy's fields) and
writes it as the pod's XCom return value. Only ``Kind/name`` of objects are ever reported, never
their content (no secret value leaves the agent). Exit codes: 0 success, 1 the action failed
(``error`` says why: rollout not complete, rollback not verified, cluster unreachable…), 2 bad
input (nothing was changed).

A rollback pod receives the deploy step's result in ``$GOLIVE_EVIDENCE`` (``AgentPodOperator
evidence_task_ids``); its ``previous_revision`` is the default ``--to-revision`` of a rolling
rollback.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive import runtime
from golive.cli import output
from golive.cli.args import RaisingParser, UsageError, add_commit_argument, application, dns_label, number, whole
from golive.cli.args import ref as ref_arg
from golive.cli.args import source as source_arg
from golive.cli.output import ExitCode
from golive.results import DeploymentResult
from golive.settings import get_settings

ACTIONS = ("deploy", "canary-step", "promote", "rollback", "status")
def build_parser() -> argparse.ArgumentParser:
    """The agent's argument parser (one sub-command per action)."""
    common = RaisingParser(add_help=False)
    common.add_argument("--application", required=True, type=application,
                        help="application name (DNS-1123 label, at most 40 characters)")
    common.add_argument("--namespace", required=True, type=dns_label("namespace"), help="its namespace")
    common.add_argument("--version", default=None,
                        help="version (image tag) of this go-live; required by deploy; for rollback the version "
                             "being rolled back (makes it idempotent)")
    common.add_argument("--strategy", default="rolling", choices=("rolling", "blue-green", "canary"))
    common.add_argument("--environment", default=None, choices=("dev", "staging", "prod"),
                        help="adds the chart's values-<environment>.yaml when it exists")
    common.add_argument("--source", default=None, type=source_arg,
                        help="the application's tree (directory or git URL): its golive.yaml names the chart, "
                             "image and endpoints")
    common.add_argument("--ref", default="HEAD", type=ref_arg, help="git ref of --source (default HEAD)")
    add_commit_argument(common)
    common.add_argument("--chart", type=Path, default=None,
                        help="chart directory (default: the profile's chart, golive's generic chart when the "
                             "profile has none, else $GOLIVE_CHART_DIR or charts/sample-app)")
    common.add_argument("--values-file", dest="values_files", action="append", type=Path, default=[],
                        help="values file (repeatable, later wins)")
    common.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="a chart value (repeatable), e.g. config.rateLimitPerMinute=100000")
    common.add_argument("--replicas", type=whole("--replicas", 0, 9999), default=None,
                        help="API replicas of the release")
    common.add_argument("--timeout", type=number("--timeout seconds", 0, 86400, above=True), default=300.0,
                        help="seconds to wait for a rollout (300)")

    parser = RaisingParser(prog="python -m golive.agents.deployment",
                     description="golive deployment agent: deploy, canary-step, promote, rollback, status",
                     epilog="exit codes: 0 done, 1 the action failed (see 'error'), 2 bad input (nothing changed)")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=RaisingParser)
    deploy = sub.add_parser("deploy", parents=[common], help="deploy --version with --strategy")
    deploy.add_argument("--weight", type=number("--weight", 0, 100, above=True), default=None,
                        help="canary: traffic weight of the first step in percent (default: the first of "
                             "$GOLIVE_CANARY_WEIGHTS, 25)")
    step = sub.add_parser("canary-step", parents=[common], help="scale the canary to --weight percent")
    step.add_argument("--weight", type=number("--weight", 0, 100, above=True), required=True,
                      help="traffic weight in percent (100 = as stable)")
    promote = sub.add_parser("promote", parents=[common], help="make the new version the only live one")
    promote.add_argument("--cleanup", action="store_true",
                         help="blue-green: also delete the old colour (no fast rollback afterwards)")
    rollback = sub.add_parser("rollback", parents=[common], help="restore the previous version and verify it")
    rollback.add_argument("--reason", default="", help="why (recorded in the output)")
    rollback.add_argument("--to-revision", type=whole("--to-revision", 0, 9999), default=None,
                          help="rolling: the revision to restore (the deploy output's previous_revision)")
    rollback.add_argument("--settle", type=number("--settle seconds", 0, 86400, above=True), default=20.0,
                          help="seconds the verification retries while endpoints settle (20)")
    sub.add_parser("status", parents=[common], help="revisions, live colour/track, URLs and versions")
    return parser


def _evidence() -> list[dict[str, Any]]:
    raw = get_settings().evidence
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    return [i for i in items if isinstance(i, dict)]


def _default_weight() -> float:
    try:
        from golive.settings import get_settings

        return float(get_settings().canary_steps[0])
    except Exception:  # settings unusable in this pod: the strategy's own default
        from golive.deploy.strategies.canary import DEFAULT_WEIGHT

        return DEFAULT_WEIGHT


def _target(args: argparse.Namespace, workdir: Path) -> Any:
    """The profile's deployment target, or None for a run without a profile (the legacy chart)."""
    from golive.deploy.errors import DeployInputError
    from golive.deploy.target import Target, resolve_target
    from golive.errors import GoliveError
    from golive.sources import SourceMoved, checked_out_profile

    if args.source is None and get_settings().profile is None:
        return None
    try:
        tree, resolved = checked_out_profile(args.source, args.ref, workdir / "source", commit=args.commit or None)
    except SourceMoved:
        raise
    except GoliveError as exc:
        raise DeployInputError(f"the application's profile: {exc}") from exc
    if args.chart is not None:
        endpoints = resolved.profile.endpoints
        chart = args.chart.resolve()
        own = chart / f"values-{args.environment}.yaml"
        return Target(chart_dir=chart, values_files=(own,) if args.environment and own.is_file() else (),
                      image=resolved.profile.image, health_path=endpoints.health,
                      version_path=endpoints.version, chart=f"--chart {args.chart}")
    return resolve_target(resolved, tree, args.environment, workdir / "charts")


def make_request(args: argparse.Namespace, workdir: Path | None = None) -> Any:
    """Validate the parsed arguments into a :class:`golive.deploy.Request` (no side effect on the cluster).

    :param workdir: an empty directory for the ``--source`` checkout and a pulled chart (a temporary one
        when None: then a git ``--source`` or a remote chart is gone when this returns).
    :raises golive.deploy.DeployInputError: an unusable profile, chart, values file, ``--set`` or version.
    """
    from golive.charts import merge_values
    from golive.deploy.actions import Request
    from golive.deploy.errors import DeployInputError
    from golive.deploy.naming import check_version
    from golive.deploy.release import default_chart_dir, parse_set

    if args.action == "deploy" and not args.version:
        raise DeployInputError("deploy needs --version (the image tag to take live)")
    version = check_version(args.version) if args.version else None
    if workdir is None:
        import tempfile

        workdir = Path(tempfile.mkdtemp(prefix="golive-deploy-"))
    target = _target(args, workdir)
    chart = target.chart_dir if target is not None else (args.chart or default_chart_dir()).resolve()
    renderer = target.renderer if target is not None else "helm"
    if renderer == "helm" and not (chart / "Chart.yaml").is_file():
        raise DeployInputError(f"chart {chart} has no Chart.yaml; pass --chart or set $GOLIVE_CHART_DIR")
    files: list[Path] = list(target.values_files) if target is not None else []
    if args.environment and target is None:
        env_file = chart / f"values-{args.environment}.yaml"
        if env_file.is_file():
            files.append(env_file)
    for path in args.values_files:
        if not path.is_file():
            raise DeployInputError(f"--values-file {path}: no such file")
        files.append(path.resolve())
    weight = getattr(args, "weight", None)
    if args.action == "deploy" and args.strategy == "canary" and weight is None:
        weight = _default_weight()
    to_revision = getattr(args, "to_revision", None)
    if args.action == "rollback" and to_revision is None and args.strategy == "rolling":
        for item in _evidence():
            prev = item.get("previous_revision")
            if item.get("strategy") == "rolling" and isinstance(prev, int) and (
                    version is None or item.get("version") in (None, version)):
                to_revision = prev
    if args.action == "deploy" and args.replicas == 0:
        raise DeployInputError("--replicas 0 would deploy nothing; use at least 1")
    user_values = parse_set(args.sets)
    profile_fields: dict[str, Any] = {}
    if target is not None:
        user_values = merge_values(target.base_values, user_values)
        profile_fields = {"image": target.image, "health_path": target.health_path,
                          "version_path": target.version_path, "renderer": target.renderer}
    return Request(app=args.application, namespace=args.namespace, version=version, strategy=args.strategy,
                   chart_dir=chart, values_files=tuple(files), user_values=user_values,
                   replicas=args.replicas, timeout=args.timeout, weight=weight, to_revision=to_revision,
                   reason=getattr(args, "reason", "") or "", cleanup=bool(getattr(args, "cleanup", False)),
                   settle=getattr(args, "settle", 20.0), **profile_fields)


def emit(payload: dict[str, Any]) -> None:
    """Print ``payload`` as one JSON document and write it as the pod's XCom return value."""
    output.emit(payload)
    runtime.write_xcom(json.loads(json.dumps(payload, default=str)), DeploymentResult)


def main(argv: Sequence[str] | None = None, *, cluster: Any = None) -> int:
    """Entry point of ``python -m golive.agents.deployment``; returns the exit code.

    :param cluster: a :class:`golive.deploy.Cluster` to act on (tests); by default one on the
        Kubernetes API of ``golive.kube.client.load_client()``.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="golive-deploy-") as workdir:
        return _main(argv, cluster, Path(workdir))


def _main(argv: Sequence[str] | None, cluster: Any, workdir: Path) -> int:
    from golive.deploy import DeployInputError, run
    from golive.errors import GoliveError
    from golive.sources import SourceMoved

    parser = build_parser()
    head: dict[str, Any] = {"agent": "deployment"}
    try:
        args = parser.parse_args(argv)
        head.update(action=args.action, application=args.application, namespace=args.namespace,
                    strategy=args.strategy)
        req = make_request(args, workdir)
    except SourceMoved as exc:  # nothing deployed: the tree is not the one this run's gates measured
        emit({**head, "ok": False, "error": str(exc)})
        return ExitCode.MOVED
    except (UsageError, DeployInputError) as exc:
        emit({**head, "ok": False, "error": str(exc), "usage": parser.format_usage().strip()})
        return ExitCode.USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        if cluster is None:
            from golive.deploy.cluster import KubeCluster

            cluster = KubeCluster(req.namespace)
        result = run(cluster, args.action, req)
    except DeployInputError as exc:
        emit({**head, "ok": False, "error": str(exc)})
        return ExitCode.USAGE
    except GoliveError as exc:  # DeployError, KubeError (API refused or unreachable)…: the message says it
        emit({**head, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return ExitCode.FAIL
    except Exception as exc:  # the cluster or the network failed: report it, exit 1
        traceback.print_exc(file=sys.stderr)
        emit({**head, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return ExitCode.FAIL
    emit({**head, "ok": result.ok, **result.payload})
    return ExitCode.OK if result.ok else ExitCode.FAIL


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
