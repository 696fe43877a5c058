"""The release train's go-live step: one ``golive`` run of one application, waited for."""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from golive_airflow.exceptions import GoLiveFailed


class TrainGoLiveOperator(TriggerDagRunOperator):
    """Trigger the ``golive`` DAG for one application of a release train and wait for its run.

    A go-live that ended failed fails this task without retry (``GoLiveFailed``): its gates decided,
    and a retry would only find the run again. Errors of the trigger itself are retried as usual.

    :param application: the application (the task id and the run id's middle part).
    :param kwargs: ``TriggerDagRunOperator``'s (``trigger_dag_id``, ``conf``, ``trigger_run_id`` …).
    """

    def __init__(self, *, application: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.application = application

    def execute_complete(self, context: Any, event: tuple[str, dict[str, Any]]) -> Any:
        """Return when the go-live succeeded; fail without retry when it failed."""
        try:
            return super().execute_complete(context, event)
        except AirflowFailException:
            raise
        except AirflowException as exc:
            raise GoLiveFailed(f"the go-live of {self.application} failed ({self.trigger_dag_id} run "
                               f"{self.trigger_run_id}): {exc}") from None
