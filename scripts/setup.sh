#!/usr/bin/env bash
# Create .venv (Python 3.11) and install golive with everything it runs. Idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || { echo "golive needs Python 3.11 ($PY not found); set PYTHON=/path/to/python3.11" >&2; exit 2; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.golive-installed
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip uv
  .venv/bin/uv pip install --python .venv/bin/python -q -r requirements.txt -e .
  touch "$stamp"
fi
