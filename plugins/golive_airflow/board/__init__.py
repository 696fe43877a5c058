"""The go-live board: ``/golive/board`` (the applications and their go-lives) and
``/golive/board/{application}`` (every gate, criterion, approval, revision, rollback and the trends across
releases), served by the plugin's ``/golive`` app behind Airflow's auth manager."""
