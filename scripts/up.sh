#!/usr/bin/env bash
# Set up .venv, then start the local platform: localkube and Airflow (api-server, scheduler,
# dag-processor, triggerer; LocalExecutor, SQLite) on the embedded defaults. Prints the UI URL.
# Options: --port N, --db-url URL, --ledger-url URL, --state-dir DIR (see --help).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/python" -m golive_local.platform up "$@"
