"""Advisory matching on the shipped snapshots (checked against independent straight scans of the same
records) and the dependencies analyzer on real lockfiles: ids, versions, fixes, direct/dev, no-data."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import nodesemver
from packaging.version import Version
from repo_paths import REPO, TEST_DATA

from golive.analyzers.base import Context
from golive.analyzers.security.advisories import (
    load_snapshot,
    match_offline,
    snapshot_index,
    snapshot_info,
)
from golive.analyzers.security.dependencies import run_dependencies
from golive.analyzers.security.dependency import NPM, Dependency

LOCKS = TEST_DATA / "projects" / "lockfiles"


def _straight_pypi(name: str, version: str) -> set[str]:
    """Every non-withdrawn PyPI record whose ECOSYSTEM events or versions list contain ``version``."""
    v, hits = Version(version), set()
    for record in load_snapshot():
        for affected in record["affected"]:
            if affected["package"]["name"].lower() != name or record.get("withdrawn"):
                continue
            inside = version in affected.get("versions", [])
            for rng in (r for r in affected.get("ranges", []) if r["type"] == "ECOSYSTEM"):
                events = rng["events"]
                intro = [Version(e["introduced"]) for e in events if "introduced" in e]
                fixed = [Version(e["fixed"]) for e in events if "fixed" in e]
                for start in intro:
                    ends = [f for f in fixed if f > start]
                    inside |= v >= start and (not ends or v < min(ends))
            if inside:
                hits.add(record["id"])
    return hits


def _ids(found: dict) -> set[str]:
    return {i for vulns in found.values() for v in vulns for i in v.ids}


def test_django_3_2_0_has_the_pysec_ids_a_straight_scan_finds():
    dep = Dependency("django", "3.2.0", "django==3.2.0", "requirements.txt", 1)
    found = _ids(match_offline([dep]))
    expected = _straight_pypi("django", "3.2.0")
    assert found == expected
    assert {"PYSEC-2021-7", "PYSEC-2022-190", "PYSEC-2024-47"} <= found and len(found) >= 25


def test_lodash_versions_match_security_wg_ranges():
    def ids(version: str) -> set[str]:
        return _ids(match_offline([Dependency("lodash", version, "", "p", None, ecosystem=NPM)]))

    assert ids("4.17.15") == {"NSWG-ECO-516"}
    assert ids("4.17.10") == {"NSWG-ECO-493"}
    assert ids("4.17.4") == {"NSWG-ECO-368", "NSWG-ECO-493"}
    assert ids("4.17.21") == set()


def test_npm_lockfile_matches_a_straight_scan_of_the_snapshot():
    from golive.analyzers.security.lockfiles.npm import read_package_lock

    deps, _ = read_package_lock((LOCKS / "security-wg-v1/package-lock.json").read_text(), "package-lock.json")
    straight = set()
    for dep in deps:
        for r in load_snapshot(NPM):
            own = r["affected"][0]["database_specific"]
            if (
                r["affected"][0]["package"]["name"] == dep.name
                and nodesemver.satisfies(dep.version, own["vulnerable_versions"], loose=True, include_prerelease=True)
                and not (
                    own["patched_versions"]
                    and nodesemver.satisfies(dep.version, own["patched_versions"], loose=True, include_prerelease=True)
                )
            ):
                straight.add((dep.name, dep.version, r["id"]))
    found = {(d.name, d.version, i) for d, vs in match_offline(deps).items() for v in vs for i in v.ids}
    assert found == straight and ("lodash", "4.17.10", "NSWG-ECO-493") in found


def test_snapshots_are_whole_dated_and_indexed():
    assert snapshot_info()["cite"] == "PyPI advisories of 2024-10-10 (pypa/advisory-database 3ccb612573e2)"
    assert (
        snapshot_info(NPM)["cite"].startswith("npm advisories of 20")
        and "nodejs/security-wg" in snapshot_info(NPM)["cite"]
    )
    assert len(load_snapshot()) >= 2600 and len(load_snapshot(NPM)) >= 460
    assert {r["affected"][0]["package"]["ecosystem"] for r in load_snapshot(NPM)} == {"npm"}
    load_snapshot.cache_clear()
    snapshot_index.cache_clear()
    assert snapshot_index() and snapshot_index(NPM)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def _analyze(root: Path):
    result = run_dependencies(Context(agent="security", source=root))
    return result, {m.name: m for m in result.measurements}


def test_real_npm_lockfile_verdict_names_ids_versions_fixes_and_role(tmp_path):
    for name in ("package-lock.json", "package.json"):
        shutil.copy(LOCKS / "security-wg-v1" / name, tmp_path / name)
    result, m = _analyze(tmp_path)
    assert m["vulnerable_dependencies_high"].value is not None
    detail = m["vulnerable_dependencies_high"].detail + m["vulnerable_dependencies_other"].detail
    assert "lodash@4.17.10 [transitive" in detail and "NSWG-ECO-493" in detail and ">=4.17.11" in detail
    assert "npm advisories of" in detail and "nodejs/security-wg" in detail
    lodash = next(f for f in result.findings if f.rule_id == "NSWG-ECO-493")
    assert lodash.path == "package-lock.json" and "4.17.10" in lodash.message


def test_nothing_declared_is_no_data(tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    _, m = _analyze(tmp_path)
    assert m["vulnerable_dependencies_high"].value is None
    assert "nothing declared to check" in m["vulnerable_dependencies_high"].detail


def test_manifest_without_lockfile_reports_unpinned_and_is_no_data_when_nothing_pinned(tmp_path):
    _tree(tmp_path, {"package.json": '{"dependencies": {"lodash": "^4.17.0", "left-pad": "1.3.0"}}'})
    result, m = _analyze(tmp_path)
    assert m["unpinned_dependencies"].value == 1
    assert [f.message.split(" ")[0] for f in result.findings if f.rule_id == "unpinned-requirement"] == [
        "lodash@^4.17.0"
    ]
    assert (
        m["vulnerable_dependencies_high"].value == 0
        and "1 could not be checked" in m["vulnerable_dependencies_high"].detail
    )
    _tree(tmp_path, {"package.json": '{"dependencies": {"lodash": "^4.17.0"}}'})
    _, m = _analyze(tmp_path)
    assert (
        m["vulnerable_dependencies_high"].value is None
        and "nothing could be checked" in m["vulnerable_dependencies_high"].detail
    )


def test_ecosystem_without_reader_is_no_data(tmp_path):
    _tree(tmp_path, {"go.mod": "module x\n", "requirements.txt": "requests==2.32.3\n"})
    _, m = _analyze(tmp_path)
    assert m["vulnerable_dependencies_high"].value is None
    assert "Go dependencies (go.mod) cannot be checked" in m["vulnerable_dependencies_high"].detail


def test_unknown_severity_counts_as_high(tmp_path):
    _tree(tmp_path, {"requirements.txt": "django==3.2.0\n"})  # PYSEC records without severity
    result, m = _analyze(tmp_path)
    assert m["vulnerable_dependencies_high"].value == 1
    assert any("severity unknown, counted as HIGH" in f.message for f in result.findings)


def test_library_ranges_are_reported_beside_its_lockfile(tmp_path):
    shutil.copy(LOCKS / "uv-fastapi-example/uv.lock", tmp_path / "uv.lock")
    shutil.copy(LOCKS / "uv-fastapi-example/pyproject.toml", tmp_path / "pyproject.toml")
    _, service = _analyze(tmp_path)
    assert service["unpinned_dependencies"].value == 0
    (tmp_path / "golive.yaml").write_text("kind: library\n")
    _, library = _analyze(tmp_path)
    assert library["unpinned_dependencies"].value == 1 and "fastapi" in library["unpinned_dependencies"].detail


def test_refresh_converts_security_wg_records_field_for_field():
    spec = importlib.util.spec_from_file_location("refresh", REPO / "scripts" / "refresh_advisories.py")
    assert spec and spec.loader
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    original = {
        "id": 516,
        "created_at": "2020-07-02",
        "updated_at": "2020-07-03",
        "title": "Prototype Pollution",
        "author": {"name": "x"},
        "module_name": "lodash",
        "publish_date": "2020-07-02",
        "cves": ["CVE-2020-8203"],
        "vulnerable_versions": ">=4.17.15 <4.17.19",
        "patched_versions": ">=4.17.19",
        "overview": "o",
        "recommendation": "r",
        "references": ["https://a"],
        "cvss_vector": "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L",
        "cvss_score": 7.4,
        "coordinating_vendor": None,
    }
    record = refresh.nswg_to_osv(original)
    assert record["id"] == "NSWG-ECO-516" and record["aliases"] == ["CVE-2020-8203"]
    assert record["affected"][0]["database_specific"] == {
        "vulnerable_versions": ">=4.17.15 <4.17.19",
        "patched_versions": ">=4.17.19",
    }
    assert record["details"] == "o\n\nr" and record["severity"][0]["score"] == original["cvss_vector"]
    shipped = next(r for r in load_snapshot(NPM) if r["id"] == "NSWG-ECO-516")
    assert shipped["affected"] == record["affected"]
    assert refresh.pysec_record("id: PYSEC-1\nversions:\n- 1.10\n")["versions"] == ["1.10"]


def test_online_mode_asks_for_npm_packages(monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from golive.analyzers.security.advisories import match_online

    asked: list[dict] = []

    class OSV(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
            asked.extend(queries)
            self._send({"results": [{"vulns": [{"id": "NSWG-ECO-516"}]} for _ in queries]})

        def do_GET(self) -> None:
            self._send(next(r for r in load_snapshot(NPM) if r["id"] == "NSWG-ECO-516"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), OSV)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dep = Dependency("lodash", "4.17.15", "lodash@4.17.15", "package-lock.json", None, ecosystem=NPM)
        found = match_online([dep], f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert asked == [{"package": {"name": "lodash", "ecosystem": "npm"}, "version": "4.17.15"}]
    assert [v.primary for v in found[dep]] == ["NSWG-ECO-516"] and found[dep][0].fixed == [">=4.17.19"]
