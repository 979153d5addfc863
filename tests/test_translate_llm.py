"""End to end through a real (tiny) model: SmolLM2-135M via the ``local`` backend.

Plumbing only: a 135M model's translation quality means nothing; the test checks that the retrieved
context reaches a real model and a usable one-line translation comes back labelled ``llm:local``.
"""

from __future__ import annotations

import pytest
from translate_helpers import write_tiny_kalamang

from grammar_rag.translate import build_resources, translate

pytestmark = pytest.mark.slow


def test_local_smollm2_translates_end_to_end(tmp_path) -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python (the local backend's runtime) is not installed")
    from grammar_rag.llm import BACKENDS

    backend = BACKENDS.create("local", n_ctx=2048)
    res = build_resources("kgv", data_dir=write_tiny_kalamang(tmp_path), embedder=None)
    tr = translate("Mu sorat koraru.", source="kgv", target="eng", backend=backend, resources=res,
                   k_examples=2, k_passages=1, max_tokens=16)
    assert tr.method == "llm:local" and not tr.model_free
    assert tr.translation.strip() and "\n" not in tr.translation
    assert tr.prompt is not None and "Mu sorat koraru." in tr.prompt
    assert "bal [Noun]: dog" not in tr.prompt and "koraru [Verb]: to bite" in tr.prompt  # only the input's words
