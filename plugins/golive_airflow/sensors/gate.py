"""VerificationGateSensor: a phase gate that opens on PASS, fails on FAIL and hands WARNING on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.configuration import conf
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from golive.settings import get_settings
from golive_airflow.context import PLAN_TASK_ID, pull_commit, pull_request
from golive_airflow.correlation import correlated_log
from golive_airflow.exceptions import GateFailed, GateTimeout
from golive_airflow.notifiers.events import gate_event, request_of
from golive_airflow.notifiers.factory import send
from golive_airflow.triggers.gate import VerificationGateTrigger
from golive_airflow.triggers.ledger import jsonable


def explain(evaluation: dict[str, Any]) -> str:
    """A verdict in words: score, threshold, then each failing criterion with its raw value."""
    lines = [(f"{evaluation['gate']} gate {evaluation['status']}: score {evaluation['score']:.1f} "
              f"(threshold {evaluation['threshold']:g}, warning floor {evaluation['warning_floor']:g}); "
              f"evaluation {evaluation['id']} of run {evaluation['run_id']}")]
    lines += [f"  - {reason}" for reason in evaluation.get("reasons", [])]
    return "\n".join(lines)


class VerificationGateSensor(BaseSensorOperator):
    """Wait for the verdict of ``gate`` that THIS run recorded for its application, subject and the
    commit its plan pinned: a verdict of another run, or about another commit, never opens it.

    * PASS — the gate opens; the evaluation summary goes to XCom.
    * WARNING — the gate opens with status WARNING, and the ``GateApprovalOperator`` downstream
      asks a human to approve or reject.
    * FAIL — the task fails at once (no automatic retry: the verdict won't change by waiting)
      with the score and every reason. To retry, clear the phase's task group: the analyzers run
      again and a new evaluation is recorded next to the old one.

    Deferrable by default when ``[operators] default_deferrable`` is true: the wait then runs in
    the triggerer (``VerificationGateTrigger``).

    :param gate: gate name (``quality``, ``security`` …).
    :param request_task_id: task that pushed the validated request (application and ref).
    :param ledger_conn_id: ledger connection id.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :param subject_field: request field the verdict is about (``ref`` before deployment, ``version`` after).
    :param plan_task_id: the orchestrator's plan, whose ``commit`` the verdict must name (a DAG
        without a plan matches on the run alone).
    """

    template_fields: Sequence[str] = ("gate", "request_task_id")
    ui_color = "#fff3cd"

    def __init__(self, *, gate: str, request_task_id: str, ledger_conn_id: str | None = None,
                 deferrable: bool | None = None, subject_field: str = "ref", plan_task_id: str = PLAN_TASK_ID,
                 **kwargs: Any) -> None:
        settings = get_settings()
        kwargs.setdefault("poke_interval", settings.gate_poll_interval)
        kwargs.setdefault("timeout", settings.gate_timeout)
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.gate = gate
        self.request_task_id = request_task_id
        self.subject_field = subject_field
        self.plan_task_id = plan_task_id
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id
        if deferrable is None:
            deferrable = settings.deferrable
        if deferrable is None:
            deferrable = conf.getboolean("operators", "default_deferrable", fallback=False)
        self.deferrable = deferrable

    def _trigger(self, context: Any) -> VerificationGateTrigger:
        request = pull_request(context, self.request_task_id)
        return VerificationGateTrigger(gate=self.gate, application=request["application"],
                                       ref=str(request.get(self.subject_field, "HEAD")),
                                       ledger_conn_id=self.ledger_conn_id, poll_interval=float(self.poke_interval),
                                       timeout=float(self.timeout),
                                       run_id=context["ti"].run_id,
                                       commit=pull_commit(context, self.plan_task_id))

    def decide(self, evaluation: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Open (return the summary) on PASS/WARNING; fail with the reasons on FAIL. A FAIL or WARNING
        is first told to every ``GOLIVE_NOTIFY`` sink (score, reasons; never the conf)."""
        text = explain(evaluation)
        if context is not None:
            event = gate_event(context, evaluation, request_of(context, self.request_task_id))
            if event is not None:
                send(event, context)
        if evaluation["status"] == "FAIL":
            raise GateFailed(text)
        log = correlated_log(self.log, context, request_of(context, self.request_task_id)) if context else self.log
        log.info(text)
        return {k: evaluation[k] for k in ("id", "gate", "status", "score", "threshold", "warning_floor",
                                           "reasons", "run_id", "application", "ref", "commit")}

    def poke(self, context: Any) -> PokeReturnValue:
        """Check the ledger once."""
        evaluation = self._trigger(context).fetch()
        if evaluation is None:
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=self.decide(evaluation, context))

    def execute(self, context: Any) -> Any:
        """Decide at once if the verdict is there; otherwise poke or defer to the trigger."""
        trigger = self._trigger(context)
        evaluation = trigger.fetch()
        if evaluation is not None:
            return self.decide(evaluation, context)
        if not self.deferrable:
            return super().execute(context)
        self.defer(trigger=trigger, method_name="execute_complete",
                   timeout=timedelta(seconds=float(self.timeout) + 60))
        return None

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired."""
        status = event.get("status")
        if status == "timeout":
            raise GateTimeout(event.get("message", "gate timed out"))
        if status == "error":
            raise GateTimeout(f"the ledger could not be read: {event.get('message')}")
        return self.decide(jsonable(event["evaluation"]), context)
