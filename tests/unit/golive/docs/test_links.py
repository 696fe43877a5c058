"""Broken links by lychee, on a vendored project's README (and a copy of it with broken links)."""

from __future__ import annotations

import shutil
from http.server import BaseHTTPRequestHandler

from local_http import serving
from repo_paths import REPO

from golive.docs.links import check_links, documentation_files

HUMANIZE = REPO / "tests" / "data" / "projects" / "humanize"


def test_the_vendored_readme_offline_checks_local_links_and_counts_the_web_ones_as_unchecked():
    report = check_links(HUMANIZE, online=False)
    assert report.files == ["README.md"]
    assert report.local_broken == []
    text = (HUMANIZE / "README.md").read_text(encoding="utf-8")
    assert report.external_unchecked > 10 and text.count("https://") >= report.external_unchecked
    assert report.external_checked == 0 and not report.online


def test_a_broken_anchor_and_a_missing_file_are_found_with_their_line(tmp_path):
    tree = tmp_path / "humanize"
    shutil.copytree(HUMANIZE, tree)
    readme = tree / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines()
    lines += ["", "See [the install notes](#installation) and [the usage](#no-such-heading).",
              "Also [the changelog](CHANGES.md) and [the licence](LICENCE)."]
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_links(tree, online=False)
    broken = sorted((b.url.rsplit("/", 1)[-1], b.line) for b in report.local_broken)
    assert broken == [("CHANGES.md", len(lines)), ("README.md#no-such-heading", len(lines) - 1)]
    assert all(b.file == "README.md" for b in report.local_broken)


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def test_online_the_web_links_are_checked(tmp_path):
    with serving(_Site) as base:
        (tmp_path / "README.md").write_text(f"# x\n\n[up]({base}/ok) and [down]({base}/gone)\n", encoding="utf-8")
        report = check_links(tmp_path, online=True)
    assert [b.url for b in report.external_broken] == [f"{base}/gone"]
    assert report.external_checked == 2 and report.local_broken == []


def test_docs_folders_are_read_after_the_readme(tmp_path):
    (tmp_path / "README.md").write_text("# x\n", encoding="utf-8")
    (tmp_path / "docs" / "guide").mkdir(parents=True)
    (tmp_path / "docs" / "guide" / "a.md").write_text("# a\n", encoding="utf-8")
    (tmp_path / "docs" / "img.png").write_bytes(b"\x89PNG")
    assert documentation_files(tmp_path) == ["README.md", "docs/guide/a.md"]
