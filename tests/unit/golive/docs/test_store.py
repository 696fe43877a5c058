"""The artifact store: safe paths, pages as the plugin app resolves them, public URLs."""

from __future__ import annotations

import re

import pytest

from golive.docs.store import ArtifactStore, StoreError, public_url_of, relpath, run_path, runbook_base_url


@pytest.mark.parametrize("bad", ["../x", "a/../../b", "/etc/passwd", ".", ""])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(StoreError):
        relpath(bad)


def test_write_read_and_page_lookup(store):
    url = store.write_text("shop/runbooks/target-down.html", "<h1>x</h1>")
    assert url.startswith("file://") and url.endswith("/shop/runbooks/target-down.html")
    assert store.page("shop/runbooks/target-down") == "shop/runbooks/target-down.html"
    assert store.page("shop/runbooks/nope") is None
    assert store.read_text("shop/runbooks/target-down.html") == "<h1>x</h1>"
    assert store.rel_of(url) == "shop/runbooks/target-down.html"
    assert store.rel_of("file:///elsewhere/x") is None


def test_memory_store_works_like_any_fsspec_filesystem():
    store = ArtifactStore("memory://golive-test-docs")
    store.write_text("a/b.md", "# b")
    assert store.exists("a/b.md") and store.read_text("a/b.md") == "# b"


def test_urls():
    # a run id with characters replaced gets a short hash of itself: two run ids never share a path
    assert re.fullmatch(r"shop/runs/manual__2026-01-01T00_00_00_00_00-[0-9a-f]{12}/x\.html",
                        run_path("shop", "manual__2026-01-01T00:00:00+00:00", "x.html"))
    assert run_path("shop", "scheduled__2026-01-01", "x.html") == "shop/runs/scheduled__2026-01-01/x.html"
    assert run_path("shop", "..", "x.html").startswith("shop/runs/run-")
    assert runbook_base_url("http://h:8080/golive/docs/", "shop") == "http://h:8080/golive/docs/shop/runbooks"
    assert public_url_of("http://h/golive/docs", "shop/runbooks/a.html") == "http://h/golive/docs/shop/runbooks/a"
