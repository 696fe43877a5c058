"""VerificationGateTrigger: waits, in the triggerer, for a gate's verdict to appear in the ledger."""

from __future__ import annotations

from typing import Any

from golive_airflow.triggers.ledger import LedgerPollTrigger, jsonable


class VerificationGateTrigger(LedgerPollTrigger):
    """Poll the ledger for the newest evaluation of ``gate`` for ``application`` and ``ref`` recorded
    by ``run_id`` about ``commit``.

    Yields one event: ``{"status": "PASS" | "WARNING" | "FAIL", "evaluation": {...}}`` when a
    verdict is found, ``{"status": "timeout", ...}`` after ``timeout`` seconds, or
    ``{"status": "error", "message": ...}`` when the ledger cannot be read.

    :param gate: gate name (``quality``, ``security`` …).
    :param application: application name.
    :param ref: git ref (or version) the verdict is about.
    :param run_id: the DAG run whose verdict opens the gate.
    :param commit: the commit the verdict must be about (the plan's); None: any of this run.
    :param kwargs: ``ledger_conn_id``, ``poll_interval``, ``timeout`` (``LedgerPollTrigger``).
    """

    def __init__(self, *, gate: str, application: str, ref: str, run_id: str, commit: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.application = application
        self.ref = ref
        self.run_id = run_id
        self.commit = commit

    def kwargs(self) -> dict[str, Any]:
        """The gate, the subject and the run (and commit) the verdict must come from."""
        return {"gate": self.gate, "application": self.application, "ref": self.ref, "run_id": self.run_id,
                "commit": self.commit}

    def fetch(self) -> dict[str, Any] | None:
        """Read the newest matching evaluation (blocking)."""
        row = self.ledger.latest_evaluation(gate=self.gate, application=self.application, ref=self.ref,
                                            run_id=self.run_id, commit=self.commit)
        return None if row is None else jsonable(row)

    def poll(self) -> dict[str, Any] | None:
        """The verdict's event, once there is one."""
        evaluation = self.fetch()
        return None if evaluation is None else {"status": evaluation["status"], "evaluation": evaluation}

    def timeout_event(self) -> dict[str, Any]:
        """No verdict in time, in words."""
        return {"status": "timeout", "message": (
            f"no {self.gate} verdict of run {self.run_id} for {self.application}@{self.ref}"
            + (f" (commit {self.commit})" if self.commit else "") + f" within {self.timeout:g}s")}
