#!/usr/bin/env bash
# Set up, then take the bundled sample application live on the embedded defaults
# (SQLite Airflow DB, SQLite ledger, localkube). Prints the verdicts and the report's path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/python" -m golive_local.demo "$@"
