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
  # --compile-bytecode: every interpreter (each Airflow task process, each localkube pod) then reads
  # .pyc files instead of compiling Airflow's and the kubernetes client's sources again, also where
  # PYTHONDONTWRITEBYTECODE is set or site-packages is read-only (benchmarks/task_startup.py).
  .venv/bin/uv pip install --python .venv/bin/python -q --compile-bytecode -r requirements.txt -e .
  touch "$stamp"
fi
# The browser tests (the go-live board) drive the system Chromium through Playwright: Debian's package,
# never a browser Playwright downloads.
if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  if [ -z "$as_root" ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
    { $as_root apt-get update -q >/dev/null && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
      || echo "apt-get install chromium failed: the browser tests of the board will fail in CI, skip elsewhere" >&2
  else
    echo "chromium not found and not root: install it (apt-get install chromium) for the browser tests of the board" >&2
  fi
fi
# golive's own Node tool set (eslint with golive's fixed rules), from its lock file.
if command -v npm >/dev/null; then
  if [ ! -f tools/node/node_modules/.golive-installed ] || [ tools/node/package-lock.json -nt tools/node/node_modules/.golive-installed ]; then
    (cd tools/node && npm ci --no-audit --no-fund --loglevel=error) && touch tools/node/node_modules/.golive-installed
  fi
else
  echo "npm not found: the JavaScript/TypeScript analyzers (eslint) will report no data" >&2
fi
# semgrep in its own virtual environment: its pinned dependencies clash with Airflow's.
SEMGREP_VERSION=1.185.0
if [ ! -x tools/semgrep/venv/bin/semgrep ] || ! grep -qx "$SEMGREP_VERSION" tools/semgrep/venv/.golive-installed 2>/dev/null; then
  "$PY" -m venv tools/semgrep/venv
  .venv/bin/uv pip install --python tools/semgrep/venv/bin/python -q --compile-bytecode "semgrep==$SEMGREP_VERSION"
  echo "$SEMGREP_VERSION" > tools/semgrep/venv/.golive-installed
fi
