"""Read a model's reply back into a closed-set value, cited passages and quoted evidence.

Replies vary: "Conclusion: SOV", "**Conclusion:** The dominant order is SOV.", "Conclusion: 1
(present)", "Conclusion: option 3", "Conclusion: 7 cases" for "6-7 cases", or just "SOV" from
closed-set decoding. :func:`match_choice` maps such text to exactly one option or to nothing; it
never guesses between two options named in the same answer. A reply that maps to nothing is
*unparseable*: the caller flags the prediction rather than inventing a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grammar_rag.text.sentences import quote_sentences
from grammar_rag.text.tokens import ALNUM_WORD_RE, quote_words
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, ScoredPassage

_CONCLUSION_RE = re.compile(r"conclusion\s*[*_]*\s*[:：\-–]", re.IGNORECASE)
_ABSTAIN_RE = re.compile(
    r"not enough information|insufficient (?:information|evidence)|cannot be determined|"
    r"can ?not determine|not (?:mentioned|stated|described) in the (?:passages|grammar|text)|unknown",
    re.IGNORECASE,
)
_YES = {"yes", "present", "true", "y", "attested"}
_NO = {"no", "absent", "false", "n", "not attested"}


@dataclass
class ParsedAnswer:
    """What :func:`parse_reply` found. ``value`` is None when the reply named no single option."""

    value: str | None
    reasoning: str
    cited: list[int] = field(default_factory=list)  # 1-based passage numbers, in order of citation
    source: str = ""  # "conclusion" | "whole-reply" | "" (unparseable)

    @property
    def parsed(self) -> bool:
        return self.value is not None


def _norm(text: str) -> str:
    text = re.sub(r"[*_`\"'“”‘’]", "", text)
    return re.sub(r"\s+", " ", text).strip().strip(".,;:!()[]{} ").strip().lower()


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _range_of(name: str) -> tuple[int, int] | None:
    """Numeric span an option name covers: "2 cases" -> (2, 2), "6-7 cases" -> (6, 7), "10 or more" -> (10, inf)."""
    low = name.lower()
    m = re.match(r"\s*(\d+)\s*(?:-|–|to)\s*(\d+)", low)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.match(r"\s*(\d+)\s*(?:or more|\+)", low)
    if m:
        return int(m.group(1)), 10**9
    m = re.match(r"\s*(\d+)\b", low)
    if m:
        return int(m.group(1)), int(m.group(1))
    return None


def _whole_word(needle: str, hay: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(needle) + r"(?![\w-])", hay) is not None


def match_choice(text: str, choices: list[str], feature: Feature | None = None) -> str | None:
    """The single option ``text`` names, or None. Tries, in order:

    exact (case/punctuation-insensitive); an option or its description at the start; yes/no for
    0/1 options; a number falling in exactly one numeric option ("7 cases" -> "6-7 cases"); the
    option's WALS/Grambank code or number ("81A-1", "option 1"); exactly one option mentioned as a
    whole word anywhere. Two different options mentioned -> None (ambiguous, not guessed).
    """
    seg = _norm(text)
    if not seg:
        return None
    normed = {c: _norm(c) for c in choices}
    for c, n in normed.items():
        if seg == n:
            return c
    values = {v.name: v for v in feature.values} if feature is not None else {}
    # a description spelled out ("Subject-object-verb (SOV)", "present")
    for c in choices:
        v = values.get(c)
        if v is not None and v.description and seg == _norm(v.description):
            return c
    # two different options named ("SOV or SVO", "2 cases, maybe 3 cases"): ambiguous, not guessed
    named = {c for c, n in normed.items() if len(n) > 1 and _whole_word(n, seg)}
    named = {c for c in named if not any(c != o and normed[c] in normed[o] for o in named)}
    if len(named) > 1:
        return None
    if set(normed.values()) >= {"0", "1"}:
        first = ALNUM_WORD_RE.findall(seg)
        head = " ".join(first[:2])
        if first and (first[0] in _YES or head in _YES):
            return next(c for c, n in normed.items() if n == "1")
        if first and (first[0] in _NO or head in _NO):
            return next(c for c, n in normed.items() if n == "0")
    # options at the start ("SOV (subject-object-verb)", "1 (present)"): longest option first
    for c in sorted(choices, key=lambda c: -len(normed[c])):
        n = normed[c]
        if n and (seg.startswith(n + " ") or seg.startswith(n + ",") or seg.startswith(n + ".")):
            return c
    # codes and option numbers
    for c in choices:
        v = values.get(c)
        if v is not None and v.code and _norm(v.code) == seg:
            return c
    m = re.fullmatch(r"(?:option|choice|value)?\s*#?\s*(\d+)", seg)
    if m and values:
        k = int(m.group(1))
        numbered = [c for c in choices if values.get(c) is not None and values[c].number == k]
        if len(numbered) == 1 and not any(_range_of(c) for c in choices):
            return numbered[0]
    # numbers inside numeric ranges ("7 cases" -> "6-7 cases")
    ranges = {c: _range_of(c) for c in choices}
    if any(ranges.values()):
        nums = _numbers(seg)
        if len(set(nums)) == 1:
            hits = [c for c, r in ranges.items() if r and r[0] <= nums[0] <= r[1]]
            if len(hits) == 1:
                return hits[0]
    # exactly one option mentioned as a whole word/phrase (options inside a longer named one excluded)
    if len(named) == 1:
        return named.pop()
    return None


def cited_numbers(text: str, n_passages: int) -> list[int]:
    """Passage numbers cited as "[2]", "[1, 4]", "[3-5]", "Passage 2", "passages 3 and 5"."""
    found: list[int] = []

    def add(nums: list[int]) -> None:
        for n in nums:
            if 1 <= n <= n_passages and n not in found:
                found.append(n)

    for m in re.finditer(r"\[\s*(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]", text):
        inner = m.group(1)
        for a, b in re.findall(r"(\d+)\s*[-–]\s*(\d+)", inner):
            add(list(range(int(a), int(b) + 1)) if int(b) - int(a) < 50 else [])
        add(_numbers(inner))
    for m in re.finditer(
        r"(?:passages?|paragraphs?|excerpts?)\s+(\d+(?:\s*(?:,|and|&|or)\s*\d+)*)", text, re.IGNORECASE
    ):
        add(_numbers(m.group(1)))
    return found


def split_conclusion(reply: str) -> tuple[str, str | None]:
    """(reasoning, conclusion text) split at the *last* "Conclusion:" marker; None when absent."""
    marks = list(_CONCLUSION_RE.finditer(reply))
    if not marks:
        return reply.strip(), None
    last = marks[-1]
    tail = reply[last.end() :].strip()
    first_line = tail.split("\n\n")[0].strip()
    lines = [ln for ln in first_line.splitlines() if ln.strip()]
    return reply[: last.start()].strip(), (lines[0] if lines else "")


def parse_reply(
    reply: str, choices: list[str], n_passages: int, feature: Feature | None = None
) -> ParsedAnswer:
    """Value from the "Conclusion:" line (or a reply that *is* an option), plus cited passages."""
    reasoning, conclusion = split_conclusion(reply)
    cited = cited_numbers(reply, n_passages)
    offered_abstain = NOT_ENOUGH_INFO in choices
    if conclusion is not None:
        value = match_choice(conclusion, [c for c in choices if c != NOT_ENOUGH_INFO], feature)
        if value is None and _ABSTAIN_RE.search(conclusion):
            value = NOT_ENOUGH_INFO  # the model abstained in words, offered or not: not a wrong value
        return ParsedAnswer(value, reasoning, cited, "conclusion" if value else "")
    stripped = reply.strip()
    # closed-set decoding returns the bare option; a short reply that is exactly one option counts too
    if stripped and len(stripped) <= 80 and "\n" not in stripped:
        value = match_choice(stripped, [c for c in choices if c != NOT_ENOUGH_INFO], feature)
        if value is None and offered_abstain and _norm(stripped) == NOT_ENOUGH_INFO:
            value = NOT_ENOUGH_INFO
        if value is not None:
            return ParsedAnswer(value, "", cited, "whole-reply")
    return ParsedAnswer(None, reasoning, cited, "")


MAX_QUOTE_CHARS = 400


def best_sentence(passage_text: str, context: str) -> str:
    """The sentence of ``passage_text`` sharing most content words with ``context`` (verbatim)."""
    sentences = [s.strip() for s in quote_sentences(passage_text) if s.strip()]
    if not sentences:
        return passage_text.strip()[:MAX_QUOTE_CHARS]
    want = quote_words(context)
    best = max(sentences, key=lambda s: (len(quote_words(s) & want), -abs(len(s) - 160)))
    return best if len(best) <= MAX_QUOTE_CHARS else best[: MAX_QUOTE_CHARS - 3].rstrip() + "..."


def _citing_context(reasoning: str, number: int) -> str:
    """Sentences of the reasoning that cite passage ``number`` (what the model says it shows)."""
    parts = [s for s in quote_sentences(reasoning) if re.search(rf"\b{number}\b", s)]
    return " ".join(parts)


def evidence_from_citations(
    parsed: ParsedAnswer, passages: list[ScoredPassage], value: str | None, feature: Feature | None = None
) -> list[Evidence]:
    """One Evidence per cited passage, quoting the sentence the reasoning most plausibly relies on."""
    out: list[Evidence] = []
    vdesc = ""
    if feature is not None and value:
        v = feature.value_by_name(value)
        vdesc = v.description if v else ""
    for rank_in_citation, number in enumerate(parsed.cited):
        sp = passages[number - 1]
        p = sp.passage
        context = " ".join(x for x in (_citing_context(parsed.reasoning, number), value or "", vdesc) if x)
        out.append(
            Evidence(
                passage_id=p.passage_id,
                grammar_id=p.grammar_id,
                quote=best_sentence(p.text, context or parsed.reasoning),
                pages=p.pages,
                section=p.section,
                score=round(1.0 / (1 + rank_in_citation), 4),
                supports=value,
            )
        )
    return out
