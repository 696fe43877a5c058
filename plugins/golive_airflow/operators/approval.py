"""GateApprovalOperator: the human decision on a WARNING verdict, recorded in the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator, HITLOperator
from airflow.sdk.exceptions import AirflowFailException

from golive.approvers import Approver, ApproverPolicyError
from golive.ledger import ApprovalConflict
from golive.ledger.outage import through_outage
from golive.models import ApprovalDecision
from golive.notify import NotifyEvent
from golive.settings import get_settings
from golive_airflow.context import REQUEST_TASK_ID
from golive_airflow.exceptions import GateRejected, NoApprover
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.notifiers.dispatch import EventNotifier
from golive_airflow.notifiers.events import approval_event, request_of, ui_base_url
from golive_airflow.notifiers.factory import send


def approval_body(summary: dict[str, Any], who: str = "") -> str:
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
    if who:
        lines += ["", who]
    return "\n".join(lines)


def triggering_user(context: Any) -> str | None:
    """The user who triggered the run (``dag_run.triggering_user_name``, Airflow 3.1+); None for a
    scheduled or asset-triggered run."""
    name = getattr(context.get("dag_run"), "triggering_user_name", None)
    return str(name) if name else None


def responder_of(event: dict[str, Any]) -> Approver | None:
    """Who answered (``responded_by_user``); None for the timeout default."""
    user = event.get("responded_by_user")
    if event.get("timedout") or not isinstance(user, dict):
        return None
    user_id = str(user.get("id") or user.get("name") or "")
    return Approver(id=user_id, name=str(user.get("name") or user_id or "unknown"))


class GateApprovalOperator(ApprovalOperator):
    """Ask a human to approve or reject a gate that landed in the WARNING band.

    A PASS needs no human: the task records ``not-required`` and succeeds at once (unless
    ``always_ask``, e.g. promotion to prod). A WARNING parks the task awaiting input in the
    Airflow UI ("Required actions"); the decision and the approver are recorded in the ledger.
    Reject fails the task — a rejected gate is a failed gate, so rollback logic downstream runs.
    When no one answers within ``response_timeout`` the default (Reject) is taken.

    Who may answer comes from ``GOLIVE_APPROVERS`` for the request's environment (the HITL
    ``assigned_users``, which the API server enforces). Where separation of duties applies
    (``GOLIVE_SEPARATION_OF_DUTIES``, default prod) the triggering user is left out of them, and an
    Approve by that user — or any answer by someone not among the approvers, which an auth manager
    that lets every admin answer would let through — is refused here, in the worker: the refusal is
    recorded in the ledger (``approval_refusals``), notified, and the question asked again.
    Asking notifies every ``GOLIVE_NOTIFY`` sink with the link to the task's Required actions page.

    :param gate_task_id: the ``VerificationGateSensor`` whose summary is decided on.
    :param always_ask: ask even when the verdict is PASS.
    :param ask_in_environments: ask even on PASS when the request's environment is one of these
        (promotion to ``prod`` always asks a human).
    :param request_task_id: task that pushed the validated request (its environment chooses the approvers).
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
        if self.ask_in_environments and not request_task_id:
            raise ValueError("ask_in_environments needs request_task_id")
        self.request_task_id = request_task_id or REQUEST_TASK_ID
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id

    def _summary(self, context: Any) -> dict[str, Any]:
        summary = context["ti"].xcom_pull(task_ids=self.gate_task_id)
        if not isinstance(summary, dict) or "status" not in summary:
            raise GateRejected(f"gate task {self.gate_task_id!r} pushed no verdict summary")
        return summary

    def _record(self, context: Any, summary: dict[str, Any], decision: ApprovalDecision) -> None:
        """Record the decision (waiting out a short ledger outage: a failed task would ask again); a different
        earlier one stands and fails this task without retry."""
        try:
            through_outage(lambda: LedgerHook(self.ledger_conn_id).get_conn().record_approval(
                evaluation_id=int(summary["id"]), run_id=context["ti"].run_id, task_id=context["ti"].task_id,
                decision=decision), what=f"the {decision.decision} decision", log=self.log)
        except ApprovalConflict as exc:
            raise AirflowFailException(f"{exc}; retry the gate for a new evaluation to decide again") from None

    def _link(self, context: Any) -> str | None:
        try:
            return self.generate_link_to_ui(task_instance=context["task_instance"], base_url=ui_base_url())
        except (ValueError, AttributeError):
            return None

    def _event(self, context: Any, summary: dict[str, Any], **kwargs: Any) -> NotifyEvent:
        return approval_event(context, summary, request_of(context, self.request_task_id), self._link(context),
                              **kwargs)

    def execute(self, context: Any) -> Any:
        """Record ``not-required`` for a PASS; otherwise ask the environment's approvers."""
        summary = self._summary(context)
        environment = request_of(context, self.request_task_id).get("environment")
        always = self.always_ask or (bool(self.ask_in_environments) and environment in self.ask_in_environments)
        if summary["status"] == "PASS" and not always:
            self._record(context, summary, ApprovalDecision(
                decision="not-required", approver="golive", comment=f"verdict PASS, score {summary['score']:.1f}"))
            return {"decision": "not-required", "evaluation_id": summary["id"]}
        policy = get_settings().approver_policy
        triggerer = triggering_user(context)
        try:
            assigned = policy.assigned_users(environment, triggerer)
        except ApproverPolicyError as exc:
            raise NoApprover(str(exc)) from None
        self.assigned_users = list(assigned) if assigned is not None else None
        who = "Approvers: " + (", ".join(a["name"] for a in assigned) if assigned is not None else "anyone allowed")
        if triggerer and policy.triggerer_excluded(environment):
            who += f"; {triggerer} triggered this go-live and may not approve it (separation of duties)"
        self.subject = (f"golive: {summary['gate']} gate {summary['status']} for {summary['application']} — approve?"
                        if summary["status"] != "PASS" else
                        f"golive: promote {summary['application']} {summary['ref']} — approve?")
        self.body = approval_body(summary, who + ".")
        self.notifiers = [EventNotifier(event=self._event(context, summary))]
        return super().execute(context)

    def _refused(self, context: Any, summary: dict[str, Any], responder: Approver, chosen: str) -> str | None:
        """Why this answer may not stand (recorded and notified), or None."""
        environment = request_of(context, self.request_task_id).get("environment")
        policy = get_settings().approver_policy
        reason = policy.refusal(environment, triggering_user(context), responder, approving=chosen == self.APPROVE)
        if reason:
            LedgerHook(self.ledger_conn_id).get_conn().record_approval_refusal(
                evaluation_id=int(summary["id"]), run_id=context["ti"].run_id, task_id=context["ti"].task_id,
                responder=responder["name"], chosen=chosen, reason=reason)
            self.log.warning("golive: answer %s refused: %s; asking again", chosen, reason)
            send(self._event(context, summary, kind="approval_refused", detail=reason), context)
        return reason

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Refuse an answer the approver policy forbids (and ask again); otherwise record the decision
        and its approver, and fail the gate on Reject."""
        summary = self._summary(context)
        responder = responder_of(event)
        chosen = (event.get("chosen_options") or [""])[0]
        if responder is not None and "error" not in event and self._refused(context, summary, responder, chosen):
            return self.execute(context)  # a new question: the refused answer is cleared, the task waits again
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
