"""The testing agent's performance test: Locust headless, its statistics checked by Great Expectations.

``locust -f LOCUSTFILE,locust_final_stats.py --headless -u N -r R -t Ds --host URL --csv PREFIX
--only-summary`` as a subprocess (argv, never a shell), bounded: at most ``MAX_USERS`` users and
``MAX_DURATION`` seconds, loopback and cluster targets only. The locustfile is ``--load-locustfile``
(inside ``--source``), else the application's own ``locustfile.py``, else golive's generic profile
(``testing_locustfile.py``: /health and the API's parameterless GET operations).

The stats CSV gives the measurements — ``load_p95_ms`` (the Aggregated row's 95th percentile),
``load_error_rate`` (failed / all requests), ``load_rps`` — and its per-endpoint rows are validated
with GX Core (``golive.analyzers.testing.expectations.validate_load_stats``: every endpoint's p95 ≤
``--load-max-p95-ms``,
failure ratio < ``--load-max-error-rate``) → ``gx_expectations_failed``, whose detail names what
was observed.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from golive.analyzers.base import Context
from golive.analyzers.testing.smoke import discover_openapi, ensure_internal_target, ensure_reachable, require_url
from golive.gates.testing import DEFAULT_MAX_FAILURE_RATIO, DEFAULT_MAX_P95_MS
from golive.http import OPENAPI_PATHS
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import LOAD_HEALTH_PATH_ENV, LOAD_OPERATIONS_ENV
from golive.tools import TOOL_COMMANDS, ToolError, clean_env, run_tool, tail, tool_command

TOOL_COMMANDS.setdefault("locust", [sys.executable, "-m", "locust"])

GENERIC_LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: loaded next to every locustfile: rewrites the CSVs from the final statistics at exit
FINAL_STATS_PLUGIN = Path(__file__).with_name("locust_final_stats.py")
DEFAULT_USERS = 5
DEFAULT_DURATION = 15
MAX_USERS = 50
MAX_DURATION = 120
_GRACE = 60.0
_MAX_FINDINGS = 20


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "", "N/A") else math.nan
    except ValueError:
        return math.nan


def parse_stats_csv(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Locust's ``PREFIX_stats.csv`` → (per-endpoint rows, the Aggregated row), numbers as floats.

    :raises ToolError: the file is missing or has no Aggregated row.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            raw = list(csv.DictReader(fh))
    except OSError as exc:
        raise ToolError(f"locust wrote no statistics CSV ({exc})") from exc
    rows: list[dict[str, Any]] = []
    aggregated: dict[str, Any] | None = None
    for item in raw:
        requests = _number(item.get("Request Count"))
        failures = _number(item.get("Failure Count"))
        row = {"name": f"{item.get('Type', '')} {item.get('Name', '')}".strip(),
               "requests": requests, "failures": failures,
               "failure_ratio": failures / requests if requests and requests > 0 else math.nan,
               "p95_ms": _number(item.get("95%")), "p50_ms": _number(item.get("50%")),
               "rps": _number(item.get("Requests/s"))}
        if item.get("Name") == "Aggregated":
            aggregated = row
        else:
            rows.append(row)
    if aggregated is None:
        raise ToolError(f"locust's statistics CSV {path.name} has no Aggregated row")
    return rows, aggregated


def _failures(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except OSError:
        return []


def _locustfile(ctx: Context) -> tuple[Path, str]:
    configured = ctx.options.get("load_locustfile")
    if configured:
        if ctx.source is None:
            raise ToolError("--load-locustfile names a file inside --source, but no --source was given")
        path = (ctx.source / configured).resolve()
        if not path.is_relative_to(ctx.source) or not path.is_file():
            raise ToolError(f"--load-locustfile {configured}: no such file inside the source tree")
        return path, f"the application's {configured}"
    if ctx.source is not None and (ctx.source / "locustfile.py").is_file():
        return ctx.source / "locustfile.py", "the application's locustfile.py"
    return GENERIC_LOCUSTFILE, "golive's generic profile (/health and parameterless GET operations)"


def load_operations(spec: Any) -> list[dict[str, Any]]:
    """The GET operations of an OpenAPI document that the generic profile can call without inventing
    parameters (no path parameter, no required parameter), with their documented statuses."""
    operations: list[dict[str, Any]] = []
    paths = spec.get("paths") if isinstance(spec, dict) else None
    for route, item in (paths or {}).items():
        operation = (item or {}).get("get") if isinstance(item, dict) else None
        if not isinstance(operation, dict) or "{" in route or route in ("/health", "/metrics"):
            continue
        params = list(operation.get("parameters") or []) + list(item.get("parameters") or [])
        if any(isinstance(p, dict) and (p.get("required") or p.get("in") == "path") for p in params):
            continue
        documented = sorted(str(code) for code in (operation.get("responses") or {})) or ["2XX"]
        operations.append({"path": route, "documented": documented})
    return operations


def _discover(base: str, openapi_path: str | None, ctx: Context | None = None) -> tuple[list[dict[str, Any]], str]:
    """The operations the generic locustfile calls: the OpenAPI document's parameterless GETs with their
    documented statuses (``openapi_path``, the profile's ``endpoints.openapi``, else the usual paths),
    else the profile's ``endpoints.traffic_paths`` (expected 2XX), else only the health path."""
    endpoints = ctx.profile.profile.endpoints if ctx is not None else None
    declared = endpoints.openapi if endpoints is not None else None
    openapi_path = openapi_path or (declared or None)
    where = openapi_path or ", ".join(OPENAPI_PATHS)
    found: tuple[str, dict[str, Any]] | None
    if declared is False and not openapi_path:
        found, why = None, "the profile declares no OpenAPI document (endpoints.openapi: false)"
    else:
        try:
            found = discover_openapi(base, openapi_path)
            why = f"no OpenAPI document at {where}"
        except httpx.HTTPError as exc:
            found, why = None, f"no OpenAPI document at {where} ({type(exc).__name__})"
    if found is not None:
        path, spec = found
        operations = load_operations(spec)
        return operations, f"{len(operations)} parameterless GET operation(s) from {path}"
    if endpoints is not None and endpoints.traffic_paths:
        return ([{"path": p, "documented": ["2XX"]} for p in endpoints.traffic_paths],
                f"{why}: {len(endpoints.traffic_paths)} path(s) from the profile's endpoints.traffic_paths")
    health = endpoints.health if endpoints is not None else "/health"
    return [], f"{why}: {health} only"


def _bounded(ctx: Context, name: str, default: int, limit: int) -> int:
    value = int(ctx.options.get(name) or default)
    if not 1 <= value <= limit:
        raise ToolError(f"--{name.replace('_', '-')} must be within 1-{limit}, got {value}")
    return value


def run_load(ctx: Context) -> AnalyzerResult:
    """Load-test the deployed application with Locust; check the statistics with Great Expectations."""
    base = require_url(ctx)
    users = _bounded(ctx, "load_users", DEFAULT_USERS, MAX_USERS)
    duration = _bounded(ctx, "load_duration", DEFAULT_DURATION, MAX_DURATION)
    allowed = ensure_internal_target(base, ctx)
    health = ctx.profile.profile.endpoints.health
    ensure_reachable(base, path=health)
    spawn_rate = max(1, min(users, int(ctx.options.get("load_spawn_rate") or users)))
    max_p95 = float(ctx.options.get("load_max_p95_ms") or DEFAULT_MAX_P95_MS)
    max_error_rate = float(ctx.options.get("load_max_error_rate") or DEFAULT_MAX_FAILURE_RATIO)
    locustfile, profile = _locustfile(ctx)
    with tempfile.TemporaryDirectory(prefix="golive-load-") as tmp:
        prefix = Path(tmp) / "load"
        argv = [*tool_command("locust"), "-f", f"{locustfile},{FINAL_STATS_PLUGIN}", "--headless", "-u", str(users),
                "-r", str(spawn_rate), "-t", f"{duration}s", "--host", base, "--csv", str(prefix), "--only-summary",
                "--loglevel", "WARNING", "--stop-timeout", "5"]
        cwd = locustfile.parent if locustfile != GENERIC_LOCUSTFILE else Path(tmp)
        operations, discovered = _discover(base, ctx.options.get("openapi_path"), ctx)
        env = clean_env({LOAD_OPERATIONS_ENV: json.dumps(operations), LOAD_HEALTH_PATH_ENV: health})
        run = run_tool(argv, cwd=cwd, timeout=max(ctx.timeout or 0, duration + _GRACE), env=env, ok_codes=(0, 1))
        stats = Path(f"{prefix}_stats.csv")
        if not stats.is_file():
            raise ToolError(f"locust exited {run.returncode} without statistics: {tail(run.stderr or run.stdout, 800)}")
        rows, aggregated = parse_stats_csv(stats)
        failures = _failures(Path(f"{prefix}_failures.csv"))
    if not aggregated["requests"] or aggregated["requests"] <= 0:
        raise ToolError(f"locust made no request to {base} in {duration} s: {tail(run.stderr or run.stdout, 600)}")
    p95, error_rate, rps = aggregated["p95_ms"], aggregated["failure_ratio"], aggregated["rps"]
    gx_value: float | None
    try:
        from golive.analyzers.testing.expectations import validate_load_stats

        outcome = validate_load_stats(rows, max_p95_ms=max_p95, max_failure_ratio=max_error_rate)
        gx_value = float(len(outcome.failed))
        gx_detail = ("; ".join(e.description for e in outcome.failed) if outcome.failed else
                     f"all {len(outcome.expectations)} expectations met (GX {outcome.gx_version})")
        gx_details: dict[str, Any] = outcome.as_dict()
    except Exception as exc:  # GX itself failing is no-data for its criterion, not a lost load test
        gx_value, gx_detail = None, f"Great Expectations could not validate the statistics: {type(exc).__name__}: {exc}"
        gx_details = {"error": gx_detail}
    summary = (f"{aggregated['requests']:.0f} requests, {aggregated['failures']:.0f} failed, p95 {p95:.0f} ms, "
               f"{rps:.1f} req/s; {users} users for {duration} s")
    findings = [Finding(tool="load", rule_id="load.failure", severity=Severity.MEDIUM,
                        message=f"{f.get('Method', '')} {f.get('Name', '')}: {f.get('Error', '')} "
                                f"({f.get('Occurrences', '?')} times)", path=f.get("Name") or None,
                        fingerprint=f"load:{f.get('Method', '')}:{f.get('Name', '')}:{f.get('Error', '')[:200]}")
                for f in failures[:_MAX_FINDINGS]]
    if gx_value:
        findings.append(Finding(tool="load", rule_id="load.gx_expectations", severity=Severity.HIGH,
                                message=f"load statistics failed Great Expectations: {gx_detail}"))
    return AnalyzerResult(
        agent=ctx.agent, tool="load",
        measurements=[
            Measurement(name="load_p95_ms", value=round(p95, 1) if not math.isnan(p95) else None, unit="ms",
                        detail=summary),
            Measurement(name="load_error_rate", value=round(error_rate, 4), unit="ratio", detail=summary),
            Measurement(name="load_rps", value=round(rps, 2) if not math.isnan(rps) else None, unit="req/s",
                        detail=summary),
            Measurement(name="gx_expectations_failed", value=gx_value, unit="expectations", detail=gx_detail),
        ],
        findings=findings,
        details={"target": allowed, "locustfile": profile,
                 "operations": [o["path"] for o in operations] if locustfile == GENERIC_LOCUSTFILE else None,
                 "discovery": discovered if locustfile == GENERIC_LOCUSTFILE else None,
                 "users": users, "spawn_rate": spawn_rate,
                 "duration_s": duration, "limits": {"max_p95_ms": max_p95, "max_error_rate": max_error_rate},
                 "aggregated": _jsonable(aggregated), "endpoints": [_jsonable(r) for r in rows],
                 "great_expectations": gx_details, "locust_exit_code": run.returncode})


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
