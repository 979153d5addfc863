"""GPU check of the embedder: CUDA auto precision vs fp32, throughput, agreement with CPU fp32.

    python -m benchmarks.gpu_embed_check prepare .gpuchk      # on the dev machine (CPU)
    python benchmarks/gpu_embed_check.py run .gpuchk           # on the GPU machine

Why two steps: the GPU machine of this workplace is offline and takes at most 64 MiB from the
working tree, so ``prepare`` stores an fp16 copy of the bundled all-MiniLM-L6-v2 (45 MB) and the
fp32 CPU vectors of the first 512 Kalamang passages (the reference) in ``DIR``. ``run`` loads
``grammar_rag/index/embed.py`` by path (the GPU image lacks bm25s/faiss, which
``grammar_rag.index`` imports), encodes all 6,119 bundled Kalamang passages on CUDA with the default
``auto`` precision and with fp32, then 1,024 on that machine's CPU (fp32) as the named alternative,
and writes ``gpu_embed.json`` to ``$OUT`` (or ``DIR``). The fp32 GPU/CPU runs use fp16-rounded
weights; the cosines against the reference show what that costs.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from grammar_rag.index.embed import SentenceTransformerEmbedder, minilm_model_dir

PASSAGES = Path("corpora/kalamang/passages.jsonl.gz")
N_REF = 512


def _texts() -> list[str]:
    with gzip.open(PASSAGES, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def prepare(target: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file


    model_dir = target / "minilm-fp16"
    shutil.copytree(minilm_model_dir(), model_dir, dirs_exist_ok=True)
    weights = model_dir / "model.safetensors"
    save_file({k: v.to(torch.float16).contiguous() for k, v in load_file(str(weights)).items()}, str(weights))
    ref = SentenceTransformerEmbedder(minilm_model_dir(), device="cpu", precision="fp32").encode(_texts()[:N_REF])
    np.save(target / "ref_fp32_cpu.npy", ref)


def run(target: Path) -> dict[str, object]:
    import torch

    spec = importlib.util.spec_from_file_location("gr_embed", "grammar_rag/index/embed.py")
    assert spec and spec.loader
    embed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(embed)
    texts = _texts()
    ref = np.load(target / "ref_fp32_cpu.npy")

    def one(device: str, precision: str | None, n: int, reps: int = 2) -> dict[str, Any]:
        e = embed.SentenceTransformerEmbedder(str(target / "minilm-fp16"), device=device, precision=precision)
        e.encode(texts[:256])  # warm-up (CUDA context, kernels)
        best = float("inf")
        for _ in range(reps):
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            vectors = e.encode(texts[:n], batch_size=64)
            if device == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - start)
        cos = np.sum(vectors[:N_REF] * ref, axis=1)
        return {"device": device, "precision_asked": precision, "precision_used": e.precision, "n": n,
                "seconds": round(best, 3), "passages_per_s": round(n / best, 1),
                "cos_vs_cpu_fp32_min": float(cos.min()), "cos_vs_cpu_fp32_mean": float(cos.mean())}

    runs = [one("cuda", None, len(texts)), one("cuda", "fp32", len(texts)), one("cpu", "fp32", 1024, reps=1)]
    return {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "default_device": embed._default_device(),
            "runs": runs,
            "speedup_gpu_auto_vs_gpu_fp32": round(runs[0]["passages_per_s"] / runs[1]["passages_per_s"], 2),
            "speedup_gpu_auto_vs_cpu_fp32": round(runs[0]["passages_per_s"] / runs[2]["passages_per_s"], 1)}


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2 or args[0] not in ("prepare", "run"):
        print(__doc__)
        return 2
    target = Path(args[1])
    target.mkdir(parents=True, exist_ok=True)
    if args[0] == "prepare":
        prepare(target)
        return 0
    report = run(target)
    out = Path(os.environ.get("OUT") or target) / "gpu_embed.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
