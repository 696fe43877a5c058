"""Feedback analysis: VADER sentiment of real sentences, TF-IDF + k-means topics, priority,
CSAT / NPS arithmetic and their trend per release, and the insights report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from golive.feedback import analysis as a
from golive.feedback.report import render_insights
from golive.feedback.topics import cluster

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)


def _row(*fields):
    i, version, day, rating, nps, comment = fields
    return {"id": str(i), "version": version, "submitted_at": f"2026-11-{day:02d}T10:00:00Z", "rating": rating,
            "nps": nps, "comment": comment}


ROWS = [
    _row(1, "1.0.0", 1, 5, 10, "I love the new dashboard, it is fast and beautiful"),
    _row(2, "1.0.0", 2, 4, 9, "Great dashboard, very quick to load"),
    _row(3, "1.0.0", 3, 4, 8, "The dashboard charts are great and clear"),
    _row(4, "1.1.0", 27, 1, 2, "Checkout crashes every time I pay, terrible"),
    _row(5, "1.1.0", 28, 2, 3, "Payment failed again at checkout, awful bug"),
    _row(6, "1.1.0", 29, 2, 5, "Checkout is slow and the payment page times out"),
    _row(7, "1.1.0", 29, 5, 10, None),
    _row(8, "1.10.0", 30, 3, 7, None),
]


def test_vader_scores_real_sentences():
    assert a.sentiment("The new release is wonderful, everything works!") > 0.5
    assert a.sentiment("This update is awful, the app crashes and I lost my order.") < -0.5
    assert a.sentiment_label(a.sentiment("The invoice is sent by email.")) == "neutral"
    assert a.sentiment_label(0.05) == "positive" and a.sentiment_label(-0.05) == "negative"


def test_csat_and_nps_arithmetic():
    assert a.csat([5, 4, 3, 2]) == 50.0
    assert a.csat([]) is None
    # 2 promoters, 1 passive, 2 detractors of 5: (2 - 2) / 5
    assert a.nps([10, 9, 8, 6, 0]) == 0.0
    assert a.nps([10, 10, 9, 7]) == 75.0
    assert a.nps([0, 3]) == -100.0
    assert a.nps([]) is None


def test_recency_halves_every_half_life_and_severity_mixes_the_signals():
    assert a.recency(AS_OF, AS_OF) == 1.0
    assert a.recency(AS_OF - timedelta(days=a.HALF_LIFE_DAYS), AS_OF) == pytest.approx(0.5)
    assert a.recency(AS_OF + timedelta(days=3), AS_OF) == 1.0
    assert a.severity({"rating": 1, "nps": 0}, -1.0) == 1.0
    assert a.severity({"rating": 5, "nps": 10}, 1.0) == 0.0
    assert a.severity({"rating": 3}, None) == 0.5


def test_releases_are_ordered_by_version_with_their_trend():
    releases = a.releases(ROWS)
    assert [r["version"] for r in releases] == ["1.0.0", "1.1.0", "1.10.0"]  # by version, not as text
    first, second, third = releases
    assert (first["csat"], first["nps"], first["csat_trend"]) == (100.0, 66.67, "n/a")
    assert (second["csat"], second["nps"]) == (25.0, -50.0)
    assert second["csat_change"] == -75.0 and second["csat_trend"] == "down"
    assert second["nps_change"] == -116.67 and second["nps_trend"] == "down"
    assert (third["csat"], third["nps"], third["nps_trend"]) == (0.0, 0.0, "up")


@pytest.fixture(scope="module")
def analysed():
    return a.analyse(ROWS, as_of=AS_OF)


def test_topics_separate_the_complaint_from_the_praise_and_rank_it_first(analysed):
    topics = analysed["topics"]
    top = topics[0]
    assert top["rank"] == 1 and {"checkout", "payment"} & set(top["terms"])
    assert top["count"] == 3 and top["versions"] == ["1.1.0"] and top["mean_sentiment"] < 0
    praise = next(t for t in topics if "dashboard" in t["terms"])
    assert praise["count"] == 3 and praise["mean_sentiment"] > 0
    assert top["priority"] > praise["priority"]
    assert top["priority"] == pytest.approx(top["frequency"] * top["severity"] * top["recency"], abs=1e-3)
    assert analysed["comments"] == 6 and analysed["responses"] == 8
    # VADER's lexicon has no word of "slow … times out": that complaint is neutral, its rating still counts
    assert analysed["sentiment"] == {"positive": 3, "neutral": 1, "negative": 2}


def test_one_comment_is_one_topic():
    clustered = cluster(["The export button does nothing"])
    assert clustered.labels == [0] and len(clustered.names) == 1 and "export" in " ".join(clustered.names[0])
    assert clustered.backend == "tfidf" and clustered.model is None


def test_the_report_has_plots_tables_and_the_quarantine(analysed):
    quarantined = [{"batch_id": "drop-1", "source": "drop", "origin": "file:///in/shop/bad.csv", "rows": 2,
                    "location": "file:///q/shop/drop-1/bad.csv",
                    "failed": [{"expectation": "expect_column_values_to_be_in_set", "description": "rating not a "
                                "whole number in 1–5: 7 (rows 1)"}]}]
    report = render_insights(application="shop", run_id="scheduled__1", analysis=analysed, quarantined=quarantined,
                             notes=["feedback endpoint http://x/feedback answered HTTP 500"])
    assert report.html.count("<svg") == 3
    assert "checkout" in report.html and "rating not a whole number in 1–5: 7" in report.html
    assert "answered HTTP 500" in report.html and "1.10.0" in report.html
    assert report.data["quarantined"][0]["batch_id"] == "drop-1" and report.data["nps"] == analysed["nps"]
