"""The gate specs: the one source of each gate's analyzers and criteria, safe to read at DAG parse time."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from golive.gates.canary import CANARY
from golive.gates.quality import QUALITY
from golive.gates.security import SECURITY
from golive.gates.spec import GateSpec
from golive.gates.testing import TESTING
from golive.gates.verification import VERIFICATION
from golive.models import AnalyzerResult, CriterionRule, Measurement, VerdictStatus

#: The gates whose agents share the gate CLI (:mod:`golive.cli.gate`); the canary agent has its own.
GATES = (QUALITY, SECURITY, VERIFICATION, TESTING)


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
def test_each_agent_runs_exactly_its_gates_analyzers(gate: GateSpec) -> None:
    agent = importlib.import_module(f"golive.agents.{gate.name}")
    assert tuple(agent.REGISTRY) == gate.analyzers
    assert agent.SPEC.gate is gate


def test_reading_the_gates_imports_no_analyzer_nor_client() -> None:
    probe = ("import json, sys; import golive.gates.canary, golive.gates.quality, golive.gates.security, "
             "golive.gates.testing, golive.gates.verification; print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                           check=True).stdout))
    heavy = {"httpx", "kubernetes", "golive.analyzers", "golive.agents", "great_expectations", "yaml"}
    assert not loaded & heavy


def test_the_canary_gate_scores_by_the_thresholds_recorded_in_its_result() -> None:
    result = AnalyzerResult(agent="canary", tool="analysis", details={"thresholds": {"max_error_rate": 0.2}},
                            measurements=[Measurement(name="canary_error_rate", value=0.1, unit="ratio")])
    criterion = next(c for c in CANARY.score([result]).criteria if c.name == "canary error rate")
    assert criterion.status.value == "pass" and criterion.threshold == "<= 0.2 ratio"
    assert CANARY.score([]).status is VerdictStatus.FAIL


def test_a_spec_whose_rules_measure_what_no_analyzer_produces_is_refused() -> None:
    rule = CriterionRule(name="m", measurement="m", unit="", comparison=">=", pass_at=1, weight=1)
    with pytest.raises(ValueError, match="measure what no analyzer produces"):
        GateSpec(name="broken", analyzers=("a",), rules=(rule,), producers={})
    with pytest.raises(ValueError, match="unknown analyzers"):
        GateSpec(name="broken", analyzers=("a",), rules=(rule,), producers={"m": "b"})


def test_score_makes_a_missing_analyzer_no_data_never_a_pass() -> None:
    rule = CriterionRule(name="m", measurement="m", unit="", comparison=">=", pass_at=1, weight=1, key=True)
    gate = GateSpec(name="demo", analyzers=("a",), rules=(rule,), producers={"m": "a"})
    assert gate.score([]).status is VerdictStatus.FAIL
    measured = AnalyzerResult(agent="demo", tool="a", measurements=[Measurement(name="m", value=1, unit="")])
    assert gate.score([measured]).status is VerdictStatus.PASS
