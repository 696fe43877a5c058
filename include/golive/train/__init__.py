"""The release train (plan 002): many applications taken live in dependency order.

=======================================  ===================================================================
module                                   what it holds
=======================================  ===================================================================
:mod:`golive.train.manifest`             the manifest (``TrainManifest``: applications, sources, versions,
                                         ``depends_on``), its checks (duplicates, unknown dependencies,
                                         cycles) and its topological layers (the train's phases)
:mod:`golive.train.checkpoint`           what is live before a phase (``Checkpoint``) and the plan that
                                         rolls a failed phase and every later one back to it
:mod:`golive.train.monitor`              the progress monitor: plan 002's thresholds measured on the live
                                         services (HTTP requests, pod metrics) → a verdict per criterion
=======================================  ===================================================================

Nothing here imports Airflow; the DAG is ``dags/golive_release_train.py``, its tasks
``golive_airflow.train``.
"""
