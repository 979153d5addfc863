"""Which language a whole grammar describes, read from what the book says about itself.

Books name their language in the title ("A grammar of Rapa Nui", "Kalamang: a grammar",
"The Hatam language", "Grammaire du wolof"), in PDF/LaTeX metadata, and sometimes state its
Glottocode in the text ("Glottocode: sanz1248"). :func:`guess_language` reads those, resolves the
name against the bundled Glottolog table and says how sure it is, so ingest can tell the user when
a guess needs ``--meta glottocode=...``. Nothing here knows any particular book: names are
resolved through Glottolog and, where Glottolog has no languoid of that whole name, through the
names WALS gives its languages (bundled with its values): typological grammars often use those
("Meithei" for Glottolog's Manipuri, "Motuna" for its Siwai, "Harar Oromo" for WALS's "Oromo (Harar)"). A name
neither knows stays unresolved.

Resolution prefers the whole name over a part of it ("Rapa Nui" is Rapanui, never "Rapa"), and a
part only when nothing longer matches; a part is trusted more when the rest of the name agrees
with its classification ("Sanzhi Dargwa": Sanzhi, a variety of Southwestern Dargwa).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from grammar_rag.features import get_languages, get_wals_values
from grammar_rag.features.languages import Language, LanguageTable, NameMatch
from grammar_rag.ingest.ocr_titles import name_readings, repair_title

logger = logging.getLogger(__name__)

CONFIDENT = 0.8  # below this, ingest warns and names the fix
OCR_CONFIDENCE = 0.6  # a name read only through OCR confusions: a guess ingest names with the fix

_GRAMMAR_NOUN = (
    r"(?:grammar|grammatical\s+(?:sketch|description|overview)|description|sketch|phonology|morphology|"
    r"syntax|dictionary|introduction|outline)"
)
_TITLE_PATTERNS = (
    # "A (descriptive/reference) grammar of (the) X"; the last "grammar of" ("A sketch of the phonology
    # and grammar of X"), and "a syntactic study of X"
    re.compile(rf"^(?:.*\b)?(?:{_GRAMMAR_NOUN}|study|essentials|fundamentals)\s+of\s+(?:the\s+)?(?P<name>.+)", re.I),
    # "Grammaire (descriptive) du/de la/de l'/des X"
    re.compile(r"\bgrammaire\s+(?:[\w-]+\s+)?(?:du|de\s+la|de\s+l['’]|des|de|d['’])\s*(?:langue\s+)?(?P<name>.+)", re.I),
    # "Description grammaticale du X", "Esquisse de la langue X", "Éléments de grammaire des X"
    re.compile(r"\b(?:description|esquisse|[ée]tude|[ée]l[ée]ments|pr[ée]cis)\s+(?:[\w-]+\s+){0,2}?"
               r"(?:du|de\s+la|de\s+l['’]|des|d['’])\s*(?:(?:langue|parler)\s+)?(?P<name>.+)", re.I),
    # "La langue X", "Le parler X", "La lengua X"
    re.compile(r"^(?:la\s+|le\s+)?(?:langue|parler|lengua)\s+(?P<name>.+)", re.I),
    # "Esbozo gramatical del X", "Descripción de la lengua X"
    re.compile(r"\b(?:esbozo|descripci[oó]n|estudio)\s+(?:[\w-]+\s+){0,2}?(?:del|de\s+la|de)\s+"
               r"(?:(?:lengua|idioma)\s+)?(?P<name>.+)", re.I),
    # "Gramática (descriptiva) del/de la/da X"
    re.compile(r"\bgram[aá]tica\s+(?:[\w-]+\s+)?(?:del|de\s+la|de|da|do)\s+(?:(?:lengua|l[ií]ngua|idioma)\s+)?"
               r"(?P<name>.+)", re.I),
    # "Grammatik des/der X", "Die Sprache der X"
    re.compile(r"\b(?:grammatik|sprache)\s+(?:[\w-]+\s+)?(?:des|der|von)\s+(?P<name>.+)", re.I),
    # "Grammaire bambara": French puts the name after the noun (not "Grammaire du/de X", above)
    re.compile(r"\bgrammaire\s+(?P<name>(?!(?:du|de|des|d['’])\b)[^\s:;,.()]+)\s*(?:[:;,.(]|$)", re.I),
    # "X: a (descriptive) grammar", "X – a grammar sketch", "X: annotated texts", "X: grammaire et
    # vocabulaire", "X: gramática y diccionario", "X: Grammatik und Texte"
    re.compile(r"^(?P<name>[^:–—]+?)\s*[:–—]\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?"
               r"(?:grammar|description|sketch|texts|grammaire|esquisse|gram[aá]tica|esbozo|grammatik)\b", re.I),
    # "X: an Arawak language of Bolivia", "X, a Papuan language"
    re.compile(r"^(?P<name>[^:,;–—]+?)\s*[:,–—]\s*(?:an?|the)\s+(?:[\w-]+\s+){0,3}?languages?\b", re.I),
    # "The X language(s)", "the X people": the last "the" before it ("The fundamentals of the Thai language")
    re.compile(r"\bthe\s+(?P<name>(?:(?!\bthe\b)[^:;,.])+?)\s+(?:languages?|people)\b", re.I),
    # "Studies in X grammar", "An introduction to X", "Aspects of X phonology": a capitalised name
    # after in/to/of, up to a linguistic noun or the end of the clause
    re.compile(r"\b(?:[Ii]n|[Tt]o|[Oo]f)\s+(?:the\s+)?(?P<name>[A-Z][^:;,.()]*?)(?=\s+(?:[Gg]rammar|[Ss]yntax|"
               r"[Pp]honology|[Mm]orpho\w*|[Dd]iscourse|[Tt]ense|[Nn]ominals?|[Vv]erbs?|[Nn]ouns?|[Tt]exts?)\b|\s*[:;,.(]|$)"),
    # "X grammar", "X reference grammar", "X morphophonemics", "X word structure"
    re.compile(r"^(?P<name>[^:;,.]+?)\s+(?:(?:reference|descriptive)\s+)?(?:dictionary\s+and\s+)?(?:grammar|morphophonemics|phonology|"
               r"morphology|morphosyntax|syntax|word structure)\b", re.I),
)
# a title that is only a name ("Tunica", "Imbabura Quechua"): one to three capitalised words
_BARE_NAME = re.compile(r"^[A-Z][\w'’ʼ-]*(?:\s+[A-Z][\w'’ʼ-]*){0,2}$")
# words that are languoid names in Glottolog but, alone in a title, never the book's language
_NOT_A_NAME_ALONE = frozenset("""the a an of and in on to for with from its central southern northern eastern
    western north south east west lower upper middle modern old new standard coast coastal highland lowland
    dialect dialects""".split())  # noqa: SIM905 (a readable word list)
# where a language name inside a title ends
_NAME_END = re.compile(
    r"\s*(?:[:;,.!?/\[]|\s[-–—]\s|\b(?:as\s+spoken|spoken|with|in\s+the|in|from|and\s+its|including|"
    r"volume|vol)\b).*$",
    re.I,
)
# "X language", "Nama-Sprache", and "X grammar" where "an outline of" took the name with its noun
_TRAILING = re.compile(r"(?:\s+|-)(?:language|languages|dialect|dialects|people|langue|lengua|sprache|grammar)$", re.I)
_PAREN = re.compile(r"\(([^()]+)\)")
_DIALECT_OF = re.compile(r"^(?P<variety>.+?)\s+dialects?\s+of\s+(?:the\s+)?(?P<language>.+)$", re.I)
_APOSTROPHES = re.compile(r"['’ʼ`ʔ]")
_STATED_ISO = re.compile(r"\bISO(?:[\s-]*639(?:-3)?)?(?:\s+code)?\s*[:=]?\s*\[?([a-z]{3})\b")
# an Ethnologue-style code in square brackets beside a mention of the catalogue or its editors:
# "the Ethnologue's classification ([tar]; Eberhard et al. 2021)"; a bare "[det]" is a gloss
_BRACKETED_ISO = re.compile(
    r"(?:Ethnologue|ISO|SIL|Eberhard|Lewis)[^\n\[\]]{0,80}\[([a-z]{3})\]|\[([a-z]{3})\][^\n\[\]]{0,40}(?:Ethnologue|Eberhard|Lewis)"
)
_STATED_GLOTTOCODE = re.compile(r"glotto(?:code|log)\b[\s:=]*(?:code\s*)?[:=]?\s*\(?([a-z]{4}\d{4})\b", re.I)


@dataclass(frozen=True)
class LanguageGuess:
    """A resolved (or unresolved) language with how sure the guess is and why."""

    name: str  # the language as the source writes it
    glottocode: str | None = None
    iso639_3: str | None = None
    resolved_name: str | None = None  # Glottolog's name for ``glottocode``
    confidence: float = 0.0  # 0..1; >= CONFIDENT needs no confirmation
    reason: str = ""

    @property
    def confident(self) -> bool:
        return self.glottocode is not None and self.confidence >= CONFIDENT


def names_from_title(title: str) -> list[str]:
    """Candidate language names in a book title, most explicit pattern first."""
    text = " ".join((title or "").replace("\\\\", " ").split())
    out: list[str] = []
    for pattern in _TITLE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        raw = m.group("name")
        parens = [p.strip() for p in _PAREN.findall(raw)]
        name = _clean_name(_PAREN.sub(" ", raw))
        dialect = _DIALECT_OF.match(name)  # "the Kolokuma dialect of Ijo": "Kolokuma Ijo", then each
        varieties = (f"{dialect['variety']} {dialect['language']}", dialect["variety"], dialect["language"]) if dialect else ()
        for cand in (*varieties, name, *(_clean_name(p) for p in parens)):
            if cand and cand not in out and len(cand.split()) <= 6 and any(c.isalpha() for c in cand):
                out.append(cand)
    return out


def bare_name(title: str) -> str | None:
    """A title that may be the language's name alone ("Tunica", "Imbabura Quechua"), else None."""
    text = " ".join((title or "").split())
    return text if _BARE_NAME.match(text) and text.lower() not in _NOT_A_NAME_ALONE else None


def _clean_name(raw: str) -> str:
    name = _NAME_END.sub("", " ".join(raw.split())).strip(" \"“”")
    if name[:1] in "'‘":  # quoted: 'Abu' -> Abu; a lone final apostrophe is a letter (Abu' = Abu')
        name = name.strip("'‘’")
    name = re.sub(r"^(?:the|an?|la|le|les|el|der|die|das)(?:\s+|$)", "", name, flags=re.I)
    return _TRAILING.sub("", name).strip()


def stated_glottocodes(text: str, table: LanguageTable) -> list[str]:
    """Glottocodes the text states as such ("Glottocode: sanz1248"), most often stated first."""
    counts = Counter(c.lower() for c in _STATED_GLOTTOCODE.findall(text or ""))
    return [code for code, _ in counts.most_common() if table.get(code) is not None]


def stated_iso_codes(text: str, table: LanguageTable) -> list[str]:
    """ISO 639-3 codes the text states as such ("ISO dar", "ISO 639-3: kgv"), most often first."""
    text = text or ""
    counts = Counter(_STATED_ISO.findall(text))
    counts.update(a or b for a, b in _BRACKETED_ISO.findall(text))
    return [code for code, _ in counts.most_common() if table.by_iso(code) is not None]


def with_stated_iso(guess: LanguageGuess, table: LanguageTable, stated_iso: Iterable[str]) -> LanguageGuess:
    """Fill the ISO code of a variety Glottolog gives none (a dialect, a subgroup member) from a code
    the book states, when that code's language is of the same family: "Sanzhi ... (ISO dar)"."""
    lang = table.get(guess.glottocode or "")
    if lang is None or guess.iso639_3:
        return guess
    for code in stated_iso:
        other = table.by_iso(code)
        if other is not None and other.family and other.family == lang.family:
            return LanguageGuess(guess.name, guess.glottocode, code, guess.resolved_name, guess.confidence,
                                 guess.reason + f"; ISO {code} as the book states")
    return guess


def resolve_name(name: str, table: LanguageTable, stated: Iterable[str] = ()) -> LanguageGuess:
    """The languoid ``name`` denotes, with a confidence; see the module docstring for the order."""
    stated = list(stated)
    guess = _resolve_whole(name, table) or _resolve_parts(name, table) or _resolve_spelling(name, table)
    if guess is None:
        return _from_stated(name, table, stated) or LanguageGuess(
            name, reason=f"Glottolog has no language named {name!r}"
        )
    lang = table.get(guess.glottocode or "")
    if lang is not None and stated:
        family = {lang.glottocode, table.language_of(lang).glottocode}
        if any(code in family or _language_code(table, code) in family for code in stated):
            return _guess(name, table, table.get(stated[0]) if stated[0] in family else lang, 0.98,
                          guess.reason + "; the book states its Glottocode")
        if guess.confidence < CONFIDENT:
            better = _from_stated(name, table, stated)
            if better is not None and better.confidence >= guess.confidence:
                return better
    return guess


def _language_code(table: LanguageTable, code: str) -> str | None:
    lang = table.get(code)
    return table.language_of(lang).glottocode if lang else None


def _guess(name: str, table: LanguageTable, lang: Language | None, confidence: float, reason: str) -> LanguageGuess:
    if lang is None:
        return LanguageGuess(name, reason=reason)
    iso = lang.iso639_3 or table.language_of(lang).iso639_3
    return LanguageGuess(name, lang.glottocode, iso, lang.name, round(confidence, 2), reason)


def _resolve_whole(name: str, table: LanguageTable) -> LanguageGuess | None:
    matches = table.match_name(name)
    if not matches or matches[0].how == "words":
        # a whole name WALS uses beats a Glottolog name that merely contains it ("Kanuri")
        wals = get_wals_values().languoids_named(name, table)
        if wals:
            ambiguity = len({table.language_of(lg).glottocode for lg in wals})
            reason = (f"WALS's name for Glottolog's {wals[0].name}" if ambiguity == 1
                      else f"one of {ambiguity} WALS languages named so")
            confidence = 0.9 / ambiguity
            others = sorted({m.language.name for m in matches} - {wals[0].name})
            if others:  # WALS picked one of several ("Ainu": Hokkaido, Kuril, Sakhalin ...): a guess
                confidence = min(confidence, 0.7)
                reason += "; Glottolog also has " + ", ".join(others[:4]) + (" ..." if len(others) > 4 else "")
            return _guess(name, table, wals[0], confidence, reason)
        group = _wals_group(name, table)
        if group is not None:
            return group
    if not matches:
        return None
    top = matches[0]
    base = {"exact": 0.95, "squashed": 0.9, "words": 0.7}[top.how]
    confidence = base if top.ambiguity == 1 else min(base, 0.9) / top.ambiguity
    reason = {"exact": "Glottolog name", "squashed": "Glottolog name written without spaces/hyphens",
              "words": "the only Glottolog language whose name contains it"}[top.how]
    if top.ambiguity > 1:
        reason = f"one of {top.ambiguity} Glottolog languages named so"
    if top.how == "squashed" and _APOSTROPHES.search(name) and not _APOSTROPHES.search(top.language.name):
        # an apostrophe often writes a sound (a glottal stop, an ejective): "Abu'" is not Glottolog's "Abu"
        confidence = min(confidence, 0.6)
        reason += ", apart from an apostrophe"
    return _guess(name, table, top.language, confidence, reason)


def _resolve_spelling(name: str, table: LanguageTable) -> LanguageGuess | None:
    """A Glottolog language whose name is ``name`` in another spelling ("Tikuna" for Ticuna): a
    guess below :data:`CONFIDENT`, so ingest names it and the fix."""
    matches = table.match_spelling(name)
    if not matches:
        return None
    top = matches[0]
    reason = f"spelled so, Glottolog's {top.language.name}" if top.ambiguity == 1 else (
        f"spelled so, one of {top.ambiguity} Glottolog languages")
    return _guess(name, table, top.language, 0.6 / top.ambiguity, reason)


def _wals_group(name: str, table: LanguageTable) -> LanguageGuess | None:
    """A WALS language whose Glottocode Glottolog gives to a group of languages, which the bundled table
    leaves out ("Slave", slav1253, ISO den; "Dinka", "Haida"): WALS's code and ISO, flagged as a guess,
    since the book may describe one member of the group."""
    found = {lg.glottocode: lg for lg in get_wals_values().named(name) if lg.glottocode and table.get(lg.glottocode) is None}
    if len(found) != 1:
        return None
    wals = next(iter(found.values()))
    return LanguageGuess(name, wals.glottocode, wals.iso639_3, wals.name, 0.6,
                         f"WALS's name for {wals.glottocode}, which Glottolog lists as a group of languages")


def _resolve_parts(name: str, table: LanguageTable) -> LanguageGuess | None:
    """The longest run of words that is a Glottolog name; corroborated by the remaining words."""
    words = name.split()
    for n in range(len(words) - 1, 0, -1):
        found: list[tuple[NameMatch, list[str]]] = []
        for i in range(len(words) - n + 1):
            span = " ".join(words[i : i + n])
            if span.lower() in _NOT_A_NAME_ALONE:
                continue
            rest = words[:i] + words[i + n :]
            for m in table.match_name(span):
                if m.how != "words":
                    found.append((m, rest))
        if not found:
            continue
        distinct = {table.language_of(m.language).glottocode for m, _ in found}
        corroborated = [(m, rest) for m, rest in found if _corroborates(rest, m.language, table)]
        if corroborated:
            pick, _ = corroborated[0]
            ambiguity = len({table.language_of(m.language).glottocode for m, _ in corroborated})
            confidence = 0.85 / ambiguity
            reason = (f"part of the name is Glottolog's {pick.language.name}, and the rest of the name "
                      "agrees with its classification")
        else:
            pick = found[0][0]
            confidence = 0.6 / len(distinct)
            reason = f"only part of the name matches Glottolog ({pick.language.name})"
        return _guess(name, table, pick.language, confidence, reason)
    return None


def _corroborates(rest: list[str], lang: Language, table: LanguageTable) -> bool:
    """Whether the words left over name the languoid's language or family ("Dargwa" for Sanzhi)."""
    words = [w for w in rest if len(w) > 2]
    if not words:  # nothing left to agree ("Motu na", OCR's split of Motuna): no corroboration
        return False
    context = " ".join(filter(None, (table.language_of(lang).name, lang.family or ""))).lower()
    return all(re.search(r"\b" + re.escape(w.lower()) + r"\b", context) for w in words)


def _from_stated(name: str, table: LanguageTable, stated: list[str]) -> LanguageGuess | None:
    if not stated:
        return None
    lang = table.get(stated[0])
    confidence = 0.75 if len(stated) == 1 else 0.6
    if lang is not None and name and any(w.lower() in lang.name.lower() for w in name.split() if len(w) > 2):
        confidence = 0.9  # the stated code's name shares a word with the title's
    return _guess(name, table, lang, confidence, "the Glottocode the book states")


def guess_language(titles: Iterable[str], text: str = "", table: LanguageTable | None = None) -> LanguageGuess | None:
    """The best guess from the titles (first that yields a name wins ties) and codes in ``text``.

    The first confidently resolved name wins (titles and their patterns are tried most explicit
    first), else the most confident of the rest. Where no title is read confidently, the titles are
    read again with their title words restored as OCR may have garbled them, and where still nothing
    (nor a code the text states) places the language, the names are read through OCR confusions
    (:mod:`~grammar_rag.ingest.ocr_titles`). Returns None when no title names a language and the
    text states no Glottocode.
    """
    if table is None:
        table = get_languages()
    titles = list(titles)
    stated = stated_glottocodes(text, table)
    best = _from_titles(titles, table, stated)
    if best is None or not best.confident:
        repaired = _from_repaired_titles(titles, table, stated)
        if repaired is not None and (best is None or best.glottocode is None or repaired.confidence > best.confidence):
            best = repaired
    if best is not None and best.confident:
        return with_stated_iso(best, table, stated_iso_codes(text, table))
    stated_iso = stated_iso_codes(text, table)
    if best is not None and best.glottocode is None and stated_iso:
        best = _from_stated_iso(best.name, table, stated_iso) or best
    if best is None and stated:
        best = _from_stated("", table, stated)
        if best is not None:
            best = LanguageGuess(best.resolved_name or "", best.glottocode, best.iso639_3, best.resolved_name,
                                 best.confidence, best.reason)
    if best is None or best.glottocode is None:
        best = _from_name_readings(titles, table) or best
    return with_stated_iso(best, table, stated_iso) if best is not None else None


def _from_titles(titles: Iterable[str], table: LanguageTable, stated: list[str]) -> LanguageGuess | None:
    """The first confident reading of the titles' names, else the most confident one (None: no name)."""
    best: LanguageGuess | None = None
    for title in titles:
        names = names_from_title(title)
        bare = bare_name(title) if not names else None
        for name in names or ([bare] if bare else []):
            guess = resolve_name(name, table, stated)
            if name is bare and not guess.confident:
                continue  # a short title that names no language whole ("Fieldnotes", an author) is not one
            if guess.confident:  # the most explicit confident reading: a later one is a subtitle or a place
                return guess
            if best is None or guess.confidence > best.confidence:
                best = guess
    return best


def _from_repaired_titles(titles: list[str], table: LanguageTable, stated: list[str]) -> LanguageGuess | None:
    """The titles with their title words restored as OCR garbles them ("A Grarnmar 0f Kanuri", "T be
    Dyirbal Lan guage"), the name then resolved as read; None where no word needed restoring or no
    languoid was found."""
    repaired = [r for r in (repair_title(t) for t in titles) if r not in titles]
    found = _from_titles(repaired, table, stated) if repaired else None
    if found is None or found.glottocode is None:
        return None
    return LanguageGuess(found.name, found.glottocode, found.iso639_3, found.resolved_name,
                         found.confidence, found.reason + " (title words read through OCR confusions)")


def _from_name_readings(titles: list[str], table: LanguageTable) -> LanguageGuess | None:
    """The names the titles' patterns give, read through OCR confusions: each with one confusion
    undone or a split joined, looked up whole in Glottolog (or WALS). A name found only so is a guess (0.6, below
    :data:`CONFIDENT`), and only where one language answers every reading that matched."""
    # names a title's pattern gives, never a bare title ("Fieldnotes" one confusion from some name)
    names = [n for t in (*titles, *(repair_title(t) for t in titles)) for n in names_from_title(t)]
    hits: dict[str, tuple[str, LanguageGuess]] = {}
    for name in dict.fromkeys(names):
        for reading in name_readings(name):
            guess = _resolve_whole(reading, table)  # the whole reading names a languoid (Glottolog or WALS)
            lang = table.get(guess.glottocode or "") if guess is not None and guess.confidence >= 0.7 else None
            if guess is not None and lang is not None:
                hits.setdefault(table.language_of(lang).glottocode, (name, guess))
    if len(hits) != 1:
        return None
    name, guess = next(iter(hits.values()))
    return LanguageGuess(name, guess.glottocode, guess.iso639_3, guess.resolved_name, OCR_CONFIDENCE,
                         f"read as {guess.resolved_name} through an OCR confusion ({guess.reason})")


def _from_stated_iso(name: str, table: LanguageTable, stated_iso: list[str]) -> LanguageGuess | None:
    """A title name Glottolog does not know ("Choguita Rarámuri", a local variety), placed by the ISO
    code the book states for it: the code names the language, maybe not the variety, so the guess
    stays below CONFIDENT and ingest asks for ``--meta glottocode=`` to confirm."""
    lang = table.by_iso(stated_iso[0])
    if lang is None:
        return None
    confidence = 0.6 if len(stated_iso) == 1 else 0.5
    return _guess(name, table, lang, confidence,
                  f"Glottolog has no language named {name!r}; the book states ISO 639-3 [{stated_iso[0]}]")
