"""The testing agent's API fuzzing: Schemathesis against the deployed application's OpenAPI document.

``schemathesis run <url>/openapi.json`` (``python -m schemathesis.cli``, Schemathesis 4.x; the schema
path is ``--openapi-path``, else the one :func:`golive.http.find_openapi` discovers) with its
JSON run report, bounded: ``--max-examples`` (25, at most 200) per operation, one worker, the phases
``examples,coverage,fuzzing`` (``--fuzz-phases``; ``stateful`` on request), an optional fixed time
budget ``--fuzz-max-time`` (Schemathesis then fuzzes until the budget is spent), and the agent's
tool timeout around the whole run. Checks (``--fuzz-checks``): ``not_a_server_error``,
``status_code_conformance``, ``content_type_conformance`` and ``response_schema_conformance``.
When ``--source`` has a ``schemathesis.toml`` it is passed with ``--config-file`` (per-operation
expectations the schema cannot state). Only loopback and cluster targets are fuzzed.

Measurements: ``fuzz_server_errors`` (unique 5xx failures), ``fuzz_failures`` (every unique check
failure, 5xx included), ``fuzz_operations`` (API operations tested).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from golive.analyzers.base import Context
from golive.analyzers.testing.smoke import discover_openapi, ensure_internal_target, ensure_reachable, require_url
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import TOOL_COMMANDS, ToolError, clean_env, run_tool, tail, tool_command

TOOL_COMMANDS.setdefault("schemathesis", [sys.executable, "-m", "schemathesis.cli"])

DEFAULT_MAX_EXAMPLES = 25
MAX_EXAMPLES_LIMIT = 200
DEFAULT_PHASES = "examples,coverage,fuzzing"
DEFAULT_CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
DEFAULT_OPENAPI_PATH = "/openapi.json"
DEFAULT_FUZZ_TIMEOUT = 300.0
CONFIG_FILE = "schemathesis.toml"
#: Schemathesis' code for a 5xx answer (its failure group ``ServerError``).
SERVER_ERROR_CODES = frozenset({"ST101"})
_EXIT_OK, _EXIT_FAILURES = 0, 1


def _report_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolError(f"schemathesis wrote no readable JSON report ({exc})") from exc
    if not isinstance(data, dict):
        raise ToolError("schemathesis' JSON report is not an object")
    return data


def summarize_report(report: dict[str, Any]) -> dict[str, Any]:
    """Counts from a Schemathesis 4.x JSON run report: server errors, failures, operations, errors."""
    server_errors = failures = 0
    groups: list[dict[str, Any]] = []
    for group in report.get("failures") or []:
        count = int(group.get("count") or 0)
        is_server = group.get("code") in SERVER_ERROR_CODES or group.get("type") == "ServerError"
        failures += count
        server_errors += count if is_server else 0
        groups.append({"code": group.get("code"), "title": group.get("title"), "count": count,
                       "server_error": is_server, "severity": group.get("severity"),
                       "operations": list(group.get("operations") or [])})
    operations = report.get("operations") or {}
    cases = report.get("test_cases") or {}
    return {"server_errors": server_errors, "failures": failures, "groups": groups,
            "operations_tested": int(operations.get("tested") or 0),
            "operations_total": int(operations.get("total") or 0),
            "operations_errored": int(operations.get("errored") or 0),
            "test_cases": int(cases.get("generated") or 0),
            "errors": [str(e.get("title") or e.get("message") or e)[:300] if isinstance(e, dict) else str(e)[:300]
                       for e in report.get("errors") or []],
            "seed": None if report.get("seed") is None else str(report["seed"]),  # 128-bit: an id
            "stop_reason": report.get("stop_reason"),
            "schemathesis_version": report.get("schemathesis_version")}


def _max_examples(ctx: Context) -> int:
    value = int(ctx.options.get("fuzz_max_examples") or DEFAULT_MAX_EXAMPLES)
    if not 1 <= value <= MAX_EXAMPLES_LIMIT:
        raise ToolError(f"--fuzz-max-examples must be within 1-{MAX_EXAMPLES_LIMIT}, got {value}")
    return value


def _schema_path(base: str, override: str | None) -> str:
    """``--openapi-path``, else where the application serves its OpenAPI document (discovered), else
    ``/openapi.json`` (Schemathesis then reports the missing schema)."""
    if override:
        return override
    try:
        found = discover_openapi(base)
    except httpx.HTTPError:
        found = None
    return found[0] if found else DEFAULT_OPENAPI_PATH


_FUZZ_MEASURES = (("fuzz_server_errors", "failures"), ("fuzz_failures", "failures"), ("fuzz_operations", "operations"))


def _not_applicable(ctx: Context, why: str) -> AnalyzerResult:
    return AnalyzerResult(agent=ctx.agent, tool="fuzz", details={"reason": why},
                          measurements=[Measurement(name=n, value=None, unit=u, applicable=False, detail=why)
                                        for n, u in _FUZZ_MEASURES])


def run_fuzz(ctx: Context) -> AnalyzerResult:
    """Fuzz the deployed API from its OpenAPI document with Schemathesis; count 5xx and failed checks.

    The document is ``--openapi-path``, else the profile's ``endpoints.openapi``, else discovered."""
    base = require_url(ctx)
    max_examples = _max_examples(ctx)
    allowed = ensure_internal_target(base, ctx)
    endpoints = ctx.profile.profile.endpoints
    override = ctx.options.get("openapi_path")
    if not override and endpoints.openapi is False:
        return _not_applicable(ctx, "the profile declares that the application serves no OpenAPI document "
                                    "(endpoints.openapi: false): schema-based fuzzing has no schema to follow")
    ensure_reachable(base, path=endpoints.health)
    schema_url = base + _schema_path(base, override or endpoints.openapi or None)
    phases = ctx.options.get("fuzz_phases") or DEFAULT_PHASES
    checks = ctx.options.get("fuzz_checks") or DEFAULT_CHECKS
    config = None
    if ctx.source is not None and (ctx.source / CONFIG_FILE).is_file():
        config = ctx.source / CONFIG_FILE
    with tempfile.TemporaryDirectory(prefix="golive-fuzz-") as tmp:
        report_path = Path(tmp) / "schemathesis.json"
        argv = [*tool_command("schemathesis")]
        if config is not None:
            argv += ["--config-file", str(config)]
        argv += ["run", schema_url, "--checks", checks, "--max-examples", str(max_examples), "--workers", "1",
                 "--phases", phases, "--request-timeout", "30", "--report", "json",
                 "--report-json-path", str(report_path), "--no-color"]
        if ctx.options.get("fuzz_max_time"):
            argv += ["--max-time", str(int(ctx.options["fuzz_max_time"]))]
        if ctx.options.get("fuzz_seed") is not None:
            argv += ["--seed", str(int(ctx.options["fuzz_seed"]))]
        # cwd: an empty directory, so no stray schemathesis.toml is picked up besides --config-file
        run = run_tool(argv, cwd=Path(tmp), timeout=ctx.timeout or DEFAULT_FUZZ_TIMEOUT,
                       env=clean_env({"NO_COLOR": "1"}), ok_codes=(_EXIT_OK, _EXIT_FAILURES))
        if not report_path.exists():
            raise ToolError(f"schemathesis exited {run.returncode} without a report: "
                            f"{tail(run.stdout + run.stderr, 800)}")
        summary = summarize_report(_report_json(report_path))
    if summary["operations_tested"] == 0:
        raise ToolError(f"schemathesis tested no API operation of {schema_url} "
                        f"(errors: {'; '.join(summary['errors']) or 'none'}); output: {tail(run.stdout, 600)}")
    findings = [Finding(tool="fuzz", rule_id=f"fuzz.{g['code'] or 'failure'}",
                        severity=Severity.HIGH if g["server_error"] else Severity.MEDIUM,
                        message=f"{g['title']} ({g['count']} unique) in {op}", path=op)
                for g in summary["groups"] for op in g["operations"]]
    ops = f"{summary['operations_tested']}/{summary['operations_total']} operations"
    where = "; ".join(f"{g['title']}: {', '.join(g['operations'][:4])}" for g in summary["groups"])
    detail = f"{summary['test_cases']} cases over {ops}" + (f"; {where}" if where else "")
    return AnalyzerResult(
        agent=ctx.agent, tool="fuzz",
        measurements=[
            Measurement(name="fuzz_server_errors", value=summary["server_errors"], unit="failures", detail=detail),
            Measurement(name="fuzz_failures", value=summary["failures"], unit="failures", detail=detail),
            Measurement(name="fuzz_operations", value=summary["operations_tested"], unit="operations", detail=ops),
        ],
        findings=findings,
        details={"schema": schema_url, "target": allowed, "config_file": str(config) if config else None,
                 "max_examples": max_examples, "phases": phases, "checks": checks.split(","),
                 "exit_code": run.returncode, **summary})
