"""A ledger whose database is down for a moment (a restart, a failover, a dropped connection).

``unreachable`` says whether an error means that (worth asking again); ``through_outage`` runs one
ledger call again until it answers or ``seconds`` passed, for writes whose failure would cost more
than a wait: an approval's decision (a failed task would ask the human again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Warns(Protocol):
    """A logger (stdlib's, structlog's, Airflow's task logger)."""

    def warning(self, msg: Any, /, *args: Any) -> Any: ...


#: How long a write waits for the ledger to come back before it fails.
OUTAGE_SECONDS = 120.0
OUTAGE_INTERVAL = 3.0


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the ledger's database could not be reached."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def through_outage(call: Callable[[], T], *, what: str, log: Warns,
                   seconds: float = OUTAGE_SECONDS, interval: float = OUTAGE_INTERVAL) -> T:
    """``call()``, asked again every ``interval`` s while the ledger cannot be reached, at most ``seconds``;
    any other error, or the last unreachable one, is raised."""
    from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay, wait_fixed

    def warn(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("the ledger cannot be reached to record %s (%s); asking again every %s s for up to %s s",
                    what, type(exc).__name__, interval, seconds)

    retrying = Retrying(retry=retry_if_exception(unreachable), stop=stop_after_delay(seconds),
                        wait=wait_fixed(interval), before_sleep=warn, reraise=True)
    return retrying(call)
