#!/usr/bin/env bash
# Set up (with the embeddings extra, on CPU torch), lint (ruff), type-check (mypy, configured in pyproject.toml),
# then run the whole test suite
# (unit, DAG integrity, integration, end to end) on GOLIVE_TEST_WORKERS pytest-xdist workers (default 2;
# 0: in this process); arguments go to pytest. Each test module runs whole on one worker (--dist
# loadfile: its module fixtures once); a worker starts its own localkube and Airflow DB when it needs them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/setup-embeddings.sh"   # the embedding tests run everywhere (CPU torch)
cd "$ROOT"
.venv/bin/ruff check .
.venv/bin/mypy
set +e
.venv/bin/python -m pytest -n "${GOLIVE_TEST_WORKERS:-2}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
exit "$rc"
