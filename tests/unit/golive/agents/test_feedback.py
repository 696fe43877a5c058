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
