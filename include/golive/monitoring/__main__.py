"""``python -m golive.monitoring``: render or validate an application's monitoring configuration.

Commands::

    python -m golive.monitoring render --application APP --namespace NS [--latency-p95 2]
        [--error-rate 0.05] [--availability 99.5] [--window 30d] [--runbook-base-url URL]
        [--pager-url URL | --pager-url-file PATH] [--chat-url URL | --chat-url-file PATH] [--out DIR]
    python -m golive.monitoring validate DIR

Both print a JSON summary on stdout (written paths, the ConfigMaps, ``validation_errors``).
Exit status: 0 valid, 1 validation failed, 2 bad input (nothing rendered).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from golive.cli.output import ExitCode, emit
from golive.monitoring.alerting import validate_alert_routing
from golive.monitoring.bundle import FILES, render_all, write_bundle
from golive.monitoring.dashboard import validate_dashboard
from golive.monitoring.models import AlertReceivers, MonitoringError, ServiceSLOs, WebhookReceiver
from golive.monitoring.rules import validate_prometheus_rule


def _parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="python -m golive.monitoring", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="render, validate and write the monitoring configuration")
    render.add_argument("--application", required=True, help="application name (DNS-1123 label)")
    render.add_argument("--namespace", required=True, help="Kubernetes namespace of the application")
    render.add_argument("--latency-p95", type=float, default=2.0, help="p95 latency objective in seconds")
    render.add_argument("--error-rate", type=float, default=0.05, help="highest acceptable 5xx ratio (0-1)")
    render.add_argument("--availability", type=float, default=99.5, help="availability objective in percent")
    render.add_argument("--window", default="30d", help="SLO window (Prometheus duration)")
    render.add_argument("--runbook-base-url", default=None, help="base URL of the runbooks")
    for name in ("pager", "chat"):
        group = render.add_mutually_exclusive_group()
        group.add_argument(f"--{name}-url", default=None, help=f"{name} webhook URL (a placeholder: no secrets)")
        group.add_argument(f"--{name}-url-file", default=None, help=f"file holding the {name} webhook URL")
    render.add_argument("--out", default=None, help="output directory (default: golive-monitoring/<application>)")
    validate = sub.add_parser("validate", help="validate files written by render")
    validate.add_argument("directory", help="directory holding prometheus-rule.yaml, dashboard.json, alertmanager.yaml")
    return parser


def _validation_messages(exc: ValidationError) -> list[str]:
    """``field: message`` lines of a pydantic validation error."""
    return [f"{'.'.join(str(p) for p in e['loc']) or '(input)'}: {e['msg']}" for e in exc.errors()]


def _receivers(args: argparse.Namespace) -> AlertReceivers:
    """The alert receivers, with the webhook URLs or files given on the command line."""
    defaults = AlertReceivers()
    chosen: dict[str, Any] = {}
    for name in ("pager", "chat"):
        url, url_file = getattr(args, f"{name}_url"), getattr(args, f"{name}_url_file")
        if url or url_file:
            chosen[name] = WebhookReceiver(name=name, url=url, url_file=url_file)
    return defaults.model_copy(update=chosen) if chosen else defaults


def _render(args: argparse.Namespace) -> int:
    """The ``render`` command."""
    fields: dict[str, Any] = {
        "application": args.application, "namespace": args.namespace, "latency_p95_seconds": args.latency_p95,
        "error_rate_max": args.error_rate, "availability_target": args.availability, "window": args.window,
    }
    if args.runbook_base_url:
        fields["runbook_base_url"] = args.runbook_base_url
    try:
        slos = ServiceSLOs(**fields)
        receivers = _receivers(args)
    except ValidationError as exc:
        return _bad_input(_validation_messages(exc))
    try:
        bundle = render_all(slos, receivers)
        out = args.out or str(Path("golive-monitoring") / slos.application)
        paths = write_bundle(bundle, out)
    except MonitoringError as exc:
        return _bad_input([str(exc)])
    summary = {
        "application": slos.application,
        "namespace": slos.namespace,
        "slos": slos.model_dump(mode="json"),
        "files": paths,
        "configmaps": [f"{c['metadata']['namespace']}/{c['metadata']['name']}" for c in bundle.configmaps],
        "validation_errors": bundle.all_errors(),
    }
    emit(summary)
    return ExitCode.OK if bundle.ok else ExitCode.FAIL


def _validate(args: argparse.Namespace) -> int:
    """The ``validate`` command."""
    base = Path(args.directory)
    loaded: dict[str, Any] = {}
    for kind in ("rule", "dashboard", "routing"):
        path = base / FILES[kind]
        try:
            text = path.read_text(encoding="utf-8")
            loaded[kind] = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except OSError as exc:
            return _bad_input([f"{path}: cannot be read ({exc.strerror}); run render first"])
        except (ValueError, yaml.YAMLError) as exc:
            return _bad_input([f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"])
    errors = [f"prometheus-rule: {e}" for e in validate_prometheus_rule(loaded["rule"])]
    errors += [f"dashboard: {e}" for e in validate_dashboard(loaded["dashboard"])]
    errors += [f"alert-routing: {e}" for e in validate_alert_routing(loaded["routing"])]
    emit({"directory": str(base), "validation_errors": errors})
    return ExitCode.FAIL if errors else ExitCode.OK


def _bad_input(messages: list[str]) -> int:
    """Report bad input on stderr and as JSON on stdout; return the usage exit status."""
    for message in messages:
        print(f"error: {message}", file=sys.stderr)
    emit({"status": "bad-input", "errors": messages})
    return ExitCode.USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "render":
        return _render(args)
    return _validate(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
