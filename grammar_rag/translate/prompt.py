"""The LLM prompt: dictionary entries, parallel examples and grammar excerpts, then the sentence.

Modelled on the MTOB setting (wordlist + sentences + grammar): the model sees the retrieved context
and is asked for the translation *only*, so the reply can be used as is; :func:`parse_reply`
removes the usual wrappers (quotes, "Translation:", explanations after a blank line).
"""

from __future__ import annotations

import re

from grammar_rag.translate.dictionary import WordAnalysis
from grammar_rag.translate.examples import ScoredExample
from grammar_rag.types import ScoredPassage

PROMPT_VERSION = "translate-v2"
SYSTEM = "You are an expert linguist and translator. Answer with the translation only."


def build_prompt(
    text: str,
    source_name: str,
    target_name: str,
    analyses: list[WordAnalysis],
    examples: list[ScoredExample],
    passages: list[ScoredPassage],
    *,
    object_language_is_source: bool,
    max_passage_chars: int = 700,
    abbreviations: dict[str, str] | None = None,
    orthography: str = "",
) -> str:
    """The prompt for one sentence, built from one pack's material: the language's name, its
    dictionary entries for the input's words, retrieved examples with their glosses (and the gloss
    abbreviations they use, when the pack lists them) and grammar excerpts about the constructions."""
    lines: list[str] = [
        f"You are translating between {source_name} and {target_name}, using a dictionary, example "
        "sentences and excerpts from a descriptive grammar.",
        "",
        "Dictionary entries for the words of the sentence:",
    ]
    seen: set[str] = set()
    for a in analyses:
        for e in a.entries[:3]:
            if e.id in seen:
                continue
            seen.add(e.id)
            extra = f" (in '{a.word}', with {' '.join(a.affixes)})" if a.affixes else ""
            lines.append(f"- {e.headword} [{e.pos}]: {e.description}{extra}")
        if not a.entries and a.full_form_gloss:
            lines.append(f"- {a.word}: {a.full_form_gloss}")
    if not seen:
        lines.append("- (none found)")
    lines += ["", "Example sentences:"]
    object_name = source_name if object_language_is_source else target_name
    for s in examples:
        ex = s.example
        lines.append(f"- {object_name}: {ex.text}")
        if ex.gloss:
            lines.append(f"  gloss: {ex.gloss}")
        lines.append(f"  English: {ex.translation}")
    if not examples:
        lines.append("- (none found)")
    used = _used_abbreviations(examples, analyses, abbreviations or {})
    if used:
        lines += ["", "Gloss abbreviations:"] + [f"- {k}: {v}" for k, v in used]
    if orthography.strip():
        notes = " ".join(orthography.split())
        lines += ["", "Orthography notes: " + (notes[:max_passage_chars].rsplit(" ", 1)[0] + " ..." if len(notes) > max_passage_chars else notes)]
    if passages:
        lines += ["", "Grammar excerpts:"]
        for sp in passages:
            where = " > ".join(sp.passage.section) or sp.passage.citation
            body = sp.passage.text
            if len(body) > max_passage_chars:
                body = body[:max_passage_chars].rsplit(" ", 1)[0] + " ..."
            lines.append(f"[{where}] {body}")
    lines += [
        "",
        f"Translate the following {source_name} sentence into {target_name}. "
        f"Reply with the {target_name} translation only, on one line, without explanations.",
        f"{source_name}: {text}",
        f"{target_name}:",
    ]
    return "\n".join(lines)


def _used_abbreviations(
    examples: list[ScoredExample], analyses: list[WordAnalysis], abbreviations: dict[str, str]
) -> list[tuple[str, str]]:
    """The pack's gloss abbreviations that occur in the glosses shown, in order of first use."""
    if not abbreviations:
        return []
    glosses = [s.example.gloss for s in examples] + [a.full_form_gloss for a in analyses]
    out: dict[str, str] = {}
    for gloss in glosses:
        for tok in re.split(r"[=\-.\s:]", gloss or ""):
            if tok in abbreviations and tok not in out:
                out[tok] = abbreviations[tok]
    return list(out.items())


def parse_reply(reply: str, names: tuple[str, ...] = ()) -> str:
    """The translation from an LLM reply: first non-empty line, wrappers and quotes removed.

    ``names``: the languages of the pair, whose "Name:" label a model may echo before its answer."""
    labels = ["translation", "english", "answer", *(re.escape(n.lower()) for n in names if n)]
    prefix = re.compile(r"^\s*(?:" + "|".join(labels) + r")\s*:\s*", re.I)
    text = (reply or "").strip()
    for line in text.splitlines():
        line = prefix.sub("", line.strip())
        if line:
            text = line
            break
    text = prefix.sub("", text)
    return text.strip().strip("\"'“”‘’`").strip()
