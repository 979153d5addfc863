"""Page logic of the Streamlit app, kept free of Streamlit so it can be tested directly.

The app module only renders: everything here takes plain arguments and returns plain
dataclasses (an :class:`AnswerView` for the answer pane, option lists for the sidebar), and
raises :class:`GrammarRagError` with a message the page shows as-is.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import logging
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from grammar_rag import pipeline
from grammar_rag.classify import make_classifier as create_classifier
from grammar_rag.config import cache_dir
from grammar_rag.corpus import load_bundled
from grammar_rag.errors import GrammarRagError
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.features.reference import is_missing, predicted_names, wals_reference
from grammar_rag.features.values import grambank_values
from grammar_rag.index import GrammarIndex
from grammar_rag.index.results import MODES, Mode
from grammar_rag.ingest import ingest_path
from grammar_rag.llm import BACKENDS
from grammar_rag.translate import available_languages, load_resources, translate
from grammar_rag.types import Feature, Grammar, Prediction

logger = logging.getLogger(__name__)

APP_INDEX_ENV = "GRAMMAR_RAG_APP_INDEX"
GRAMBANK_ENV = "GRAMMAR_RAG_GRAMBANK_DIR"  # optional: a full Grambank CLDF dataset for reference values
BUNDLED_CORPUS = "kalamang"
RETRIEVAL_MODES = ("bm25", "hybrid", "dense")
UPLOAD_TYPES = ("pdf", "tex", "txt", "md", "zip")
Progress = Callable[[float, str], None]


# ------------------------------------------------------------------------------------ index
def default_index_dir() -> Path:
    """Where the bundled Kalamang corpus is indexed on first use (per user, reused afterwards)."""
    return cache_dir() / "indexes" / f"bundled-{BUNDLED_CORPUS}"


def _index_class() -> Any:
    return GrammarIndex


def _bundled_grammars() -> list[Any]:
    """``IngestedGrammar`` objects of the bundled corpus (grammar + passages)."""
    return [load_bundled(BUNDLED_CORPUS)]


def build_bundled_index(directory: Path, progress: Progress | None = None) -> Any:
    """Ingest + index the bundled Kalamang grammar into ``directory`` (atomic: temp dir, rename)."""
    report = progress or (lambda _f, _m: None)
    report(0.05, "Reading the bundled Kalamang grammar")
    grammars = _bundled_grammars()
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    try:
        report(0.3, f"Indexing {sum(len(g.passages) for g in grammars)} passages (first use only)")
        shutil.rmtree(tmp)  # GrammarIndex.create wants an absent or empty folder
        index = _index_class().create(tmp)
        index.add_many(grammars, show_progress=False)
        if directory.exists():  # another process won the race: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(1.0, "Index ready")
    return _index_class().open(directory)


def open_index(path: str | None, progress: Progress | None = None) -> Any:
    """The index at ``path``; with no path, the bundled Kalamang index (built on first use)."""
    if path:
        target = Path(path).expanduser()
        if not target.exists():
            raise GrammarRagError(f"Index directory {target} does not exist.")
        return _index_class().open(target)
    directory = default_index_dir()
    if directory.exists():
        return _index_class().open(directory)
    return build_bundled_index(directory, progress)


def initial_index_path() -> str:
    """The sidebar's starting value: ``$GRAMMAR_RAG_APP_INDEX`` (set by ``grammar-rag app --index``)."""
    return os.environ.get(APP_INDEX_ENV, "")


# ------------------------------------------------------------------------------------ options
def grammar_label(grammar: Grammar) -> str:
    """"Kalamang (kgv) — A grammar of Kalamang [visser2022kalamang]": searchable by any part."""
    lang = grammar.language or grammar.id
    iso = f" ({grammar.iso639_3})" if grammar.iso639_3 else ""
    title = f" — {grammar.title}" if grammar.title else ""
    return f"{lang}{iso}{title} [{grammar.id}]"


def feature_label(feature: Feature) -> str:
    return f"{feature.id} — {feature.name}"


def grammar_options(index: Any) -> list[Grammar]:
    return sorted(index.grammars(), key=lambda g: ((g.language or g.id).lower(), g.id))


def feature_options(catalogue: Any, query: str = "") -> list[Feature]:
    """Every feature (WALS first, then Grambank, then composites), or those matching ``query``."""
    if query.strip():
        return list(catalogue.search(query.strip(), limit=None))
    order = {"WALS": 0, "composite": 1, "Grambank": 2}
    return sorted(catalogue.all(), key=lambda f: (order.get(f.database, 3), _natural(f.id)))


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


# ------------------------------------------------------------------------------------ answer
@dataclass
class EvidenceView:
    citation: str  # "p. 238" / "§ 4.2 Clitics"
    section: str  # full heading path, "" when unknown
    html: str  # quote with the value terms wrapped in <mark>
    score: float
    supports: str | None


@dataclass
class AnswerView:
    grammar: Grammar
    feature: Feature
    prediction: Prediction
    evidence: list[EvidenceView] = field(default_factory=list)
    reference: str | None = None  # the WALS (or Grambank) value for this language, when known
    reference_source: str = ""
    badge: str = "no reference"  # "agree" | "disagree" | "no reference"
    elapsed_s: float = 0.0

    @property
    def value_label(self) -> str:
        """The value as a reader wants it: Grambank's "1" becomes "1 (present)"."""
        value = self.prediction.value
        known = self.feature.value_by_name(value) if value else None
        if known is not None and known.description and value.strip().isdigit():
            return f"{value} ({known.description})"
        return value or "no strategy detected"


def highlight_terms(feature: Feature, prediction: Prediction) -> list[str]:
    """Terms worth marking in the evidence: the value names (predicted first) and their words."""
    names = [prediction.value, *prediction.values, *feature.value_names]
    for component in feature.components:
        names.append(component.name)
    terms: list[str] = []
    for name in names:
        name = (name or "").strip()
        if not name or name.lower() == "not enough information" or len(name) < 2 or name.isdigit():
            continue
        if name not in terms:
            terms.append(name)
    return terms


def highlight(text: str, terms: Sequence[str]) -> str:
    """HTML-escape ``text`` and wrap whole-word, case-insensitive matches of ``terms`` in <mark>."""
    escaped = html.escape(text)
    usable = sorted({html.escape(t) for t in terms if t.strip()}, key=len, reverse=True)
    if not usable:
        return escaped
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in usable) + r")(?![\w-])", re.IGNORECASE)
    return pattern.sub(lambda m: f"<mark>{m.group(1)}</mark>", escaped)


def _retrieval(mode: str, k: int) -> pipeline.RetrievalConfig:
    """The pipeline's default retrieval with the sidebar's first-stage mode and passage count."""
    if mode not in MODES:
        raise GrammarRagError(f"Unknown retrieval mode {mode!r}; choose one of: {', '.join(MODES)}.")
    return dataclasses.replace(pipeline.RetrievalConfig(), mode=cast(Mode, mode), top_k=k)


def make_classifier(backend: str) -> Any:
    """The classifier for ``backend`` (the app caches it: LLM backends load models)."""
    return create_classifier(backend)


def classify_pair(
    index: Any, grammar: Grammar, feature: Feature, *, mode: str, k: int, backend: str, classifier: Any = None
) -> Prediction:
    return pipeline.classify(
        grammar, feature, index=index, backend=backend, retrieval=_retrieval(mode, k), classifier=classifier
    )


@functools.lru_cache(maxsize=2)
def _grambank_table(cldf_dir: str) -> dict[str, dict[str, Any]]:
    return grambank_values(cldf_dir)


def reference_value(grammar: Grammar, feature: Feature, data_dir: str | None = None) -> tuple[str | None, str]:
    """(value name, "WALS"/"Grambank") for the grammar's language, or (None, "") when unknown.

    Display only: computed after the prediction and never passed to it.
    """
    info = LanguageResolver(data_dir).resolve(grammar)
    if feature.database == "WALS":
        value = wals_reference(data_dir)(info, feature.id)
        if value is not None:
            return str(getattr(value, "name", value)), "WALS"
    grambank_dir = os.environ.get(GRAMBANK_ENV)
    if feature.database == "Grambank" and grambank_dir and info.glottocode:
        value = _grambank_table(grambank_dir).get(info.glottocode, {}).get(feature.id)
        if value is not None:
            return value.name, "Grambank"
    return None, ""


def build_answer(
    grammar: Grammar,
    feature: Feature,
    prediction: Prediction,
    *,
    reference: str | None = None,
    reference_source: str = "",
    elapsed_s: float = 0.0,
) -> AnswerView:
    """Turn a prediction into what the answer pane shows (pure: no index, no model)."""
    terms = highlight_terms(feature, prediction)
    evidence = [
        EvidenceView(
            citation=_citation(ev.pages, ev.section, grammar.id),
            section=" › ".join(ev.section),
            html=highlight(ev.quote, terms),
            score=float(ev.score),
            supports=ev.supports,
        )
        for ev in prediction.evidence
    ]
    badge = "no reference"
    if reference is not None and not is_missing(prediction):
        ref = frozenset(part.strip().lower() for part in reference.split(","))
        badge = "agree" if predicted_names(prediction, feature) == ref else "disagree"
    return AnswerView(grammar, feature, prediction, evidence, reference, reference_source, badge, elapsed_s)


def _citation(pages: str | None, section: Sequence[str], grammar_id: str) -> str:
    if pages:
        return ("pp. " if "-" in pages else "p. ") + pages
    if section:
        return "§ " + section[-1]
    return grammar_id


def answer(
    index: Any,
    grammar: Grammar,
    feature: Feature,
    *,
    mode: str = "bm25",
    k: int = 20,
    backend: str = "evidence",
    classifier: Any = None,
    data_dir: str | None = None,
) -> AnswerView:
    """Classify one (grammar, feature) pair and prepare it for display."""
    started = time.perf_counter()
    prediction = classify_pair(index, grammar, feature, mode=mode, k=k, backend=backend, classifier=classifier)
    elapsed = time.perf_counter() - started
    try:
        reference, source = reference_value(grammar, feature, data_dir)
    except GrammarRagError as exc:  # a missing reference never hides the answer
        logger.info("no reference value: %s", exc)
        reference, source = None, ""
    return build_answer(grammar, feature, prediction, reference=reference, reference_source=source, elapsed_s=elapsed)


# ------------------------------------------------------------------------------------ backends
def backend_options() -> list[str]:
    """"evidence" (model-free) first, then the LLM backends that are registered."""
    names = ["evidence"]
    try:  # listing the backends imports their modules: one that cannot load is left out
        names += [n for n in BACKENDS.names() if n not in names]
    except (ImportError, GrammarRagError) as exc:
        logger.info("LLM backends unavailable: %s", exc)
    return names


# ------------------------------------------------------------------------------------ corpus upload
def guess_format(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return {"pdf": "pdf", "tex": "latex", "zip": None, "txt": "text", "md": "markdown"}.get(suffix)


def ingest_upload(
    index: Any,
    filename: str,
    data: bytes,
    *,
    metadata: dict[str, object] | None = None,
    progress: Progress | None = None,
) -> list[Grammar]:
    """Save an uploaded grammar, ingest it and add it to ``index``; returns the grammars added.

    The upload is written to a private temp folder (never next to the index), so a failed ingest
    leaves nothing behind and the index untouched.
    """
    report = progress or (lambda _f, _m: None)
    if not data:
        raise GrammarRagError(f"{filename} is empty.")
    safe_name = re.sub(r"[^\w.\-]+", "_", Path(filename).name) or "grammar"
    with tempfile.TemporaryDirectory(prefix="grammar-rag-upload-") as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(data)
        if safe_name.lower().endswith(".zip"):
            report(0.1, "Unpacking the archive")
            target = Path(tmp) / "source"
            try:
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        if member.startswith("/") or ".." in Path(member).parts:
                            raise GrammarRagError(f"{filename}: unsafe path {member!r} in the archive.")
                    archive.extractall(target)
            except zipfile.BadZipFile as exc:
                raise GrammarRagError(f"{filename} is not a valid zip archive.") from exc
            path = target
        report(0.2, f"Reading {filename}")
        meta = {k: v for k, v in (metadata or {}).items() if v not in (None, "")}
        ingested = ingest_path(path, format=guess_format(safe_name), metadata=meta or None)
        if not ingested or not any(g.passages for g in ingested):
            raise GrammarRagError(f"{filename}: no text could be extracted.")
        n = sum(len(g.passages) for g in ingested)
        report(0.5, f"Indexing {n} passages")
        index.add_many(ingested, show_progress=False)
    report(1.0, f"Indexed {len(ingested)} grammar(s), {n} passages")
    return [g.grammar for g in ingested]


# ------------------------------------------------------------------------------------ translation
def translation_directions() -> dict[str, tuple[str, str]]:
    """"Kalamang → English", "English → Kalamang", ... for every language pack (built-in and added)."""
    out: dict[str, tuple[str, str]] = {}
    for code, info in available_languages().items():
        if code == "eng":
            continue
        out[f"{info.name} → English"] = (code, "eng")
        out[f"English → {info.name}"] = ("eng", code)
    return out


TRANSLATION_DIRECTIONS = {"Kalamang → English": ("kgv", "eng"), "English → Kalamang": ("eng", "kgv")}


def run_translation(text: str, direction: str, backend: str | None = None, resources: Any = None) -> Any:
    directions = {**TRANSLATION_DIRECTIONS, **translation_directions()}
    if direction not in directions:
        raise GrammarRagError(f"Unknown direction {direction!r}.")
    source, target = directions[direction]
    chosen = None if backend in (None, "", "evidence", "model-free") else backend
    return translate(text, source=source, target=target, backend=chosen, resources=resources)


def direction_language(direction: str) -> str:
    """The pack code on the non-English side of a direction."""
    source, target = {**TRANSLATION_DIRECTIONS, **translation_directions()}[direction]
    return target if source == "eng" else source


def translation_resources(warm: bool = True, language: str = "kgv", embedder: Any = "default") -> Any:
    """One pack's resources for the Translate tab; ``warm`` embeds the example sentences now.

    The example index is built lazily on the first translation per direction (tens of seconds on
    a busy CPU); doing it while the app shows its loading spinner keeps each click fast.
    """
    resources = load_resources(language, embedder=embedder)
    if warm and hasattr(resources, "example_index"):
        for side in ("text", "translation"):
            resources.example_index(side)
    return resources
