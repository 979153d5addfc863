"""Reading the dictionaries and parallel sentences people actually have, detected by header and shape.

A language pack is built from whatever files a linguist brings, so nothing here trusts a file name:

* dictionaries: a CLDF Dictionary (``entries.csv`` + ``senses.csv``, a directory or its metadata
  JSON); a TSV/CSV whose headword / part-of-speech / definition columns are found by their header
  names *or*, failing that, by their content (the English column reads as English, the part-of-speech
  column holds a few short repeated labels); or ``headword: gloss`` lines;
* parallel sentences: a CLDF ExampleTable; a TSV/CSV with an object-language and an English column
  (any names, an optional id column); or blocks of ``English: ...`` / ``Label: ...`` lines.

Every failure raises :class:`PackFormatError` naming the file, the line and what was expected, so a
user can fix the file instead of guessing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.errors import GrammarRagError
from grammar_rag.text.langid import Lexicons, english_score
from grammar_rag.text.tokens import lower_words
from grammar_rag.translate.dictionary import DictEntry, load_dictionary_entries
from grammar_rag.translate.examples import Example, read_examples_csv

# Header names (lower-cased, spaces/underscores/dashes removed) that say what a column holds.
_HEADWORD_NAMES = {"headword", "lemma", "word", "form", "lexeme", "entry", "lx", "vernacular", "source", "term", "wordform"}
_POS_NAMES = {"pos", "partofspeech", "ps", "category", "class", "wordclass", "cat", "type", "grammaticalcategory"}
_DEF_NAMES = {"definition", "gloss", "meaning", "english", "translation", "sense", "description", "de", "ge", "en", "eng", "senses", "glosses", "translatedtext", "target"}
_ID_NAMES = {"id", "no", "number", "nr", "sentenceid", "exampleid", "ref", "key"}
_TEXT_NAMES = {"text", "sentence", "primarytext", "source", "original", "vernacular", "transcription", "native", "form", "tx"}
_GLOSS_NAMES = {"gloss", "glosses", "interlinear", "ge", "morphemegloss"}
_SEGMENTED_NAMES = {"segmented", "analyzedword", "morphemes", "mb", "analysis", "segmentation"}
_ENGLISH_LABELS = {"english", "eng", "en", "translation", "free translation", "ft", "gloss english"}
_ISO_LIKE = re.compile(r"^[a-z]{2,3}$")


class PackFormatError(GrammarRagError):
    """A pack file could not be read: names the file, the line and what was expected."""


@dataclass(frozen=True)
class DictionaryData:
    """Entries read from a dictionary file, with the format that was detected (for ``language show``)."""

    entries: list[DictEntry]
    format: str
    other_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SentenceData:
    examples: list[Example]
    format: str


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.strip().lower())


def _fail(path: Path, line: int | None, expected: str) -> PackFormatError:
    where = f"{path}, line {line}" if line else str(path)
    return PackFormatError(f"{where}: {expected}")


def _read_text(path: Path) -> str:
    if not path.exists():
        raise PackFormatError(f"{path}: no such file; give an existing file.")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8.") from exc


def _cldf_dir(path: Path, table: str) -> Path | None:
    """The directory of a CLDF dataset holding ``table`` (a directory, or its metadata JSON)."""
    if path.is_dir():
        return path if (path / table).exists() or (path / (table + ".gz")).exists() else None
    if path.suffix == ".json":
        try:
            meta = json.loads(_read_text(path))
        except json.JSONDecodeError as exc:
            raise _fail(path, exc.lineno, f"not valid JSON ({exc.msg}); expected CLDF metadata.") from exc
        conforms = str(meta.get("dc:conformsTo", ""))
        if "cldf" not in conforms.lower() and not meta.get("tables"):
            raise _fail(path, None, "JSON without CLDF metadata (dc:conformsTo); expected a CLDF dataset's metadata file.")
        return path.parent
    return None


def _delimiter(path: Path, text: str) -> tuple[str, str]:
    """(delimiter, format name) of a delimited file, or ("", "") when it is not one.

    Tab first (a TSV is what spreadsheets export), then comma and semicolon; most of the first
    twenty lines must contain the delimiter.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise _fail(path, None, "the file is empty; expected a header and rows, or 'headword: gloss' lines.")
    for delim, name in (("\t", "TSV"), (",", "CSV"), (";", "CSV")):
        if sum(delim in ln for ln in lines[:20]) >= max(1.0, min(len(lines), 20) * 0.8):
            return delim, name
    return "", ""


def _number_rows(text: str, delim: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row; line numbers count from 1 as editors do."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    for row in reader:
        if any(c.strip() for c in row):
            out.append((reader.line_num, [c.strip() for c in row]))
    return out


def _auto_id(text: str, translation: str) -> str:
    """An id for a sentence given without one: from its content, so ids of different files never
    collide (exclusion by id must not remove an unrelated sentence that happens to share a row number)."""
    return "s" + hashlib.sha1(f"{text}\t{translation}".encode()).hexdigest()[:12]


def _englishness(values: list[str]) -> float:
    toks = [w for v in values for w in lower_words(v)]
    if not toks:
        return -1.0
    return sum(english_score(v) for v in values if v) / max(1, len(values)) + 0.01 * len(toks) / max(1, len(values))


def _script(values: list[str]) -> str:
    """The writing system most values of a column start in ("LATIN", "CYRILLIC", ...; "" if none)."""
    counts: Counter[str] = Counter()
    for v in values:
        ch = next((c for c in v if c.isalpha()), "")
        if ch:
            counts[unicodedata.name(ch, "?").split()[0]] += 1
    return counts.most_common(1)[0][0] if counts else ""


def _looks_like_pos(values: list[str]) -> bool:
    filled = [v for v in values if v]
    if not filled:
        return False
    distinct = Counter(v.lower() for v in filled)
    short = sum(len(v) <= 14 and len(v.split()) <= 2 for v in filled) / len(filled)
    return short > 0.9 and len(distinct) <= max(3, len(filled) // 3)


# ---- dictionaries -----------------------------------------------------------------------------------
def read_dictionary(path: str | Path) -> DictionaryData:
    """Entries of a dictionary in any supported format (see the module docstring)."""
    path = Path(path)
    cldf = _cldf_dir(path, "entries.csv")
    if cldf is not None:
        entries, other = load_dictionary_entries(cldf)
        return DictionaryData(entries, "cldf-dictionary", other)
    if path.is_dir():
        raise _fail(path, None, "a directory without entries.csv; expected a CLDF Dictionary, a TSV/CSV or 'headword: gloss' lines.")
    text = _read_text(path)
    delim, kind = _delimiter(path, text)
    if delim:
        numbered = _number_rows(text, delim)
        if max(len(r) for _n, r in numbered) >= 2:
            return _dictionary_table(path, numbered, kind)
    return _dictionary_lines(path, text)


def _dictionary_table(path: Path, numbered: list[tuple[int, list[str]]], kind: str) -> DictionaryData:
    header = [_key(c) for c in numbered[0][1]]
    has_header = any(h in _HEADWORD_NAMES | _POS_NAMES | _DEF_NAMES | _ID_NAMES for h in header)
    body = numbered[1:] if has_header else numbered
    if not body:
        raise _fail(path, numbered[0][0], "a header but no entries below it.")
    width = max(len(r) for _n, r in body)
    columns = [[r[i] if i < len(r) else "" for _n, r in body] for i in range(width)]

    def by_name(names: set[str], taken: set[int]) -> int | None:
        if not has_header:
            return None
        for i, h in enumerate(header):
            if h in names and i not in taken:
                return i
        return None

    taken: set[int] = set()
    id_col = by_name(_ID_NAMES, taken)
    if id_col is not None:
        taken.add(id_col)
    hw = by_name(_HEADWORD_NAMES, taken)
    if hw is not None:
        taken.add(hw)
    pos = by_name(_POS_NAMES, taken)
    if pos is not None:
        taken.add(pos)
    definition = by_name(_DEF_NAMES, taken)
    if definition is not None:
        taken.add(definition)
    free = [i for i in range(width) if i not in taken]
    if definition is None:  # the column that reads most like English, among non-POS columns
        cands = [i for i in free if not _looks_like_pos(columns[i])]
        if cands:
            definition = max(cands, key=lambda i: _englishness(columns[i]))
            taken.add(definition)
            free.remove(definition)
    if pos is None:
        pos = next((i for i in free if _looks_like_pos(columns[i])), None)
        if pos is not None:
            free.remove(pos)
    if hw is None and free:
        hw = free[0]
    if hw is None or definition is None:
        raise _fail(path, numbered[0][0], f"{kind} with {width} column(s): expected a headword column and a definition "
                    "column (e.g. 'headword<TAB>pos<TAB>definition').")
    head_script = _script(columns[hw])
    variant_cols = [i for i in free if i != hw and _script(columns[i]) not in ("", head_script)]
    entries: list[DictEntry] = []
    for n, (line, row) in enumerate(body, start=1):
        head = row[hw] if hw < len(row) else ""
        sense = row[definition] if definition < len(row) else ""
        if not head:
            continue
        if not sense:
            raise _fail(path, line, f"entry '{head}' has no definition (column {definition + 1}); expected a gloss.")
        eid = (row[id_col] if id_col is not None and id_col < len(row) else "") or f"e{n}"
        variants = tuple(row[i] for i in variant_cols if i < len(row) and row[i])
        entries.append(DictEntry(eid, head, (row[pos] if pos is not None and pos < len(row) else ""), _senses(sense), variants))
    if not entries:
        raise _fail(path, None, "no entries found; expected rows with a headword and a definition.")
    return DictionaryData(entries, kind.lower())


def _senses(text: str) -> tuple[str, ...]:
    """Numbered senses ("1. fish 2. meat") become separate senses; otherwise one sense."""
    parts = [p.strip(" ;") for p in re.split(r"(?:^|\s)\d+[.)]\s+", text) if p.strip(" ;")]
    return tuple(parts) or (text.strip(),)


_LINE_RE = re.compile(r"^\s*(?P<head>[^:\t]+?)\s*(?:[(\[](?P<pos>[^)\]]{1,20})[)\]])?\s*[:=\u2013\u2014]\s*(?P<gloss>.+?)\s*$")
_DASH_LINE_RE = re.compile(r"^\s*(?P<head>\S+(?:\s\S+)?)\s+[-\u2013\u2014]\s+(?P<gloss>.+?)\s*$")


def _dictionary_lines(path: Path, text: str) -> DictionaryData:
    entries: list[DictEntry] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE_RE.match(line) if ":" in line else _DASH_LINE_RE.match(line)
        if not m:
            raise _fail(path, line_no, f"expected 'headword: gloss' (or a TSV/CSV with headword and definition columns), got {line[:60]!r}.")
        head = m.group("head").strip()
        entries.append(DictEntry(f"e{len(entries) + 1}", head, (m.groupdict().get("pos") or "").strip(), _senses(m.group("gloss"))))
    if not entries:
        raise _fail(path, None, "no entries found; expected 'headword: gloss' lines.")
    return DictionaryData(entries, "headword-gloss lines")


# ---- parallel sentences -----------------------------------------------------------------------------
def read_sentences(path: str | Path, lexicons: Lexicons | None = None) -> SentenceData:
    """Parallel sentences in any supported format (see the module docstring)."""
    path = Path(path)
    cldf = _cldf_dir(path, "examples.csv")
    if cldf is not None:
        return SentenceData(read_examples_csv(cldf / "examples.csv", lexicons), "cldf-examples")
    if path.is_dir():
        raise _fail(path, None, "a directory without examples.csv; expected a CLDF ExampleTable, a two-column TSV/CSV or 'English: ...' blocks.")
    text = _read_text(path)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if {"primary_text", "translated_text"} <= {c.strip().lower() for c in re.split(r"[,\t]", first)}:
        return SentenceData(read_examples_csv(path, lexicons), "cldf-examples")
    if _is_block_format(text):
        return SentenceData(_sentence_blocks(path, text), "labelled blocks")
    delim, kind = _delimiter(path, text)
    if delim:
        numbered = _number_rows(text, delim)
        if max(len(r) for _n, r in numbered) >= 2:
            return SentenceData(_sentence_table(path, numbered, kind), kind.lower())
    raise _fail(path, 1, "expected a CLDF ExampleTable, a TSV/CSV with a sentence column and an English column, "
                "or blocks of 'English: ...' and '<Language>: ...' lines separated by blank lines.")


_LABEL_RE = re.compile(r"^\s*(?P<label>[^\W\d][\w .()-]{0,30}?)\s*:\s*(?P<value>.*)$")


def _is_block_format(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    labelled = [m for ln in lines if (m := _LABEL_RE.match(ln))]
    return bool(lines) and len(labelled) >= 0.9 * len(lines) and any(
        m.group("label").strip().lower() in _ENGLISH_LABELS for m in labelled
    )


def _sentence_blocks(path: Path, text: str) -> list[Example]:
    out: list[Example] = []
    block: list[tuple[int, str, str]] = []

    def flush() -> None:
        if not block:
            return
        start = block[0][0]
        english = [v for _n, lab, v in block if lab in _ENGLISH_LABELS]
        gloss = next((v for _n, lab, v in block if lab in _GLOSS_NAMES or lab == "gloss"), "")
        ident = next((v for _n, lab, v in block if _key(lab) in _ID_NAMES), "")
        others = [v for _n, lab, v in block if lab not in _ENGLISH_LABELS and lab not in _GLOSS_NAMES and _key(lab) not in _ID_NAMES]
        if len(english) != 1 or len(others) != 1 or not english[0] or not others[0]:
            raise _fail(path, start, "expected a block of one 'English: ...' line and one '<Language>: ...' line "
                        "(optional 'Gloss:' and 'ID:'), blocks separated by blank lines.")
        out.append(Example(ident or _auto_id(others[0], english[0]), others[0], english[0], "pack",
                           segmented=others[0] if gloss else "", gloss=gloss))
        block.clear()

    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            flush()
            continue
        m = _LABEL_RE.match(raw)
        if not m:
            raise _fail(path, line_no, f"expected 'Label: text' (e.g. 'English: ...'), got {raw.strip()[:60]!r}.")
        label = m.group("label").strip().lower()
        if any(lab == label for _n, lab, _v in block):
            flush()  # a repeated label starts the next pair even without a blank line
        block.append((line_no, label, m.group("value").strip()))
    flush()
    if not out:
        raise _fail(path, None, "no sentence pairs found.")
    return out


def _sentence_table(path: Path, numbered: list[tuple[int, list[str]]], kind: str) -> list[Example]:
    header = [_key(c) for c in numbered[0][1]]
    known = _ID_NAMES | _TEXT_NAMES | _DEF_NAMES | _GLOSS_NAMES | _SEGMENTED_NAMES
    has_header = any(h in known or _ISO_LIKE.match(h) for h in header) and not any(
        len(lower_words(c)) > 4 for c in numbered[0][1]
    )
    body = numbered[1:] if has_header else numbered
    if not body:
        raise _fail(path, numbered[0][0], "a header but no sentences below it.")
    width = max(len(r) for _n, r in body)
    columns = [[r[i] if i < len(r) else "" for _n, r in body] for i in range(width)]
    named = {i: h for i, h in enumerate(header)} if has_header else {}
    id_col = next((i for i, h in named.items() if h in _ID_NAMES), None)
    if id_col is None:  # unique short tokens without spaces: an id column
        for i, col in enumerate(columns):
            vals = [v for v in col if v]
            if vals and len(set(vals)) == len(vals) and all(" " not in v and len(v) <= 24 for v in vals) and len(
                    {len(lower_words(v)) for v in vals}) == 1 and width > 2:
                id_col = i
                break
    gloss_col = next((i for i, h in named.items() if h in _GLOSS_NAMES and h not in ("english", "en")), None)
    seg_col = next((i for i, h in named.items() if h in _SEGMENTED_NAMES), None)
    rest = [i for i in range(width) if i not in {id_col, gloss_col, seg_col}]
    eng = next((i for i in rest if named.get(i) in ("english", "eng", "en", "translation", "translatedtext")), None)
    if eng is None and len(rest) >= 2:
        eng = max(rest, key=lambda i: _englishness(columns[i]))
    src = next((i for i in rest if i != eng), None)
    if eng is None or src is None:
        raise _fail(path, numbered[0][0], f"{kind} with {width} column(s): expected two sentence columns "
                    "(the language and its English translation), optionally an id column.")
    out: list[Example] = []
    for line, row in body:
        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i] if i is not None and i < len(row) else ""

        text_, english = cell(src), cell(eng)
        if not text_ and not english:
            continue
        if not text_ or not english:
            raise _fail(path, line, f"a sentence without its translation; expected both column {src + 1} and column {eng + 1}.")
        gloss = cell(gloss_col)
        out.append(Example(cell(id_col) or _auto_id(text_, english), text_, english, "pack", segmented=cell(seg_col) or (text_ if gloss else ""), gloss=gloss))
    if not out:
        raise _fail(path, None, "no sentence pairs found.")
    return out
