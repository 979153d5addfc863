"""What the dense model reads of each passage: the one place that decides it.

Why not the whole text: the bundled embedders are English sentence models. An interlinear example's
object-language and gloss lines ("ipfv wait emph away to poss.2sg.o descend nmlz away") are, to
them, noise that costs most of the example's word pieces (on the 648-page Rapa Nui PDF the examples
hold 126k of the book's 359k word pieces, 35k of them English), while the free translation and
the sentence that introduces the example carry what a dense query can match. The object-language
words stay searchable where they can be matched: BM25 indexes every passage's whole text, and the
passage shown and classified is always the whole text.

Front and back matter (contents, abbreviation lists, references, indexes) are stored and ranked by
BM25 only with ``include_matter``; the dense model never reads them and they hold a zero vector
(cosine 0 to every query), which saves ~9% of a book's embedding time.
"""

from __future__ import annotations

from grammar_rag.text.interlinear import intro_lines, read_tiers
from grammar_rag.types import MATTER_KINDS, Passage

# Recorded in the index manifest's "embedding" entry, so an index says what its vectors encode.
EMBEDDING_TEXT = "examples: introduction + free translations; front/back matter: zero vector"


def embedding_text(passage: Passage) -> str | None:
    """The text to embed for ``passage``, or ``None`` when it gets a zero vector (front/back matter)."""
    if passage.kind in MATTER_KINDS:
        return None
    if passage.kind != "example":
        return passage.text
    translations = [t.translation for t in read_tiers(passage.text)]
    if not translations:  # tiers not recognised: the whole text, as before
        return passage.text
    return "\n".join(intro_lines(passage.text) + translations)
