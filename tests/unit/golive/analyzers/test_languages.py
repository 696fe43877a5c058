"""Language choice of the static analyzers: not-applicable for go/java, no-data for a tree golive cannot read,
JavaScript-only type hints not applicable, and the file sets of each language."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.agents import quality
from golive.analyzers.base import Context, guarded
from golive.analyzers.files import node_files
from golive.analyzers.languages import sources

STATIC = {"ruff": ["lint_findings_per_kloc"], "radon": ["complexity_average", "complexity_worst"],
          "interrogate": ["docstring_coverage"], "typehints": ["typehint_coverage"],
          "bandit": ["sast_high", "sast_medium"]}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


GO = {"go.mod": "module example.com/svc\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"}
JAVA = {"pom.xml": "<project><modelVersion>4.0.0</modelVersion></project>\n",
        "src/main/java/App.java": "public class App { public static void main(String[] a) {} }\n"}


@pytest.mark.parametrize(("files", "language"), [(GO, "go"), (JAVA, "java")], ids=["go", "java"])
def test_a_tree_of_another_language_is_not_applicable_with_the_reason(tmp_path: Path, files: dict[str, str],
                                                                      language: str) -> None:
    ctx = Context(agent="quality", source=_write(tmp_path, files))
    for tool, names in STATIC.items():
        result = guarded(tool, quality.REGISTRY[tool], ctx)
        assert result.error is None, result.error
        assert [m.name for m in result.measurements] == names
        for m in result.measurements:
            assert not m.applicable and m.value is None
            assert f"analyzer for {language}" in m.detail, m.detail


def test_a_tree_golive_cannot_read_is_no_data(tmp_path: Path) -> None:
    ctx = Context(agent="quality", source=_write(tmp_path, {"main.rb": "puts 'hi'\n"}))
    for tool in STATIC:
        result = guarded(tool, quality.REGISTRY[tool], ctx)
        assert result.measurements, tool
        for m in result.measurements:
            assert m.applicable and m.value is None
            assert "no Python, JavaScript or TypeScript files" in m.detail


def test_a_python_tree_does_not_read_its_javascript_assets(tmp_path: Path) -> None:
    root = _write(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", "app.py": "x = 1\n",
                             "static/app.js": "eval(location.hash)\n"})
    src = sources(Context(agent="quality", source=root))
    assert src.python == ["app.py"] and src.node == []


def test_node_file_set_leaves_out_tests_bundles_and_declarations(tmp_path: Path) -> None:
    root = _write(tmp_path, {"package.json": "{}", "tsconfig.json": "{}", "src/a.ts": "", "src/a.d.ts": "",
                             "src/a.test.ts": "", "src/__tests__/b.js": "", "lib/b.js": "", "dist/c.js": "",
                             "vendor/x.min.js": "", "test/t.js": "", "node_modules/m/i.js": ""})
    assert node_files(root) == ["lib/b.js", "src/a.d.ts", "src/a.ts"]
    src = sources(Context(agent="quality", source=root))
    assert src.javascript == ["lib/b.js"] and src.typescript == ["src/a.ts"]
