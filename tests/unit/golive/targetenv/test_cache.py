"""The environment cache: keys, one builder at a time, no half-built environment ever used."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from golive.settings import get_settings
from golive.targetenv.cache import MARKER, cache_key, cached


@pytest.fixture
def envs(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLIVE_ENV_CACHE_DIR", str(tmp_path / "envs"))
    get_settings.cache_clear()
    yield tmp_path / "envs"
    get_settings.cache_clear()


def test_key_depends_on_every_input_and_not_on_order():
    a = cache_key("python", {"files": {"a": "1", "b": "2"}, "extras": ["tests"]})
    assert a == cache_key("python", {"extras": ["tests"], "files": {"b": "2", "a": "1"}})
    assert a != cache_key("python", {"files": {"a": "1", "b": "3"}, "extras": ["tests"]})
    assert a != cache_key("node", {"files": {"a": "1", "b": "2"}, "extras": ["tests"]})


def test_second_call_is_a_hit_without_building(envs):
    calls: list[Path] = []
    path, hit, _ = cached("python", "k" * 64, calls.append)
    again, hit2, seconds = cached("python", "k" * 64, calls.append)
    assert (hit, hit2, seconds, again) == (False, True, 0.0, path) and calls == [path]
    assert (path / MARKER).is_file()


def test_a_failed_build_leaves_nothing_and_the_next_run_rebuilds(envs):
    def broken(target: Path) -> None:
        (target / "half").write_text("x")
        raise RuntimeError("installer died")

    with pytest.raises(RuntimeError):
        cached("node", "f" * 64, broken)
    assert not (envs / "node" / ("f" * 32)).exists()
    _, hit, _ = cached("node", "f" * 64, lambda target: None)
    assert hit is False


def _slow_build(args: tuple[str, str]) -> bool:
    envs, log = args
    import os

    os.environ["GOLIVE_ENV_CACHE_DIR"] = envs
    get_settings.cache_clear()

    def build(target: Path) -> None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write("build\n")
        time.sleep(0.5)
        (target / "done").write_text("ok")

    path, _, _ = cached("python", "c" * 64, build)
    return (path / "done").is_file()


def test_concurrent_builders_of_one_key_build_once(envs, tmp_path):
    log = tmp_path / "builds.log"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        outcomes = pool.map(_slow_build, [(str(envs), str(log))] * 3)
    assert all(outcomes)
    assert log.read_text().splitlines() == ["build"], "exactly one process built the environment"
