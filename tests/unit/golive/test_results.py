"""Agent results travel: validated, JSON-safe and bounded, through the task SDK's real XCom push."""

from __future__ import annotations

import json
import math

import msgspec
import pytest
from pydantic import ValidationError

from golive import runtime
from golive.models import AnalyzerResult, Finding, Measurement
from golive.results import (
    INT64_MAX,
    MAX_BYTES,
    TRUNCATED_KEY,
    DeploymentResult,
    GateOutcome,
    prepare,
    travel_safe,
)

HYPOTHESIS_SEED = 212_414_327_432_859_377_118_421_924_398_723_441_327  # a real 128-bit Hypothesis seed


def fuzz_result(seed: object = HYPOTHESIS_SEED) -> dict:
    return AnalyzerResult(agent="testing", tool="fuzz", measurements=[Measurement(name="server_errors", value=0,
                                                                                 unit="count")],
                          details={"seed": seed, "ratio": math.nan, "pair": (1, 2)}).model_dump(mode="json")


class FramingComms:
    """Stands in for the supervisor socket: encodes each message exactly as the task runner does."""

    def __init__(self) -> None:
        self.frames: list[dict] = []

    def send(self, msg):
        from airflow.sdk.execution_time.comms import _RequestFrame

        raw = _RequestFrame(id=len(self.frames), body=msg.model_dump()).as_bytes()
        self.frames.append(msgspec.msgpack.decode(bytes(raw[4:]))[1])


@pytest.fixture
def comms(monkeypatch):
    from airflow.sdk.execution_time import task_runner

    fake = FramingComms()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", fake, raising=False)
    return fake


def push(value) -> None:
    from airflow.sdk.bases.xcom import BaseXCom

    BaseXCom.set("return_value", value, dag_id="golive", task_id="testing.fuzz", run_id="manual__1")


def test_a_128_bit_seed_breaks_the_raw_task_sdk_push(comms):
    with pytest.raises(OverflowError):
        push(fuzz_result())


def test_the_prepared_result_goes_through_the_task_sdk_push(comms, tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.MOUNT_MAP_ENV, json.dumps({"/airflow/xcom": str(tmp_path)}))
    written = runtime.write_xcom(fuzz_result(), AnalyzerResult)
    value = json.loads(open(written).read())  # what KubernetesPodOperator's sidecar hands back
    push(value)
    sent = comms.frames[0]["value"]
    assert sent["details"]["seed"] == str(HYPOTHESIS_SEED)
    assert sent["details"]["ratio"] is None and sent["details"]["pair"] == [1, 2]
    assert AnalyzerResult.model_validate(sent).value("server_errors") == 0


def test_the_operator_side_makes_an_old_images_result_travel(comms):
    from golive.results import travel_safe_result

    push(travel_safe_result({"details": {"seed": -HYPOTHESIS_SEED, "ok": INT64_MAX}}))
    assert comms.frames[0]["value"]["details"] == {"seed": str(-HYPOTHESIS_SEED), "ok": INT64_MAX}


def test_a_result_that_breaks_its_schema_is_refused_before_it_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.MOUNT_MAP_ENV, json.dumps({"/airflow/xcom": str(tmp_path)}))
    with pytest.raises(ValidationError, match="tool"):
        runtime.write_xcom({"agent": "quality", "measurements": []}, AnalyzerResult)
    with pytest.raises(ValidationError, match="verdict"):
        runtime.write_xcom({"evaluation_id": 3}, GateOutcome)
    assert not (tmp_path / "return.json").exists()
    assert DeploymentResult.model_validate({"agent": "deployment", "ok": False, "error": "no such chart"})


def test_big_results_are_bounded_and_say_what_was_cut():
    findings = [Finding(tool="bandit", rule_id=f"B{i}", message="x" * 9000, path=f"app/m{i}.py", line=i)
                for i in range(3000)]
    result = AnalyzerResult(agent="security", tool="bandit", findings=findings,
                            details={"examples": list(range(10_000))})
    safe = prepare(result, AnalyzerResult)
    assert len(json.dumps(safe)) <= MAX_BYTES
    assert AnalyzerResult.model_validate(safe).tool == "bandit"  # still its schema
    cut = safe["details"][TRUNCATED_KEY]
    assert any(c.startswith("$.findings: 3000 items") for c in cut)
    assert any(c.startswith("$.details.examples: 10000 items") for c in cut)
    assert safe["findings"][0]["message"].endswith("more characters]")


def test_small_results_pass_unchanged():
    payload = {"agent": "orchestrator", "routing": {"ml_score": 0.25, "profile": "cpu"}, "flags": {3, 1}}
    safe, cut = travel_safe(payload)
    assert cut == [] and safe == {"agent": "orchestrator", "routing": {"ml_score": 0.25, "profile": "cpu"},
                                  "flags": [1, 3]}
