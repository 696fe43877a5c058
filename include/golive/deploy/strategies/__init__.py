"""The three deployment strategies of the sample-app chart, one module each.

``rolling`` (one ``stable`` release updated in place), ``bluegreen`` (two colour releases, the
Service selects one) and ``canary`` (a ``canary`` track next to ``stable``, traffic split by replica
ratio). Each exposes its actions (``deploy``, ``promote``, ``rollback``; canary also ``step``) as
``(Cluster, Request) -> Result``; :data:`golive.deploy.ACTIONS` maps them.
"""
