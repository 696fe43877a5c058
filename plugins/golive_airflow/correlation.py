"""The correlation id (run id, application, version) on the log records of golive's operators."""

from __future__ import annotations

from typing import Any

from golive.logs import CORRELATION_FIELDS, CorrelationAdapter


def correlation(context: Any, request: Any = None) -> dict[str, str]:
    """The running task's run id, and the application and version of its validated ``request``."""
    fields = {"run_id": str(context["ti"].run_id)}
    if isinstance(request, dict):
        fields.update({k: str(request[k]) for k in CORRELATION_FIELDS[1:] if request.get(k)})
    return fields


def correlated_log(log: Any, context: Any, request: Any = None) -> Any:
    """``log`` carrying the correlation fields on every record: bound into a structlog logger (an
    operator's ``self.log`` in Airflow 3: the fields land in the task's structured log), else wrapped
    in a :class:`~golive.logs.CorrelationAdapter`."""
    fields = correlation(context, request)
    bind = getattr(log, "bind", None)
    return bind(**fields) if callable(bind) else CorrelationAdapter(log, fields)
