"""The testing agent's suites from the application's own tree: its black-box E2E suite, its model evaluation.

* ``run_e2e``: ``python -m pytest <suite> --junitxml …`` with the application's URL in the
  environment (``SAMPLE_APP_URL``, ``APP_URL``, ``BASE_URL`` by default; ``--e2e-url-env`` names
  others) and ``EXPECTED_VERSION``; the suite directory is ``--e2e-dir`` or the first of
  ``tests_e2e``, ``tests/e2e``, ``e2e`` in ``--source``. The JUnit XML gives ``e2e_passed_ratio``
  (%, passed over executed, skipped tests reported apart) and ``e2e_failed``. The suite runs in a
  minimal environment (``golive.tools.sandbox_env``) under golive's witness plugin
  (``golive.analyzers.code.witness``): a suite that rewrites its own outcomes is no-data with that reason.
* ``run_model_eval``: for ML workloads, the evaluation the application declares in
  ``golive-model-eval.json`` (``--model-eval-config``)::

      {"command": ["python", "model_eval.py", "--out", "{metrics_path}"],
       "metric": "accuracy", "timeout": 300}

  ``command`` is an argv list, run without a shell in the source tree (``python`` means this
  interpreter; ``{metrics_path}`` and ``$GOLIVE_METRICS_PATH`` name the JSON file the command
  writes, e.g. ``{"accuracy": 0.93, "samples": 200}``; the metric is a fraction 0–1). The command
  also gets ``GOLIVE_APP_URL`` and ``GOLIVE_DEVICE`` (``cuda`` when a GPU is visible, else ``cpu``).
  → ``model_accuracy`` (%). GPU presence (``CUDA_VISIBLE_DEVICES``, ``nvidia-smi``) is recorded.

A missing source, suite or declaration is no-data with the reason, never a pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive.analyzers.base import Context
from golive.analyzers.code import witness
from golive.analyzers.testing.smoke import ensure_reachable, require_url
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import APP_URL_ENV, DEVICE_ENV, METRICS_PATH_ENV, WITNESS_ENV
from golive.tools import TOOL_COMMANDS, ToolError, installer_env, run_tool, sandbox_env, tail, tool_command

TOOL_COMMANDS.setdefault("pytest", [sys.executable, "-m", "pytest"])

E2E_DIRS: tuple[str, ...] = ("tests_e2e", "tests/e2e", "e2e")
DEFAULT_URL_ENVS: tuple[str, ...] = ("SAMPLE_APP_URL", "APP_URL", "BASE_URL")
DEFAULT_E2E_TIMEOUT = 300.0
MODEL_EVAL_CONFIG = "golive-model-eval.json"
DEFAULT_MODEL_EVAL_TIMEOUT = 600.0
_MAX_FINDINGS = 50


def _inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it stays inside ``root`` (no ``..`` or absolute escape)."""
    candidate = (root / relative).resolve()
    try:
        candidate.relative_to(root)
    except ValueError:
        return None
    return candidate


def _no_data(ctx: Context, tool: str, names_units: Sequence[tuple[str, str]], reason: str,
             details: dict[str, Any] | None = None) -> AnalyzerResult:
    return AnalyzerResult(agent=ctx.agent, tool=tool, details={"reason": reason, **(details or {})},
                          measurements=[Measurement(name=n, value=None, unit=u, detail=reason)
                                        for n, u in names_units])


# -- e2e --------------------------------------------------------------------------------------------

_E2E_MEASURES = (("e2e_passed_ratio", "%"), ("e2e_failed", "tests"))


def find_e2e_suite(source: Path, configured: str | None = None) -> Path | None:
    """The E2E suite directory in ``source``: ``configured`` or the first of ``E2E_DIRS`` that exists."""
    for relative in ([configured] if configured else list(E2E_DIRS)):
        path = _inside(source, relative)
        if path is not None and path.is_dir():
            return path
    return None


def parse_junit(path: Path) -> dict[str, Any]:
    """Totals and failed cases of a JUnit XML file (pytest's ``--junitxml``)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ToolError(f"the E2E run wrote no readable JUnit XML ({exc})") from exc
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    failed: list[dict[str, str]] = []
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, 0) or 0)
        for case in suite.iter("testcase"):
            for kind in ("failure", "error"):
                node = case.find(kind)
                if node is not None:
                    failed.append({"test": f"{case.get('classname', '')}::{case.get('name', '')}",
                                   "classname": case.get("classname", ""), "name": case.get("name", ""),
                                   "file": case.get("file", ""), "kind": kind,
                                   "message": (node.get("message") or node.text or "").strip()[:500]})
    return {**totals, "failed_cases": failed}


def run_e2e(ctx: Context) -> AnalyzerResult:
    """Run the application's black-box E2E suite against the deployed URL; parse its JUnit XML."""
    base = require_url(ctx)
    if ctx.source is None:
        return _no_data(ctx, "e2e", _E2E_MEASURES, "no --source given: the application's E2E suite is unknown")
    suite = find_e2e_suite(ctx.source, ctx.options.get("e2e_dir"))
    if suite is None:
        looked = ctx.options.get("e2e_dir") or ", ".join(E2E_DIRS)
        return _no_data(ctx, "e2e", _E2E_MEASURES, f"the source has no E2E suite (looked for {looked})")
    ensure_reachable(base)
    names = list(ctx.options.get("e2e_url_env") or DEFAULT_URL_ENVS)
    extra = dict.fromkeys(names, base)
    if ctx.expected_version:
        extra["EXPECTED_VERSION"] = ctx.expected_version
    relative = suite.relative_to(ctx.source).as_posix()
    with tempfile.TemporaryDirectory(prefix="golive-e2e-") as tmp:
        tmpdir = Path(tmp)
        junit, witness_file = tmpdir / "junit.xml", tmpdir / "witness.jsonl"
        argv = [*tool_command("pytest"), "-p", witness.PLUGIN, relative, "-q", "-p", "no:cacheprovider",
                "--junitxml", str(junit), "-o", "junit_family=xunit2", "--tb=line"]
        # the application's suite is untrusted code: a minimal environment, and golive's witness
        env = sandbox_env(tmpdir / "home", {**extra, WITNESS_ENV: str(witness_file),
                                            "PYTHONPATH": str(witness.install(tmpdir))})
        run = run_tool(argv, cwd=ctx.source, timeout=ctx.timeout or DEFAULT_E2E_TIMEOUT, env=env,
                       ok_codes=(0, 1, 5))
        if run.returncode == 5 or not junit.exists():
            if run.returncode == 5:
                return _no_data(ctx, "e2e", _E2E_MEASURES, f"the E2E suite {relative} collected no tests")
            raise ToolError(f"pytest wrote no JUnit XML: {tail(run.stdout + run.stderr, 800)}")
        totals = parse_junit(junit)
        failed_keys = {(c["classname"], c["name"]) for c in totals["failed_cases"]}
        tampering = witness.check(witness.read(witness_file), failed_keys, run.returncode)
    if tampering:
        reason = f"{witness.TAMPERED}: {'; '.join(tampering)}"
        result = _no_data(ctx, "e2e", _E2E_MEASURES, reason, {"tampering": tampering, "suite": relative})
        result.findings.append(Finding(tool="e2e", rule_id="test-outcomes-rewritten", severity=Severity.CRITICAL,
                                       message=reason[:1000], path=None))
        return result
    executed = totals["tests"] - totals["skipped"]
    failed = totals["failures"] + totals["errors"]
    if executed <= 0:
        return _no_data(ctx, "e2e", _E2E_MEASURES,
                        f"the E2E suite {relative} ran no test ({totals['skipped']} skipped)", {"junit": totals})
    passed = executed - failed
    findings = [Finding(tool="e2e", rule_id=f"e2e.{c['kind']}", severity=Severity.HIGH,
                        message=f"{c['test']}: {c['message'] or c['kind']}", path=c["file"] or None,
                        fingerprint=f"e2e:{c['kind']}:{c['test']}")
                for c in totals["failed_cases"][:_MAX_FINDINGS]]
    detail = f"{passed}/{executed} E2E tests passed in {relative}"
    if totals["skipped"]:
        detail += f", {totals['skipped']} skipped"
    if failed:
        detail += "; failed: " + ", ".join(c["test"] for c in totals["failed_cases"][:5])
    return AnalyzerResult(
        agent=ctx.agent, tool="e2e",
        measurements=[Measurement(name="e2e_passed_ratio", value=round(100.0 * passed / executed, 2), unit="%",
                                  detail=detail),
                      Measurement(name="e2e_failed", value=failed, unit="tests", detail=detail)],
        findings=findings,
        details={"suite": relative, "url_env": names, "expected_version": ctx.expected_version,
                 "tests": totals["tests"], "passed": passed, "failed": failed, "skipped": totals["skipped"],
                 "pytest_exit_code": run.returncode})


# -- model evaluation -------------------------------------------------------------------------------

_MODEL_MEASURES = (("model_accuracy", "%"),)


def gpu_environment() -> dict[str, Any]:
    """What the pod sees of GPUs: ``CUDA_VISIBLE_DEVICES``, ``nvidia-smi`` and the GPUs it lists."""
    info: dict[str, Any] = {"cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
                            "nvidia_smi": shutil.which("nvidia-smi"), "gpus": []}
    if info["nvidia_smi"]:
        try:
            proc = subprocess.run([info["nvidia_smi"], "--query-gpu=name,memory.total", "--format=csv,noheader"],
                                  capture_output=True, text=True, timeout=20, check=False)
            info["gpus"] = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
        except (OSError, subprocess.TimeoutExpired) as exc:
            info["nvidia_smi_error"] = str(exc)
    visible = info["cuda_visible_devices"]
    usable = bool(info["gpus"]) and visible not in ("", "-1", "none", "NoDevFiles")
    info["device"] = "cuda" if usable else "cpu"
    info["note"] = (f"GPU visible: {', '.join(info['gpus'])}" if usable else
                    "no GPU visible (no nvidia-smi or no GPU listed): the evaluation runs on the CPU")
    return info


def load_model_eval_config(source: Path, name: str = MODEL_EVAL_CONFIG) -> dict[str, Any] | None:
    """The source's model-evaluation declaration, validated; None when it declares none.

    :raises ToolError: the file exists but is not a valid declaration.
    """
    path = _inside(source, name)
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolError(f"{name} is not readable JSON: {exc}") from exc
    command = data.get("command") if isinstance(data, dict) else None
    if not (isinstance(command, list) and command and all(isinstance(a, str) and a for a in command)):
        raise ToolError(f'{name} must declare "command" as a non-empty list of strings (an argv, no shell)')
    metric = data.get("metric", "accuracy")
    timeout = data.get("timeout", DEFAULT_MODEL_EVAL_TIMEOUT)
    if not isinstance(metric, str) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ToolError(f'{name}: "metric" must be a string and "timeout" a positive number of seconds')
    return {"command": command, "metric": metric, "timeout": float(timeout), "file": name}


def run_model_eval(ctx: Context) -> AnalyzerResult:
    """Run the application's declared model evaluation and read its accuracy (ML workloads)."""
    gpu = gpu_environment()
    if ctx.source is None:
        return _no_data(ctx, "model_eval", _MODEL_MEASURES,
                        "no --source given: no model evaluation can be found", {"gpu": gpu})
    name = ctx.options.get("model_eval_config") or MODEL_EVAL_CONFIG
    config = load_model_eval_config(ctx.source, name)
    if config is None:
        return _no_data(ctx, "model_eval", _MODEL_MEASURES,
                        f"the source declares no model evaluation ({name} not found)", {"gpu": gpu})
    with tempfile.TemporaryDirectory(prefix="golive-model-eval-") as tmp:
        metrics_path = Path(tmp) / "metrics.json"
        argv = [sys.executable if (i == 0 and a in ("python", "python3")) else a.replace("{metrics_path}",
                                                                                           str(metrics_path))
                for i, a in enumerate(config["command"])]
        env = installer_env({METRICS_PATH_ENV: str(metrics_path), DEVICE_ENV: gpu["device"],
                         **({APP_URL_ENV: ctx.url} if ctx.url else {})})
        run = run_tool(argv, cwd=ctx.source, timeout=min(ctx.timeout or config["timeout"], config["timeout"]),
                       env=env)
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ToolError(f"the model evaluation wrote no readable metrics JSON at $GOLIVE_METRICS_PATH "
                            f"({exc}); its output: {tail(run.stdout + run.stderr, 600) or 'none'}") from exc
    value = metrics.get(config["metric"]) if isinstance(metrics, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ToolError(f"the model evaluation's metrics JSON has no {config['metric']!r} fraction in [0, 1] "
                        f"(got {value!r})")
    samples = metrics.get("samples")
    detail = (f"{config['metric']} {value:.4f}" + (f" on {samples} held-out samples" if samples else "")
              + f", device {gpu['device']}")
    return AnalyzerResult(
        agent=ctx.agent, tool="model_eval",
        measurements=[Measurement(name="model_accuracy", value=round(100.0 * float(value), 2), unit="%",
                                  detail=detail)],
        details={"declaration": config["file"], "command": config["command"], "metrics": metrics, "gpu": gpu})
