"""The coverage analyzer on jest suites that lie (real npm, c8 and jest 29.7.0 runs, with worker processes, worker
threads and in band):
a ``testResultsProcessor``, a reporter, a ``globalTeardown`` or an ``afterAll`` that rewrites the outcome is
caught by golive's Node witness, and the honest suite is measured as before.

One ``node_modules`` (jest from ``tests/data/targets/hostile-jest``'s lockfile) serves every variant: they
change only ``scripts`` and the ``jest`` configuration, which the environment's key leaves out. The first
build needs the npm registry or a warm npm cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from repo_paths import TEST_DATA
from tampering import assert_tampered

from golive.analyzers.base import Context, guarded
from golive.analyzers.code import nodewitness
from golive.analyzers.code.testsuite import run_coverage
from golive.models import AnalyzerResult

HOSTILE = TEST_DATA / "targets" / "hostile-jest"
#: jest's ways to run the two test files (a fresh cache has no timings, so 2 files mean workers)
MODES = {"workers": "jest --maxWorkers=2", "worker-threads": "jest --maxWorkers=2 --workerThreads",
         "in-band": "jest -i"}
LIAR_REPORTER = """'use strict'
// replaces jest's reporters: a clean summary whatever happened, and exit status 0
module.exports = class Liar {
  onRunComplete (contexts, results) {
    console.log(`Tests:       ${results.numTotalTests} passed, ${results.numTotalTests} total`)
    process.exit(0)
  }
}
"""
EXIT_IN_TEARDOWN = "module.exports = async () => process.exit(0)\n"
#: jest sets the failing exit status in an 'exit' listener of its own; this one runs after it
ZERO_AFTER_JEST = """module.exports = async () => {
  process.once('beforeExit', () => process.on('exit', () => { process.exitCode = 0 }))
}
"""


def _analyze(tree: Path) -> AnalyzerResult:
    result = guarded("coverage", run_coverage, Context(agent="quality", source=tree))
    assert result.error is None, result.error
    return result


def _variant(tmp_path: Path, script: str, config: dict[str, object] | None = None,
             files: dict[str, str] | None = None) -> Path:
    """The hostile package with its test script, its jest configuration (None: the processor that flips
    failures) and extra files."""
    tree = tmp_path / "calc-jest"
    shutil.copytree(HOSTILE, tree)
    manifest = json.loads((tree / "package.json").read_text(encoding="utf-8"))
    manifest["scripts"]["test"] = script
    if config is not None:
        manifest["jest"] = {"testEnvironment": "node", **config}
    (tree / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for name, text in (files or {}).items():
        (tree / name).write_text(text, encoding="utf-8")
    return tree


@pytest.fixture
def witnessed(monkeypatch: pytest.MonkeyPatch) -> list[nodewitness.NodeWitnessed]:
    """The witness records the analyzer checked."""
    records: list[nodewitness.NodeWitnessed] = []
    check = nodewitness.check

    def spy(seen: nodewitness.NodeWitnessed, *args: object, **kwargs: object) -> list[str]:
        records.append(seen)
        return check(seen, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nodewitness, "check", spy)
    return records


def _ran_in_workers(seen: nodewitness.NodeWitnessed) -> bool:
    return any(run.runner == nodewitness.JEST and run.worker for run in seen.runs.values())


@pytest.mark.parametrize("mode", MODES)
def test_the_honest_suite_is_measured_truthfully(env_cache: Path, tmp_path: Path,
                                                 witnessed: list[nodewitness.NodeWitnessed], mode: str) -> None:
    result = _analyze(_variant(tmp_path, MODES[mode], {}))
    assert "tampering" not in result.details, result.details["tampering"]
    assert (result.value("tests_failed"), result.details["tests_passed"]) == (1, 3)
    assert result.details["counts_from"] == "jest Tests: summary line"
    assert _ran_in_workers(witnessed[-1]) == (mode != "in-band")
    if mode == "in-band":
        assert 0 < result.value("test_coverage") <= 100
    else:  # jest may SIGTERM a worker before it wrote its V8 coverage: c8 then measured no lines
        coverage = {m.name: m for m in result.measurements}["test_coverage"]
        assert coverage.value is None or 0 < coverage.value <= 100, coverage


@pytest.mark.parametrize("mode", MODES)
def test_a_results_processor_that_turns_failures_into_passes_is_caught(env_cache: Path, tmp_path: Path,
                                                                      mode: str) -> None:
    reason = assert_tampered(_analyze(_variant(tmp_path, MODES[mode])))
    assert "jest's results for its exit status say the run in process" in reason
    assert "the witness saw 1 tests fail" in reason
    assert "1 tests failed but the test command exited with status 0: calc adds" in reason


@pytest.mark.parametrize(("mode", "variant", "evidence"), [
    ("workers", ({"reporters": ["./liar.js"]}, {"liar.js": LIAR_REPORTER}),
     "the jest Tests: summary line say 4 passed, 0 failed but the witness saw jest pass 3 and fail 1"),
    ("in-band", ({"globalTeardown": "./teardown.js"}, {"teardown.js": EXIT_IN_TEARDOWN}),
     "a test run stopped before its end (the process exited during the run): jest in process"),
    ("worker-threads", ({"globalTeardown": "./teardown.js"}, {"teardown.js": ZERO_AFTER_JEST}),
     "1 tests failed but the test command exited with status 0: calc adds"),
], ids=["lying-reporter-exits-0", "process-exit-in-global-teardown", "exit-status-zeroed-after-jest"])
def test_other_rewrites_are_caught(env_cache: Path, tmp_path: Path, mode: str,
                                   variant: tuple[dict[str, object], dict[str, str]], evidence: str) -> None:
    """These rewrites run in jest's main process whatever the mode: each is played in one mode, so the
    three modes' records all meet a rewrite (the processor above meets each mode)."""
    config, files = variant
    assert evidence in assert_tampered(_analyze(_variant(tmp_path, MODES[mode], config, files)))


def test_process_exit_in_a_test_file_run_in_band_is_caught(env_cache: Path, tmp_path: Path) -> None:
    tree = _variant(tmp_path, MODES["in-band"], {}, {"test/zz.test.js": (
        "test('last', () => {})\nafterAll(() => process.exit(0))\n")})
    reason = assert_tampered(_analyze(tree))
    assert "a test run stopped before its end (the process exited during the run): jest in process" in reason


def test_process_exit_in_a_worker_is_jests_own_failure(env_cache: Path, tmp_path: Path) -> None:
    """jest reports a worker that exits during a file as that file failing to run, and exits 1."""
    tree = _variant(tmp_path, MODES["workers"], {}, {"test/zz.test.js": (
        "test('last', () => {})\nafterAll(() => process.exit(0))\n")})
    result = _analyze(tree)
    assert "tampering" not in result.details, result.details["tampering"]
    assert result.value("tests_failed") == 1


def test_jest_outside_the_witness_is_caught(env_cache: Path, tmp_path: Path) -> None:
    reason = assert_tampered(_analyze(_variant(tmp_path, "NODE_OPTIONS= jest", {})))
    assert "the output holds jest's summary (3 passed, 1 failed) but no jest run was witnessed" in reason
