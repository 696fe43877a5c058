"""Monitoring agent (plan 000, phase 3): render the application's monitoring from its SLOs, validate
it, and apply it to the cluster as ConfigMaps (Prometheus rules, Grafana dashboard, alert routing).

``python -m golive.agents.monitoring setup --application APP --namespace NS [--source PATH|URL
[--ref REF]] [--latency-p95 2] [--error-rate 0.05] [--availability 99.5] [--dry-run]`` prints a JSON
summary (and writes it to the pod's XCom file). The objectives are the application profile's
``slos`` (the conf's profile, ``$GOLIVE_PROFILE``, else the golive.yaml of ``--source``), each flag
overriding one, golive's defaults for the rest. Exit 1 when the rendered configuration does not validate — nothing is
applied then — and 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive.cli.args import add_commit_argument, application, dns_label, target_url
from golive.cli.args import ref as ref_arg
from golive.cli.args import source as source_arg
from golive.cli.output import ExitCode, emit
from golive.docs.store import runbook_base_url
from golive.errors import GoliveError
from golive.monitoring import ServiceSLOs, render_all
from golive.results import MonitoringSummary
from golive.runtime import write_xcom
from golive.settings import get_settings


def setup(slos: ServiceSLOs, *, apply: bool = True) -> tuple[int, dict[str, Any]]:
    """Render, validate and (unless ``apply`` is False) apply; returns (exit code, summary)."""
    bundle = render_all(slos)
    summary = {
        "agent": "monitoring", "action": "setup", "application": slos.application, "namespace": slos.namespace,
        "slos": slos.model_dump(mode="json"), "valid": bundle.ok, "errors": bundle.all_errors(),
        "configmaps": [cm["metadata"]["name"] for cm in bundle.configmaps],
        "alerts": sorted({r["alert"] for g in bundle.rule["spec"]["groups"] for r in g["rules"] if "alert" in r}),
        "recording_rules": sum(1 for g in bundle.rule["spec"]["groups"] for r in g["rules"] if "record" in r),
        "dashboard_panels": len(bundle.dashboard.get("panels", [])),
        "applied": [],
    }
    if not bundle.ok:
        return ExitCode.FAIL, summary
    if apply:
        from golive.kube.client import load_client
        from golive.kube.objects import apply as apply_objects

        applied = apply_objects(bundle.configmaps, slos.namespace, load_client())
        summary["applied"] = [f"{o['kind']}/{o['metadata']['name']}" for o in applied]
    return ExitCode.OK, summary


def profile_slos(source: str | None, ref: str, commit: str | None = None) -> dict[str, float]:
    """The objectives the application's profile declares (``slos``: the conf's profile, else the tree's
    golive.yaml); none without a source or a conf profile."""
    import tempfile

    from golive.sources import checked_out_profile

    with tempfile.TemporaryDirectory(prefix="golive-monitoring-") as tmp:
        slos = checked_out_profile(source, ref, Path(tmp), commit)[1].profile.slos
    return slos.model_dump(exclude_none=True) if slos is not None else {}


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m golive.agents.monitoring", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("setup", help="render, validate and apply the monitoring ConfigMaps")
    p.add_argument("--application", required=True, type=application)
    p.add_argument("--namespace", required=True, type=dns_label("namespace"))
    p.add_argument("--latency-p95", type=float, default=None, help="p95 latency objective in seconds")
    p.add_argument("--error-rate", type=float, default=None, help="maximum error ratio (0-1)")
    p.add_argument("--availability", type=float, default=None, help="availability target in %%")
    p.add_argument("--source", default=None, type=source_arg,
                   help="the application's tree: its golive.yaml `slos` are the objectives (the flags win)")
    p.add_argument("--ref", default="HEAD", type=ref_arg, help="git ref of --source (default HEAD)")
    add_commit_argument(p)
    p.add_argument("--runbook-base-url", type=target_url, default=None,
                   help="base URL of the runbooks (each alert links to <base>/<alert-slug>; the documentation "
                        "phase writes the pages there; default: GOLIVE_DOCS_PUBLIC_URL/<application>/runbooks)")
    p.add_argument("--dry-run", action="store_true", help="render and validate only")
    args = parser.parse_args(argv)
    flags = {k: v for k, v in {"latency_p95_seconds": args.latency_p95, "error_rate_max": args.error_rate,
                               "availability_target": args.availability}.items() if v is not None}
    try:
        overrides = {**profile_slos(args.source, args.ref, args.commit or None), **flags}
    except GoliveError as exc:
        parser.error(f"the application's profile: {exc}")
    try:
        runbooks = args.runbook_base_url or runbook_base_url(get_settings().docs_public_url, args.application)
        slos = ServiceSLOs.model_validate({"application": args.application, "namespace": args.namespace,
                                           "runbook_base_url": runbooks, **overrides})
    except ValidationError as exc:
        parser.error("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    code, summary = setup(slos, apply=not args.dry_run)
    write_xcom(summary, MonitoringSummary)
    emit(summary)
    return code


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
