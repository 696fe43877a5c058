"""The issue taxonomy: every analyzer finding mapped to a category and a fixability, by one table.

:data:`TAXONOMY` is read top to bottom; the first row whose ``tool`` and ``rule`` (a regular expression
matched against the whole rule id) fit a finding decides its category and its fixer. A row with a
``fixer`` marks the finding **auto**-fixable by that tool (:mod:`golive.repair.fixes`): ruff's *safe*
fixes (the rules below whose fix ruff marks ``safe``; ``ruff --fix`` is told ``--fixable`` exactly these),
``eslint --fix`` for the ``@eslint/js`` recommended rules that carry a fix, and a dependency bump to the
first fixed version for an advisory on a requirements pin or an exact ``package.json`` version
(:mod:`golive.maintenance.updates`; a lockfile pin or an advisory without a fixed version stays manual).
Everything else is **manual**. A finding no row fits is ``correctness``/manual with ``mapped`` false, so
a new analyzer's rules show up in the diagnosis instead of being silently filed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Literal

from golive.maintenance.updates import REQUIREMENT_SUFFIXES
from golive.models import Finding

Category = Literal["style", "correctness", "security", "dependency", "complexity", "docs", "tests"]
Fixer = Literal["ruff", "eslint", "bump"]
CATEGORIES: tuple[Category, ...] = ("style", "correctness", "security", "dependency", "complexity", "docs", "tests")
AUTO, MANUAL = "auto", "manual"


@dataclass(frozen=True)
class Row:
    """One line of the taxonomy: findings of ``tool`` whose rule id fully matches ``rule``."""

    tool: str
    rule: str
    category: Category
    fixer: Fixer | None = None


#: Ruff rules of the gate's set (``E4,E7,E9,F,B``) whose fix ruff marks safe: unused or redefined
#: imports, placeholder-less f-strings, one import per line, a stray ``;`` (style); ``is`` with a
#: literal, ``raise NotImplemented``, constant ``getattr``/``setattr``, redundant exception tuples,
#: duplicate set items (correctness).
RUFF_SAFE_STYLE: tuple[str, ...] = ("E401", "E703", "F401", "F541", "F811")
RUFF_SAFE_CORRECTNESS: tuple[str, ...] = ("F632", "F901", "B009", "B010", "B013", "B014", "B033")
RUFF_SAFE_FIXES: tuple[str, ...] = RUFF_SAFE_STYLE + RUFF_SAFE_CORRECTNESS
#: ``@eslint/js`` recommended rules whose ``eslint --fix`` fix is applied (not a mere suggestion).
ESLINT_FIXES: tuple[str, ...] = ("no-extra-boolean-cast", "no-regex-spaces", "no-unused-labels")

TAXONOMY: tuple[Row, ...] = (
    Row("ruff", "|".join(RUFF_SAFE_STYLE), "style", "ruff"),
    Row("ruff", "|".join(RUFF_SAFE_CORRECTNESS), "correctness", "ruff"),
    Row("ruff", r"syntax-error|E9\d\d", "correctness"),
    Row("ruff", r"E[47]\d\d", "style"),
    Row("ruff", r"[FB]\d+", "correctness"),
    Row("eslint", "|".join(ESLINT_FIXES), "style", "eslint"),
    Row("eslint", "missing-jsdoc|missing-annotations", "docs"),
    Row("eslint", "cyclomatic-complexity", "complexity"),
    Row("eslint", r".+", "correctness"),
    Row("radon", "cyclomatic-complexity", "complexity"),
    Row("radon", r".+", "correctness"),
    Row("interrogate", r".+", "docs"),
    Row("typehints", r".+", "docs"),
    Row("coverage", r".+", "tests"),
    Row("bandit", r".+", "security"),
    Row("semgrep", r".+", "security"),
    Row("secrets", r".+", "security"),
    Row("hardening", r".+", "security"),
    Row("checklist", r".+", "security"),
    Row("dependencies", "unpinned-requirement", "dependency"),
    Row("dependencies", r".+", "dependency", "bump"),
)


@dataclass(frozen=True)
class Issue:
    """One finding, classified: its category, ``auto`` or ``manual``, and the fixer of an auto one."""

    finding: Finding
    category: Category
    fixability: str
    fixer: Fixer | None
    mapped: bool

    @property
    def key(self) -> tuple[str, str, str]:
        """What a re-score recounts the finding by (its line may move when a fix removes lines above it)."""
        return (self.finding.tool, self.finding.rule_id, self.finding.path or "")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields (the finding's own and the classification)."""
        return {"tool": self.finding.tool, "rule_id": self.finding.rule_id, "severity": self.finding.severity.value,
                "path": self.finding.path, "line": self.finding.line, "message": self.finding.message,
                "fingerprint": self.finding.fingerprint, "category": self.category,
                "fixability": self.fixability, "fixer": self.fixer, "mapped": self.mapped}


@cache
def _pattern(rule: str) -> re.Pattern[str]:
    return re.compile(rule)


def _bump_applies(finding: Finding) -> bool:
    """A dependency bump can patch the pin: a requirements file or ``package.json``, a fixed version known."""
    name = PurePosixPath(finding.path or "").name
    patchable = name.endswith(REQUIREMENT_SUFFIXES) or name == "package.json"
    return patchable and "no fixed version known" not in finding.message


def classify(finding: Finding) -> Issue:
    """The finding's category and fixability (the first :data:`TAXONOMY` row that fits)."""
    for row in TAXONOMY:
        if row.tool == finding.tool and _pattern(row.rule).fullmatch(finding.rule_id):
            fixer = row.fixer if row.fixer != "bump" or _bump_applies(finding) else None
            return Issue(finding=finding, category=row.category, fixability=AUTO if fixer else MANUAL,
                         fixer=fixer, mapped=True)
    return Issue(finding=finding, category="correctness", fixability=MANUAL, fixer=None, mapped=False)


def classify_all(findings: Iterable[Finding]) -> list[Issue]:
    """Every finding classified, in the order given."""
    return [classify(f) for f in findings]


def category_counts(issues: Iterable[Issue]) -> dict[str, int]:
    """Issues per category (every category present, zero when none)."""
    counts = Counter(i.category for i in issues)
    return {c: counts.get(c, 0) for c in CATEGORIES}
