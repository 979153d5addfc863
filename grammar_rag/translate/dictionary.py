"""Dictionary look-up that copes with Kalamang clitics and affixes.

Kalamang words carry clitics (``sor=at`` fish=OBJ, ``muap=nin`` eat=NEG) and affixes (``lenggalengga-an``
chilli-1SG.POSS) that a plain headword match misses. The affix inventory is *learned*, never listed by
hand: from headwords written with a boundary (``=at``, ``-an``, ``ko=``) and from the segmented words
of glossed examples (Dictionaria's ``Analyzed_Word`` column, the grammar's ``\\gll`` lines). A word is
analysed by exact match first, then a full-form table of glossed surface words, then by recursively
stripping the longest known suffix/prefix whose remainder is analysable.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.errors import DataDirError
from grammar_rag.text.langid import Lexicons
from grammar_rag.text.tokens import english_stem, lower_words, nfc
from grammar_rag.translate.morphology import learn_affixes, loose_key, strict_key

GRAMMATICAL_POS = frozenset({"Grammatical marker", "Classifier", "Particle"})
_BRACKET_RE = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_NEGATION_SENSE = re.compile(r"\bnegat\w*|\bnegator\b|^\s*\[?not\b", re.I)


@dataclass(frozen=True)
class DictEntry:
    """One headword with its senses (English descriptions, first = main)."""

    id: str
    headword: str
    pos: str = ""
    senses: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # the same word in another script or spelling (e.g. Cyrillic)

    @property
    def is_affix(self) -> bool:
        return self.headword[:1] in "=-" or self.headword[-1:] in "=-"

    @property
    def form(self) -> str:
        """Headword without boundary marks, lower-cased."""
        return strict_key(self.headword.strip().strip("=-"))

    @property
    def gloss(self) -> str:
        """Short English gloss for word-by-word output: the first plain (non-bracketed) sense.

        Brackets hold grammatical descriptions ("[focus]") or comments, which are not translations.
        """
        for sense in self.senses:
            for part in sense.split(";"):
                plain = _BRACKET_RE.sub("", part).split(",")[0].strip()
                if plain:
                    return plain[3:] if plain.startswith("to ") else plain
        return ""

    @property
    def description(self) -> str:
        return "; ".join(self.senses)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "headword": self.headword, "pos": self.pos, "senses": list(self.senses)}
        if self.variants:
            out["variants"] = list(self.variants)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DictEntry:
        senses = data.get("senses") or ()
        variants = data.get("variants") or ()
        return cls(str(data["id"]), str(data["headword"]), str(data.get("pos") or ""),
                   tuple(str(s) for s in senses) if isinstance(senses, (list, tuple)) else (),
                   tuple(str(v) for v in variants) if isinstance(variants, (list, tuple)) else ())


@dataclass(frozen=True)
class WordAnalysis:
    """How one input word was matched: its stem entries and the affixes stripped on the way."""

    word: str
    stem: str
    entries: tuple[DictEntry, ...] = ()
    affixes: tuple[str, ...] = ()  # e.g. ("=at", "=a"); suffixes start with a boundary, prefixes end with one
    method: str = "none"  # "exact" | "full-form" | "affix" | "none"
    full_form_gloss: str = ""  # word-aligned gloss from a glossed example, when that is how it matched

    @property
    def found(self) -> bool:
        return bool(self.entries) or bool(self.full_form_gloss)

    def gloss(self) -> str:
        for entry in self.entries:
            if entry.gloss and not entry.is_affix:
                return entry.gloss
        if self.full_form_gloss:
            return lexical_part(self.full_form_gloss)
        return ""

    def to_dict(self) -> dict[str, object]:
        return {
            "word": self.word,
            "stem": self.stem,
            "affixes": list(self.affixes),
            "method": self.method,
            "entries": [e.to_dict() for e in self.entries],
            "full_form_gloss": self.full_form_gloss,
        }


def lexical_part(gloss: str) -> str:
    """Lexical morphemes of a Leipzig gloss ("fish=OBJ" -> "fish", "call.out" -> "call out")."""
    parts = [p for p in re.split(r"[=\-\s.]", gloss) if p]
    lexical = [p for p in parts if not (p.isupper() or re.fullmatch(r"[0-9]+[A-Z]*", p))]
    return " ".join(p.replace("_", " ") for p in lexical).strip()


@dataclass
class Dictionary:
    """Headword index + learned affix inventory + full-form table, with analyses cached."""

    entries: list[DictEntry]
    suffixes: tuple[str, ...] = ()  # without boundary mark, longest first
    prefixes: tuple[str, ...] = ()
    full_forms: dict[str, str] = field(default_factory=dict)  # surface word -> word-aligned gloss
    segmentations: dict[str, str] = field(default_factory=dict)  # surface word -> "sor=at"
    other_words: frozenset[str] = frozenset()  # words of the senses' second (Indonesian) translation
    transliterate: Callable[[str], str] | None = None  # another script -> the headwords' (learned per pack)
    _by_form: dict[str, list[DictEntry]] = field(default_factory=dict, repr=False)
    _by_loose: dict[str, list[DictEntry]] = field(default_factory=dict, repr=False)
    _english: dict[str, list[tuple[int, DictEntry]]] = field(default_factory=dict, repr=False)
    _cache: dict[str, WordAnalysis] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for form in {entry.form, *(strict_key(v.strip().strip("=-")) for v in entry.variants)}:
                if form:
                    self._by_form.setdefault(form, []).append(entry)
                    self._by_loose.setdefault(loose_key(form), []).append(entry)
        if not self.suffixes and not self.prefixes:
            self.learn_affixes([])

    # ---- affix learning -------------------------------------------------------------------------
    def learn_affixes(
        self, segmented_words: Iterable[str], min_count: int = 2, surface_words: Iterable[str] = ()
    ) -> None:
        """Learn this language's suffixes/prefixes (see :mod:`grammar_rag.translate.morphology`):
        from boundary-marked headwords, segmented example words (``sor=at``: after the longest
        piece a suffix chain, before it a prefix chain; ``min_count`` attestations) and unsegmented
        ``surface_words`` that are a headword plus a recurring remainder."""
        self.suffixes, self.prefixes = learn_affixes(
            (e.headword for e in self.entries), segmented_words, surface_words, min_count=min_count
        )
        self._cache.clear()

    def add_full_forms(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Register (segmented word, gloss) pairs from glossed examples under their surface form."""
        for segmented, gloss in pairs:
            surface = strict_key(segmented)
            if surface and gloss and surface not in self.full_forms:
                self.full_forms[surface] = gloss
                self.segmentations[surface] = nfc(segmented).lower()
        self._cache.clear()

    # ---- Kalamang -> entries --------------------------------------------------------------------
    def lookup(self, form: str) -> list[DictEntry]:
        return list(self._by_form.get(strict_key(form), ()))

    def analyse(self, word: str) -> WordAnalysis:
        word = strict_key(word)
        cached = self._cache.get(word)
        if cached is None:
            cached = self._analyse(word)
            self._cache[word] = cached
        return cached

    def _lexical(self, form: str) -> list[DictEntry]:
        return [e for e in self._by_form.get(form, ()) if not e.is_affix]

    def _analyse(self, word: str) -> WordAnalysis:
        exact = self._lexical(word)
        if exact:
            # a variant spelling or script (Cyrillic beside Latin) stands for its entry's headword
            stem = word if any(e.form == word for e in exact) else exact[0].form
            return WordAnalysis(word, stem, tuple(exact), (), "exact")
        if word in self.full_forms:
            gloss = self.full_forms[word]
            stem, affixes = _split_segmented(self.segmentations.get(word, word))
            entries = tuple(self._lexical(stem)) if stem != word else ()
            return WordAnalysis(word, stem, entries, affixes, "full-form", gloss)
        found = self._strip(word, depth=3)
        if found is not None:
            stem, stripped = found
            lexical = self._lexical(stem)
            gloss = "" if lexical else self.full_forms.get(stem, "")
            return WordAnalysis(word, stem, tuple(lexical), tuple(stripped), "affix", gloss)
        if self.transliterate is not None:
            spelled = self.transliterate(word)
            if spelled and spelled != word:  # a word in the pack's other script, read in the headwords'
                read = self.analyse(spelled)
                return WordAnalysis(word, read.stem, read.entries, read.affixes, "transliterated", read.full_form_gloss)
        loose = [e for e in self._by_loose.get(loose_key(word), ()) if not e.is_affix]
        if loose:  # only when the exact spelling finds nothing: diacritics/glottals written differently
            return WordAnalysis(word, loose[0].form, tuple(loose), (), "orthography")
        return WordAnalysis(word, word)

    def _strip(self, word: str, depth: int) -> tuple[str, list[str]] | None:
        """Longest-affix-first search for a stem that is a headword or a glossed full form."""
        if depth == 0:
            return None
        for suffix in self.suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                stem = word[: -len(suffix)]
                if self._lexical(stem) or stem in self.full_forms:
                    return stem, ["=" + suffix]
                deeper = self._strip(stem, depth - 1)
                if deeper is not None:
                    return deeper[0], [*deeper[1], "=" + suffix]
        for prefix in self.prefixes:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                stem = word[len(prefix) :]
                if self._lexical(stem) or stem in self.full_forms:
                    return stem, [prefix + "="]
                deeper = self._strip(stem, depth - 1)
                if deeper is not None:
                    return deeper[0], [prefix + "=", *deeper[1]]
        return None

    def is_negated(self, word: str) -> bool:
        """Whether ``word`` carries a negation affix or clitic (``gonggung=nin`` call=NEG).

        Read from the affix's own dictionary senses ("[predicate negator]") or the word's glossed
        full form (``=NEG``), so a translation can keep the sentence's polarity.
        """
        analysis = self.analyse(word)
        if re.search(r"(?<![A-Za-z])NEG(?![A-Za-z])", analysis.full_form_gloss):
            return True
        return any(
            _NEGATION_SENSE.search(sense)
            for affix in analysis.affixes
            for entry in self.affix_entries(affix)
            for sense in entry.senses
        )

    def affix_entries(self, affix: str) -> list[DictEntry]:
        """Dictionary entries of an affix (any boundary style: ``=at`` also finds ``-at``)."""
        bare = affix.strip("=-")
        return [e for e in self._by_form.get(bare, ()) if e.is_affix]

    def lexicons(self) -> Lexicons:
        """English vs second-language vocabularies, for telling translation columns apart."""
        english = {w for e in self.entries for sense in e.senses for w in lower_words(_BRACKET_RE.sub("", sense))}
        return Lexicons(frozenset(english - self.other_words), frozenset(self.other_words - english))

    # ---- English -> entries ---------------------------------------------------------------------
    def _build_english(self) -> None:
        index: dict[str, list[tuple[int, DictEntry]]] = {}
        for entry in self.entries:
            if entry.is_affix:
                continue
            for sense in entry.senses:
                for part in sense.split(";"):
                    plain = _BRACKET_RE.sub("", part).strip()
                    toks = [t for t in lower_words(plain) if t != "to"]
                    if not toks:
                        continue
                    # a one-word sense ("garden") is a far better translation than a word inside a phrase
                    cost = 0 if len(toks) == 1 else len(toks)
                    for tok in toks:
                        index.setdefault(english_stem(tok), []).append((cost, entry))
        for key, hits in index.items():
            hits.sort(key=lambda h: (h[0], len(h[1].senses), h[1].id))
            index[key] = hits
        self._english = index

    def english_lookup(self, word: str, limit: int = 3) -> list[DictEntry]:
        """Entries whose English senses contain ``word`` (stemmed), one-word senses first."""
        if not self._english:
            self._build_english()
        seen: list[DictEntry] = []
        for _cost, entry in self._english.get(english_stem(word.lower()), []):
            if entry not in seen:
                seen.append(entry)
            if len(seen) >= limit:
                break
        return seen


def _split_segmented(segmented: str) -> tuple[str, tuple[str, ...]]:
    """("sor=at") -> ("sor", ("=at",)): the longest piece is the stem, the rest affixes with boundaries."""
    pieces = re.split(r"([=\-])", segmented)
    morphs = pieces[0::2]
    if len(morphs) < 2:
        return segmented, ()
    stem_i = max(range(len(morphs)), key=lambda i: len(morphs[i]))
    affixes: list[str] = []
    for i, m in enumerate(morphs):
        if i == stem_i or not m:
            continue
        boundary = pieces[2 * i - 1] if i > stem_i else pieces[2 * i + 1]
        affixes.append(boundary + m if i > stem_i else m + boundary)
    return morphs[stem_i], tuple(affixes)


# ---- loading --------------------------------------------------------------------------------------
def _open_table(directory: Path, name: str) -> io.TextIOBase:
    plain, packed = directory / name, directory / (name + ".gz")
    if plain.exists():
        return open(plain, encoding="utf-8", newline="")
    if packed.exists():
        return io.TextIOWrapper(gzip.open(packed, "rb"), encoding="utf-8", newline="")
    raise DataDirError(f"{directory} has neither {name} nor {name}.gz (a Dictionaria CLDF dictionary).")


# Entry columns holding the headword in another script or spelling (Dictionaria datasets).
VARIANT_COLUMNS = ("Cyrillic", "original_script", "Orthography")


def load_dictionary_entries(directory: Path) -> tuple[list[DictEntry], frozenset[str]]:
    """Entries of a Dictionaria CLDF dictionary (``entries.csv`` + ``senses.csv``, optionally gzipped),
    and the words of the senses' second-language translations (to tell English apart)."""
    senses: dict[str, list[str]] = {}
    other_words: set[str] = set()
    with _open_table(directory, "senses.csv") as fh:
        for row in csv.DictReader(fh):
            other_words.update(lower_words(_BRACKET_RE.sub("", row.get("alt_translation1") or "")))
            desc = (row.get("Description") or "").strip()
            if desc:
                senses.setdefault(row.get("Entry_ID", ""), []).append(desc)
    entries: list[DictEntry] = []
    with _open_table(directory, "entries.csv") as fh:
        for row in csv.DictReader(fh):
            headword = (row.get("Headword") or "").strip()
            if not headword:
                continue
            variants = tuple(
                v.strip() for col in VARIANT_COLUMNS for v in re.split(r"[;,]", row.get(col) or "")
                if v.strip() and v.strip() != headword
            )
            entries.append(
                DictEntry(
                    id=row["ID"],
                    headword=headword,
                    pos=(row.get("Part_Of_Speech") or "").strip(),
                    senses=tuple(senses.get(row["ID"], ())),
                    variants=variants,
                )
            )
    if not entries:
        raise DataDirError(f"{directory / 'entries.csv'} holds no entries.")
    return entries, frozenset(other_words)


def load_dictionary(directory: Path) -> Dictionary:
    """A :class:`Dictionary` from a Dictionaria CLDF dictionary directory."""
    entries, other_words = load_dictionary_entries(directory)
    return Dictionary(entries, other_words=frozenset(other_words))
