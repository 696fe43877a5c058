"""Maintenance of live applications (the ``golive_maintenance`` DAG): rescan, updates, rotation, retention."""
