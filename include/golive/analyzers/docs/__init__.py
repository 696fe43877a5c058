"""The documentation agent's analyzers: the API reference, the runbooks, the documentation quality.

Each measures and also writes its artifacts to the run's artifact store (``ctx.options``: the store
URL, the public URL, the run id; see :mod:`golive.agents.documentation`) and lists their URLs in
``details.artifacts``.
"""
