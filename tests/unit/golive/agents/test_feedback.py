"""The feedback agent's CLI refuses bad input (exit 2, naming the option) before reading any batch."""

from __future__ import annotations

import json

import pytest

from golive.agents import feedback


def _manifest(tmp_path, doc) -> str:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(doc))
    return path.as_uri()


@pytest.mark.parametrize(("argv", "message"), [
    (["validate", "--manifest", "ftp://x/m.json", "--run", "r"], "store 'ftp://x/m.json' must be a file://"),
    (["analyze", "--manifest", "file:///m.json", "--run", "r", "--as-of", "someday"], "as-of 'someday' is not a date"),
    (["validate", "--manifest", "file:///nowhere/m.json", "--run", "r"], "--manifest: cannot read"),
])
def test_bad_options_exit_2_naming_them(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        feedback.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_manifest_entry_without_its_fields_is_refused(tmp_path, capsys):
    url = _manifest(tmp_path, {"batches": [{"application": "shop", "source": "email", "url": "file:///x"}]})
    with pytest.raises(SystemExit):
        feedback.main(["validate", "--manifest", url, "--run", "r"])
    assert "a batch entry needs application, source (ledger, drop, endpoint) and url" in capsys.readouterr().err


def test_an_endpoint_that_does_not_answer_is_an_error_not_a_batch(tmp_path):
    manifest = {"batches": [{"application": "shop", "source": "endpoint", "url": "http://127.0.0.1:9",
                             "path": "/feedback"}]}
    code, summary = feedback.validate(manifest, feedback.FeedbackStore(tmp_path.as_uri()), "r")
    assert code == 0 and summary["batches"] == []
    assert summary["errors"][0]["application"] == "shop" and "did not answer" in summary["errors"][0]["error"]


def test_analyze_with_embeddings_missing_fails_naming_the_setting(tmp_path, monkeypatch, capsys):
    import sys

    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps({"rows": [{"id": "1", "version": "1.0.0", "submitted_at": "2026-11-01T00:00:00Z",
                                          "rating": 2, "nps": 3, "comment": "Payment failed at checkout"}]}))
    url = _manifest(tmp_path, {"applications": [{"application": "shop", "rows_url": rows.as_uri()}]})
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # an install without the embeddings extra
    monkeypatch.setenv("GOLIVE_FEEDBACK_TOPICS", "embeddings")
    from golive.settings import get_settings

    get_settings.cache_clear()
    try:
        code = feedback.main(["analyze", "--manifest", url, "--run", "r1", "--as-of", "2026-11-02T00:00:00Z",
                              "--docs-store", (tmp_path / "docs").as_uri()])
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert "GOLIVE_FEEDBACK_TOPICS=embeddings needs golive's 'embeddings' extra" in capsys.readouterr().err
    assert not (tmp_path / "docs").exists()
