"""Runbooks: one page per alert of the monitoring phase's rules, and every runbook_url checked."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from local_http import serving

from golive.docs.runbooks import alerting_rules, build_runbooks, check_urls, thresholds, write_runbooks
from golive.docs.store import runbook_base_url
from golive.monitoring import ServiceSLOs, render_all

PUBLIC = "http://127.0.0.1:8080/golive/docs"


@pytest.fixture
def rule():
    slos = ServiceSLOs(application="shop", namespace="apps", error_rate_max=0.05,
                       runbook_base_url=runbook_base_url(PUBLIC, "shop"))
    bundle = render_all(slos)
    assert bundle.ok, bundle.all_errors()  # the monitoring phase's own validation accepts these URLs
    return bundle.rule


def test_one_runbook_per_alert_with_expression_threshold_steps_and_rollback(rule):
    books = build_runbooks(rule, application="shop", namespace="apps", strategy="canary")
    names = {r["alert"] for r in alerting_rules(rule)}
    assert {b.alert for b in books} == names and len(names) >= 4
    error_rate = next(b for b in books if b.alert == "HighErrorRate")
    assert error_rate.slug == "high-error-rate"
    assert {r["severity"] for r in error_rate.rules} == {"warning", "critical"}
    assert "> 0.05" in {r["threshold"] for r in error_rate.rules}
    assert error_rate.urls == [f"{PUBLIC}/shop/runbooks/high-error-rate"]
    for page in (error_rate.markdown, error_rate.html):
        assert "job:http_request_error_ratio:ratio_rate5m" in page
        assert "golive.agents.deployment rollback --application shop --namespace apps --strategy canary" in page
        assert "kubectl logs -n apps -l app=shop" in page
    down = next(b for b in books if b.alert == "TargetDown")
    assert "kubectl get pods -n apps" in down.markdown


def test_thresholds_of_compound_expressions():
    assert thresholds('a{x="1"} > 0.072 and b > 0.072') == "> 0.072"
    assert thresholds("sum(up) == 0 or absent(up)") == "== 0"
    assert thresholds("rate(x[5m])") == ""


def test_written_runbooks_resolve_and_a_missing_page_does_not(rule, store):
    books = build_runbooks(rule, application="shop", namespace="apps")
    write_runbooks(books, store, "shop")
    urls = [u for b in books for u in b.urls]
    checks = check_urls(urls, store=store, public_url=PUBLIC)
    assert [c.status for c in checks] == ["resolved"] * len(urls)
    missing = check_urls([f"{PUBLIC}/shop/runbooks/no-such-alert", f"{PUBLIC}/../etc/passwd"],
                         store=store, public_url=PUBLIC)
    assert [c.status for c in missing] == ["missing", "missing"]
    assert "no page at" in missing[0].detail


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/runbooks/ok" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_urls_elsewhere_are_checked_over_http_and_unreachable_is_unchecked(store):
    with serving(_Handler) as base:
        checks = check_urls([f"{base}/runbooks/ok", f"{base}/runbooks/gone"], store=store, public_url=PUBLIC)
    assert [(c.status, c.detail) for c in checks] == [("resolved", "HTTP 200"), ("missing", "HTTP 404")]
    (unreachable,) = check_urls([base + "/runbooks/ok"], store=store, public_url=PUBLIC, timeout=2)
    assert unreachable.status == "unchecked" and "unreachable" in unreachable.detail
