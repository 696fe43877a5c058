"""The coverage analyzer on Node suites that lie (real npm, nyc/c8, mocha and ``node --test`` runs): a mocha
``--require`` hook, a reporter, an ``exit`` listener or a ``process.exit(0)`` that rewrites the outcome is
caught by golive's Node witness, and an honest suite (vary's, the hostile package without its hook, a
plain ``node --test`` package) is measured as before.

One ``node_modules`` (mocha 10.4.0 from ``tests/data/targets/hostile-node``'s lockfile) serves every
variant; the first build needs the npm registry or a warm npm cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from repo_paths import TEST_DATA
from tampering import assert_tampered

from golive.analyzers.base import Context, guarded
from golive.analyzers.code.testsuite import run_coverage
from golive.models import AnalyzerResult

HOSTILE = TEST_DATA / "targets" / "hostile-node"
EMIT_REWRITE = """'use strict'
const Runner = require('mocha/lib/runner')
const emit = Runner.prototype.emit
Runner.prototype.emit = function (event, ...args) {
  return emit.call(this, event === 'fail' ? 'pass' : event, ...args)
}
Runner.prototype.fail = function (test) { this.emit('fail', test) }
"""
LIAR_REPORTER = """'use strict'
// prints a clean summary whatever happened, and exits 0 when the run ends
module.exports = function Liar (runner) {
  let passing = 0
  runner.on('test end', () => { passing += 1 })
  runner.once('end', () => {
    console.log(`\\n  ${passing} passing (1ms)\\n`)
    process.exit(0)
  })
}
"""
LISTENERS_REMOVED = """'use strict'
const Runner = require('mocha/lib/runner')
const run = Runner.prototype.run
Runner.prototype.run = function (...args) {
  const result = run.apply(this, args)
  this.removeAllListeners('fail')
  this.on('end', () => process.on('exit', () => { process.exitCode = 0 }))
  return result
}
"""



def _analyze(tree: Path) -> AnalyzerResult:
    result = guarded("coverage", run_coverage, Context(agent="quality", source=tree))
    assert result.error is None, result.error
    return result


def _variant(tmp_path: Path, files: dict[str, str], rc: dict[str, object] | None = None) -> Path:
    tree = tmp_path / "calc-node"
    shutil.copytree(HOSTILE, tree)
    for name, text in files.items():
        (tree / name).write_text(text, encoding="utf-8")
    if rc is not None:
        (tree / ".mocharc.json").write_text(json.dumps({"spec": "test/*.test.js", **rc}), encoding="utf-8")
    return tree



def test_a_mocharc_hook_that_turns_failures_into_passes_is_caught(env_cache: Path) -> None:
    reason = assert_tampered(_analyze(HOSTILE))
    assert "replaced mocha's test reporting after golive's witness loaded: mocha Runner.prototype.fail" in reason


@pytest.mark.parametrize(("files", "rc", "evidence"), [
    ({"test/setup.js": EMIT_REWRITE}, None,
     ("replaced mocha's test reporting after golive's witness loaded: mocha Runner.prototype.emit, "
      "mocha Runner.prototype.fail")),
    ({"test/liar.js": LIAR_REPORTER}, {"reporter": "test/liar.js"},
     "1 tests failed but the test command exited with status 0: calc adds"),
    ({"test/zz.test.js": "after(() => process.exit(0))\n"}, {},
     "a test run stopped before its end (the process exited during the run): mocha in process"),
    ({"test/setup.js": LISTENERS_REMOVED}, None, "golive's 'fail' listener"),
], ids=["emit-rewritten", "lying-reporter-exits-0", "process-exit-in-after", "listeners-removed"])
def test_other_rewrites_are_caught(env_cache: Path, tmp_path: Path, files: dict[str, str],
                                   rc: dict[str, object] | None, evidence: str) -> None:
    assert evidence in assert_tampered(_analyze(_variant(tmp_path, files, rc)))


def test_the_reporters_lie_and_the_exit_status_are_both_named(env_cache: Path, tmp_path: Path) -> None:
    tree = _variant(tmp_path, {"test/liar.js": LIAR_REPORTER}, {"reporter": "test/liar.js"})
    reason = assert_tampered(_analyze(tree))
    assert "the mocha summary lines say 2 passed, 0 failed but the witness saw mocha pass 1 and fail 1" in reason
    assert "a test run stopped before its end" in reason


def test_the_honest_package_is_measured_truthfully(env_cache: Path, tmp_path: Path) -> None:
    result = _analyze(_variant(tmp_path, {}, rc={}))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 1)
    assert result.details["counts_from"] == "mocha summary lines"
    assert 0 < result.value("test_coverage") <= 100


def test_an_es_module_package_is_witnessed(env_cache: Path, tmp_path: Path) -> None:
    manifest = json.loads((HOSTILE / "package.json").read_text(encoding="utf-8"))
    result = _analyze(_variant(tmp_path, {
        "package.json": json.dumps({**manifest, "type": "module"}),
        "index.js": "export const add = (a, b) => a + b + 1\nexport const half = (n) => n / 2\n",
        "test/calc.test.js": ("import assert from 'node:assert'\nimport { add, half } from '../index.js'\n\n"
                              "describe('calc', () => {\n  it('halves', () => assert.strictEqual(half(4), 2))\n"
                              "  it('adds', () => assert.strictEqual(add(1, 1), 2))\n})\n")}, rc={}))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 1)


def test_mocha_parallel_is_witnessed_in_its_workers(env_cache: Path, tmp_path: Path) -> None:
    tree = _variant(tmp_path, {}, rc={"parallel": True, "jobs": 2})
    shutil.copyfile(tree / "test" / "calc.test.js", tree / "test" / "more.test.js")
    result = _analyze(tree)
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (2, 2)


def test_a_reporter_without_a_summary_is_counted_by_the_witness(env_cache: Path, tmp_path: Path) -> None:
    result = _analyze(_variant(tmp_path, {}, rc={"reporter": "json"}))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 1)
    assert result.details["counts_from"] == "golive's witness of mocha"


def test_vary_passes_the_witness(env_cache: Path) -> None:
    result = _analyze(TEST_DATA / "projects" / "vary")
    assert "tampering" not in result.details, result.details["tampering"]
    assert result.value("tests_failed") == 0 and result.details["tests_passed"] > 50
    assert result.details["coverage_tool"] == "nyc (the package's)"


def _node_test_package(tmp_path: Path, script: str, files: dict[str, str]) -> Path:
    tree = tmp_path / "plain"
    (tree / "test").mkdir(parents=True)
    (tree / "package.json").write_text(json.dumps({"name": "plain", "version": "1.0.0", "scripts": {"test": script}}),
                                       encoding="utf-8")
    (tree / "index.js").write_text("exports.half = (n) => n / 2\nexports.add = (a, b) => a + b + 1\n",
                                   encoding="utf-8")
    (tree / "test" / "calc.test.js").write_text(
        "const test = require('node:test')\nconst assert = require('node:assert')\n"
        "const { half, add } = require('..')\n"
        "test('half', () => assert.strictEqual(half(4), 2))\ntest('add', () => assert.strictEqual(add(1, 1), 2))\n",
        encoding="utf-8")
    for name, text in files.items():
        (tree / name).write_text(text, encoding="utf-8")
    return tree


NODE_TEST_LIAR = """export default async function * liar (source) {
  for await (const event of source) void event
  yield '\\u2139 pass 2\\n\\u2139 fail 0\\n'
  process.on('exit', () => { process.exitCode = 0 })
}
"""


def test_an_honest_node_test_suite_passes_the_witness(env_cache: Path, tmp_path: Path) -> None:
    result = _analyze(_node_test_package(tmp_path, "node --test test/", {}))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 1)


@pytest.mark.parametrize(("script", "files", "reporter"), [
    ("node --test --test-reporter=spec test/", {}, "single"),
    ("node --test --test-reporter=tap --test-reporter-destination=stdout test/", {}, "paired"),
    ("sh run-tests.sh", {"run-tests.sh": "exec node --test --test-reporter=spec test/\n"}, "single"),
], ids=["own-reporter", "own-reporter-and-destination", "own-reporter-golive-did-not-read"])
def test_golives_reporter_joins_the_packages_own(env_cache: Path, tmp_path: Path, script: str, files: dict[str, str],
                                                 reporter: str) -> None:
    result = _analyze(_node_test_package(tmp_path, script, files))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 1)
    assert result.details["witness_reporter"] == reporter


@pytest.mark.parametrize(("script", "files", "evidence"), [
    ("node --require ./test/setup.js --test test/",
     {"test/setup.js": "process.on('exit', () => { process.exitCode = 0 })\n"},
     "an exit listener turned the exit status of a process that ran tests into 0: process"),
    ("node --test --test-reporter=./liar.mjs --test-reporter-destination=stdout test/",
     {"liar.mjs": NODE_TEST_LIAR},
     "the node --test summary lines say 2 passed, 0 failed but the witness saw node:test pass 1 and fail 1"),
    ("node --test test/", {"test/quit.test.js": "require('node:test')('quit', () => process.exit(0))\n"},
     "a test run stopped before its end (the process exited during the run): node:test file in process"),
], ids=["exit-listener-zeroes-status", "lying-reporter", "process-exit-in-a-test-file"])
def test_node_test_rewrites_are_caught(env_cache: Path, tmp_path: Path, script: str, files: dict[str, str],
                                       evidence: str) -> None:
    assert evidence in assert_tampered(_analyze(_node_test_package(tmp_path, script, files)))
