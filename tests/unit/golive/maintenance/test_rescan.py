"""Rescan: the deployed pins against a snapshot; what the go-live did not know is new — by its
recorded security findings when there are some, else by the advisory's publication date."""

from __future__ import annotations

from datetime import UTC, datetime

from repo_paths import REPO

from golive.maintenance.rescan import KNOWN, NEW, REPORTED, Advisory, classify, rescan

SNAPSHOT = REPO / "tests" / "data" / "maintenance" / "osv"
LIVE = datetime(2026, 6, 1, tzinfo=UTC)


def adv(published: str | None, fingerprint: str = "dependencies:x:1.0:A") -> Advisory:
    return Advisory(fingerprint=fingerprint, package="x", ecosystem="PyPI", version="1.0", path="requirements.txt",
                    line=1, primary="A", ids=("A",), severity="HIGH", summary="", fixed=("1.1",), published=published)


def test_without_a_recorded_evaluation_the_publication_date_decides():
    assert classify(adv("2026-05-31T23:00:00Z"), live_since=LIVE, known_at_golive=None, reported=())[0] == KNOWN
    status, why = classify(adv("2026-06-02T00:00:00Z"), live_since=LIVE, known_at_golive=None, reported=())
    assert status == NEW and "after the go-live of 2026-06-01" in why
    assert classify(adv(None), live_since=LIVE, known_at_golive=None, reported=())[0] == NEW  # unknown is not known


def test_a_recorded_evaluation_decides_by_its_findings_and_a_reported_one_is_not_new_twice():
    old_but_unseen = adv("2020-01-01T00:00:00Z")  # in the snapshot only after the go-live
    assert classify(old_but_unseen, live_since=LIVE, known_at_golive=set(), reported=())[0] == NEW
    assert classify(old_but_unseen, live_since=LIVE, known_at_golive={old_but_unseen.fingerprint},
                    reported=())[0] == KNOWN
    assert classify(old_but_unseen, live_since=LIVE, known_at_golive=set(),
                    reported={old_but_unseen.fingerprint})[0] == REPORTED


def test_rescan_of_the_sample_app_against_the_test_snapshot():
    found = rescan(REPO / "include" / "sample_app", snapshot_dir=SNAPSHOT, live_since=LIVE)
    by_id = {a["primary"]: a for a in found["advisories"]}
    assert set(by_id) == {"GOLIVE-TEST-2026-0001", "GOLIVE-TEST-2026-0002"}
    assert by_id["GOLIVE-TEST-2026-0002"]["fingerprint"] == "dependencies:uvicorn:0.54.0:GOLIVE-TEST-2026-0002"
    assert by_id["GOLIVE-TEST-2026-0002"]["fixed"][0] == "0.54.1"
    assert found["counts"] == {"new": 1, "reported": 0, "known": 1} and found["checked"] > 10
    assert found["snapshot"]["PyPI"].startswith("PyPI advisories of 2026-11-30")
