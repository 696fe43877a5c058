"""The scoring steps of the quality and security agents.

The analyzers run in parallel pods (``AgentPodOperator``); each pushes one ``AnalyzerResult``
to XCom. The scoring operator pulls them all, turns them into weighted criteria, scores them by
the gate rules and records the verdict — with its criteria, findings and raw inputs — in the
ledger. It never decides the flow: the ``VerificationGateSensor`` downstream does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from golive.gates.canary import CANARY
from golive.gates.documentation import DOCUMENTATION
from golive.gates.quality import QUALITY
from golive.gates.security import SECURITY
from golive.gates.spec import GateSpec
from golive.gates.testing import TESTING
from golive.gates.verification import VERIFICATION
from golive.models import AnalyzerResult, Measurement, Verdict
from golive.profile.model import ApplicationProfile
from golive.sarif import results_to_sarif
from golive.settings import get_settings
from golive_airflow import docs
from golive_airflow.context import (
    pull_application_profile,
    pull_commit,
    pull_request,
    record_key,
    require_phase_reached,
    run_day,
)
from golive_airflow.correlation import correlated_log
from golive_airflow.hooks.ledger import LedgerHook


class GateScoringOperator(BaseOperator):
    """Score the analyzer results of one agent and record the verdict (base class).

    :param analyzer_task_ids: the analyzer pod tasks whose XCom results are scored. A task that
        produced nothing (failed pod, no output) yields no-data criteria with the reason.
    :param request_task_id: the task that pushed the validated request (application, ref, threshold).
    :param ledger_conn_id: connection of the ledger (``golive_ledger``).
    :param gate: gate name recorded with the verdict (default: the class's, e.g. ``canary-10``).
    :param phase_task_id: the phase's entry task; when it did not succeed the phase was never
        reached and the step skips itself instead of scoring nothing.
    """

    #: The gate scored here (its criteria, producers and scoring): one of :mod:`golive.gates`.
    spec: ClassVar[GateSpec]
    gate: str = ""
    #: The request field the verdict is about: the git ref before deployment, the version after.
    subject_field: str = "ref"
    template_fields: Sequence[str] = ("analyzer_task_ids", "request_task_id")
    ui_color = "#e8f4ea"

    def __init__(self, *, analyzer_task_ids: Sequence[str], request_task_id: str,
                 ledger_conn_id: str | None = None, gate: str | None = None, phase_task_id: str | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("trigger_rule", "all_done")  # score even when an analyzer pod failed
        super().__init__(**kwargs)
        if gate:
            self.gate = gate
        self.analyzer_task_ids = list(analyzer_task_ids)
        self.phase_task_id = phase_task_id
        self.request_task_id = request_task_id
        self.ledger_conn_id = ledger_conn_id or get_settings().ledger_conn_id

    def score(self, results: list[AnalyzerResult], threshold: float, profile: ApplicationProfile | None = None,
              on: date | None = None) -> Verdict:
        """Turn analyzer results into a verdict (the gate spec's ``score``, renamed to this gate).

        :param profile: the application's profile: its waivers recount what they cover (as of the day
            ``on``), and its threshold for this gate applies where it is higher than ``threshold`` (an
            application may raise its own bar, never lower the run's).
        """
        waivers = profile.waivers if profile is not None else []
        declared = {str(k): v for k, v in profile.thresholds.items()}.get(self.spec.name) if profile else None
        if declared is not None and declared > threshold:
            threshold = declared
        verdict = self.spec.score(results, threshold, waivers=waivers, on=on if waivers else None)
        return verdict.model_copy(update={"gate": self.gate})

    @property
    def agent(self) -> str:
        """The agent whose analyzers are scored (the gate spec's name)."""
        return self.spec.name

    def _not_applicable(self, tool: str, why: str) -> AnalyzerResult:
        """A skipped analyzer's result: each measurement it produces is not-applicable, with ``why``."""
        names = [m for m, producer in self.spec.producers.items() if producer == tool]
        return AnalyzerResult(agent=self.agent, tool=tool, measurements=[
            Measurement(name=name, value=None, unit="", applicable=False, detail=why) for name in names])

    def collect(self, context: Any) -> list[AnalyzerResult]:
        """Pull every analyzer's result; a missing or malformed one becomes an error result.

        :raises AirflowSkipException: when every analyzer was skipped — the phase does not apply to
            this run (canary steps of a rolling deployment), so there is nothing to score.
        """
        ti = context["ti"]
        states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id],
                                    task_ids=self.analyzer_task_ids).get(ti.run_id, {})
        if self.analyzer_task_ids and all(states.get(t) == "skipped" for t in self.analyzer_task_ids):
            raise AirflowSkipException(f"{self.gate}: every analyzer was skipped; this phase does not apply")
        results = []
        for task_id in self.analyzer_task_ids:
            tool = task_id.rsplit(".", 1)[-1]
            if states.get(task_id) == "skipped":
                results.append(self._not_applicable(tool, f"analyzer task {task_id} was skipped: it does not "
                                                          "apply to this application"))
                continue
            raw = ti.xcom_pull(task_ids=task_id)
            if isinstance(raw, str):
                try:
                    raw = json.loads(raw)
                except ValueError:
                    raw = None
            try:
                results.append(AnalyzerResult.model_validate(raw))
            except Exception as exc:
                why = "produced no result (the pod failed or printed nothing)" if raw is None else f"bad result: {exc}"
                results.append(AnalyzerResult(agent=self.agent, tool=tool, error=f"analyzer task {task_id} {why}"))
        return results

    def after_verdict(self, context: Any, verdict: Verdict, results: list[AnalyzerResult]) -> dict[str, Any]:
        """Hook for subclasses: extra artefacts; returns fields added to the XCom summary."""
        return {}

    def execute(self, context: Any) -> dict[str, Any]:
        """Score, record, and return a short summary for XCom (the full record is in the ledger)."""
        require_phase_reached(context, self.phase_task_id)
        request = pull_request(context, self.request_task_id)
        results = self.collect(context)
        verdict = self.score(results, float(request.get("quality_threshold", 85.0)),
                             pull_application_profile(context), run_day(context))
        key = record_key(context)
        findings = [f for r in results for f in r.findings]
        ledger = LedgerHook(self.ledger_conn_id).get_conn()
        evaluation_id = ledger.record_evaluation(
            key, application=request["application"], ref=str(request.get(self.subject_field, "HEAD")), verdict=verdict,
            findings=findings, inputs=[r.model_dump(mode="json") for r in results], commit=pull_commit(context))
        log = correlated_log(self.log, context, request)
        for c in verdict.criteria:
            log.info("%s %-28s %-8s value=%s %s threshold %s — %s", self.gate, c.name, c.status.value,
                          c.value, c.unit, c.threshold, c.reason)
        log.info("%s verdict %s, score %.1f (threshold %.0f)", self.gate, verdict.status.value,
                      verdict.score, verdict.threshold)
        summary = {"gate": self.gate, "evaluation_id": evaluation_id, "commit": pull_commit(context),
                   "status": verdict.status.value,
                   "score": verdict.score, "threshold": verdict.threshold, "findings": len(findings),
                   "reasons": verdict.reasons[:10]}
        summary.update(self.after_verdict(context, verdict, results))
        return summary


class QualityVerificationOperator(GateScoringOperator):
    """Quality verification: ruff, radon, coverage, interrogate, type hints and bandit → 0–100 score.

    Coverage ≥ 80 % and a passing test suite are key criteria; the acceptance threshold is the
    request's ``quality_threshold`` (85 by default). See :data:`golive.gates.quality.QUALITY`.
    """

    spec = QUALITY
    gate = "quality"


class SecurityHardeningOperator(GateScoringOperator):
    """Security hardening: bandit, detect-secrets, dependency advisories (OSV), static hardening
    checks and the security checklist → 0–100 score; also writes the findings as SARIF 2.1.0.
    """

    spec = SECURITY
    gate = "security"

    def after_verdict(self, context: Any, verdict: Verdict, results: list[AnalyzerResult]) -> dict[str, Any]:
        """Write ``<reports>/<run_id>/security.sarif`` for code-scanning tools."""
        out = get_settings().run_report_dir(context["ti"].run_id) / "security.sarif"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results_to_sarif(results), indent=2), encoding="utf-8")
        self.log.info("SARIF written to %s", out)
        return {"sarif": str(out)}


class DeploymentVerificationOperator(GateScoringOperator):
    """Verification of a deployment: rollout, pods, logs, health, version and the live hardening
    checks (security headers, foreign CORS preflight refused, burst rate-limited, weak password
    refused) → 0–100 score. See :data:`golive.gates.verification.VERIFICATION`.
    """

    spec = VERIFICATION
    gate = "verification"
    subject_field = "version"


class TestingOperator(GateScoringOperator):
    """Testing of the deployed version: smoke, E2E suite, API fuzzing, load test checked as Great
    Expectations expectations, model evaluation for ML workloads → 0–100 score.
    """

    spec = TESTING
    gate = "testing"
    subject_field = "version"


class CanaryAnalysisOperator(GateScoringOperator):
    """Canary analysis of one traffic step: canary against stable error rate and latency → score."""

    spec = CANARY
    gate = "canary"
    subject_field = "version"


class DocumentationOperator(GateScoringOperator):
    """Documentation of the deployed version: the API reference's OpenAPI validity, the runbooks'
    URLs, docstring/JSDoc coverage, broken links and README sections → 0–100 score. Also writes the
    deployment record (from the ledger, through ``ObjectStoragePath``) and records the run's
    documentation artifacts in the ledger (phase ``documentation``), where the report links them.
    """

    spec = DOCUMENTATION
    gate = "documentation"
    subject_field = "version"

    def after_verdict(self, context: Any, verdict: Verdict, results: list[AnalyzerResult]) -> dict[str, Any]:
        """Write the deployment record and record every artifact's URL."""
        request = pull_request(context, self.request_task_id)
        run_id = context["ti"].run_id
        ledger = LedgerHook(self.ledger_conn_id).get_conn()
        artifacts = docs.artifacts_of(results)
        artifacts.update(docs.write_deployment_record(ledger.run_report(run_id), run_id, request["application"]))
        links = docs.artifact_links(artifacts)
        ledger.record_phase(record_key(context), phase=docs.DOCS_PHASE, status="success",
                            summary={"artifacts": links, "verdict": verdict.status.value})
        for link in links:
            self.log.info("documentation artifact %s: %s", link["name"], link["public_url"] or link["url"])
        return {"artifacts": len(links)}
