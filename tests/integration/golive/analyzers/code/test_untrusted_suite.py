"""The coverage analyzer on suites that lie: a conftest that rewrites its outcomes is caught by golive's
witness plugin, and the target's tests never see golive's environment (KUBECONFIG, tokens, HOME).

One test environment (pytest and coverage only) serves every tree here; it is built once per module.
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

HOSTILE = TEST_DATA / "targets" / "hostile"



def _analyze(tree: Path) -> AnalyzerResult:
    result = guarded("coverage", run_coverage, Context(agent="quality", source=tree))
    assert result.error is None, result.error
    return result


def _variant(tmp_path: Path, conftest: str) -> Path:
    tree = tmp_path / "calc"
    shutil.copytree(HOSTILE, tree)
    (tree / "conftest.py").write_text(conftest, encoding="utf-8")
    return tree



def test_a_conftest_that_turns_failures_into_passes_is_caught(env_cache: Path) -> None:
    reason = assert_tampered(_analyze(HOSTILE))
    assert "tests/test_calc.py::test_add" in reason and "not failures in the JUnit report" in reason
    assert "exited with status 0" in reason


@pytest.mark.parametrize(("conftest", "evidence"), [
    ("def pytest_sessionfinish(session, exitstatus):\n    session.exitstatus = 0\n",
     "1 tests failed but pytest exited with status 0"),
    ("def pytest_configure(config):\n    config.pluginmanager.unregister(name='golive_witness')\n",
     "the witness saw no session end"),
    (("import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
     "    call.excinfo = None\n    yield\n"),
     "1 tests raised but are not failures in the JUnit report: tests/test_calc.py::test_add"),
    ("def pytest_pyfunc_call(pyfuncitem):\n    return True\n",
     "their test function never ran (a hook answered for it): tests/test_calc.py::test_add"),
    (("import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_pyfunc_call(pyfuncitem):\n"
      "    try:\n        pyfuncitem.obj(**{a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames})\n"
      "    except AssertionError:\n        pass\n    return True\n"),
     "1 tests raised but are not failures in the JUnit report: tests/test_calc.py::test_add"),
], ids=["forced-exit-status", "witness-unregistered", "exception-cleared", "function-bypassed", "exception-swallowed"])
def test_other_rewrites_are_caught(env_cache: Path, tmp_path: Path, conftest: str, evidence: str) -> None:
    assert evidence in assert_tampered(_analyze(_variant(tmp_path, conftest)))


def test_an_honest_suite_is_measured_and_sees_none_of_golives_environment(
        env_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "environ.json"
    tree = _variant(tmp_path, "")
    (tree / "tests" / "test_more.py").write_text(
        "import json, os\nimport pytest\nfrom calc import add\n\n\n"
        "@pytest.mark.xfail(reason='known')\ndef test_known_bug():\n    assert add(1, 1) == 2\n\n\n"
        "def test_imperative_xfail():\n    pytest.xfail('later')\n\n\n"
        "@pytest.mark.skip(reason='not here')\ndef test_skipped():\n    raise AssertionError\n\n\n"
        f"def test_environment():\n    open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))\n",
        encoding="utf-8")
    secrets = {"KUBECONFIG": "/etc/kube/admin.conf", "AIRFLOW_CONN_GOLIVE_LEDGER": "postgresql://u:pw@db/x",
               "GOLIVE_LOAD_BEARER_TOKEN": "tok", "GITHUB_TOKEN": "ghp_x", "AWS_SECRET_ACCESS_KEY": "k",
               "GOLIVE_GITCRED_TOKEN": "t", "LOCALKUBE_MOUNT_MAP": "{}"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    result = _analyze(tree)
    assert result.value("tests_failed") == 1, result.measurements  # test_add, truthfully
    assert "tampering" not in result.details and not any(f.rule_id == "test-outcomes-rewritten"
                                                         for f in result.findings)
    environ = json.loads(dump.read_text(encoding="utf-8"))
    assert not set(secrets) & set(environ), set(secrets) & set(environ)
    assert not [k for k in environ if k.startswith(("GOLIVE_", "AIRFLOW_", "PYTEST_ADDOPTS"))], sorted(environ)
    assert environ["HOME"] != str(Path.home()) and "golive-coverage-" in environ["HOME"]
    assert environ["TMPDIR"].startswith(environ["HOME"])
