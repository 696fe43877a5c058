"""The repair agent end to end on real trees with the real tools: diagnose → repair a copy → patch,
branch and re-score; the eslint and dependency-bump fixers; the ledger row of the resolution."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from node_tools import needs_eslint
from repo_paths import REPO

from golive.agents import repair as agent
from golive.repair.fixes import repair_copy
from golive.repair.patch import BranchError, branch_name, commit_branch, repository_head, unified_diff
from golive.repair.rescore import diagnose, resolution

RUN = "manual__2026-12-03T12:00:00+00:00"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def lint_heavy_repo(directory: Path) -> Path:
    """A git repository: the sample app plus a module of unused imports and placeholder-less f-strings."""
    app = directory / "lint-heavy-app"
    shutil.copytree(REPO / "include" / "sample_app", app,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    names = [f"from os.path import {name} as unused_{i}" for i, name in
             enumerate(["join", "split", "basename", "dirname", "exists", "isdir"] * 3)]
    (app / "app" / "legacy_imports.py").write_text(
        '"""Lint debt."""\nimport os, sys\n' + "\n".join(names) + '\nGREETING = f"hello"\n\n\ndef shout(x):\n'
        '    """Loud."""\n    return x.upper()\n')
    git(app, "init", "-q", "-b", "main")
    git(app, "add", "-A")
    git(app, "commit", "-qm", "lint debt")
    return app


def cli(action: str, app: Path, store: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = agent.main([action, "--application", "shop", "--source", str(app), "--run-id", RUN,
                       "--store", f"file://{store}", "--analyzers", "ruff,radon", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_diagnose_then_repair_delivers_a_clean_patch_and_a_branch_and_lint_findings_drop(tmp_path, capsys):
    app = lint_heavy_repo(tmp_path)
    head, original = git(app, "rev-parse", "HEAD"), (app / "app" / "legacy_imports.py").read_text()
    store = tmp_path / "store"

    code, diagnosis = cli("diagnose", app, store, capsys)
    assert code == 0 and diagnosis["commit"] == head
    assert diagnosis["fixers"] == {"ruff": diagnosis["fixable"]} and diagnosis["fixable"] >= 20
    assert diagnosis["categories"]["style"] >= 20 and not diagnosis["errors"]

    code, result = cli("repair", app, store, capsys)
    assert code == 0
    patch = Path(result["patch"].removeprefix("file://"))
    assert result["files"] == ["app/legacy_imports.py"] == result["fixers"][0]["changed"]
    subprocess.run(["git", "-C", str(app), "apply", "--check", str(patch)], check=True)
    # re-scored by the same analyzer: the auto findings are gone, nothing was added
    assert result["before"]["total"] == diagnosis["total"] and result["after"]["fixable"] == 0
    assert result["after"]["total"] == result["before"]["total"] - result["fixed"]
    assert result["fixed"] == result["fixable"] == diagnosis["fixable"] and result["introduced"] == 0
    assert result["resolution_rate"] == round(result["fixed"] / result["total"], 4)
    assert result["fixable_rate"] == 1.0
    saved = json.loads(Path(result["url"].removeprefix("file://")).read_text())
    assert saved["resolution_rate"] == result["resolution_rate"]

    # the branch holds the fix; the repository's checked-out branch, index and work tree are as they were
    assert result["branch"] == branch_name(RUN) and result["branch_base"] == head
    assert git(app, "rev-parse", result["branch"]) == result["branch_commit"]
    assert git(app, "rev-parse", f"{result['branch']}^") == head
    assert git(app, "rev-parse", "HEAD") == head and git(app, "branch", "--show-current") == "main"
    assert git(app, "status", "--porcelain") == ""
    assert (app / "app" / "legacy_imports.py").read_text() == original
    fixed = git(app, "show", f"{result['branch']}:app/legacy_imports.py")
    assert "unused_" not in fixed and 'GREETING = "hello"' in fixed and "def shout" in fixed

    # a retried repair moves its own branch, and the ledger keeps one row per run
    code, again = cli("repair", app, store, capsys)
    assert code == 0 and again["branch"] == result["branch"]

    from golive.ledger.store import Ledger

    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    for outcome in (result, again):
        ledger.record_repair(run_id=RUN, application="shop", result=outcome)
    [row] = ledger.repair_rows(application="shop")
    assert (row["fixed"], row["fixable"], row["total"]) == (again["fixed"], again["fixable"], again["total"])
    assert row["resolution_rate"] == again["resolution_rate"] and row["branch"] == again["branch"]
    assert row["categories"]["style"] == diagnosis["categories"]["style"] and row["patch"] == again["patch"]


def test_a_tree_that_is_not_a_clean_repository_gets_the_patch_only(tmp_path, capsys):
    app = lint_heavy_repo(tmp_path)
    (app / "README.md").write_text("changed, not committed\n")
    store = tmp_path / "store"
    cli("diagnose", app, store, capsys)
    code, result = cli("repair", app, store, capsys)
    assert code == 0 and result["patch"] and result["branch"] is None and "clean at HEAD" in result["branch_note"]
    assert git(app, "branch", "--list", "golive/*") == ""


def test_a_patch_that_does_not_apply_to_head_is_a_branch_error_and_no_branch(tmp_path):
    app = lint_heavy_repo(tmp_path)
    head = repository_head(app)
    assert head is not None
    bad = "diff --git a/nope.py b/nope.py\n--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(BranchError, match="could not be made"):
        commit_branch(app, head, bad, branch_name(RUN), "m")
    assert git(app, "branch", "--list", "golive/*") == ""


def test_branch_names_of_airflow_run_ids_are_valid_refs(tmp_path):
    for run in (RUN, "scheduled__2026-01-01T00:00:00+00:00", "a..b.lock", "..."):
        name = branch_name(run)
        assert name.startswith("golive/repair-")
        subprocess.run(["git", "check-ref-format", f"refs/heads/{name}"], check=True)


def test_bad_input_is_refused_naming_the_option(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        agent.main(["repair", "--application", "Shop!", "--source", str(tmp_path), "--run-id", RUN])
    assert exc.value.code == 2 and "--application" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        agent.main(["diagnose", "--application", "shop", "--source", str(tmp_path), "--run-id", RUN,
                    "--analyzers", "ruff,nosuch"])
    assert "nosuch" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        agent.main(["diagnose", "--application", "shop", "--source", str(tmp_path), "--run-id", RUN,
                    "--gates", "security", "--analyzers", "ruff"])
    assert "not an analyzer of the gates security" in capsys.readouterr().err


@needs_eslint
def test_eslint_fix_on_a_js_copy_removes_the_fixable_findings_only(tmp_path):
    tree = tmp_path / "web"
    tree.mkdir()
    (tree / "package.json").write_text('{"name": "web", "version": "1.0.0", "type": "module"}\n')
    source = ("const x = Number(process.argv[2]);\nif (!!x) { console.log(/a   b/.test('a')); }\n"
              "loop: for (;;) { break; }\nlet unused = 1;\nexport default x;\n")
    (tree / "index.js").write_text(source)
    from golive.analyzers.code.eslint import LINT_CONFIG, eslint_argv

    raw = subprocess.run(eslint_argv(LINT_CONFIG, ["index.js"]), cwd=tree, capture_output=True, text=True)
    with_fix = {m["ruleId"] for f in json.loads(raw.stdout) for m in f["messages"] if "fix" in m}
    before = diagnose(tree, ["quality"], ["ruff"])
    assert {i.finding.rule_id for i in before.issues if i.fixer == "eslint"} == with_fix  # eslint's own marks
    assert {i.finding.rule_id: i.fixer for i in before.issues} == {
        "no-extra-boolean-cast": "eslint", "no-regex-spaces": "eslint", "no-unused-labels": "eslint",
        "no-unused-vars": None}
    copy, runs = repair_copy(tree, tmp_path / "work", before.issues)
    assert [r.fixer for r in runs] == ["eslint"] and runs[0].error is None and runs[0].changed == ["index.js"]
    after = diagnose(copy, ["quality"], ["ruff"])
    outcome = resolution(before, after)
    assert [i.finding.rule_id for i in after.issues] == ["no-unused-vars"]
    assert (outcome["fixed"], outcome["fixable"], outcome["total"], outcome["resolution_rate"]) == (3, 3, 4, 0.75)
    assert (tree / "index.js").read_text() == source  # the original is never written
    assert "+if (x)" in unified_diff(tree, copy)


def test_a_dependency_bump_moves_the_pin_to_the_first_fixed_version_and_the_advisories_drop(tmp_path):
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text("requests==2.19.0\n")
    (tree / "main.py").write_text('"""Entry."""\n')
    before = diagnose(tree, ["security"], ["dependencies"])
    bumps = [i for i in before.issues if i.fixer == "bump"]
    assert bumps and all(i.category == "dependency" for i in bumps)
    copy, runs = repair_copy(tree, tmp_path / "work", before.issues)
    assert runs[0].fixer == "bump" and runs[0].changed == ["requirements.txt"]
    after = diagnose(copy, ["security"], ["dependencies"])
    outcome = resolution(before, after)
    assert outcome["fixed"] == len(before.issues) - len(after.issues) > 0
    patch = unified_diff(tree, copy)
    assert "-requests==2.19.0" in patch and "+requests==2." in patch
    assert (tree / "requirements.txt").read_text() == "requests==2.19.0\n"


def test_an_analyzer_that_fails_after_the_repair_counts_nothing_fixed(tmp_path):
    from golive.models import Finding
    from golive.repair.rescore import Diagnosis
    from golive.repair.taxonomy import classify

    issue = classify(Finding(tool="ruff", rule_id="F401", message="m", path="a.py"))
    before = Diagnosis(issues=[issue], ran=["ruff"], producers=["ruff"])
    after = Diagnosis(issues=[], ran=["ruff"], errors={"ruff": "ruff crashed"})
    outcome = resolution(before, after)
    assert outcome["fixed"] == 0 and outcome["resolution_rate"] == 0.0 and outcome["no_data"] == ["ruff"]
    assert resolution(Diagnosis(issues=[], ran=["ruff"]), Diagnosis(issues=[], ran=["ruff"]))["resolution_rate"] is None


def test_the_patch_applies_exactly_also_to_files_without_a_final_newline(tmp_path):
    original, copy = tmp_path / "a", tmp_path / "b"
    for root, files in ((original, {"m.py": "import os\nx = 1", "n.py": "import os\ny = 2\n", "k.txt": "keep\n"}),
                        (copy, {"m.py": "x = 1", "n.py": "y = 2", "k.txt": "keep\n", "new.txt": "added\n"})):
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text)
    patch = unified_diff(original, copy)
    (tmp_path / "p.patch").write_text(patch)
    git(original, "init", "-q")
    git(original, "apply", str(tmp_path / "p.patch"))
    assert {p.name: p.read_text() for p in original.iterdir() if p.is_file()} == {
        p.name: p.read_text() for p in copy.iterdir()}
