"""ML-workload detection scores a PRD 0-1 and routes to the cpu or gpu profile."""

from pathlib import Path

import pytest

from golive.routing import gpu_profile, ml_score, profile_named, route, route_source

WEB_PRD = "An inventory REST API with authentication, rate limiting and a PostgreSQL database."
ML_PRD = ("Virtual try-on: a computer vision model (PyTorch, CUDA) does face detection and "
          "segmentation; GPU inference serves embeddings to the recommendation model.")


def test_web_service_routes_to_cpu():
    d = route(WEB_PRD, ["fastapi", "uvicorn"])
    assert d.profile == "cpu" and d.score < 0.2


def test_ml_service_routes_to_gpu_with_evidence():
    d = route(ML_PRD, ["torch", "opencv-python"])
    assert d.profile == "gpu" and d.score > 0.8
    assert {"pytorch", "cuda", "gpu", "face detection"} <= set(d.evidence)
    assert "≥" in d.reason


def test_score_is_monotonic_and_bounded():
    low, _ = ml_score("machine learning")
    high, _ = ml_score("machine learning with pytorch on a gpu using cuda")
    assert 0 < low < high <= 1


def test_words_inside_other_words_do_not_count():
    assert ml_score("the gpus-free torchlight festival")[0] == 0


def test_route_source_reads_readme_and_requirements(tmp_path: Path):
    (tmp_path / "README.md").write_text(ML_PRD)
    (tmp_path / "requirements.txt").write_text("torch==2.4.0\nfastapi==0.115.0\n# comment\n")
    assert route_source(tmp_path).profile == "gpu"


def test_gpu_profile_has_limits_tolerations_and_selector(monkeypatch):
    monkeypatch.setenv("GOLIVE_GPU_NODE_SELECTOR", '{"pool": "gpu-a100"}')
    p = gpu_profile()
    assert p.limits["nvidia.com/gpu"] == "1"
    assert p.tolerations[0]["key"] == "nvidia.com/gpu"
    assert p.node_selector == {"pool": "gpu-a100"}


def test_unknown_profile():
    with pytest.raises(ValueError, match="unknown pod profile"):
        profile_named("tpu")


def test_route_source_reads_pyproject_dependencies_and_groups(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "vision"\ndependencies = ["torch>=2", "opencv-python"]\n'
        '[project.optional-dependencies]\nserve = ["onnxruntime"]\n')
    (tmp_path / "README.md").write_text("Object detection for shelf images, GPU inference.")
    decision = route_source(tmp_path)
    assert decision.profile == "gpu"
    assert {"torch", "onnxruntime", "object detection"} <= set(decision.evidence)


def test_a_declared_kind_decides_the_route(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("scikit-learn==1.5.0\n")
    assert route_source(tmp_path).profile == "cpu"
    (tmp_path / "golive.yaml").write_text("kind: ml-service\n")
    declared = route_source(tmp_path)
    assert declared.profile == "gpu" and declared.reason.startswith("kind ml-service declared in golive.yaml")
    (tmp_path / "README.md").write_text(ML_PRD)
    (tmp_path / "golive.yaml").write_text("kind: worker\n")
    worker = route_source(tmp_path)
    assert worker.profile == "cpu" and worker.score > 0.5 and "kind worker declared" in worker.reason


def test_the_plan_carries_the_profile_and_what_was_assumed(tmp_path: Path, monkeypatch):
    from golive.agents.orchestrator import plan
    from golive.settings import get_settings

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "lib"\ndependencies = ["attrs"]\n')
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("X = 1\n")
    detected = plan(str(tmp_path))
    assert detected["routing"]["profile"] == "cpu"
    assert detected["application_profile"]["source"] == "detected"
    assert detected["application_profile"]["kind"] == "library" and detected["application_profile"]["assumptions"]
    monkeypatch.setenv("GOLIVE_PROFILE", '{"kind": "ml-service", "languages": ["python"]}')
    get_settings.cache_clear()
    try:
        from_conf = plan(str(tmp_path))
    finally:
        get_settings.cache_clear()
    assert from_conf["application_profile"]["source"] == "conf"
    assert from_conf["routing"]["profile"] == "gpu" and "declared in conf" in from_conf["routing"]["reason"]


def test_the_plan_pins_the_commit_every_pod_must_find(tmp_path: Path):
    from golive.agents.orchestrator import plan
    from golive.results import PlanResult
    from golive.sources import checkout

    (tmp_path / "app.py").write_text("X = 1\n")
    planned = plan(str(tmp_path))
    PlanResult.model_validate(planned)
    assert planned["commit"].startswith("tree:")
    assert checkout(str(tmp_path), "HEAD", tmp_path, commit=planned["commit"]) == tmp_path.resolve()


def _node(name: str, gpus: str | None, labels: dict[str, str] | None = None) -> dict:
    allocatable = {"cpu": "8", "memory": "32Gi", **({"nvidia.com/gpu": gpus} if gpus is not None else {})}
    return {"metadata": {"name": name, "labels": labels or {}}, "status": {"allocatable": allocatable}}


def test_feedback_topics_route_to_the_gpu_profile_only_on_a_gpu_node_it_can_land_on():
    from golive.routing import route_feedback_topics

    labels = dict(gpu_profile().node_selector)
    cluster = [_node("cpu-1", None), _node("cpu-2", "0", labels), _node("gpu-1", "2", labels)]
    image = "golive-agent:0.1.0-gpu"
    decision = route_feedback_topics("embeddings", cluster, gpu_image=image)
    assert decision.profile == "gpu" and decision.gpu_nodes == ["gpu-1"] and "gpu-1" in decision.reason
    assert route_feedback_topics("auto", cluster, gpu_image=image).profile == "gpu"
    tfidf = route_feedback_topics("tfidf", cluster, gpu_image=image)
    assert tfidf.profile == "cpu" and "tfidf" in tfidf.reason
    no_gpu = route_feedback_topics("embeddings", cluster[:2], gpu_image=image)
    assert no_gpu.profile == "cpu" and "no node with allocatable nvidia.com/gpu" in no_gpu.reason
    unlabelled = route_feedback_topics("auto", [_node("gpu-2", "1")], gpu_image=image)  # the selector misses it
    assert unlabelled.profile == "cpu" and unlabelled.gpu_nodes == []
    assert route_feedback_topics("auto", None, gpu_image=image).profile == "cpu"  # nodes not listable
    cpu_image = route_feedback_topics("auto", cluster)  # the default image's torch cannot use the GPU it would hold
    assert cpu_image.profile == "cpu" and "GOLIVE_AGENT_GPU_IMAGE is not set" in cpu_image.reason
