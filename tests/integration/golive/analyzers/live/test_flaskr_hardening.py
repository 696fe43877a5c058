"""golive's verdicts on a real web application nobody here wrote, before and after its hardening.

The Flask tutorial app as pallets/flask ships it keeps its session key in the code ("dev"), takes any
password, has no rate limit and sets no security header: the security gate fails it for exactly those
reasons, statically and live. ``flaskr.hardening.patch`` (what a user does after that first verdict:
key from the environment, pydantic forms with a password policy, a per-client token bucket, the headers)
makes the same checks pass — so each check is shown to fail and to pass on one real code base.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flaskr_trees import HARDENED, PROFILE, running, upstream_copy

from golive.agents import security
from golive.analyzers.base import Context
from golive.analyzers.live.headers import run_headers
from golive.analyzers.live.password import run_password
from golive.analyzers.live.ratelimit import run_ratelimit
from golive.cli.gate import gate_results
from golive.gates.security import SECURITY
from golive.models import CriterionStatus, VerdictStatus
from golive.settings import get_settings

#: The requests a minute the served copies allow, so the burst finds the limit in a few dozen requests.
LIMIT = 30


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_PROFILE", PROFILE)
    monkeypatch.setenv("GOLIVE_ENVIRONMENT", "dev")
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return upstream_copy(tmp_path_factory.mktemp("flaskr"))


def _statuses(tree: Path) -> tuple[VerdictStatus, dict[str, CriterionStatus], list[str]]:
    verdict = SECURITY.score(gate_results(security.SPEC, Context(agent="security", source=tree)))
    return verdict.status, {c.name: c.status for c in verdict.criteria}, verdict.reasons


@pytest.mark.usefixtures("profile")
def test_static_security_fails_upstream_for_its_true_reasons_and_passes_the_hardened_tree(upstream: Path) -> None:
    status, criteria, reasons = _statuses(upstream)
    assert status is VerdictStatus.FAIL
    failed = {name for name, s in criteria.items() if s is CriterionStatus.FAIL}
    assert failed == {"secrets", "password_policy", "rate_limiting", "security_headers", "checklist_completion"}
    assert any("Secret Keyword at flaskr/__init__.py" in r for r in reasons), reasons
    assert any("input-validation" in r for r in reasons), reasons
    status, criteria, reasons = _statuses(HARDENED)
    assert status is VerdictStatus.PASS, reasons
    assert set(criteria.values()) == {CriterionStatus.PASS}, criteria


@pytest.mark.usefixtures("profile")
def test_live_checks_fail_upstream_and_pass_the_hardened_app(upstream: Path, tmp_path: Path) -> None:
    measured: dict[str, dict[str, float | None]] = {}
    for name, tree in (("upstream", upstream), ("hardened", HARDENED)):
        with running(tree, tmp_path / name, FLASKR_RATE_LIMIT_PER_MINUTE=str(LIMIT)) as url:
            ctx = Context(agent="verification", url=url)
            password = run_password(ctx).measurements[0]
            headers = run_headers(ctx).measurements
            burst = run_ratelimit(Context(agent="verification", url=url, options={"burst_max": 10 * LIMIT}))
        measured[name] = {"weak_password_refused": password.value, "rate_limited": burst.measurements[0].value,
                          **{m.name: m.value for m in headers}}
        assert burst.details["path"] == "/auth/login"  # no OpenAPI document: the profile's traffic path
        assert "weak" in password.detail, password.detail
    assert measured["upstream"]["weak_password_refused"] == 0.0  # 'password' signs up: 302 to the log-in page
    assert measured["hardened"]["weak_password_refused"] == 1.0
    assert measured["upstream"]["rate_limited"] == 0.0 and measured["hardened"]["rate_limited"] == 1.0
    header_checks = set(measured["hardened"]) - {"weak_password_refused", "rate_limited"}
    assert header_checks and all(measured["hardened"][h] for h in header_checks), measured
    assert not all(measured["upstream"][h] for h in header_checks), measured
