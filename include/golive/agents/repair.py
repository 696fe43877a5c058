"""The Repair agent (plan 002 phases 2–3, without an LLM): the ``golive_repair`` DAG's pods::

    python -m golive.agents.repair diagnose --application APP --source PATH|GIT-URL --run-id RUN
        [--ref REF] [--store URL] [--gates quality,security] [--analyzers ruff,bandit] [--timeout S]
    python -m golive.agents.repair repair   (the same options) [--snapshot DIR] [--no-branch]

``diagnose`` runs the quality and security gates' analyzers on the source (``--analyzers`` narrows
them), classifies every finding by :mod:`golive.repair.taxonomy` (category; auto or manual) and writes
``<app>/repair/<run>/diagnosis.json`` to the documentation store. ``repair`` reads that diagnosis, runs
the auto fixers (:mod:`golive.repair.fixes`: ``ruff --fix`` safe fixes, ``eslint --fix``, dependency bumps)
on a copy of the same commit, re-scores the copy with the same analyzers and gates
(:mod:`golive.repair.rescore`), writes the unified diff as ``repair.patch`` and, when the source is a local
git repository clean at ``HEAD``, commits it on the branch ``golive/repair-<run>`` of that repository
without touching its work tree (:mod:`golive.repair.patch`). The resolution (fixed / fixable / all
findings, the rates) is in ``repair.json``, which the DAG's ``record`` task writes to the ledger.

Each action prints its result as JSON and writes it as the pod's XCom. Exit codes: 0 done (a repair
that fixed nothing is a result), 1 a store error or a branch that could not be made (the patch is still
written), 2 bad input, 4 the source could not be fetched, 6 the source moved since the diagnosis.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive.cli import args as cli_args
from golive.cli.output import ExitCode, emit
from golive.docs.store import ArtifactStore, StoreError
from golive.repair.layout import DIAGNOSIS, PATCH, REPAIR, repair_rel
from golive.runtime import write_xcom

GATES = ("quality", "security")


def _write(store: ArtifactStore, args: argparse.Namespace, name: str, text: str) -> str:
    return store.write_text(repair_rel(args.application, args.run_id, name), text)


def _kind(tree: Path) -> str:
    from golive.analyzers.base import Context
    from golive.tools import ToolError

    try:
        return str(Context(agent="repair", source=tree).profile.profile.kind)
    except ToolError:
        return "service"


def do_diagnose(args: argparse.Namespace, store: ArtifactStore) -> dict[str, Any]:
    """Diagnose the source at ``--ref``; the diagnosis (also written to the store)."""
    from golive.repair.rescore import diagnose
    from golive.sources import pin, redact

    with tempfile.TemporaryDirectory(prefix="golive-repair-") as tmp:
        tree, commit = pin(args.source, args.ref, Path(tmp) / "source")
        found = diagnose(tree, args.gates, args.analyzers, timeout=args.timeout)
    result = {"agent": "repair", "action": "diagnose", "application": args.application, "run": args.run_id,
              "source": redact(args.source), "ref": args.ref, "commit": commit, "gates": args.gates,
              "analyzers": args.analyzers, **found.as_dict()}
    result["url"] = _write(store, args, DIAGNOSIS, json.dumps(result, indent=1, sort_keys=True, default=str))
    return result


def _branch(args: argparse.Namespace, tree: Path, patch: str) -> dict[str, Any]:
    from golive.models import is_git_source
    from golive.repair.patch import branch_name, commit_branch, repository_head

    if args.no_branch or not patch:
        return {"branch": None, "branch_note": "no patch" if not patch else "--no-branch"}
    if is_git_source(args.source):
        return {"branch": None, "branch_note": "the source is a remote git URL: the patch is the delivery"}
    head = repository_head(tree)
    if head is None:
        return {"branch": None,
                "branch_note": "the source is not the top of a git repository clean at HEAD: patch only"}
    branch = branch_name(args.run_id)
    commit = commit_branch(tree, head, patch, branch,
                           f"golive repair {args.run_id}: tool-based fixes (ruff --fix, eslint --fix, bumps)")
    return {"branch": branch, "branch_commit": commit, "branch_base": head}


def do_repair(args: argparse.Namespace, store: ArtifactStore) -> tuple[int, dict[str, Any]]:
    """Repair a copy per the run's diagnosis, re-score it, deliver the patch (and branch); (exit, result)."""
    from golive.feedback.layout import read_json
    from golive.repair.fixes import repair_copy
    from golive.repair.patch import BranchError, changed_files, unified_diff
    from golive.repair.rescore import diagnose, diagnosis_from_dict, resolution
    from golive.sources import checkout

    doc = read_json(store.url(repair_rel(args.application, args.run_id, DIAGNOSIS)))
    before = diagnosis_from_dict(doc)
    gates, analyzers = list(doc.get("gates") or args.gates), doc.get("analyzers")
    code = ExitCode.OK
    with tempfile.TemporaryDirectory(prefix="golive-repair-") as tmp:
        tree = checkout(args.source, args.ref, Path(tmp) / "source", commit=doc.get("commit") or None)
        copy, runs = repair_copy(tree, Path(tmp) / "work", before.issues, kind=_kind(tree), snapshot=args.snapshot)
        patch = unified_diff(tree, copy)
        after = diagnose(copy, gates, analyzers, timeout=args.timeout)
        try:
            delivery = _branch(args, tree, patch)
        except BranchError as exc:
            delivery, code = {"branch": None, "branch_note": str(exc)[:1000]}, ExitCode.FAIL
    result: dict[str, Any] = {
        "agent": "repair", "action": "repair", "application": args.application, "run": args.run_id,
        "commit": doc.get("commit"), "fixers": [r.as_dict() for r in runs], "files": changed_files(patch),
        "categories": doc.get("categories") or {}, "before": before.summary(), "after": after.summary(),
        "verdicts_before": before.verdicts, "verdicts_after": after.verdicts,
        "errors_after": after.errors, **resolution(before, after), **delivery,
        "patch": _write(store, args, PATCH, patch) if patch else None,
    }
    result["url"] = _write(store, args, REPAIR, json.dumps(result, indent=1, sort_keys=True, default=str))
    return code, result


def build_parser() -> argparse.ArgumentParser:
    """The agent's argument parser (``diagnose`` and ``repair``)."""
    from golive.repair.rescore import analyzer_names

    parser = argparse.ArgumentParser(prog="python -m golive.agents.repair", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    for name, what in (("diagnose", "classify the gates' findings of the source (the issue taxonomy)"),
                       ("repair", "apply the safe tool fixes to a copy, re-score it, write the patch (and branch)")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--application", required=True, type=cli_args.application, help="the application's name")
        p.add_argument("--source", required=True, type=cli_args.source, help="local path or git URL of the source")
        p.add_argument("--ref", default="HEAD", type=cli_args.ref, help="branch, tag or commit (default HEAD)")
        p.add_argument("--run-id", required=True, type=cli_args.run_id, help="the Airflow run id")
        p.add_argument("--store", type=cli_args.store_url, default=None,
                       help="documentation store base URL (default GOLIVE_DOCS_STORE_URL)")
        p.add_argument("--gates", type=cli_args.name_list(GATES, "gates"), default=list(GATES),
                       help="gates whose analyzers diagnose and re-score (default quality,security)")
        p.add_argument("--analyzers", type=cli_args.name_list(analyzer_names(GATES), "analyzers"), default=None,
                       help="only these of the gates' analyzers (default all)")
        p.add_argument("--timeout", type=cli_args.number("timeout", 0, above=True), default=None,
                       help="seconds each analyzer's tool may run")
        if name == "repair":
            p.add_argument("--snapshot", type=Path, default=None,
                           help="advisory snapshot for the dependency bumps (default: the one the security gate reads)")
            p.add_argument("--no-branch", action="store_true",
                           help="only the patch, no golive/repair-<run> branch in a local repository")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    from golive.settings import get_settings
    from golive.sources import SourceError, SourceMoved

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.action == "repair" and args.snapshot is not None and not (args.snapshot / "snapshot.json").is_file():
        parser.error(f"--snapshot {args.snapshot}: no snapshot.json in it")
    if args.analyzers is not None:
        from golive.repair.rescore import analyzer_names

        stray = [a for a in args.analyzers if a not in analyzer_names(args.gates)]
        if stray:
            parser.error(f"--analyzers {','.join(stray)}: not an analyzer of the gates {','.join(args.gates)}")
    store = ArtifactStore(args.store or get_settings().docs_store)
    code: int = ExitCode.OK
    try:
        if args.action == "diagnose":
            result = do_diagnose(args, store)
        else:
            code, result = do_repair(args, store)
    except SourceMoved as exc:
        print(f"repair {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.MOVED
    except SourceError as exc:
        print(f"repair {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.SOURCE
    except StoreError as exc:
        print(f"repair {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.FAIL
    emit(result)
    write_xcom(result)
    return code


if __name__ == "__main__":
    sys.exit(main())
