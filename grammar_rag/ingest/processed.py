"""Already-processed grammars: a folder with ``grammar.json`` + ``passages.jsonl[.gz]``.

This is the format of the bundled corpora (``corpora/kalamang``) and of
:func:`grammar_rag.corpus.write_bundled`; ingesting it re-uses the stored passages (and their ids
and provenance) instead of parsing the original sources again.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import INGESTERS, ChunkingConfig, Ingester
from grammar_rag.types import Grammar, IngestedGrammar, Passage

GRAMMAR_FILE = "grammar.json"
PASSAGE_FILES = ("passages.jsonl.gz", "passages.jsonl")


def passages_file(folder: Path) -> Path | None:
    """The passage file of a processed-grammar folder, or None when ``folder`` is not one."""
    if not (folder / GRAMMAR_FILE).is_file():
        return None
    return next((folder / name for name in PASSAGE_FILES if (folder / name).is_file()), None)


def load_processed(folder: Path) -> IngestedGrammar:
    """Read a processed-grammar folder; :class:`IngestError` names the folder when it is broken."""
    data = passages_file(folder)
    if data is None:
        raise IngestError(f"{folder}: not a processed grammar (needs {GRAMMAR_FILE} and {PASSAGE_FILES[0]}).")
    try:
        grammar = Grammar.from_dict(json.loads((folder / GRAMMAR_FILE).read_text(encoding="utf-8")))
        opener = gzip.open if data.suffix == ".gz" else open
        with opener(data, "rt", encoding="utf-8") as fh:
            passages = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IngestError(f"{folder}: corrupt processed grammar ({type(exc).__name__}: {exc}).") from exc
    return IngestedGrammar(grammar, passages)


def ingest_processed(
    path: Path, *, chunking: ChunkingConfig, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    # passages are stored already chunked: re-chunking would change their ids and provenance
    return [load_processed(Path(path))]


@INGESTERS.register("passages", help="processed grammar folder: grammar.json + passages.jsonl(.gz)")
def _processed_factory() -> Ingester:
    return ingest_processed
