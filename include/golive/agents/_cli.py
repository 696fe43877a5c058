"""Shared plumbing of the agents' CLIs: guarding analyzers, scoring, printing, the ledger.

Each agent module (``quality``, ``security``) declares an ``AgentSpec`` — its analyzers, its rules and
which analyzer produces which measurement — and hands it to ``main``. Everything else lives here, once:

* tools run through ``golive.tools.run_tool``: a subprocess from an argv list (never a shell), in its
  own process group, with a timeout that kills the whole group, and the tool's stderr captured;
* ``guarded``: an analyzer that raises becomes an ``AnalyzerResult`` with ``error`` set — the scoring
  step turns it into no-data with that reason, never into a pass;
* ``score_results``: rules + results → verdict, with a missing or failed analyzer's criteria no-data;
* the CLI: ``analyze`` (one analyzer, one pod) and the gate action (``verify`` / ``scan``: all analyzers,
  the verdict, optionally the ledger), JSON on stdout and the XCom return value in a pod.

Targets. An agent checks either a **source tree** (``AgentSpec(target="source")``, the default:
``--source PATH|GIT-URL`` required, ``ctx.source`` is the checked-out tree) or a **deployed
application** (``AgentSpec(target="url")``: the testing and verification agents). A url agent's
actions take::

    --url URL                  required; http:// or https:// with a host, no user:password@, no
                               fragment; trailing '/' removed -> ctx.url
    --source PATH|GIT-URL      optional: the application's tree (for its test suites, a schemathesis
                               config, a locustfile...) -> ctx.source (None without it)
    --ref REF                  as for source agents (only used with --source)
    --expected-version V       optional -> ctx.expected_version (what /version should answer)
    --timeout S                as for source agents

``AgentSpec(max_workers=1)`` makes the gate action run the analyzers one after the other.
Both kinds may declare agent-specific options with ``AgentSpec(add_arguments=fn)``: ``fn(parser)`` is
called for ``analyze`` and the gate action and adds ``--options``; their parsed values reach the
analyzers as ``ctx.options`` (dest -> value, e.g. ``{"load_users": 5}``). In the ledger a url gate
run is recorded with ``source`` = the URL (redacted), ``ref`` = ``--expected-version`` or ``--ref``,
and the application from ``--application`` or else the URL's first host label (``http://shop.ns.svc``
-> ``shop``; a bare IP gives ``app``).

Exit codes: ``analyze`` exits 0 whenever it produced a result (also when the tool failed: the result
carries the error). The gate action exits 0 for PASS, 1 for FAIL, 3 for WARNING. Both exit 2 on bad
command-line input (nothing was run), 4 when a git source could not be fetched, 5 when the ledger
could not record the verdict (the verdict is still printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from golive import runtime
from golive.models import DNS1123_LABEL, AnalyzerResult, CriterionRule, SourceStr, Verdict, VerdictStatus, is_git_source
from golive.results import GateOutcome
from golive.scoring import apply_rules, evaluate
from golive.settings import EVIDENCE_ENV, get_settings
from golive.sources import SourceError, checkout, redact
from golive.tools import ToolError

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_WARNING, EXIT_SOURCE, EXIT_LEDGER = 0, 1, 2, 3, 4, 5
VERDICT_EXIT = {VerdictStatus.PASS: EXIT_PASS, VerdictStatus.FAIL: EXIT_FAIL,
                VerdictStatus.WARNING: EXIT_WARNING}
DEFAULT_TOOL_TIMEOUT = 120.0

@dataclass(frozen=True)
class Context:
    """What an analyzer gets: the agent it runs for, the checked-out source tree and its options.

    :param agent: ``quality`` or ``security`` (recorded in the result).
    :param source: the source tree (already checked out); None for a url agent run without ``--source``.
    :param timeout: seconds a tool may run; None for the analyzer's own default.
    :param evidence: results of other analyzers an analyzer may build on (the checklist does).
    :param url: base URL of the deployed application (url agents; no trailing '/').
    :param expected_version: the version the deployed application should report (url agents).
    :param options: the agent's own options (``AgentSpec.add_arguments``), dest → parsed value.
    """

    agent: str
    source: Path | None = None
    timeout: float | None = None
    evidence: tuple[AnalyzerResult, ...] | None = None
    url: str | None = None
    expected_version: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tree(self) -> Path:
        """The source tree a source analyzer reads (``ToolError`` when the run has none)."""
        if self.source is None:
            raise ToolError(f"the {self.agent} analyzers need a source tree (--source)")
        return self.source

    def __post_init__(self) -> None:
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source).resolve())
        if self.url is not None:
            object.__setattr__(self, "url", self.url.rstrip("/"))


Analyzer = Callable[[Context], AnalyzerResult]


def guarded(tool: str, analyzer: Analyzer, ctx: Context) -> AnalyzerResult:
    """Run one analyzer; any failure becomes a result with ``error`` set (no-data), never a pass."""
    try:
        result = analyzer(ctx)
    except ToolError as exc:
        return AnalyzerResult(agent=ctx.agent, tool=tool, error=str(exc))
    except Exception as exc:  # an analyzer bug must surface as no-data, not kill the gate
        traceback.print_exc(file=sys.stderr)
        return AnalyzerResult(agent=ctx.agent, tool=tool,
                              error=f"the {tool} analyzer failed: {type(exc).__name__}: {exc}")
    return result


def run_analyzers(registry: Mapping[str, Analyzer], ctx: Context, tools: Sequence[str] | None = None,
                  max_workers: int | None = None) -> list[AnalyzerResult]:
    """Run several analyzers in parallel threads (their tools are subprocesses); results in ``tools`` order."""
    names = list(tools if tools is not None else registry)
    if not names:
        return []
    workers = max_workers or min(len(names), max(2, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"golive-{ctx.agent}") as pool:
        futures = [pool.submit(guarded, name, registry[name], ctx) for name in names]
        return [f.result() for f in futures]


def score_results(gate: str, rules: Sequence[CriterionRule], producers: Mapping[str, str],
                  results: Sequence[AnalyzerResult], threshold: float) -> Verdict:
    """Score ``results`` with ``rules``: each criterion's value comes from the analyzer that produces it.

    A missing analyzer result, an analyzer ``error`` or an unmeasured value make that criterion
    no-data with the reason; the measurement's detail (e.g. the worst function) is added to the reason.

    :param gate: ``quality`` or ``security``.
    :param rules: the criteria.
    :param producers: measurement name → the analyzer (tool) that measures it.
    :param results: the analyzers' results (a later result of the same tool replaces an earlier one).
    :param threshold: acceptance threshold 0–100.
    """
    by_tool = {r.tool: r for r in results}
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    details: dict[str, str] = {}
    for rule in rules:
        name = rule.measurement
        tool = producers[name]
        result = by_tool.get(tool)
        if result is None:
            errors[name] = f"the {tool} analyzer produced no result"
            continue
        if result.error:
            errors[name] = f"{tool} could not run: {result.error}"
            continue
        measurement = next((m for m in result.measurements if m.name == name), None)
        if measurement is None:
            errors[name] = f"{tool} did not report {name}"
        elif measurement.value is None:
            errors[name] = measurement.detail or f"{tool} could not measure {name}"
        else:
            values[name] = measurement.value
            details[name] = measurement.detail
    criteria = apply_rules(rules, values, errors)
    enriched = []
    for rule, criterion in zip(rules, criteria, strict=True):
        detail = details.get(rule.measurement)
        if detail and criterion.value is not None:
            enriched.append(criterion.model_copy(update={"reason": f"{criterion.reason} ({detail})"}))
        else:
            enriched.append(criterion)
    return evaluate(gate, enriched, threshold)


# -- CLI --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentSpec:
    """Everything that makes one agent's CLI: its analyzers, rules and gate action.

    :param name: ``quality`` or ``security``.
    :param registry: analyzer name → analyzer function.
    :param rules: the gate's criteria.
    :param producers: measurement → analyzer name.
    :param gate_action: the CLI action that runs the whole gate (``verify`` / ``scan``).
    :param score: results, threshold → verdict (the agent's ``score``).
    :param late: analyzers that run after the others, with their results as evidence.
    :param sarif: (results, source root or None) → SARIF document, when the agent offers ``--sarif``.
    :param target: ``source`` (``--source`` required) or ``url`` (``--url`` required, ``--source``
        optional, ``--expected-version``); see the module docstring.
    :param add_arguments: adds the agent's own options to ``analyze`` and the gate action; their
        values reach the analyzers as ``Context.options``.
    :param max_workers: how many analyzers the gate action runs at once (None: all in parallel; 1:
        one after the other, in registry order, e.g. so a load test does not share the target with a
        fuzzer).
    """

    name: str
    registry: Mapping[str, Analyzer]
    rules: Sequence[CriterionRule]
    producers: Mapping[str, str]
    gate_action: str
    score: Callable[[list[AnalyzerResult], float], Verdict]
    late: tuple[str, ...] = ()
    sarif: Callable[[list[AnalyzerResult], str | None], dict[str, Any]] | None = None
    description: str = ""
    target: Literal["source", "url"] = "source"
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    max_workers: int | None = None

    @property
    def task_id(self) -> str:
        """The ledger task id of a CLI gate run (``cli.quality.verify``)."""
        return f"cli.{self.name}.{self.gate_action}"


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"threshold must be a number, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"threshold must be within 0-100, got {value:g}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"timeout must be a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"timeout must be positive, got {value:g}")
    return value


def _source(text: str) -> str:
    try:
        return TypeAdapter(SourceStr).validate_python(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.errors()[0]["msg"]) from None


def target_url(text: str) -> str:
    """Validate the URL of a deployed application: http(s), a host, no credentials, no fragment.

    Returns it without a trailing '/'. Raises ``argparse.ArgumentTypeError`` (a ``ValueError``).
    """
    if len(text) > 2048 or any(c.isspace() or ord(c) < 32 for c in text):
        raise argparse.ArgumentTypeError("url must be a single http(s) URL without spaces")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"url {text!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"url {text!r} must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise argparse.ArgumentTypeError("url must not carry user:password@ (credentials would be logged)")
    if parts.fragment:
        raise argparse.ArgumentTypeError(f"url {text!r} must not have a #fragment")
    return text.rstrip("/")


def _version(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}", text):
        raise argparse.ArgumentTypeError(f"expected version {text!r} is not a version (letters, digits, ._+-)")
    return text


def _ref(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._/@+][A-Za-z0-9._/@+-]{0,199}", text):
        raise argparse.ArgumentTypeError(f"ref {text!r} is not a branch, tag or commit name")
    return text


def _application(text: str) -> str:
    if not re.fullmatch(DNS1123_LABEL, text) or len(text) > 63:
        raise argparse.ArgumentTypeError(f"application {text!r} must be a DNS-1123 label "
                                         "(lowercase letters, digits and '-', at most 63)")
    return text


def build_parser(spec: AgentSpec) -> argparse.ArgumentParser:
    """The agent's argument parser: ``analyze`` and the gate action."""
    prog = f"python -m golive.agents.{spec.name}"
    parser = argparse.ArgumentParser(prog=prog, description=spec.description,
                     epilog="exit codes: analyze 0 (result printed, tool errors inside it); "
                            f"{spec.gate_action} 0 PASS, 1 FAIL, 3 WARNING; 2 bad input, "
                            "4 source not fetched, 5 ledger not written")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        if spec.target == "url":
            p.add_argument("--url", required=True, type=target_url,
                           help="base URL of the deployed application (http:// or https://)")
            p.add_argument("--source", default=None, type=_source,
                           help="optional: the application's source tree (path or git URL) for analyzers "
                                "that need its test suites or configuration")
            p.add_argument("--expected-version", default=None, type=_version,
                           help="the version the deployed application should report")
        else:
            p.add_argument("--source", required=True, type=_source,
                           help="local path of the source tree, or a git URL (https://, ssh://, file://, git@)")
        p.add_argument("--ref", default="HEAD", type=_ref,
                       help="branch, tag or commit to check out for a git source (default HEAD)")
        p.add_argument("--timeout", type=_positive, default=None,
                       help="seconds each tool may run (default: 300 for the test suite, 120 otherwise)")
        if spec.add_arguments is not None:
            before = {a.dest for a in p._actions}
            spec.add_arguments(p)
            p.set_defaults(_agent_options=sorted({a.dest for a in p._actions} - before))

    analyze = sub.add_parser("analyze", help="run ONE analyzer and print its AnalyzerResult as JSON",
                             description="Run one analyzer (one pod) and print its AnalyzerResult JSON.")
    analyze.add_argument("--tool", required=True, choices=list(spec.registry), help="the analyzer to run")
    common(analyze)
    if spec.late:
        analyze.add_argument("--evidence", type=Path, default=None,
                             help="JSON file with other analyzers' results (a list of AnalyzerResult, or "
                                  f"a {spec.gate_action} output) for "
                                  f"{', '.join(spec.late)}; without it they run here")

    gate = sub.add_parser(spec.gate_action, help="run all analyzers, score them and print the verdict",
                          description=f"Run every {spec.name} analyzer, score them and print "
                                      '{"verdict": ..., "results": [...]} as JSON.')
    common(gate)
    gate.add_argument("--application", default=None, type=_application,
                      help="application name (DNS-1123 label; default: derived from the "
                           + ("URL's host)" if spec.target == "url" else "source)"))
    gate.add_argument("--threshold", type=_threshold, default=85.0, help="acceptance threshold 0-100 (85)")
    gate.add_argument("--ledger-url", default=None,
                      help="SQLAlchemy URL of the ledger (default: $GOLIVE_LEDGER_URL; none: not recorded)")
    gate.add_argument("--run-id", default=None, help="run id recorded in the ledger (default cli-<uuid4>)")
    gate.add_argument("--submitted-by", default=os.environ.get("USER", "cli"), help="who submitted it")
    if spec.sarif is not None:
        gate.add_argument("--sarif", type=Path, default=None, help="also write the findings as SARIF 2.1.0")
    return parser


def application_name(source: str) -> str:
    """A DNS-1123 application name derived from a path or git URL (``My_App.git`` → ``my-app``)."""
    stem = re.split(r"[/:]", source.rstrip("/"))[-1]
    stem = stem.removesuffix(".git")
    name = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")[:63].strip("-")
    return name if re.match(DNS1123_LABEL, name or "") else "app"


def application_from_url(url: str) -> str:
    """A DNS-1123 application name from a URL's first host label (``http://shop.ns.svc:80`` → ``shop``)."""
    host = urlsplit(url).hostname or ""
    if not host or re.fullmatch(r"[0-9.]+|\[?[0-9a-fA-F:]+\]?", host) or host == "localhost":
        return "app"
    return application_name(host.split(".")[0])


def emit(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (indented on a terminal, one line in a pod's log)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(payload, indent=indent, default=str) + "\n")
    sys.stdout.flush()


def _parse_evidence(text: str) -> tuple[AnalyzerResult, ...]:
    data = json.loads(text)
    items = data.get("results", []) if isinstance(data, dict) else data
    return tuple(AnalyzerResult.model_validate(item) for item in items)


def record_in_ledger(url: str, spec: AgentSpec, *, run_id: str, application: str, ref: str, source: str,
                     submitted_by: str, verdict: Verdict, results: Sequence[AnalyzerResult]) -> int:
    """Record the submission and the gate's evaluation (criteria, findings, raw results); return its id."""
    from golive.ledger import Ledger, RecordKey

    ledger = Ledger.from_url(url)
    ledger.record_submission(run_id=run_id, application=application, ref=ref, source=source,
                             submitted_by=submitted_by)
    findings = [f for r in results for f in r.findings]
    return ledger.record_evaluation(RecordKey(run_id, spec.task_id, 1), application=application, ref=ref,
                                    verdict=verdict, findings=findings,
                                    inputs=[r.model_dump(mode="json") for r in results])


def gate_results(spec: AgentSpec, ctx: Context) -> list[AnalyzerResult]:
    """Run all of the agent's analyzers: the independent ones in parallel, then the ``late`` ones."""
    first = [t for t in spec.registry if t not in spec.late]
    results = run_analyzers(spec.registry, ctx, first, max_workers=spec.max_workers)
    if spec.late:
        late_ctx = replace(ctx, evidence=tuple(results))
        results += run_analyzers(spec.registry, late_ctx, spec.late, max_workers=spec.max_workers)
    return results


def main(spec: AgentSpec, argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m golive.agents.<agent>``; returns the exit code."""
    parser = build_parser(spec)
    args = parser.parse_args(argv)
    url: str | None = getattr(args, "url", None)
    options = {name: getattr(args, name) for name in getattr(args, "_agent_options", [])}
    if args.source is not None and not is_git_source(args.source):
        path = Path(args.source)
        if not path.exists():
            parser.error(f"--source {args.source}: no such file or directory")
        if not path.is_dir():
            parser.error(f"--source {args.source}: not a directory (give the root of the source tree)")
    evidence = None
    if getattr(args, "evidence", None) is not None:
        try:
            evidence = _parse_evidence(args.evidence.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            parser.error(f"--evidence {args.evidence}: cannot read analyzer results: {exc}")
    elif args.action == "analyze" and (raw_evidence := get_settings().evidence):
        try:
            evidence = _parse_evidence(raw_evidence)
        except ValueError as exc:
            parser.error(f"${EVIDENCE_ENV}: cannot read analyzer results: {exc}")
    ledger_url = getattr(args, "ledger_url", None) or get_settings().ledger_url

    with tempfile.TemporaryDirectory(prefix=f"golive-{spec.name}-") as tmp:
        tree: Path | None = None
        if args.source is not None:
            try:
                tree = checkout(args.source, args.ref, Path(tmp))
            except SourceError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_SOURCE
        ctx = Context(agent=spec.name, source=tree, timeout=args.timeout, evidence=evidence, url=url,
                      expected_version=getattr(args, "expected_version", None), options=options)
        if args.action == "analyze":
            result = guarded(args.tool, spec.registry[args.tool], ctx)
            payload = result.model_dump(mode="json")
            emit(payload)
            runtime.write_xcom(payload, AnalyzerResult)
            return EXIT_PASS

        results = gate_results(spec, ctx)
        verdict = spec.score(results, args.threshold)
        if getattr(args, "sarif", None) is not None and spec.sarif is not None:
            args.sarif.parent.mkdir(parents=True, exist_ok=True)
            # a clone's temp dir means nothing later
            root = None if tree is None or is_git_source(args.source) else str(tree)
            args.sarif.write_text(json.dumps(spec.sarif(results, root), indent=2), encoding="utf-8")
    payload = {"verdict": verdict.model_dump(mode="json"), "results": [r.model_dump(mode="json") for r in results]}
    emit(payload)
    code = VERDICT_EXIT[verdict.status]
    evaluation_id = None
    if ledger_url:
        if url is not None:
            named_by, ref = url, getattr(args, "expected_version", None) or args.ref
            application = args.application or application_from_url(url)
        else:
            named_by = args.source if is_git_source(args.source) else str(Path(args.source).resolve())
            ref = args.ref
            application = args.application or application_name(named_by)
        try:
            evaluation_id = record_in_ledger(
                ledger_url, spec, run_id=args.run_id or f"cli-{uuid.uuid4()}", application=application,
                ref=ref, source=redact(named_by), submitted_by=args.submitted_by, verdict=verdict,
                results=results)
        except Exception as exc:  # any database failure: say so, keep the verdict printed
            print(f"error: the verdict could not be recorded in the ledger: {type(exc).__name__}: "
                  f"{redact(str(exc))}", file=sys.stderr)
            code = EXIT_LEDGER
    runtime.write_xcom({"verdict": payload["verdict"], "evaluation_id": evaluation_id}, GateOutcome)
    print(f"{spec.name} gate: {verdict.status.value} (score {verdict.score:g}, threshold {verdict.threshold:g})"
          + (f", ledger evaluation {evaluation_id}" if evaluation_id is not None else ""), file=sys.stderr)
    return code
