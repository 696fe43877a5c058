"""golive's witness of an untrusted pytest run, loaded with ``-p golive_witness`` before any conftest.

It writes one JSON line per event to the file named by ``PYTEST_WITNESS_FILE`` (removed from the
environment at import, so the suite's code does not see it): the items collected, every exception a
test phase raised (the innermost wrapper of ``pytest_runtest_setup``/``call``/``teardown``), each
phase's outcome as pytest's own ``pytest_runtest_makereport`` produced it (the innermost wrapper:
before a conftest's wrapper can rewrite it), a test whose function never ran although its call phase
passed (a conftest's ``pytest_pyfunc_call`` that answers for it) or that raised inside its function
(even when a conftest swallowed it), and the end of the session. golive
compares this record with the JUnit XML and the process's exit status
(``golive.analyzers.code.witness``). This file runs inside the target's interpreter: standard library
and pytest only.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable, Generator
from typing import Any

import pytest

_PATH = os.environ.pop("PYTEST_WITNESS_FILE", None)
_FD = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600) if _PATH else None


def _write(record: dict[str, Any]) -> None:
    if _FD is not None:
        os.write(_FD, (json.dumps(record) + "\n").encode("utf-8"))


_write({"event": "start", "pid": os.getpid()})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_collection_modifyitems(items: list[Any]) -> Generator[None, Any, None]:
    """The items before and after every other plugin and conftest reordered or dropped some."""
    before = len(items)
    yield
    _write({"event": "modified", "before": before, "after": len(items)})


@pytest.hookimpl(trylast=True)
def pytest_deselected(items: list[Any]) -> None:
    """Items deselected the documented way (``-k``, ``-m``, a plugin calling this hook)."""
    _write({"event": "deselected", "n": len(items)})


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: Any) -> None:
    """The tests that are to run."""
    _write({"event": "collected", "n": len(session.items)})


def _expects_failure(item: Any, error: BaseException | None) -> bool:
    return item.get_closest_marker("xfail") is not None or isinstance(error, pytest.xfail.Exception)


def _observe(item: Any, when: str) -> Generator[None, Any, None]:
    """Record an exception the phase raised, seen right around pytest's own implementation (before a
    conftest's wrapper can swallow it or clear ``call.excinfo``)."""
    outcome = yield
    error = outcome.excinfo[1] if outcome.excinfo else None
    if error is not None and not isinstance(error, pytest.skip.Exception):
        _write({"event": "raised", "nodeid": item.nodeid, "when": when, "xfail": _expects_failure(item, error)})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_setup(item: Any) -> Generator[None, Any, None]:
    """Exceptions of the setup phase (fixtures)."""
    yield from _observe(item, "setup")


def _tracked(item: Any, original: Callable[..., Any], called: list[bool]) -> Callable[..., Any]:
    """``original`` (the test function) noting that it ran and what it raised, async when it is."""

    def note(error: BaseException) -> None:
        if not isinstance(error, pytest.skip.Exception):
            _write({"event": "raised", "nodeid": item.nodeid, "when": "call", "xfail": _expects_failure(item, error)})

    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            called.append(True)
            try:
                return await original(*args, **kwargs)
            except BaseException as error:
                note(error)
                raise
        return run_async

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        called.append(True)
        try:
            return original(*args, **kwargs)
        except BaseException as error:
            note(error)
            raise
    return run


def _runs_its_function(item: Any) -> bool:
    """A test that pytest runs by calling its function (not a unittest case, a doctest, another plugin's item)."""
    return isinstance(item, pytest.Function) and type(item).__name__ != "TestCaseFunction"


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: Any) -> Generator[None, Any, None]:
    """Exceptions of the test itself, and whether its function ran at all."""
    called: list[bool] = []
    tracking = _runs_its_function(item)
    if tracking:
        original = item.obj
        item.obj = _tracked(item, original, called)
    try:
        yield from _observe(item, "call")
    finally:
        if tracking:
            item.obj = original
    if tracking and not called:
        _write({"event": "bypassed", "nodeid": item.nodeid})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: Any) -> Generator[None, Any, None]:
    """Exceptions of the teardown phase."""
    yield from _observe(item, "teardown")


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Generator[None, Any, None]:
    """Each phase's outcome straight from pytest's report maker, whether the phase raised, and whether
    the test expects to fail (an ``xfail`` mark, or ``pytest.xfail()`` inside it)."""
    outcome = yield
    report = outcome.get_result()
    error = call.excinfo.value if call.excinfo is not None else None
    raised = error is not None and not isinstance(error, pytest.skip.Exception)
    _write({"event": "report", "nodeid": item.nodeid, "when": call.when, "outcome": report.outcome,
            "raised": raised, "xfail": _expects_failure(item, error)})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_sessionfinish(session: Any, exitstatus: Any) -> Generator[None, Any, None]:
    """The exit status pytest computed, before conftest hooks run."""
    _write({"event": "finish", "exitstatus": int(exitstatus), "testsfailed": int(session.testsfailed)})
    yield
