"""The gate agents' CLI: ``analyze`` (one analyzer, one pod) and the gate action (all of them, scored).

Each gate agent module (``quality``, ``security``, ``verification``, ``testing``) declares an
``AgentSpec`` — its gate (:mod:`golive.gates`: criteria, producers, late analyzers), its analyzer
functions (:mod:`golive.analyzers`) and its own options — and hands it to ``main``. ``analyze`` runs one
analyzer and prints its result; the gate action (``verify`` / ``scan`` / ``run``) runs them all, scores
them with the gate's spec and optionally records the verdict in the ledger; JSON on stdout and the XCom
return value in a pod (:mod:`golive.cli.output`).

Targets. An agent checks either a **source tree** (``AgentSpec(target="source")``, the default:
``--source PATH|GIT-URL`` required, ``ctx.source`` is the checked-out tree) or a **deployed
application** (``AgentSpec(target="url")``: the testing and verification agents). A url agent's
actions take::

    --url URL                  required; http:// or https:// with a host, no user:password@, no
                               fragment; trailing '/' removed -> ctx.url
    --source PATH|GIT-URL      optional: the application's tree (for its test suites, a schemathesis
                               config, a locustfile...) -> ctx.source (None without it)
    --ref REF                  as for source agents (only used with --source)
    --commit SHA|tree:HASH     as for source agents: the tree must be at the commit the run's plan pinned
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
could not record the verdict (the verdict is still printed), 6 when ``--commit`` is given and the source
is no longer at it (nothing was measured).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from golive import runtime
from golive.analyzers.base import Analyzer, Context, guarded, run_analyzers
from golive.cli import args as cli_args
from golive.cli.output import VERDICT_EXIT, ExitCode, emit
from golive.gates.spec import DEFAULT_THRESHOLD, GateSpec
from golive.models import DNS1123_LABEL, AnalyzerResult, Verdict, is_git_source
from golive.results import GateOutcome
from golive.settings import EVIDENCE_ENV, get_settings
from golive.sources import SourceError, SourceMoved, checkout, redact
from golive.tools import ToolError
from golive.waivers import WaiverLike


@dataclass(frozen=True)
class AgentSpec:
    """Everything that makes one gate agent's CLI: its gate, its analyzer functions and gate action.

    :param gate: the gate's declarative spec (criteria, producers, late analyzers, score).
    :param registry: analyzer name → analyzer function (the gate's analyzers, in its order).
    :param gate_action: the CLI action that runs the whole gate (``verify`` / ``scan`` / ``run``).
    :param sarif: (results, source root or None) → SARIF document, when the agent offers ``--sarif``.
    :param target: ``source`` (``--source`` required) or ``url`` (``--url`` required, ``--source``
        optional, ``--expected-version``); see the module docstring.
    :param add_arguments: adds the agent's own options to ``analyze`` and the gate action; their
        values reach the analyzers as ``Context.options``.
    :param max_workers: how many analyzers the gate action runs at once (None: all in parallel; 1:
        one after the other, in registry order, e.g. so a load test does not share the target with a
        fuzzer).
    """

    gate: GateSpec
    registry: Mapping[str, Analyzer]
    gate_action: str
    sarif: Callable[[list[AnalyzerResult], str | None], dict[str, Any]] | None = None
    description: str = ""
    target: Literal["source", "url"] = "source"
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    max_workers: int | None = None

    def __post_init__(self) -> None:
        if tuple(self.registry) != self.gate.analyzers:
            raise ValueError(f"the {self.gate.name} agent's analyzers {tuple(self.registry)} are not its "
                             f"gate's {self.gate.analyzers}")

    @property
    def name(self) -> str:
        """The agent's (and its gate's) name."""
        return self.gate.name

    @property
    def late(self) -> tuple[str, ...]:
        """Analyzers that run after the others, with their results as evidence."""
        return self.gate.late

    @property
    def task_id(self) -> str:
        """The ledger task id of a CLI gate run (``cli.quality.verify``)."""
        return f"cli.{self.name}.{self.gate_action}"


def build_parser(spec: AgentSpec) -> argparse.ArgumentParser:
    """The agent's argument parser: ``analyze`` and the gate action."""
    prog = f"python -m golive.agents.{spec.name}"
    parser = argparse.ArgumentParser(prog=prog, description=spec.description,
                     epilog="exit codes: analyze 0 (result printed, tool errors inside it); "
                            f"{spec.gate_action} 0 PASS, 1 FAIL, 3 WARNING; 2 bad input, "
                            "4 source not fetched, 5 ledger not written, 6 source moved since the plan (--commit)")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        if spec.target == "url":
            p.add_argument("--url", required=True, type=cli_args.target_url,
                           help="base URL of the deployed application (http:// or https://)")
            p.add_argument("--source", default=None, type=cli_args.source,
                           help="optional: the application's source tree (path or git URL) for analyzers "
                                "that need its test suites or configuration")
            p.add_argument("--expected-version", default=None, type=cli_args.version,
                           help="the version the deployed application should report")
        else:
            p.add_argument("--source", required=True, type=cli_args.source,
                           help="local path of the source tree, or a git URL (https://, ssh://, file://, git@)")
        p.add_argument("--ref", default="HEAD", type=cli_args.ref,
                       help="branch, tag or commit to check out for a git source (default HEAD)")
        cli_args.add_commit_argument(p)
        p.add_argument("--timeout", type=cli_args.number("timeout", 0, above=True), default=None,
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
    gate.add_argument("--application", default=None, type=cli_args.application,
                      help="application name (DNS-1123 label; default: derived from the "
                           + ("URL's host)" if spec.target == "url" else "source)"))
    gate.add_argument("--threshold", type=cli_args.number("threshold", 0, 100), default=DEFAULT_THRESHOLD,
                      help="acceptance threshold 0-100 (85)")
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

def _parse_evidence(text: str) -> tuple[AnalyzerResult, ...]:
    data = json.loads(text)
    items = data.get("results", []) if isinstance(data, dict) else data
    return tuple(AnalyzerResult.model_validate(item) for item in items)

def record_in_ledger(url: str, spec: AgentSpec, *, run_id: str, application: str, ref: str, source: str,
                     submitted_by: str, verdict: Verdict, results: Sequence[AnalyzerResult],
                     commit: str | None = None) -> int:
    """Record the submission and the gate's evaluation (criteria, findings, raw results); return its id."""
    from golive.ledger import Ledger, RecordKey

    ledger = Ledger.from_url(url)
    ledger.record_submission(run_id=run_id, application=application, ref=ref, source=source,
                             submitted_by=submitted_by)
    findings = [f for r in results for f in r.findings]
    return ledger.record_evaluation(RecordKey(run_id, spec.task_id, 1), application=application, ref=ref,
                                    verdict=verdict, findings=findings,
                                    inputs=[r.model_dump(mode="json") for r in results], commit=commit)

def gate_results(spec: AgentSpec, ctx: Context) -> list[AnalyzerResult]:
    """Run all of the agent's analyzers: the independent ones in parallel, then the ``late`` ones."""
    first = [t for t in spec.registry if t not in spec.late]
    results = run_analyzers(spec.registry, ctx, first, max_workers=spec.max_workers)
    if spec.late:
        late_ctx = replace(ctx, evidence=tuple(results))
        results += run_analyzers(spec.registry, late_ctx, spec.late, max_workers=spec.max_workers)
    return results

def profile_waivers(ctx: Context) -> Sequence[WaiverLike]:
    """The waivers of the application's profile (``golive.yaml`` or ``GOLIVE_PROFILE``); none without
    a source tree. An invalid profile waives nothing (said on stderr; its analyzers report it)."""
    if ctx.source is None:
        return ()
    try:
        return ctx.profile.profile.waivers
    except ToolError as exc:
        print(f"warning: no waivers applied: {exc}", file=sys.stderr)
        return ()

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
                tree = checkout(args.source, args.ref, Path(tmp), commit=args.commit or None)
            except SourceError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return ExitCode.MOVED if isinstance(exc, SourceMoved) else ExitCode.SOURCE
        ctx = Context(agent=spec.name, source=tree, timeout=args.timeout, evidence=evidence, url=url,
                      expected_version=getattr(args, "expected_version", None), options=options)
        if args.action == "analyze":
            result = guarded(args.tool, spec.registry[args.tool], ctx)
            payload = result.model_dump(mode="json")
            emit(payload)
            runtime.write_xcom(payload, AnalyzerResult)
            return ExitCode.OK

        results = gate_results(spec, ctx)
        verdict = spec.gate.score(results, args.threshold, waivers=profile_waivers(ctx), on=date.today())
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
                results=results, commit=args.commit or None)
        except Exception as exc:  # any database failure: say so, keep the verdict printed
            print(f"error: the verdict could not be recorded in the ledger: {type(exc).__name__}: "
                  f"{redact(str(exc))}", file=sys.stderr)
            code = ExitCode.LEDGER
    runtime.write_xcom({"verdict": payload["verdict"], "evaluation_id": evaluation_id}, GateOutcome)
    print(f"{spec.name} gate: {verdict.status.value} (score {verdict.score:g}, threshold {verdict.threshold:g})"
          + (f", ledger evaluation {evaluation_id}" if evaluation_id is not None else ""), file=sys.stderr)
    return code
