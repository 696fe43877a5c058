"""Metric providers: where the canary analysis reads a track's traffic window from.

One interface, :class:`MetricProvider`, one module per backend and one factory, :func:`provider_for`
(in the shape of Argo Rollouts' ``metricproviders`` and Flagger's ``pkg/metrics/providers``):

* ``pods`` (:mod:`golive.canary.providers.scrape`): each pod's ``/metrics`` scraped before and after
  the traffic, the per-pod deltas combined per track;
* ``prometheus`` (:mod:`golive.canary.providers.prometheus`): ``increase()`` over the last ``range``
  from the Prometheus HTTP API, asked after the traffic.

A caller takes a :meth:`~MetricProvider.reading` of every pod before the traffic and another after
it, then asks :meth:`~MetricProvider.window` for each track.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from golive.canary.metrics import CanaryError, Reading, TrafficWindow
from golive.canary.providers.prometheus import PrometheusProvider
from golive.canary.providers.scrape import ScrapeProvider
from golive.canary.targets import PodTarget

__all__ = ["PROVIDERS", "MetricProvider", "provider_for"]


class MetricProvider(Protocol):
    """A source of traffic windows for the tracks of one application."""

    @property
    def name(self) -> str:
        """The provider's kind (``pods``, ``prometheus``), recorded as the analysis' ``source``."""
        ...

    def reading(self, targets: Sequence[PodTarget]) -> Reading:
        """Read ``targets`` (the pods of every track) at one end of the window."""
        ...

    def window(self, track: str, targets: Sequence[PodTarget], before: Reading,
               after: Reading) -> tuple[TrafficWindow | None, list[str]]:
        """The window of ``track`` (its pods are ``targets``) between two readings, and notes on what
        was left out; None when nothing of the track could be measured.

        :raises CanaryError: when the backend cannot be asked or answers nonsense.
        """
        ...


#: The providers by kind; :func:`provider_for` builds one.
PROVIDERS: dict[str, Callable[..., MetricProvider]] = {
    ScrapeProvider.name: ScrapeProvider,
    PrometheusProvider.name: PrometheusProvider,
}


def provider_for(kind: str, **config: Any) -> MetricProvider:
    """The metric provider of ``kind`` with its ``config``: ``pods`` (``client``) or ``prometheus``
    (``url``, ``application``, ``namespace``, ``range``).

    :raises CanaryError: for an unknown kind or a configuration the provider does not take.
    """
    factory = PROVIDERS.get(kind)
    if factory is None:
        raise CanaryError(f"unknown metric provider {kind!r}; use one of {', '.join(sorted(PROVIDERS))}")
    try:
        return factory(**config)
    except TypeError as exc:
        raise CanaryError(f"bad configuration for the {kind} metric provider: {exc}") from None
