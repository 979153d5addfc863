#!/usr/bin/env bash
# The test command (README, .ci/run): install what is missing, lint, type-check, run the whole test suite.
# Needs no network except package registries; finds the development data in ../shared/data
# (or $GRAMMAR_RAG_DATA_DIR) and skips the tests that need it when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install_browser.sh || echo "test: chromium unavailable; browser tests will be skipped"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/ruff check grammar_rag benchmarks app tests
.venv/bin/lint-imports  # layer contracts: [tool.importlinter] in pyproject.toml
.venv/bin/mypy  # files and settings: [tool.mypy] in pyproject.toml
.venv/bin/python -m pytest -q "$@"
