"""ML-workload detection (plan 001 §2.1) and the cpu/gpu pod profiles it routes to.

``ml_score`` reads a requirements/PRD text (and optionally dependency names) and returns a
likelihood 0–1 that the application is an ML/CV workload; ``route`` turns that into a pod profile.
The score is a weighted keyword model — transparent, so every routing decision can be explained
with the terms that produced it (``RoutingDecision.evidence``). ``route_source`` routes a tree at run
time (the orchestrator's plan): its README/PRD, every dependency it declares (requirements files,
``pyproject.toml`` including optional dependencies and groups, ``setup.py``, ``package.json``) and its
application profile — a profile that declares ``kind: ml-service`` routes to the gpu profile whatever
the score, one that declares another kind to the cpu profile.

``route_feedback_topics`` routes the feedback analysis by the cluster instead: the gpu profile when its
topics backend may use sentence embeddings, a gpu image (CUDA torch) is configured and a node
advertises allocatable GPUs under the gpu profile's node selector.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from golive.kube.podprofiles import PodProfile, pod_profile
from golive.profile import ResolvedProfile, load_profile
from golive.profile.detect import detect
from golive.usage import GPU_RESOURCE, UsageError, quantity

# term → weight. Strong signals are frameworks and GPU words; weak ones are generic ML vocabulary.
ML_TERMS: dict[str, float] = {
    "torch": 3.0, "pytorch": 3.0, "tensorflow": 3.0, "keras": 2.5, "jax": 2.5, "cuda": 3.0, "gpu": 2.5,
    "onnx": 2.0, "onnxruntime": 2.0, "transformers": 2.5, "huggingface": 2.0, "diffusers": 2.5,
    "scikit-learn": 1.5, "sklearn": 1.5, "xgboost": 1.5, "lightgbm": 1.5, "opencv": 2.0, "cv2": 2.0,
    "computer vision": 2.0, "image classification": 2.0, "object detection": 2.0, "segmentation": 1.5,
    "neural network": 2.0, "deep learning": 2.0, "machine learning": 1.5, "inference": 1.5,
    "training": 1.0, "fine-tune": 2.0, "fine-tuning": 2.0, "embedding": 1.5, "embeddings": 1.5,
    "llm": 2.0, "model serving": 2.0, "recommendation model": 1.5, "face detection": 2.0,
    "feature store": 1.0, "model evaluation": 1.5, "nvidia": 2.0, "tensor": 1.0,
}
#: Score at or above which the GPU profile is chosen.
GPU_THRESHOLD = 0.5
_SATURATION = 6.0  # total weight at which the score reaches ~0.63


def cpu_profile() -> PodProfile:
    """The default profile: CPU only (``golive.kube.podprofiles``)."""
    return pod_profile("cpu")


def gpu_profile() -> PodProfile:
    """GPU profile: the GPU resource, the GPU taint tolerated, the GPU node pool selected
    (``golive.kube.podprofiles``; ``GOLIVE_GPU_NODE_SELECTOR`` / ``GOLIVE_GPU_TOLERATIONS`` override)."""
    return pod_profile("gpu")


def profile_named(name: str) -> PodProfile:
    """``cpu`` or ``gpu``."""
    return pod_profile(name)


@dataclass(frozen=True)
class RoutingDecision:
    """The ML likelihood, the chosen profile and the terms that produced it."""

    score: float
    profile: str
    evidence: dict[str, int]
    reason: str


def ml_score(text: str, dependencies: Iterable[str] = ()) -> tuple[float, dict[str, int]]:
    """Likelihood 0–1 that ``text`` (PRD/requirements) plus ``dependencies`` describe an ML workload."""
    haystack = text.lower() + "\n" + "\n".join(d.lower() for d in dependencies)
    evidence: dict[str, int] = {}
    total = 0.0
    for term, weight in ML_TERMS.items():
        hits = len(re.findall(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", haystack))
        if hits:
            evidence[term] = hits
            total += weight * (1 + math.log(hits))
    return round(1 - math.exp(-total / _SATURATION), 3), evidence


def route(text: str, dependencies: Iterable[str] = (), threshold: float = GPU_THRESHOLD) -> RoutingDecision:
    """Choose the pod profile for a workload described by ``text`` and ``dependencies``."""
    score, evidence = ml_score(text, dependencies)
    profile = "gpu" if score >= threshold else "cpu"
    terms = ", ".join(f"{k}×{v}" for k, v in sorted(evidence.items(), key=lambda kv: -kv[1])[:8]) or "none"
    reason = f"ML likelihood {score:.2f} {'≥' if profile == 'gpu' else '<'} {threshold:.2f} (terms: {terms})"
    return RoutingDecision(score=score, profile=profile, evidence=evidence, reason=reason)


def route_source(source_dir: Path, threshold: float = GPU_THRESHOLD,
                 resolved: ResolvedProfile | None = None) -> RoutingDecision:
    """Route the application at ``source_dir`` by its texts, its declared dependencies and its profile.

    :param resolved: the application's profile (default: loaded from the tree); a declared kind decides.
    """
    texts: list[str] = []
    for name in ("PRD.md", "prd.md", "REQUIREMENTS.md", "README.md", "README.rst"):
        path = source_dir / name
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace")[:200_000])
    decision = route("\n".join(texts), detect(source_dir).dependencies, threshold)
    resolved = resolved or load_profile(source_dir)
    if resolved.source in ("detected", "default") or "kind" not in resolved.profile.model_fields_set:
        return decision
    kind = resolved.profile.kind
    chosen = "gpu" if kind == "ml-service" else "cpu"
    if chosen == decision.profile:
        return dataclasses.replace(decision, reason=f"{decision.reason}; kind {kind} declared in {resolved.source}")
    return dataclasses.replace(decision, profile=chosen,
                               reason=f"kind {kind} declared in {resolved.source} decides ({decision.reason})")


@dataclass(frozen=True)
class TopicsRouting:
    """The pod profile of the feedback analysis, the GPU nodes it saw and why."""

    profile: str
    gpu_nodes: list[str]
    reason: str


def _gpus(value: object) -> Decimal:
    """A node's allocatable GPU count; an unreadable quantity counts none."""
    try:
        return quantity(value)
    except UsageError:
        return Decimal(0)


def gpu_nodes(nodes: Iterable[Mapping[str, Any]], gpu: PodProfile | None = None,
              resource: str = GPU_RESOURCE) -> list[str]:
    """The nodes (``v1.Node`` objects as dicts) a ``gpu``-profile pod can land on: ``resource`` allocatable
    and every label of the profile's node selector (default the gpu profile's)."""
    selector = (gpu or gpu_profile()).node_selector
    names = []
    for node in nodes:
        metadata, status = node.get("metadata") or {}, node.get("status") or {}
        labels = metadata.get("labels") or {}
        if _gpus((status.get("allocatable") or {}).get(resource, 0)) > 0 \
                and all(labels.get(k) == v for k, v in selector.items()):
            names.append(str(metadata.get("name")))
    return names


def feedback_may_use_gpu(backend: str, gpu_image: str | None) -> bool:
    """Whether the feedback ``analyze`` pod may take a GPU at all: its topics ``backend`` may embed and
    ``gpu_image`` (``GOLIVE_AGENT_GPU_IMAGE``) names an image with CUDA torch. Only then do the cluster's
    nodes matter (:func:`route_feedback_topics`)."""
    return backend != "tfidf" and bool(gpu_image)


def route_feedback_topics(backend: str, nodes: Iterable[Mapping[str, Any]] | None,
                          gpu: PodProfile | None = None, resource: str = GPU_RESOURCE, *,
                          gpu_image: str | None = None) -> TopicsRouting:
    """Route the feedback ``analyze`` pod: gpu when its topics ``backend`` may embed (``embeddings`` or
    ``auto``), ``gpu_image`` names an image that can use a GPU and the cluster has a node a gpu pod can
    land on (:func:`gpu_nodes`); cpu otherwise (the default agent image's torch, if any, is CPU-only: a
    gpu pod of it would hold a GPU it cannot use).

    :param nodes: the cluster's nodes; None when they could not be listed (cpu).
    :param gpu_image: ``GOLIVE_AGENT_GPU_IMAGE``; None when it is not set (cpu).
    """
    if backend == "tfidf":
        return TopicsRouting("cpu", [], "GOLIVE_FEEDBACK_TOPICS=tfidf: TF-IDF runs on the CPU")
    if not feedback_may_use_gpu(backend, gpu_image):
        return TopicsRouting("cpu", [], f"GOLIVE_FEEDBACK_TOPICS={backend}: GOLIVE_AGENT_GPU_IMAGE is not set "
                                        "(the agent image has no CUDA torch): embeddings, if installed, run on the CPU")
    if nodes is None:
        return TopicsRouting("cpu", [], f"GOLIVE_FEEDBACK_TOPICS={backend}: the cluster's nodes could not be listed")
    found = gpu_nodes(nodes, gpu, resource)
    selector = ", ".join(f"{k}={v}" for k, v in sorted((gpu or gpu_profile()).node_selector.items())) or "none"
    if not found:
        return TopicsRouting("cpu", [], f"GOLIVE_FEEDBACK_TOPICS={backend}: no node with allocatable {resource} "
                                        f"and the gpu profile's labels ({selector})")
    return TopicsRouting("gpu", found, f"GOLIVE_FEEDBACK_TOPICS={backend}: GPU node(s) {', '.join(found)} "
                                       f"({resource}, {selector})")
