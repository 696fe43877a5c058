"""What the feedback says: sentiment, topics, priorities, and CSAT / NPS per release with their trend.

* **sentiment**: VADER (``vaderSentiment``, a lexicon and rule-based model for short texts) gives
  each comment a compound score in [-1, 1]; ≥ 0.05 is positive, ≤ -0.05 negative (VADER's own cut-offs).
* **topics**: the comments clustered by :mod:`golive.feedback.topics` — TF-IDF + k-means (the CPU
  default) or MiniLM sentence embeddings + k-means (``GOLIVE_FEEDBACK_TOPICS``), k = ⌈√(n/2)⌉, each
  topic named by its heaviest TF-IDF terms; the result says which backend and model made them.
* **priority** of a topic = frequency × severity × recency: its share of the comments; the mean
  severity of its rows (the mean of what a row carries: ``(1 − compound)/2``, ``(5 − rating)/4``,
  ``(10 − nps)/10``); the mean recency weight ``0.5^(age days / half-life)`` as of the run's date.
* **CSAT** = share of ratings 4–5 (%); **NPS** = % promoters (9–10) − % detractors (0–6). Per
  release (``version``, ordered by version number, else by first feedback), each with its change
  against the previous release.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from golive.feedback.topics import MAX_TOPICS, cluster
from golive.versions import release_order_key

POSITIVE, NEGATIVE = 0.05, -0.05
HALF_LIFE_DAYS = 14.0


@cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score of ``text`` in [-1, 1]."""
    return float(_analyzer().polarity_scores(text)["compound"])


def sentiment_label(compound: float) -> str:
    """``positive``, ``negative`` or ``neutral`` by VADER's cut-offs."""
    return "positive" if compound >= POSITIVE else "negative" if compound <= NEGATIVE else "neutral"


def csat(ratings: Sequence[int]) -> float | None:
    """Customer satisfaction: the share (%) of ratings of 4 or 5; None without ratings."""
    return round(100.0 * sum(1 for r in ratings if r >= 4) / len(ratings), 2) if ratings else None


def nps(scores: Sequence[int]) -> float | None:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), in −100..100; None without scores."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 2)


def parse_time(value: Any) -> datetime:
    """An ISO 8601 text (or datetime) as an aware UTC datetime (naive ones are taken as UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        from dateutil import parser

        moment = parser.parse(str(value))  # the parser the validation's dateutil expectation uses
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def severity(row: Mapping[str, Any], compound: float | None) -> float:
    """How bad one row is, in [0, 1]: the mean of the signals it carries (sentiment, rating, NPS)."""
    parts = []
    if compound is not None:
        parts.append((1.0 - compound) / 2.0)
    if isinstance(row.get("rating"), int):
        parts.append((5 - row["rating"]) / 4.0)
    if isinstance(row.get("nps"), int):
        parts.append((10 - row["nps"]) / 10.0)
    return sum(parts) / len(parts) if parts else 0.0


def recency(moment: datetime, as_of: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """``0.5 ** (age in days / half-life)``; feedback from the future (clock skew) counts as new."""
    age = max((as_of - moment).total_seconds() / 86400.0, 0.0)
    return float(0.5 ** (age / half_life_days))


def releases(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """CSAT and NPS per release, in release order, each with its change against the previous one."""
    by_version: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_version[str(row["version"])].append(row)
    first = {v: min(parse_time(r["submitted_at"]) for r in rs) for v, rs in by_version.items()}
    out: list[dict[str, Any]] = []
    for version in sorted(by_version, key=lambda v: release_order_key(v, first[v])):
        group = by_version[version]
        ratings = [r["rating"] for r in group if isinstance(r.get("rating"), int)]
        scores = [r["nps"] for r in group if isinstance(r.get("nps"), int)]
        entry: dict[str, Any] = {"version": version, "responses": len(group), "ratings": len(ratings),
                                 "nps_responses": len(scores), "csat": csat(ratings), "nps": nps(scores),
                                 "first_feedback": first[version].isoformat()}
        previous = out[-1] if out else None
        for metric in ("csat", "nps"):
            before = previous.get(metric) if previous else None
            delta = None if before is None or entry[metric] is None else round(entry[metric] - before, 2)
            entry[f"{metric}_change"] = delta
            entry[f"{metric}_trend"] = ("n/a" if delta is None else "up" if delta > 0 else
                                        "down" if delta < 0 else "flat")
        out.append(entry)
    return out


def analyse(rows: Sequence[Mapping[str, Any]], *, as_of: datetime, max_topics: int = MAX_TOPICS,
            topics_backend: str = "tfidf") -> dict[str, Any]:
    """The whole analysis of an application's accepted feedback (``rows`` as the ledger keeps them).

    :param topics_backend: ``tfidf``, ``embeddings`` or ``auto`` (:func:`golive.feedback.topics.cluster`).
    :raises golive.feedback.topics.TopicsBackendUnavailable: ``embeddings`` without the extra installed.
    """
    scored: list[dict[str, Any]] = []
    for row in rows:
        comment = row.get("comment") or ""
        compound = sentiment(comment) if comment else None
        moment = parse_time(row["submitted_at"])
        scored.append({**row, "sentiment": compound,
                       "sentiment_label": sentiment_label(compound) if compound is not None else None,
                       "severity": round(severity(row, compound), 4),
                       "recency": round(recency(moment, as_of), 4)})
    commented = [r for r in scored if r.get("comment")]
    clustered = cluster([str(r["comment"]) for r in commented], max_topics, topics_backend)
    labels, names = clustered.labels, clustered.names
    total = len(commented)
    topic_rows: list[dict[str, Any]] = []
    for index, terms in enumerate(names):
        members = [r for r, label in zip(commented, labels, strict=True) if label == index]
        if not members:
            continue
        frequency = len(members) / total
        sev = sum(r["severity"] for r in members) / len(members)
        rec = sum(r["recency"] for r in members) / len(members)
        compounds = [r["sentiment"] for r in members if r["sentiment"] is not None]
        topic_rows.append({
            "topic": " / ".join(terms), "terms": terms, "count": len(members), "frequency": round(frequency, 4),
            "severity": round(sev, 4), "recency": round(rec, 4), "priority": round(frequency * sev * rec, 4),
            "mean_sentiment": round(sum(compounds) / len(compounds), 4) if compounds else None,
            "versions": sorted({str(r["version"]) for r in members}),
            "examples": [str(r["comment"]) for r in sorted(members, key=lambda r: -r["severity"])[:3]],
        })
    topic_rows.sort(key=lambda t: (-t["priority"], t["topic"]))
    for rank, topic in enumerate(topic_rows, start=1):
        topic["rank"] = rank
    labelled = [r["sentiment_label"] for r in scored if r["sentiment_label"]]
    ratings = [r["rating"] for r in scored if isinstance(r.get("rating"), int)]
    scores = [r["nps"] for r in scored if isinstance(r.get("nps"), int)]
    return {
        "as_of": as_of.isoformat(), "responses": len(scored), "comments": total,
        "csat": csat(ratings), "nps": nps(scores),
        "sentiment": {label: labelled.count(label) for label in ("positive", "neutral", "negative")},
        "releases": releases(scored), "topics": topic_rows,
        "method": {"sentiment": "vaderSentiment compound (>= 0.05 positive, <= -0.05 negative)",
                   "topics": clustered.method(), "topics_backend": clustered.as_dict(),
                   "priority": f"frequency x severity x recency (half-life {HALF_LIFE_DAYS:g} days)",
                   "csat": "% of ratings 4-5", "nps": "% promoters (9-10) - % detractors (0-6)"},
        "rows": [{k: r.get(k) for k in ("id", "version", "submitted_at", "rating", "nps", "comment",
                                        "sentiment", "sentiment_label", "severity", "recency")} for r in scored],
    }
