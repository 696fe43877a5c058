"""A small client of Airflow's public REST API: what a release engineer's script does with a go-live."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

FINISHED = ("success", "failed")


@dataclass
class AirflowREST:
    """Trigger runs, read their task states, answer human-in-the-loop tasks (``PATCH …/hitlDetails``).

    :param base: the API server, e.g. ``http://127.0.0.1:8080``.
    :param username: a simple-auth-manager user whose token is fetched from ``/auth/token`` (None: no token,
        for a platform with ``simple_auth_manager_all_admins``).
    """

    base: str
    username: str | None = None
    password: str | None = None
    _token: str | None = field(default=None, repr=False)

    def token(self) -> str:
        """This user's JWT from ``/auth/token`` (fetched once)."""
        if self._token is None:
            resp = httpx.post(f"{self.base}/auth/token", json={"username": self.username, "password": self.password},
                              timeout=30)
            assert resp.status_code in (200, 201), resp.text
            self._token = resp.json()["access_token"]
        return self._token

    def _headers(self) -> dict[str, str]:
        return {} if self.username is None else {"Authorization": f"Bearer {self.token()}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call under ``/api/v2``."""
        return httpx.request(method, f"{self.base}/api/v2{path}", headers=self._headers(), timeout=30, **kwargs)

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        """``POST /dags/{dag_id}/dagRuns`` with ``{"logical_date": null, "conf": conf}``; returns the run id."""
        resp = self.request("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        assert resp.status_code == 200, resp.text
        return resp.json()["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """The DAG run as the API shows it."""
        resp = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """``{task_id: state}`` of every task instance of the run."""
        resp = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 500})
        assert resp.status_code == 200, resp.text
        return {ti["task_id"]: ti["state"] for ti in resp.json()["task_instances"]}

    def hitl_details(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's human-in-the-loop requests (answered or not)."""
        resp = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/hitlDetails")
        assert resp.status_code == 200, resp.text
        return resp.json()["hitl_details"]

    def answer(self, dag_id: str, run_id: str, task_id: str, option: str) -> dict[str, Any]:
        """Answer a waiting approval as this client's user."""
        resp = self.request("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/-1/hitlDetails",
                            json={"chosen_options": [option], "params_input": {}})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def wait(self, what: str, ready: Callable[[], Any], timeout: float, describe: Callable[[], str],
             interval: float = 3.0) -> Any:
        """Poll ``ready()`` until it returns something truthy; fail with ``describe()`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = ready()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"{what} did not happen within {timeout:.0f} s:\n{describe()}")

    def states_text(self, dag_id: str, run_id: str) -> str:
        """Task states, one line per unfinished or failed task: what a failure message needs."""
        states = self.task_states(dag_id, run_id)
        lines = [f"{task}: {state}" for task, state in sorted(states.items()) if state not in ("success", "skipped")]
        return f"run {run_id}: {self.run(dag_id, run_id)['state']}\n" + "\n".join(lines)

    def wait_finished(self, dag_id: str, run_id: str, timeout: float = 1200) -> str:
        """Wait until the run succeeded or failed; returns its state."""
        return self.wait(f"{dag_id} run {run_id} finishing",
                         lambda: (state if (state := self.run(dag_id, run_id)["state"]) in FINISHED else None),
                         timeout, lambda: self.states_text(dag_id, run_id))

    def wait_for_approval(self, dag_id: str, run_id: str, task_id: str, timeout: float = 1200) -> dict[str, Any]:
        """Wait until ``task_id`` asks a human; returns its request (subject, body, options)."""
        def pending() -> dict[str, Any] | None:
            for detail in self.hitl_details(dag_id, run_id):
                if detail["task_instance"]["task_id"] == task_id and detail.get("responded_at") is None:
                    return detail
            if self.run(dag_id, run_id)["state"] in FINISHED:
                raise AssertionError(f"run ended before {task_id} asked:\n{self.states_text(dag_id, run_id)}")
            return None

        return self.wait(f"{task_id} asking for approval", pending, timeout, lambda: self.states_text(dag_id, run_id))

    def _settled(self, dag_id: str, run_id: str, task_id: str, *, may_ask_again: bool) -> str | None:
        state = self.task_states(dag_id, run_id)[task_id]
        if state in ("success", "failed", "upstream_failed"):
            return state
        if may_ask_again and state == "awaiting_input" and any(
                d["task_instance"]["task_id"] == task_id and d.get("responded_at") is None
                for d in self.hitl_details(dag_id, run_id)):
            return "asked-again"
        return None

    def decide(self, dag_id: str, run_id: str, task_id: str, option: str, *, timeout: float = 600,
               settle: float = 3.0) -> dict[str, Any]:
        """Answer ``task_id``'s approval as a person would (a few seconds after it asks), until it is settled.

        Airflow 3.3 can lose an answer given while the asking task's own exit is still being reported
        (apache/airflow#71580: "finished with state success, but the task instance's state attribute
        is queued" → up_for_retry); the retry asks again and is answered again. Returns the last answer
        with ``asked`` = how many times the task asked.
        """
        asked = 0
        while True:
            self.wait_for_approval(dag_id, run_id, task_id, timeout)
            time.sleep(settle)
            answered = self.answer(dag_id, run_id, task_id, option)
            asked += 1
            outcome = self.wait(f"{task_id} settling after {option}",
                                functools.partial(self._settled, dag_id, run_id, task_id, may_ask_again=asked < 3),
                                timeout, lambda: self.states_text(dag_id, run_id), interval=2.0)
            if outcome != "asked-again":
                return {**answered, "asked": asked, "state": outcome}
