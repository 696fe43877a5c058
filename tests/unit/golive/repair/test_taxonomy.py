"""The issue taxonomy: one table maps every analyzer's rule ids to a category and a fixability."""

from __future__ import annotations

import pytest

from golive.models import Finding
from golive.repair.taxonomy import AUTO, CATEGORIES, MANUAL, RUFF_SAFE_FIXES, TAXONOMY, category_counts, classify


def finding(tool: str, rule: str, path: str | None = "app/x.py", message: str = "m") -> Finding:
    return Finding(tool=tool, rule_id=rule, message=message, path=path)


@pytest.mark.parametrize(("tool", "rule", "category", "fixer"), [
    ("ruff", "F401", "style", "ruff"),
    ("ruff", "F632", "correctness", "ruff"),
    ("ruff", "F841", "correctness", None),  # ruff's fix for an unused variable is unsafe
    ("ruff", "E711", "style", None),
    ("ruff", "syntax-error", "correctness", None),
    ("ruff", "E999", "correctness", None),
    ("eslint", "no-extra-boolean-cast", "style", "eslint"),
    ("eslint", "no-unused-vars", "correctness", None),
    ("eslint", "missing-jsdoc", "docs", None),
    ("eslint", "cyclomatic-complexity", "complexity", None),
    ("radon", "cyclomatic-complexity", "complexity", None),
    ("interrogate", "missing-docstring", "docs", None),
    ("typehints", "missing-annotations", "docs", None),
    ("coverage", "test-failure", "tests", None),
    ("bandit", "B105:hardcoded_password_string", "security", None),
    ("semgrep", "golive.js.eval", "security", None),
    ("secrets", "secret-keyword", "security", None),
    ("dependencies", "unpinned-requirement", "dependency", None),
])
def test_rule_ids_map_to_their_category_and_fixer(tool, rule, category, fixer):
    issue = classify(finding(tool, rule))
    assert (issue.category, issue.fixer, issue.mapped) == (category, fixer, True)
    assert issue.fixability == (AUTO if fixer else MANUAL)


def test_a_dependency_bump_is_auto_only_for_a_patchable_pin_with_a_fixed_version():
    fixed = "requests 2.19.0 is affected by GHSA-x (HIGH): s; fixed in 2.20.0 [PyPI, direct]"
    assert classify(finding("dependencies", "GHSA-x", "requirements.txt", fixed)).fixer == "bump"
    assert classify(finding("dependencies", "GHSA-x", "web/package.json", fixed)).fixer == "bump"
    assert classify(finding("dependencies", "GHSA-x", "uv.lock", fixed)).fixability == MANUAL  # relock
    unfixed = "x 1.0 is affected by GHSA-y (HIGH): s; no fixed version known [PyPI, direct]"
    assert classify(finding("dependencies", "GHSA-y", "requirements.txt", unfixed)).fixability == MANUAL


def test_an_unknown_rule_is_filed_manual_and_flagged_unmapped():
    issue = classify(finding("newtool", "R1"))
    assert (issue.category, issue.fixability, issue.mapped) == ("correctness", MANUAL, False)


def test_every_category_is_reachable_and_counted():
    assert {row.category for row in TAXONOMY} == set(CATEGORIES)
    counts = category_counts([classify(finding("ruff", "F401")), classify(finding("bandit", "B101:assert_used"))])
    assert counts == {**dict.fromkeys(CATEGORIES, 0), "style": 1, "security": 1}


def test_the_auto_ruff_rules_are_exactly_those_ruff_marks_safe(tmp_path):
    """Ruff itself, on code that triggers each listed rule: every safe fix it offers is auto, and each auto
    rule it reports has a safe fix."""
    import json

    from golive.analyzers.code.lint import RUFF_SELECT
    from golive.tools import run_tool, tool_command

    (tmp_path / "m.py").write_text(
        "import os, sys\nimport os\nx = f'a'\nif x is 1:\n    pass\nsetattr(x, 'a', 1)\ngetattr(x, 'upper')\n"
        "try:\n    pass\nexcept (ValueError,):\n    pass\ntry:\n    pass\nexcept (ValueError, ValueError):\n    pass\n"
        "s = {1, 1};\ndef g():\n    raise NotImplemented\ny = lambda: 1\nif x == None:\n    pass\n")
    run = run_tool([*tool_command("ruff"), "check", "--isolated", "--no-cache", "--exit-zero", "--select", RUFF_SELECT,
                    "--output-format", "json", "m.py"], cwd=tmp_path, timeout=60)
    items = json.loads(run.stdout)
    safe = {i["code"] for i in items if (i.get("fix") or {}).get("applicability") == "safe"}
    reported = {i["code"] for i in items}
    assert safe == reported & set(RUFF_SAFE_FIXES)
    assert {i["code"] for i in items if classify(finding("ruff", i["code"])).fixer == "ruff"} == safe
    assert reported - safe  # the sample also has rules without a safe fix (E711, E731): manual
