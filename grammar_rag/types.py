"""Plain data types shared by every stage of the pipeline.

They are deliberately dumb dataclasses: stages exchange these and nothing else, so any stage can
be swapped (a new ingester, another retriever, an LLM instead of the evidence classifier) without
touching the others. ``to_dict``/``from_dict`` give a stable JSON shape for indexes, caches, the
HTTP API and batch stores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

PassageKind = Literal["prose", "example", "table", "heading", "other", "front_matter", "back_matter"]
# title pages, contents, abbreviation lists / references, indexes: stored (the abbreviation list
# helps gloss reading) but left out of retrieval unless asked for
MATTER_KINDS: frozenset[str] = frozenset({"front_matter", "back_matter"})


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Grammar:
    """One descriptive grammar (a book, a sketch, a LaTeX source tree, a paragraph CSV)."""

    id: str  # stable key, e.g. the paper's bibkey "carlson1994grammar" or "visser2022kalamang"
    title: str = ""
    language: str = ""  # language name as the grammar calls it
    iso639_3: str | None = None
    glottocode: str | None = None
    author: str | None = None
    year: int | None = None
    source_path: str | None = None
    source_format: str | None = None  # "pdf" | "latex" | "text" | "markdown" | "paragraph-csv"
    license: str | None = None
    # how sure the language fields are: 1.0 when the caller gave a code, a resolver's score for a
    # name read from the title (< 0.8 means ingest warned and named the fix), None if unknown
    language_confidence: float | None = None
    source_sha256: str | None = None  # content hash of the source, to recognise a re-ingest before parsing

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grammar:
        # indexes written before session 20 stored a missing code as the string "None" (str(None)); no
        # ISO code or Glottocode is spelt so, so it reads back as missing
        return _from_dict(cls, {k: None if k in ("iso639_3", "glottocode") and v == "None" else v
                                for k, v in data.items()})


@dataclass(frozen=True)
class Passage:
    """A retrievable unit of a grammar with the provenance a linguist needs to check it.

    ``page_start``/``page_end`` hold the printed page label where one was detected (strings:
    books use "xii" and "238"), else the physical page number as a string; LaTeX sources have no
    pages, so ``section`` (the heading path, outermost first, e.g. ("4 Morphology", "4.2 Clitics"))
    is the provenance there.
    """

    grammar_id: str
    passage_id: str  # stable: same source + same chunking -> same id
    text: str
    page_start: str | None = None
    page_end: str | None = None
    section: tuple[str, ...] = ()
    kind: PassageKind = "prose"
    order: int = 0  # position of the passage in the grammar (reading order)
    # footnotes the text cites, detached from it ("4 Only in fast speech."): shown with the passage,
    # not part of its text (ids, search and quotes stay on the running text)
    notes: tuple[str, ...] = ()

    @property
    def pages(self) -> str | None:
        """Human-readable page range ("238" or "238-239"), or None when unknown."""
        if not self.page_start:
            return None
        if self.page_end and self.page_end != self.page_start:
            return f"{self.page_start}-{self.page_end}"
        return self.page_start

    @property
    def citation(self) -> str:
        """Short provenance string: "p. 238", "pp. 12-13", "§ 4.2 Clitics" or the grammar id."""
        pages = self.pages
        if pages:
            return ("pp. " if "-" in pages else "p. ") + pages
        if self.section:
            return "§ " + self.section[-1]
        return self.grammar_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        if self.notes:
            data["notes"] = list(self.notes)
        else:  # passages without notes keep the shape they were stored in before notes existed
            del data["notes"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        data = dict(data)
        data["section"] = tuple(data.get("section") or ())
        data["notes"] = tuple(data.get("notes") or ())
        return _from_dict(cls, data)


@dataclass
class IngestedGrammar:
    """One grammar with its passages, as an ingester yields it and the index takes it.

    It lives here, with the other types every stage shares, because both ``ingest`` (which makes
    it) and ``index`` (which stores it) speak it, and the index must not import the ingesters.
    """

    grammar: Grammar
    passages: list[Passage] = field(default_factory=list)


@dataclass(frozen=True)
class ScoredPassage:
    """A passage with the score and rank one retriever/reranker gave it (rank is 1-based)."""

    passage: Passage
    score: float
    rank: int


@dataclass(frozen=True)
class FeatureValue:
    """One value of a feature's closed set, e.g. code "81A-1", name "SOV"."""

    code: str
    name: str
    description: str = ""
    number: int | None = None


@dataclass(frozen=True)
class Feature:
    """A typological feature (WALS, Grambank, or a composite such as the paper's polar questions).

    ``components`` is non-empty only for multi-label composites: each component is itself a binary
    Feature (e.g. GB262 "clause-initial question particle"), and a prediction is the set of
    component names that hold.
    """

    id: str  # canonical: "WALS 81A", "GB107", "WALS 116A*"
    database: str  # "WALS" | "Grambank" | "composite"
    name: str
    question: str
    values: tuple[FeatureValue, ...] = ()
    guideline: str = ""
    components: tuple[Feature, ...] = ()

    @property
    def multi_label(self) -> bool:
        return bool(self.components)

    @property
    def value_names(self) -> list[str]:
        return [v.name for v in self.values]

    def value_by_name(self, name: str) -> FeatureValue | None:
        low = name.strip().lower()
        for v in self.values:
            if v.name.lower() == low or v.code.lower() == low:
                return v
        return None

    def to_dict(self, with_guideline: bool = True) -> dict[str, Any]:
        data = {
            "id": self.id,
            "database": self.database,
            "name": self.name,
            "question": self.question,
            "values": [asdict(v) for v in self.values],
            "guideline": self.guideline if with_guideline else "",
            "components": [c.to_dict(with_guideline) for c in self.components],
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Feature:
        return cls(
            id=data["id"],
            database=data["database"],
            name=data["name"],
            question=data.get("question", ""),
            values=tuple(FeatureValue(**v) for v in data.get("values", [])),
            guideline=data.get("guideline", ""),
            components=tuple(cls.from_dict(c) for c in data.get("components", [])),
        )


NOT_ENOUGH_INFO = "not enough information"


@dataclass(frozen=True)
class Evidence:
    """A passage (and the sentence in it) that a prediction rests on."""

    passage_id: str
    grammar_id: str
    quote: str  # the sentence(s) carrying the decision, verbatim from the passage
    pages: str | None = None
    section: tuple[str, ...] = ()
    score: float = 0.0  # how strongly this passage supports the chosen value
    supports: str | None = None  # the value name this evidence argues for

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        data = dict(data)
        data["section"] = tuple(data.get("section") or ())
        return _from_dict(cls, data)


@dataclass
class Prediction:
    """The answer for one (grammar, feature) pair.

    ``value`` is a value name from the feature's closed set, or :data:`NOT_ENOUGH_INFO` when the
    classifier abstains. Multi-label features fill ``values`` (the component names that hold) and
    set ``value`` to their comma-joined names.
    """

    grammar_id: str
    feature_id: str
    value: str
    values: list[str] = field(default_factory=list)
    code: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    reasoning: str = ""
    confidence: float = 0.0
    backend: str = ""
    prompt_version: str = ""
    raw_response: str = ""
    # Machine-readable caveats, e.g. "unparseable" (the model's reply named no value: ``value`` is
    # NOT_ENOUGH_INFO and the benchmark scores it as the feature's first value), "evidence-truncated".
    flags: list[str] = field(default_factory=list)
    # The model-free reader's own reading before any answer threshold: the value it found and its raw
    # evidence score (None where it found none, or for a backend that gives no such score). A derived
    # feature combines these (WALS 83A is OV or VO even when 81A's exact order falls below 81A's threshold)
    # and is calibrated on its own outcomes (:mod:`grammar_rag.classify.derived`).
    raw_value: str | None = None
    raw_score: float | None = None

    @property
    def abstained(self) -> bool:
        return self.value == NOT_ENOUGH_INFO

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prediction:
        data = dict(data)
        data["evidence"] = [Evidence.from_dict(e) for e in data.get("evidence", [])]
        return _from_dict(cls, data)
