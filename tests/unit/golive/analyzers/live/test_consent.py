"""The intrusive live checks (rate-limit burst, sign-ups) need the profile's consent in prod."""

from __future__ import annotations

import pytest

from golive.analyzers.base import Context
from golive.analyzers.live.password import run_password
from golive.analyzers.live.ratelimit import run_ratelimit
from golive.profile.model import LiveChecks
from golive.settings import get_settings
from golive.tools import ToolError

UNREACHABLE = "http://127.0.0.1:9"


@pytest.mark.parametrize(("environment", "allowed"), [("dev", True), ("staging", True), ("prod", False),
                                                       (None, True)])
def test_defaults_allow_dev_and_staging_refuse_prod(environment: str | None, allowed: bool) -> None:
    for check in ("burst", "signup"):
        ok, why = LiveChecks().allows(check, environment)  # type: ignore[arg-type]
        assert ok is allowed, why
    assert "not consented in prod" in LiveChecks().allows("burst", "prod")[1]


def test_consent_and_refusal_per_environment() -> None:
    checks = LiveChecks.model_validate({"prod": {"burst": True}, "dev": {"signup": False}})
    assert checks.allows("burst", "prod")[0] and not checks.allows("signup", "prod")[0]
    assert not checks.allows("signup", "dev")[0] and checks.allows("burst", "dev")[0]


def _prod(monkeypatch: pytest.MonkeyPatch, profile: str) -> Context:
    monkeypatch.setenv("GOLIVE_ENVIRONMENT", "prod")
    monkeypatch.setenv("GOLIVE_PROFILE", profile)
    get_settings.cache_clear()
    return Context(agent="verification", url=UNREACHABLE)


def test_no_burst_and_no_sign_up_in_prod_without_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _prod(monkeypatch, "name: shop")
    for result, name in ((run_ratelimit(ctx), "rate_limited"), (run_password(ctx), "weak_password_refused")):
        m = result.measurements[0]
        assert (m.name, m.applicable, m.value) == (name, False, None)
        assert "not consented in prod" in m.detail


def test_with_consent_the_burst_runs_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _prod(monkeypatch, "live_checks: {prod: {burst: true}}")
    with pytest.raises(ToolError):  # it really tries: nothing listens at the URL
        run_ratelimit(ctx)
