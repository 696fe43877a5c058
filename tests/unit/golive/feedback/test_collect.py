"""Collecting feedback: CSV and JSON files of the drop folder, and the application's endpoint over HTTP."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
from local_http import serving

from golive.feedback.collect import EndpointError, drop_files, fetch_endpoint, read_drop_file
from golive.feedback.layout import FeedbackStore, move
from golive.feedback.rows import Batch, BatchReadError, normalise, parse_rows

CSV = ("id,submitted_at,version,rating,nps,comment\n"
       "1,2026-11-02T09:00:00Z,1.1.0,5,10,\"Fast, simple checkout\"\n"
       "2,2026-11-03,1.1.0,,7,\n"
       "3,2026-11-03,1.1.0,five,,meh\n")


def test_csv_rows_are_read_as_given_scores_as_whole_numbers():
    rows = parse_rows(CSV.encode(), "csv", what="t.csv")
    assert rows[0] == {"id": "1", "submitted_at": "2026-11-02T09:00:00Z", "version": "1.1.0", "rating": 5,
                       "nps": 10, "comment": "Fast, simple checkout", "channel": None}
    assert rows[1]["rating"] is None and rows[1]["comment"] is None
    assert rows[2]["rating"] == "five"  # left for the validation to name, never dropped or guessed


def test_json_list_or_items_document():
    doc = [{"id": 7, "submitted_at": "2026-11-02", "version": "2.0", "rating": 4.0}]
    assert parse_rows(json.dumps(doc).encode(), "json", what="x")[0]["rating"] == 4
    assert parse_rows(json.dumps({"items": doc}).encode(), "json", what="x")[0]["id"] == "7"
    with pytest.raises(BatchReadError, match="x: JSON must be a list of objects"):
        parse_rows(b'{"rows": 1}', "json", what="x")
    with pytest.raises(BatchReadError, match=r"bad\.csv: a CSV line has more fields"):
        parse_rows(b"id,version\n1,2,3\n", "csv", what="bad.csv")


def test_the_batch_id_is_stable_and_follows_the_content():
    one = Batch("shop", "drop", "file:///in/shop/a.csv", (normalise({"id": "1", "version": "1"}),))
    same = Batch("shop", "drop", "file:///in/shop/a.csv", (normalise({"id": "1", "version": "1"}),))
    other = Batch("shop", "drop", "file:///in/shop/a.csv", (normalise({"id": "1", "version": "2"}),))
    assert one.batch_id == same.batch_id != other.batch_id and one.batch_id.startswith("drop-")


def test_the_drop_folder_lists_csv_and_json_of_the_application(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "shop").mkdir(parents=True)
    (inbox / "shop" / "b.json").write_text("[]")
    (inbox / "shop" / "a.csv").write_text(CSV)
    (inbox / "shop" / "notes.txt").write_text("not feedback")
    (inbox / "other").mkdir()
    (inbox / "other" / "c.csv").write_text(CSV)
    base = inbox.as_uri()
    assert drop_files(base, "shop") == [f"{base}/shop/a.csv", f"{base}/shop/b.json"]
    assert drop_files(base, "nobody") == []
    batch, error = read_drop_file(f"{base}/shop/a.csv", "shop")
    assert error is None and batch.source == "drop" and len(batch.rows) == 3
    (inbox / "shop" / "broken.json").write_text("{not json")
    broken, why = read_drop_file(f"{base}/shop/broken.json", "shop")
    assert broken.rows == () and "broken.json: not JSON" in (why or "")


def test_move_is_idempotent(tmp_path):
    store = FeedbackStore(tmp_path.as_uri())
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.csv").write_text(CSV)
    dest = store.url("quarantine/shop/b1/a.csv")
    assert move(store.url("inbox/a.csv"), dest) == dest
    assert move(store.url("inbox/a.csv"), dest) == dest  # a retried task: already moved
    assert (tmp_path / "quarantine" / "shop" / "b1" / "a.csv").read_text() == CSV
    assert not (tmp_path / "inbox" / "a.csv").exists()


class _Feedback(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/feedback":
            body = json.dumps({"items": [{"id": "e1", "submitted_at": "2026-11-05T08:00:00Z", "version": "1.1.0",
                                          "rating": 4, "nps": 9, "comment": "Works well"}]}).encode()
            self.send_response(200)
        elif self.path == "/html":
            body = b"<html>feedback</html>"
            self.send_response(200)
        else:
            body = b"{}"
            self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_endpoint_is_read_over_http():
    with serving(_Feedback) as url:
        batch = fetch_endpoint(url, "/feedback", "shop")
        assert batch.source == "endpoint" and batch.origin == f"{url}/feedback"
        assert batch.rows[0]["id"] == "e1" and batch.rows[0]["rating"] == 4
        with pytest.raises(EndpointError, match="answered HTTP 500"):
            fetch_endpoint(url, "/broken", "shop")
        with pytest.raises(EndpointError, match="not JSON"):
            fetch_endpoint(url, "/html", "shop")
    with pytest.raises(EndpointError, match="did not answer"):
        fetch_endpoint(url, "/feedback", "shop", timeout=1)
