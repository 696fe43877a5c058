"""The safe, tool-based fixes, each run by the real tool on a COPY of the tree (never the original).

* ``ruff`` — ``ruff check --fix`` with the gate's options (``--isolated``, its rule set) and ``--fixable``
  the auto rules the diagnosis found, on the files it found them in; ruff applies only fixes it marks
  *safe* (no ``--unsafe-fixes``).
* ``eslint`` — golive's lint configuration with ``--fix`` on the files with auto eslint issues.
* ``bump`` — the dependency pins rescanned against the advisory snapshot the security gate reads (the
  shipped one; ``snapshot`` overrides it) and bumped to the first fixed
  version by the maintenance agent's code (:func:`golive.maintenance.updates.propose`), written to the copy.

:func:`repair_copy` makes the copy (:func:`golive.targetenv.workcopy.work_copy`) and runs the fixers the
issues need; each fixer's outcome (files it was given, what it said, or the error that stopped it) is
kept, a failing fixer never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.analyzers.code.eslint import LINT_CONFIG, eslint_argv
from golive.analyzers.code.lint import RUFF_IMMUTABLE_CALLS, RUFF_SELECT
from golive.repair.taxonomy import Fixer, Issue
from golive.settings import get_settings
from golive.targetenv.workcopy import work_copy
from golive.tools import ToolError, run_tool, tail, tool_command

FIX_TIMEOUT = 120.0
FIXERS: tuple[Fixer, ...] = ("ruff", "eslint", "bump")


@dataclass
class FixRun:
    """What one fixer did on the copy."""

    fixer: Fixer
    files: list[str]
    rules: list[str]
    output: str = ""
    error: str | None = None
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"fixer": self.fixer, "files": self.files, "rules": self.rules, "output": self.output,
                "error": self.error, "changed": self.changed}


def _targets(issues: Iterable[Issue], fixer: Fixer) -> tuple[list[str], list[str]]:
    """The files and rule ids of the auto issues of ``fixer``."""
    chosen = [i for i in issues if i.fixer == fixer]
    return (sorted({i.finding.path for i in chosen if i.finding.path}),
            sorted({i.finding.rule_id for i in chosen}))


def ruff_fix(copy: Path, files: Sequence[str], rules: Sequence[str], timeout: float = FIX_TIMEOUT) -> str:
    """``ruff check --fix`` (safe fixes of ``rules`` only) over ``files`` of ``copy``; ruff's summary."""
    select = get_settings().ruff_select or RUFF_SELECT
    argv = [*tool_command("ruff"), "check", "--isolated", "--no-cache", "--exit-zero", "--select", select,
            "--fixable", ",".join(rules), "--fix", "--output-format", "concise",
            "--config", f"lint.flake8-bugbear.extend-immutable-calls = {RUFF_IMMUTABLE_CALLS!r}", "--", *files]
    return tail(run_tool(argv, cwd=copy, timeout=timeout).stdout, 1000)


def eslint_fix(copy: Path, files: Sequence[str], timeout: float = FIX_TIMEOUT) -> str:
    """golive's eslint lint configuration with ``--fix`` over ``files`` of ``copy``; what it reported."""
    argv = eslint_argv(LINT_CONFIG, list(files))
    argv.insert(argv.index("--format"), "--fix")
    return tail(run_tool(argv, cwd=copy, timeout=timeout, ok_codes=(0, 1)).stdout, 1000)


def bump_fix(copy: Path, kind: str = "service", snapshot: Path | None = None) -> tuple[str, list[str]]:
    """Rescan ``copy``'s pins and write the maintenance proposal's bumps into it; (notes, changed files)."""
    from golive.analyzers.security.advisories import OSV_DIR
    from golive.maintenance.rescan import rescan
    from golive.maintenance.updates import propose

    found = rescan(copy, kind=kind, snapshot_dir=snapshot or OSV_DIR)
    proposal = propose(copy, found["advisories"])
    for path, text in proposal.changed.items():
        (copy / path).write_text(text, encoding="utf-8")
    bumped = [f"{b.package} {b.current} -> {b.target} ({b.path})" for b in proposal.bumps if b.how == "patch"]
    return "; ".join(bumped + proposal.notes)[:1000], sorted(proposal.changed)


def run_fixers(copy: Path, issues: Sequence[Issue], *, kind: str = "service", snapshot: Path | None = None,
               timeout: float = FIX_TIMEOUT) -> list[FixRun]:
    """Run on ``copy`` each fixer that ``issues`` name (ruff, eslint, bump — in that order)."""
    runs: list[FixRun] = []
    for fixer in FIXERS:
        files, rules = _targets(issues, fixer)
        if not rules:
            continue
        run = FixRun(fixer=fixer, files=files, rules=rules)
        was = {f: (copy / f).read_bytes() for f in files if (copy / f).is_file()}
        try:
            if fixer == "bump":
                run.output, run.changed = bump_fix(copy, kind, snapshot)
            else:
                run.output = (ruff_fix(copy, files, rules, timeout) if fixer == "ruff"
                              else eslint_fix(copy, files, timeout))
                run.changed = [f for f, data in was.items() if (copy / f).read_bytes() != data]
        except ToolError as exc:
            run.error = str(exc)[:1000]
        runs.append(run)
    return runs


def repair_copy(tree: Path, into: Path, issues: Sequence[Issue], *, kind: str = "service",
                snapshot: Path | None = None, timeout: float = FIX_TIMEOUT) -> tuple[Path, list[FixRun]]:
    """A copy of ``tree`` under ``into`` with the auto fixes of ``issues`` applied, and what each fixer did."""
    copy = work_copy(tree, into)
    return copy, run_fixers(copy, issues, kind=kind, snapshot=snapshot, timeout=timeout)
