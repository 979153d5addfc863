#!/usr/bin/env bash
# Set up everything on a fresh machine and run the main job on the bundled default corpus and model:
#   1. install (.venv, CPU torch, offline embedding model, everything else),
#   2. index the bundled Kalamang grammar (corpora/kalamang, CC-BY-4.0) with BM25 + MiniLM/FAISS,
#   3. extract the paper's features (WALS 81A, GB107, WALS 49A, polar questions) with cited pages
#      using the model-free evidence classifier, export a CLDF dataset, and
#   4. translate a Kalamang sentence with the dictionary + grammar (model-free fallback).
# Outputs land in runs/bootstrap/ (index in indexes/kalamang). Re-running resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
GR=.venv/bin/grammar-rag
if [ ! -f indexes/kalamang/manifest.json ]; then
  $GR ingest corpora/kalamang --index indexes/kalamang
fi
$GR info --index indexes/kalamang
$GR search "question particle at the end of the clause" --index indexes/kalamang -k 3
$GR classify --index indexes/kalamang --grammar visser2022kalamang --feature 81A
$GR extract --index indexes/kalamang --grammars all --features "81A,GB107,49A,WALS 116A*" --out runs/bootstrap
$GR translate "Kara gonggungnin." --from kgv --to eng
echo "bootstrap: done. Results in runs/bootstrap/ (CLDF dataset + CSV); index in indexes/kalamang/."
