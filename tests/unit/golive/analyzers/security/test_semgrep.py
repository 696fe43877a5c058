"""golive's semgrep rules: each fires on its vulnerable pattern and stays quiet on the safe form; the SAST
analyzer feeds their counts to sast_high / sast_medium, together with bandit's on a mixed tree."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from node_tools import needs_semgrep

from golive import tools
from golive.analyzers.base import Context, guarded
from golive.analyzers.security.bandit import run_bandit

pytestmark = needs_semgrep

VULNERABLE = textwrap.dedent("""\
    const cp = require('child_process');
    const jwt = require('jsonwebtoken');
    const crypto = require('crypto');
    function run(name) { cp.exec('ls ' + name); }
    function cat(name) { cp.execSync(`cat ${name}`); }
    eval(input);
    const f = new Function('a', body);
    const resetToken = Math.random().toString(36);
    const agent = new https.Agent({ rejectUnauthorized: false });
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    jwt.sign({ id: 1 }, "s3cr3t");
    jwt.verify(t, key, { algorithms: ["none"] });
    crypto.createHash('md5');
    db.query("SELECT * FROM t WHERE id = " + id);
    setTimeout("go(" + x + ")", 10);
    """)
EXPECTED = {
    4: "golive.js.child-process-shell-injection", 5: "golive.js.child-process-shell-injection",
    6: "golive.js.eval-dynamic-code", 7: "golive.js.new-function", 8: "golive.js.insecure-random-secret",
    9: "golive.js.tls-verification-disabled", 10: "golive.js.tls-verification-disabled",
    11: "golive.js.hardcoded-jwt-secret", 12: "golive.js.jwt-none-algorithm", 13: "golive.js.weak-hash",
    14: "golive.js.sql-concatenation", 15: "golive.js.string-timer",
}
SAFE = textwrap.dedent("""\
    const { execFile } = require('child_process');
    const crypto = require('crypto');
    execFile('ls', [name]);
    eval("2 + 2");
    const jitter = Math.random() * 100;
    const token = crypto.randomBytes(32).toString('hex');
    jwt.sign({ id: 1 }, process.env.JWT_SECRET);
    crypto.createHash('sha256');
    db.query("SELECT * FROM t WHERE id = $1", [id]);
    setTimeout(() => go(x), 10);
    """)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_each_rule_fires_on_its_pattern(tmp_path: Path) -> None:
    result = run_bandit(Context(agent="security", source=_tree(tmp_path, {"package.json": "{}", "app.js": VULNERABLE})))
    assert {f.line: f.rule_id for f in result.findings} == EXPECTED
    assert len(result.findings) == len(EXPECTED)
    high = sum(1 for f in result.findings if f.severity.value == "high")
    assert result.value("sast_high") == high == 8 and result.value("sast_medium") == 4


def test_the_safe_forms_are_quiet(tmp_path: Path) -> None:
    result = run_bandit(Context(agent="security", source=_tree(tmp_path, {"package.json": "{}", "app.js": SAFE})))
    assert result.findings == []
    assert result.value("sast_high") == 0 and result.value("sast_medium") == 0


def test_typescript_is_scanned_and_python_goes_to_bandit(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"package.json": "{}", "tsconfig.json": "{}", "pyproject.toml": "[project]\nname='x'\n",
                            "a.ts": "export const run = (s: string): unknown => eval(s);\n",
                            "b.py": "import subprocess\nsubprocess.call(cmd, shell=True)\n"})
    result = run_bandit(Context(agent="quality", source=root))
    assert result.details["by_tool"] == {"bandit": 2, "semgrep": 1}  # B404 (low), B602 (high); eval
    assert result.value("sast_high") == 2.0


def test_a_missing_semgrep_is_no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tools.TOOL_COMMANDS, "semgrep", [str(tmp_path / "no-semgrep")])
    root = _tree(tmp_path, {"package.json": "{}", "app.js": "eval(x);\n"})
    result = guarded("bandit", run_bandit, Context(agent="quality", source=root))
    assert result.error and "could not be started" in result.error and not result.measurements
