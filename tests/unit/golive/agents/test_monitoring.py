"""The monitoring agent takes its objectives from the application's profile; a flag overrides one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.agents import monitoring


def _setup(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert monitoring.main(["setup", "--application", "shop", "--namespace", "apps", "--dry-run", *argv]) == 0
    summary: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return summary


def test_the_profiles_slos_are_the_objectives_and_a_flag_overrides_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "golive.yaml").write_text("slos: {latency_p95_seconds: 0.4, availability_target: 99.9}\n")
    slos = _setup(capsys, "--source", str(tmp_path))["slos"]
    assert isinstance(slos, dict)
    assert (slos["latency_p95_seconds"], slos["availability_target"], slos["error_rate_max"]) == (0.4, 99.9, 0.05)
    overridden = _setup(capsys, "--source", str(tmp_path), "--latency-p95", "1.5")["slos"]
    assert isinstance(overridden, dict) and overridden["latency_p95_seconds"] == 1.5
    assert overridden["availability_target"] == 99.9


def test_without_a_profile_the_defaults_apply(capsys: pytest.CaptureFixture[str]) -> None:
    slos = _setup(capsys)["slos"]
    assert isinstance(slos, dict) and slos["latency_p95_seconds"] == 2.0


def test_an_invalid_profile_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "golive.yaml").write_text("slos: {latency_p95_seconds: -1}\n")
    with pytest.raises(SystemExit) as exit_:
        monitoring.main(["setup", "--application", "shop", "--namespace", "apps", "--dry-run",
                         "--source", str(tmp_path)])
    assert exit_.value.code == 2


def test_the_alerts_link_to_the_runbooks_the_documentation_phase_writes(capsys: pytest.CaptureFixture[str]) -> None:
    from golive.settings import get_settings

    default = _setup(capsys)["slos"]
    assert isinstance(default, dict)
    assert default["runbook_base_url"] == f"{get_settings().docs_public_url}/shop/runbooks"
    chosen = _setup(capsys, "--runbook-base-url", "https://docs.example.com/shop")["slos"]
    assert isinstance(chosen, dict) and chosen["runbook_base_url"] == "https://docs.example.com/shop"
