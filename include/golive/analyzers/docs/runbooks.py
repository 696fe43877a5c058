"""The ``runbooks`` analyzer: a runbook page per alert of the rules the monitoring phase applied
(the ``<app>-prometheus-rules`` ConfigMap, read through the Kubernetes API; or ``--rules-file``),
written where the alerts' ``runbook_url`` point, then every such URL checked.

Measurement: ``runbooks_resolved`` (% of the rules' runbook URLs that resolve). No rules, or a URL
that could not be reached: no data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from golive.analyzers.base import Context
from golive.analyzers.docs.options import DocsOptions, docs_options
from golive.docs.runbooks import alerting_rules, build_runbooks, check_urls, write_runbooks
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.monitoring.bundle import FILES, rules_configmap
from golive.tools import ToolError

NAME = "runbooks_resolved"


def applied_rule(opts: DocsOptions, rules_file: Path | None = None, client: Any = None) -> dict[str, Any] | None:
    """The PrometheusRule the monitoring phase applied (None when its ConfigMap does not exist)."""
    if rules_file is not None:
        text = rules_file.read_text(encoding="utf-8")
    else:
        from golive.kube.client import KubeError, load_client
        from golive.kube.objects import get

        name = rules_configmap(opts.application)
        if opts.namespace is None:
            raise ToolError("the runbooks analyzer needs --namespace (where the monitoring phase applied its rules) "
                            "or --rules-file")
        try:
            found = get("ConfigMap", name, opts.namespace, client or load_client())
        except KubeError as exc:
            raise ToolError(f"the rules ConfigMap {opts.namespace}/{name} could not be read: {exc}") from exc
        if found is None:
            return None
        text = str((found.get("data") or {}).get(FILES["rule"]) or "")
    doc = yaml.safe_load(text) if text else None
    if not isinstance(doc, dict):
        raise ToolError("the rules hold no PrometheusRule document")
    return doc


def run_runbooks(ctx: Context, client: Any = None) -> AnalyzerResult:
    """Generate, write and check the runbooks."""
    opts = docs_options(ctx)
    rules_file = ctx.options.get("rules_file")
    rule = applied_rule(opts, Path(ctx.tree / rules_file) if rules_file else None, client)
    if rule is None:
        why = (f"the monitoring phase applied no rules: ConfigMap {opts.namespace}/"
               f"{rules_configmap(opts.application)} does not exist")
        return AnalyzerResult(agent=ctx.agent, tool="runbooks", measurements=[
            Measurement(name=NAME, value=None, unit="%", detail=why)])
    namespace = opts.namespace or str((rule.get("metadata") or {}).get("namespace") or "default")
    books = build_runbooks(rule, application=opts.application, namespace=namespace, strategy=opts.strategy)
    written = write_runbooks(books, opts.store, opts.application)
    urls = [str((r.get("annotations") or {}).get("runbook_url") or "") for r in alerting_rules(rule)]
    missing_url = sum(1 for u in urls if not u)
    checks = check_urls([u for u in urls if u], store=opts.store, public_url=opts.public_url)
    findings = [Finding(tool="runbooks", rule_id="runbook-unresolved", severity=Severity.MEDIUM,
                        message=f"runbook_url {c.url} does not resolve: {c.detail}")
                for c in checks if c.status == "missing"]
    details = {"alerts": [b.alert for b in books], "runbooks": written,
               "checks": [{"url": c.url, "status": c.status, "detail": c.detail} for c in checks],
               "artifacts": {f"runbook_{b.slug}": url for b, url in zip(books, written, strict=True)}}
    unchecked = [c for c in checks if c.status == "unchecked"]
    if not checks:
        value, detail = None, "the rules carry no alert with a runbook_url"
    elif unchecked:
        value = None
        detail = f"{len(unchecked)} runbook URL(s) could not be reached: {unchecked[0].url} ({unchecked[0].detail})"
    else:
        resolved = sum(1 for c in checks if c.status == "resolved")
        value = round(100.0 * resolved / (len(checks) + missing_url), 2)
        detail = f"{resolved} of {len(checks) + missing_url} runbook URLs resolve ({len(books)} alerts)"
    return AnalyzerResult(agent=ctx.agent, tool="runbooks", findings=findings, details=details,
                          measurements=[Measurement(name=NAME, value=value, unit="%", detail=detail)])
