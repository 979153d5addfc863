"""Text as every layer reads it: words, stems and stop words; sentences; lexicons; OCR repair.

The bottom of the house beside :mod:`grammar_rag.types`: ingest, index, rerank, classify and
translate all import from here and nothing here imports them, so "what a word is", "where a
sentence ends" and "what asserts, hedges or negates" are decided once.

* :mod:`grammar_rag.text.tokens` — the prose, sentence and index tokenisers (named variants);
* :mod:`grammar_rag.text.phrases` — whole-phrase patterns and English idioms on grammatical nouns;
* :mod:`grammar_rag.text.sentences` — the sentence splitters (named variants);
* :mod:`grammar_rag.text.lexicons` — assertion, hedge, negation and other-language cues;
* :mod:`grammar_rag.text.ocr_repair` — letter-spaced and word-doubled OCR text.
"""

from __future__ import annotations

from pathlib import Path

from grammar_rag.text.ocr_repair import VOCABULARY_PATH

# what every reader of text depends on, for the version hashes that key reranking and prediction
# caches: a change to a tokeniser, a lexicon, a splitter or the repair re-predicts
TEXT_FILES: tuple[Path, ...] = (*sorted(Path(__file__).resolve().parent.glob("*.py")), VOCABULARY_PATH)
