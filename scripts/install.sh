#!/usr/bin/env bash
# Create .venv and install grammar-rag with its dev/app extras, offline models included.
# torch is pinned FIRST to the local CPU build: a bare `torch` requirement would pull a multi-GB
# CUDA build. Idempotent: skips pip when pyproject.toml has not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=.venv/.grammar-rag-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && .venv/bin/python -c "import grammar_rag" 2>/dev/null; then
  echo "install: .venv up to date"
  exit 0
fi
echo "install: torch (CPU build) ..."
.venv/bin/pip install -q "torch==2.13.0"
echo "install: grammar-rag and extras (llama-cpp-python compiles from source the first time: a few minutes) ..."
# ray: the optional cluster engine, installed here so CI runs its tests (they skip without it)
.venv/bin/pip install -q -e ".[dev,app,llamacpp,ray]"
echo "$want" > "$stamp"
echo "install: done"
