#!/usr/bin/env bash
# Stop exactly what scripts/up.sh started (Airflow's components, then localkube and its pods).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec "$ROOT/.venv/bin/python" -m golive_local.platform down "$@"
