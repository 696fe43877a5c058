"""Developer tooling for a laptop or CI: the embedded environment, the demo and the local platform.

Not part of what Airflow loads: the DAGs and the plugin never import it.
"""
