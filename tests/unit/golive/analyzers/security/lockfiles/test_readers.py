"""The lockfile readers against real lockfiles (tests/data/projects/lockfiles), counted independently
with tomllib/json straight."""

from __future__ import annotations

import json
import tomllib

import pytest
from repo_paths import TEST_DATA

from golive.analyzers.security.lockfiles.errors import LockfileError
from golive.analyzers.security.lockfiles.npm import read_package_lock
from golive.analyzers.security.lockfiles.python import read_pipfile_lock, read_poetry_lock, read_uv_lock

LOCKS = TEST_DATA / "projects" / "lockfiles"


def _text(rel: str) -> str:
    return (LOCKS / rel).read_text(encoding="utf-8")


def test_uv_lock_counts_direct_and_dev():
    raw = tomllib.loads(_text("uv-fastapi-example/uv.lock"))
    registry = [p for p in raw["package"] if "registry" in p.get("source", {})]
    root = next(p for p in raw["package"] if "editable" in p["source"] or "virtual" in p["source"])
    deps, notes = read_uv_lock(_text("uv-fastapi-example/uv.lock"), "uv.lock")
    assert len(deps) == len(registry) > 30 and not notes
    assert {(d.name, d.version) for d in deps} == {(p["name"], p["version"]) for p in registry}
    assert {d.name for d in deps if d.direct} == {d["name"] for d in root["dependencies"]} == {"fastapi"}
    assert not any(d.dev for d in deps)  # the example has no dev group: everything is runtime


def test_poetry_lock_groups_are_dev_and_manifest_tells_direct():
    raw = tomllib.loads(_text("cleo/poetry.lock"))
    deps, _ = read_poetry_lock(_text("cleo/poetry.lock"), "poetry.lock", _text("cleo/pyproject.toml"))
    assert len(deps) == len(raw["package"])
    assert not any("main" in p["groups"] for p in raw["package"])  # cleo has no runtime dependency
    assert all(d.dev for d in deps)
    manifest = tomllib.loads(_text("cleo/pyproject.toml"))["tool"]["poetry"]["group"]
    declared = {n.lower() for g in manifest.values() for n in g["dependencies"]}
    assert {d.name for d in deps if d.direct} == declared & {p["name"] for p in raw["package"]} and declared
    assert all(d.direct is None for d in read_poetry_lock(_text("cleo/poetry.lock"), "poetry.lock")[0])


def test_pipfile_lock_default_and_develop():
    raw = json.loads(_text("pipenv/Pipfile.lock"))
    deps, _ = read_pipfile_lock(_text("pipenv/Pipfile.lock"), "Pipfile.lock", _text("pipenv/Pipfile"))
    pinned = {
        s: {n for n, e in raw[s].items() if e.get("version", "").startswith("==")} for s in ("default", "develop")
    }
    assert sum(not d.dev for d in deps) == len(pinned["default"])
    assert sum(d.dev for d in deps) == len(pinned["develop"]) > 20
    pipfile = tomllib.loads(_text("pipenv/Pipfile"))
    assert {d.name for d in deps if d.direct} <= {
        n.lower().replace("_", "-") for s in ("packages", "dev-packages") for n in pipfile.get(s, {})
    }


def test_package_lock_v3_packages_map():
    raw = json.loads(_text("security-wg-v3/package-lock.json"))
    installed = {k: v for k, v in raw["packages"].items() if k.startswith("node_modules/") or "/node_modules/" in k}
    deps, notes = read_package_lock(_text("security-wg-v3/package-lock.json"), "package-lock.json")
    assert raw["lockfileVersion"] == 3 and len(deps) == len(installed) > 20 and not notes
    assert (
        {d.name for d in deps if d.direct} == set(raw["packages"][""]["dependencies"]) == {"@pkgjs/nv", "joi", "semver"}
    )
    assert sum(d.dev for d in deps) == sum(bool(v.get("dev")) for v in installed.values())
    assert any(d.name.startswith("@") for d in deps)  # scoped names kept whole


def _v1_count(tree: dict) -> int:
    return sum(1 + _v1_count(e.get("dependencies", {})) for e in tree.values())


def test_package_lock_v1_nested_tree():
    raw = json.loads(_text("security-wg-v1/package-lock.json"))
    deps, _ = read_package_lock(
        _text("security-wg-v1/package-lock.json"), "package-lock.json", _text("security-wg-v1/package.json")
    )
    assert raw["lockfileVersion"] == 1 and len(deps) == _v1_count(raw["dependencies"]) >= 84
    assert {d.name for d in deps if d.direct} == set(json.loads(_text("security-wg-v1/package.json"))["dependencies"])
    assert ("lodash", "4.17.10") in {(d.name, d.version) for d in deps}


def test_package_lock_v2_nested_node_modules_and_links():
    lock = {
        "lockfileVersion": 2,
        "packages": {
            "": {"dependencies": {"a": "^1"}, "devDependencies": {"t": "^2"}},
            "node_modules/a": {"version": "1.2.0"},
            "node_modules/a/node_modules/b": {"version": "0.1.0"},
            "node_modules/t": {"version": "2.0.0", "dev": True},
            "node_modules/w": {"resolved": "packages/w", "link": True},
            "node_modules/g": {"version": "git+https://example.invalid/g.git"},
        },
    }
    deps, notes = read_package_lock(json.dumps(lock), "package-lock.json")
    assert {(d.name, d.version, d.direct, d.dev) for d in deps} == {
        ("a", "1.2.0", True, False),
        ("b", "0.1.0", False, False),
        ("t", "2.0.0", True, True),
    }
    assert len(notes) == 1 and "g" in notes[0]


def test_unreadable_lockfiles_raise():
    with pytest.raises(LockfileError):
        read_package_lock('{"lockfileVersion": 9}', "package-lock.json")
    with pytest.raises(LockfileError):
        read_uv_lock("[[package", "uv.lock")
    with pytest.raises(LockfileError):
        read_pipfile_lock("{}", "Pipfile.lock")
