"""Canary analysis: compare the canary track against stable from their Prometheus metrics.

In the spirit of Kayenta and Flagger, but scored with golive's own gate rules
(:mod:`golive.scoring`): every criterion keeps its raw value, threshold and reason, no data is never
a pass, and a failed key criterion vetoes the gate.

=====================================  ==========================================================
module                                 what it holds
=====================================  ==========================================================
:mod:`golive.canary.metrics`           the data model of a measurement window: ``MetricsSnapshot``,
                                       ``TrafficWindow``, ``Reading``, ``histogram_quantile``,
                                       ``window``, ``combine``, ``CanaryError``
:mod:`golive.canary.targets`           the ready pods of each track (``discover``, ``PodTarget``)
:mod:`golive.canary.providers`         the ``MetricProvider`` interface and ``provider_for``;
                                       ``scrape`` (each pod's ``/metrics``) and ``prometheus``
                                       (the Prometheus HTTP API)
:mod:`golive.canary.analysis`          the gate: ``canary_rules``, ``canary_measurements``,
                                       ``analyze``, ``analyzer_result``
:mod:`golive.canary.traffic`           bounded load while the window is open: ``generate_traffic``,
                                       ``sign_in``, ``drive``
=====================================  ==========================================================

The canary agent (:mod:`golive.agents.canary`) wires them together. Nothing here imports Airflow:
it runs inside the workload pods too.
"""
