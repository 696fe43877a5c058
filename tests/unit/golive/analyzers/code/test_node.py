"""The code analyzers on small JavaScript/TypeScript trees whose numbers are known by hand, and a tree
with both Python and JavaScript (measured together)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from node_tools import needs_eslint

from golive import tools
from golive.agents import quality
from golive.analyzers.base import Context, guarded
from golive.models import AnalyzerResult

pytestmark = needs_eslint

JS = textwrap.dedent("""\
    'use strict';
    /**
     * Add two numbers.
     */
    function add(a, b) {
      if (a > b && b > 0) { return a + b; }
      return b;
    }
    const unused = 1;
    exports.sub = function (a, b) { return a - b; };
    class Box {
      /** The value. */
      get() { return this.v; }
      set(v) { this.v = v; }
    }
    module.exports = { add, Box };
    """)

TS = textwrap.dedent("""\
    /** Scale a number. */
    export function scale(x: number, k = 2): number {
      return [x].map((v) => v * k)[0];
    }
    export const half = (x) => x / 2;
    export class Queue {
      constructor(private readonly size: number) {}
      push(item: string): void {}
      pop() { return undefined; }
    }
    """)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _run(tool: str, root: Path) -> AnalyzerResult:
    result = guarded(tool, quality.REGISTRY[tool], Context(agent="quality", source=root))
    assert result.error is None, result.error
    return result


@pytest.fixture()
def js_tree(tmp_path: Path) -> Path:
    return _tree(tmp_path, {"package.json": '{"name": "x"}', "index.js": JS})


@pytest.fixture()
def ts_tree(tmp_path: Path) -> Path:
    return _tree(tmp_path, {"package.json": '{"name": "x"}', "tsconfig.json": "{}", "src/index.ts": TS})


def test_lint_counts_eslint_findings_per_kloc(js_tree: Path) -> None:
    result = _run("ruff", js_tree)
    assert [f.rule_id for f in result.findings] == ["no-unused-vars"]
    assert result.value("lint_findings_per_kloc") == round(1000 / 16, 2)  # 16 non-blank lines


def test_complexity_of_every_function(js_tree: Path) -> None:
    result = _run("radon", js_tree)
    # add: 1 + if + && = 3; the exported function, get, set: 1 each
    assert result.details["functions"] == 4
    assert result.value("complexity_average") == 1.5
    assert result.value("complexity_worst") == 3.0


def test_jsdoc_coverage_counts_functions_classes_and_methods(js_tree: Path) -> None:
    result = _run("interrogate", js_tree)
    # add (doc), exports.sub, class Box, get (doc), set
    assert result.details["documented"] == 2 and result.details["total"] == 5
    assert result.value("docstring_coverage") == 40.0
    assert sorted(f.message for f in result.findings) == [
        "class Box has no JSDoc comment", "function sub has no JSDoc comment", "method set has no JSDoc comment"]


def test_plain_javascript_has_no_type_hints_to_measure(js_tree: Path) -> None:
    (m,) = _run("typehints", js_tree).measurements
    assert not m.applicable and "plain JavaScript has no type annotations" in m.detail


def test_typescript_annotations(ts_tree: Path) -> None:
    result = _run("typehints", ts_tree)
    # scale: x, k (default, no annotation), return -> 2 of 3; the map callback is contextually typed;
    # half: 0 of 2; constructor: size (no return) 1 of 1; push 2 of 2; pop 0 of 1 -> 5 of 9
    assert (result.details["annotated"], result.details["total"]) == (5, 9)
    assert result.value("typehint_coverage") == round(500 / 9, 2)


def test_typescript_docs_and_complexity(ts_tree: Path) -> None:
    docs = _run("interrogate", ts_tree)
    assert (docs.details["documented"], docs.details["total"]) == (1, 5)  # scale, half, Queue, push, pop
    assert _run("radon", ts_tree).details["functions"] == 6  # scale, its callback, half, constructor, push, pop


def test_python_and_javascript_are_measured_together(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "package.json": '{"name": "x"}', "pyproject.toml": "[project]\nname = 'x'\n", "index.js": JS,
        "app.py": '"""App."""\n\nimport os\n\n\ndef f(a: int) -> int:\n    """F."""\n    return a\n'})
    lint = _run("ruff", root)
    assert sorted(f.tool for f in lint.findings) == ["eslint", "ruff"]  # no-unused-vars, F401 os
    assert lint.value("lint_findings_per_kloc") == round(1000 * 2 / (16 + 5), 2)
    docs = _run("interrogate", root)
    assert (docs.details["documented"], docs.details["total"]) == (2 + 2, 5 + 2)  # JS + module, f
    hints = _run("typehints", root)
    assert hints.value("typehint_coverage") == 100.0 and "1 JavaScript files" in hints.measurements[0].detail
    complexity = _run("radon", root)
    assert complexity.details["functions"] == 5 and complexity.value("complexity_average") == round(7 / 5, 2)


def test_an_unparsable_file_is_a_high_finding_not_a_silent_pass(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"package.json": "{}", "index.js": "function (\n"})
    lint = _run("ruff", root)
    assert [(f.rule_id, f.severity.value) for f in lint.findings] == [("parse-error", "high")]
    docs = guarded("interrogate", quality.REGISTRY["interrogate"], Context(agent="quality", source=root))
    assert docs.error and "could not parse" in docs.error


def test_missing_eslint_is_no_data_naming_the_fix(js_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tools.TOOL_COMMANDS, "eslint", ["node", str(js_tree / "missing" / "eslint.js")])
    result = guarded("ruff", quality.REGISTRY["ruff"], Context(agent="quality", source=js_tree))
    assert result.error and "scripts/setup.sh" in result.error
