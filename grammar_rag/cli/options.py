"""Options that several commands share, each declared once.

``--index``, ``--data-dir``, the backend choice, the LLM connection settings, ``--embedder``,
the first-stage retrieval mode and ``--progress`` mean the same thing wherever they appear, so
they are spelled, typed and documented here; a command passes only what is particular to it
(whether the option is required, what the default means for that command). Anything that builds
an ``argparse`` parser may use them, the benchmark runners included: nothing here imports more
than the library's settings.
"""

from __future__ import annotations

import argparse
import sys

from grammar_rag.llm.config import ENV_VARS, LLMSettings

RETRIEVAL_MODES = ("bm25", "dense", "hybrid")

INDEX_HELP = "index directory (built with `grammar-rag ingest`)"
DATA_DIR_HELP = "data directory (default: $GRAMMAR_RAG_DATA_DIR, else the bundled data)"
CLASSIFIER_BACKEND_HELP = "'evidence' (model-free, default) or an LLM backend: openai, vllm, local, ..."
EMBEDDER_HELP = "embedding model for example retrieval ('none' = BM25 only)"


def precision_target(text: str) -> float:
    """``--min-precision``: a share between 0 and 1 ("0.9"), refused otherwise with the fix.

    A target of 7 or 90 (a percentage) would silently abstain on everything."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a share such as 0.9") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..1; give a share such as 0.9 (not a percentage)")
    return value


def add_index(parser: argparse.ArgumentParser, *, required: bool = True, help: str = INDEX_HELP) -> None:
    """``--index DIR``: the grammar index a command reads (or, for ``ingest``, writes)."""
    parser.add_argument("--index", required=required, default=None, metavar="DIR", help=help)


def add_data_dir(parser: argparse.ArgumentParser, *, required: bool = False, help: str = DATA_DIR_HELP) -> None:
    """``--data-dir DIR``: where the data lives (laid out like shared/data). Unset means the command
    falls back to ``$GRAMMAR_RAG_DATA_DIR`` and then to bundled data; resolve it with
    :func:`grammar_rag.config.data_dir`, which names both options when neither is given."""
    parser.add_argument("--data-dir", required=required, default=None, metavar="DIR", help=help)


def add_classifier_backend(parser: argparse.ArgumentParser, *, help: str = CLASSIFIER_BACKEND_HELP) -> None:
    """``--backend NAME`` for commands that classify features (default: the model-free ``evidence``)."""
    parser.add_argument("--backend", default="evidence", help=help)


def add_translation_backend(parser: argparse.ArgumentParser, *, help: str) -> None:
    """``--backend NAME`` for commands that translate (default: the model-free fallback)."""
    parser.add_argument("--backend", default=None, help=help)


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    """How to reach an LLM backend; each option falls back to its environment variable
    (:class:`~grammar_rag.llm.config.LLMSettings` resolves them: :func:`llm_settings`)."""
    group = parser.add_argument_group("LLM backend (openai / vllm / local)")
    group.add_argument("--llm-base-url", help=f"OpenAI-compatible endpoint [${ENV_VARS['base_url']}]")
    group.add_argument("--llm-model", help=f"model name [${ENV_VARS['model']}]")
    group.add_argument("--llm-api-key", help=f"API key [${ENV_VARS['api_key']} or $OPENAI_API_KEY]")
    group.add_argument("--llm-timeout", type=float, help="seconds per request")
    group.add_argument("--llm-concurrency", type=int, help="parallel requests for a batch")
    group.add_argument("--max-prompt-tokens", type=int, help="prompt token budget (evidence is cut to fit)")
    group.add_argument("--no-llm-cache", action="store_true", help="do not read or write the response cache")


def llm_settings(args: argparse.Namespace) -> LLMSettings:
    """The settings :func:`add_llm_options` asked for, over the environment and the defaults."""
    return LLMSettings.resolve(
        base_url=getattr(args, "llm_base_url", None),
        model=getattr(args, "llm_model", None),
        api_key=getattr(args, "llm_api_key", None),
        timeout=getattr(args, "llm_timeout", None),
        concurrency=getattr(args, "llm_concurrency", None),
        max_prompt_tokens=getattr(args, "max_prompt_tokens", None),
        cache=False if getattr(args, "no_llm_cache", False) else None,
    )


def add_embedder(parser: argparse.ArgumentParser) -> None:
    """``--embedder NAME`` for translation's example retrieval; read it with :func:`embedder_choice`."""
    parser.add_argument("--embedder", default="default", help=EMBEDDER_HELP)


def embedder_choice(args: argparse.Namespace) -> str | None:
    """The embedder name to load, or None for BM25-only example retrieval (``--embedder none``)."""
    name: str = args.embedder
    return None if name in ("none", "") else name


def add_retrieval_mode(parser: argparse.ArgumentParser, *, default: str | None, help: str) -> None:
    """``--mode bm25|dense|hybrid``: the first-stage retrieval of :meth:`GrammarIndex.retrieve`."""
    parser.add_argument("--mode", choices=RETRIEVAL_MODES, default=default, help=help)


def add_json(parser: argparse.ArgumentParser, *, help: str) -> None:
    """``--json``: machine-readable output instead of the text report."""
    parser.add_argument("--json", action="store_true", help=help)


def add_progress(parser: argparse.ArgumentParser, what: str = "progress bars") -> None:
    """``--progress`` / ``--no-progress``; unset (None) means "when stderr is a terminal", which
    :func:`wants_progress` decides (a bar in a redirected log is noise)."""
    # "%(default).0s" prints nothing; it only keeps ArgumentDefaultsHelpFormatter (ingest, corpus
    # fetch) from appending "(default: None)" after the sentence that says what None means
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help=f"{what} (default%(default).0s: when stderr is a terminal)")


def wants_progress(args: argparse.Namespace) -> bool:
    """The ``--progress`` choice, or, when neither flag was given, whether stderr is a terminal."""
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)
