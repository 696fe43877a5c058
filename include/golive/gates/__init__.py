"""The gates: one module per gate, each holding its declarative :class:`~golive.gates.spec.GateSpec`.

The one source the DAGs (which analyzers, one pod each), the scoring operator and the agents' CLIs
read. Parse-time safe: nothing here imports an analyzer, httpx or kubernetes.
"""
