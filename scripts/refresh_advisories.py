#!/usr/bin/env python3
"""Rebuild the offline advisory snapshots of ``include/golive/data/osv`` from checkouts of their sources.

Usage::

    scripts/refresh_advisories.py --pypa PATH_TO/advisory-database --nodejs PATH_TO/security-wg

Each PATH is a git work tree or a bare git directory (read with ``git show``/``git ls-tree`` at
``HEAD``). Writes ``pypi.jsonl.gz`` (every ``vulns/<package>/*.yaml`` record of
pypa/advisory-database, YAML converted to JSON field for field, every scalar kept as the string YAML
wrote, so a version ``1.10`` stays ``"1.10"``), ``npm.jsonl.gz`` (every ``vuln/npm/*.json`` record of
nodejs/security-wg converted to an OSV-like record by :func:`nswg_to_osv`) and the ``ecosystems``
part of ``snapshot.json`` (upstream commit, commit date, record count). The ``ghsa/`` records are
kept as they are. Output is deterministic: records sorted by id, gzip without a timestamp.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

OSV_DIR = Path(__file__).resolve().parents[1] / "include" / "golive" / "data" / "osv"


def _git(repo: Path, *args: str) -> str:
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def _files(repo: Path, prefix: str, suffix: str) -> list[str]:
    return [p for p in _git(repo, "ls-tree", "-r", "--name-only", "HEAD", prefix).splitlines()
            if p.endswith(suffix)]


def _head(repo: Path) -> tuple[str, str]:
    sha, date = _git(repo, "log", "-1", "--format=%H %cI", "HEAD").split()
    return sha, date


def pysec_record(text: str) -> dict[str, Any]:
    """One pypa/advisory-database YAML record as JSON (every scalar a string, as YAML wrote it)."""
    record = yaml.load(text, Loader=yaml.BaseLoader)
    if not isinstance(record, dict):
        raise ValueError("not a YAML mapping")
    return record


def nswg_to_osv(original: dict[str, Any]) -> dict[str, Any]:
    """A nodejs/security-wg ``vuln/npm/<n>.json`` record as an OSV-like record, field for field.

    ``id`` → ``NSWG-ECO-<id>`` (the working group's own name for its ecosystem reports), ``cves`` →
    ``aliases``, ``title`` → ``summary``, ``overview`` + ``recommendation`` → ``details``,
    ``publish_date`` → ``published``, ``updated_at`` → ``modified``, ``references`` → OSV references,
    ``cvss_vector`` → ``severity`` (CVSS_V3); the semver ranges ``vulnerable_versions`` and
    ``patched_versions`` stay as they are under ``affected[0].database_specific`` (npm ranges do not
    fit OSV events); the remaining fields (``author``, ``created_at``, ``cvss_score``,
    ``coordinating_vendor``, the numeric ``id``) go to ``database_specific``.
    """
    details = "\n\n".join(str(original[k]) for k in ("overview", "recommendation") if original.get(k))
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": f"NSWG-ECO-{original['id']}",
        "modified": original.get("updated_at") or original.get("created_at"),
        "published": original.get("publish_date") or original.get("created_at"),
        "aliases": list(original.get("cves") or []),
        "summary": original.get("title") or "",
        "details": details,
        "affected": [{
            "package": {"ecosystem": "npm", "name": original["module_name"],
                        "purl": f"pkg:npm/{original['module_name']}"},
            "database_specific": {"vulnerable_versions": original.get("vulnerable_versions"),
                                  "patched_versions": original.get("patched_versions")},
        }],
        "references": [{"type": "WEB", "url": url} for url in original.get("references") or []],
        "database_specific": {"nswg_id": original["id"], "author": original.get("author"),
                              "created_at": original.get("created_at"),
                              "cvss_score": original.get("cvss_score"),
                              "coordinating_vendor": original.get("coordinating_vendor")},
    }
    if original.get("cvss_vector"):
        record["severity"] = [{"type": "CVSS_V3", "score": original["cvss_vector"]}]
    return record


def _write(records: list[dict[str, Any]], path: Path) -> None:
    lines = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n"
                    for r in sorted(records, key=lambda r: str(r["id"])))
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as out:
        out.write(lines.encode("utf-8"))


def build_pypi(repo: Path, out_dir: Path) -> dict[str, Any]:
    """``pypi.jsonl.gz`` from a pypa/advisory-database checkout; its manifest entry."""
    records = [pysec_record(_git(repo, "show", f"HEAD:{p}")) for p in _files(repo, "vulns", ".yaml")]
    _write(records, out_dir / "pypi.jsonl.gz")
    sha, date = _head(repo)
    return {"file": "pypi.jsonl.gz", "records": len(records), "source": "pypa/advisory-database",
            "url": "https://github.com/pypa/advisory-database", "commit": sha, "commit_date": date,
            "also": "ghsa/ (GitHub-reviewed GHSA records of PyPI packages, for their severities)"}


def build_npm(repo: Path, out_dir: Path) -> dict[str, Any]:
    """``npm.jsonl.gz`` from a nodejs/security-wg checkout; its manifest entry."""
    records = []
    for path in _files(repo, "vuln/npm", ".json"):
        original = json.loads(_git(repo, "show", f"HEAD:{path}"))
        if isinstance(original, dict) and "module_name" in original:  # index.json is not a record
            records.append(nswg_to_osv(original))
    _write(records, out_dir / "npm.jsonl.gz")
    sha, date = _head(repo)
    return {"file": "npm.jsonl.gz", "records": len(records), "source": "nodejs/security-wg",
            "url": "https://github.com/nodejs/security-wg", "commit": sha, "commit_date": date}


def main() -> None:
    """Rebuild the snapshots named on the command line and update ``snapshot.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pypa", type=Path, help="pypa/advisory-database checkout (git dir or work tree)")
    parser.add_argument("--nodejs", type=Path, help="nodejs/security-wg checkout (git dir or work tree)")
    parser.add_argument("--out", type=Path, default=OSV_DIR)
    args = parser.parse_args()
    manifest_path = args.out / "snapshot.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    ecosystems = manifest.setdefault("ecosystems", {})
    if args.pypa:
        ecosystems["PyPI"] = build_pypi(args.pypa, args.out)
    if args.nodejs:
        ecosystems["npm"] = build_npm(args.nodejs, args.out)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for name, entry in ecosystems.items():
        print(f"{name}: {entry['records']} records, {entry['source']} {entry['commit'][:12]} "
              f"of {entry['commit_date']}")


if __name__ == "__main__":
    main()
