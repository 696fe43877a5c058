"""GateApprovalOperator: the human decision on a WARNING verdict, recorded in the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator, HITLOperator
from airflow.sdk.exceptions import AirflowFailException

from golive.ledger import ApprovalConflict
from golive.models import ApprovalDecision
from golive.settings import get_settings
from golive_airflow.context import pull_request
from golive_airflow.exceptions import GateRejected
from golive_airflow.hooks.ledger import LedgerHook


def approval_body(summary: dict[str, Any]) -> str:
    """Markdown shown to the approver: the score, the band and the reasons with raw values."""
    lines = [
        (f"**{summary['gate']} gate: {summary['status']}** — score **{summary['score']:.1f}** "
         f"(accept ≥ {summary['threshold']:g}, warning band ≥ {summary['warning_floor']:g})."),
        "",
        f"Application `{summary['application']}` at `{summary['ref']}`; ledger evaluation {summary['id']}.",
        "",
        "Reasons:",
    ]
    lines += [f"- {r}" for r in summary.get("reasons", [])]
    lines += ["", "Approve to continue the go-live; Reject fails the gate."]
    return "\n".join(lines)


class GateApprovalOperator(ApprovalOperator):
    """Ask a human to approve or reject a gate that landed in the WARNING band.

    A PASS needs no human: the task records ``not-required`` and succeeds at once (unless
    ``always_ask``, e.g. promotion to prod). A WARNING parks the task awaiting input in the
    Airflow UI ("Required actions"); the decision and the approver are recorded in the ledger.
    Reject fails the task — a rejected gate is a failed gate, so rollback logic downstream runs.
    When no one answers within ``response_timeout`` the default (Reject) is taken.

    :param gate_task_id: the ``VerificationGateSensor`` whose summary is decided on.
    :param always_ask: ask even when the verdict is PASS.
    :param ask_in_environments: ask even on PASS when the request's environment is one of these
        (promotion to ``prod`` always asks a human).
    :param request_task_id: task that pushed the validated request (needed with ``ask_in_environments``).
    :param ledger_conn_id: ledger connection id.
    """

    def __init__(self, *, gate_task_id: str, always_ask: bool = False, ask_in_environments: Sequence[str] = (),
                 request_task_id: str | None = None, ledger_conn_id: str | None = None, **kwargs: Any) -> None:
        settings = get_settings()
        kwargs.setdefault("subject", "golive: approval needed")
        kwargs.setdefault("response_timeout", timedelta(hours=settings.approval_timeout_hours))
        kwargs.setdefault("defaults", ApprovalOperator.REJECT)
        super().__init__(**kwargs)
        self.gate_task_id = gate_task_id
        self.always_ask = always_ask
        self.ask_in_environments = tuple(ask_in_environments)
        self.request_task_id = request_task_id
        if self.ask_in_environments and not request_task_id:
            raise ValueError("ask_in_environments needs request_task_id")
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id

    def _summary(self, context: Any) -> dict[str, Any]:
        summary = context["ti"].xcom_pull(task_ids=self.gate_task_id)
        if not isinstance(summary, dict) or "status" not in summary:
            raise GateRejected(f"gate task {self.gate_task_id!r} pushed no verdict summary")
        return summary

    def _record(self, context: Any, summary: dict[str, Any], decision: ApprovalDecision) -> None:
        """Record the decision; a different earlier one stands and fails this task without retry."""
        try:
            LedgerHook(self.ledger_conn_id).get_conn().record_approval(
                evaluation_id=int(summary["id"]), run_id=context["ti"].run_id, task_id=context["ti"].task_id,
                decision=decision)
        except ApprovalConflict as exc:
            raise AirflowFailException(f"{exc}; retry the gate for a new evaluation to decide again") from None

    def execute(self, context: Any) -> Any:
        """Record ``not-required`` for a PASS; otherwise ask a human."""
        summary = self._summary(context)
        always = self.always_ask
        if self.ask_in_environments and self.request_task_id:
            environment = pull_request(context, self.request_task_id)["environment"]
            always = always or environment in self.ask_in_environments
        if summary["status"] == "PASS" and not always:
            self._record(context, summary, ApprovalDecision(
                decision="not-required", approver="golive", comment=f"verdict PASS, score {summary['score']:.1f}"))
            return {"decision": "not-required", "evaluation_id": summary["id"]}
        self.subject = (f"golive: {summary['gate']} gate {summary['status']} for {summary['application']} — approve?"
                        if summary["status"] != "PASS" else
                        f"golive: promote {summary['application']} {summary['ref']} — approve?")
        self.body = approval_body(summary)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Record the decision and its approver; fail the gate on Reject."""
        summary = self._summary(context)
        ret = HITLOperator.execute_complete(self, context=context, event=event)
        chosen = ret["chosen_options"][0]
        user = ret.get("responded_by_user") or {}
        approver = "timeout-default" if event.get("timedout") else (user.get("name") or user.get("id") or "unknown")
        decision = ApprovalDecision(decision="approved" if chosen == self.APPROVE else "rejected",
                                    approver=str(approver), comment=f"answered {chosen}")
        self._record(context, summary, decision)
        if decision.decision == "rejected":
            raise GateRejected(f"{summary['gate']} gate rejected by {approver} "
                               f"(score {summary['score']:.1f}, evaluation {summary['id']})")
        return {"decision": decision.decision, "approver": decision.approver, "evaluation_id": summary["id"]}
