"""End to end through a real (tiny) model: SmolLM2-135M via the ``local`` backend and through a real
``llama_cpp.server`` on 127.0.0.1 (the OpenAI-compatible client), as classification is tested.

Plumbing only: a 135M model's translation quality means nothing; the test checks that the retrieved
context reaches a real model and a usable one-line translation comes back labelled ``llm:local``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from translate_helpers import write_tiny_kalamang

pytest.importorskip("llama_cpp", reason="llama-cpp-python (the local backend's runtime) is not installed")
from test_llm_local import llama_server  # noqa: F401  (the real llama_cpp.server fixture)
from test_translate_packs import write_zubi

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


def test_pack_prompt_through_a_real_llama_server(
    llama_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """A user's pack (synthetic Zubi) translated over HTTP by a real llama.cpp server: the prompt is
    the pack's (its name, its dictionary entries, glossed examples, gloss abbreviations, grammar)."""
    from grammar_rag.llm.openai_compat import OpenAICompatBackend
    from grammar_rag.translate.packs import PackStore

    files = write_zubi(tmp_path / "in")
    abbr = tmp_path / "in" / "abbr.tsv"
    abbr.write_text("PL\tplural\nNEG\tnegative\n", encoding="utf-8")
    store = PackStore(tmp_path / "packs")
    store.add("zub", name="Zubi", grammar=files["grammar"], dictionary=files["dictionary"],
              examples=files["examples"], abbreviations=abbr)
    res = build_resources("zub", store=store, embedder=None)
    backend = OpenAICompatBackend(llama_server, model=None, timeout=180, max_retries=1)
    tr = translate("The birds go.", source="eng", target="zub", backend=backend, resources=res,
                   k_examples=3, k_passages=1, max_tokens=16)
    assert tr.method.startswith("llm:") and not tr.model_free
    assert tr.translation.strip() and "\n" not in tr.translation
    prompt = tr.prompt or ""
    assert "between English and Zubi" in prompt and "Zubi:" in prompt and "Kalamang" not in prompt
    assert "gala [n]: bird" in prompt  # the dictionary entry of the input's word, from the pack's TSV
    assert "gloss: go bird-PL" in prompt and "- PL: plural" in prompt  # the grammar's glossed example
    assert "suffix -ko" in prompt  # a grammar excerpt about the construction
