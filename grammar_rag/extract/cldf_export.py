"""Export one run configuration of a results store as a CLDF StructureDataset plus a flat CSV.

Typologists' tools read CLDF; the flat CSV is for spreadsheets. Both are written to a temporary
sibling and moved into place, so a half-written export never replaces a good one.

Layout of the CLDF folder: ``StructureDataset-metadata.json``, ``values.csv`` (Language_ID =
Glottocode where known, Parameter_ID, Value, Code_ID, Comment = reasoning summary, Source =
grammar bibkey with the evidence pages), ``parameters.csv``, ``codes.csv``, ``languages.csv``
(Glottocode, ISO, macroarea), ``sources.bib``. The metadata names the run configuration
(backend, prompt version, retrieval settings) the values come from.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.extract.store import RunConfig
from grammar_rag.features.cldf import cldf_id
from grammar_rag.features.languages import LanguageInfo, LanguageResolver
from grammar_rag.features.reference import is_missing
from grammar_rag.types import NOT_ENOUGH_INFO, Feature, Grammar, Prediction

logger = logging.getLogger(__name__)

FLAT_CSV = "values_flat.csv"
CLDF_DIR = "cldf"
FLAT_COLUMNS = (
    "grammar_id",
    "language",
    "glottocode",
    "iso639_3",
    "macroarea",
    "feature_id",
    "feature_name",
    "value",
    "code",
    "confidence",
    "pages",
    "evidence",
    "reasoning",
    "backend",
    "prompt_version",
    "config_hash",
)
_COMMENT_CHARS = 400


@dataclass
class ExportReport:
    cldf_dir: Path
    flat_csv: Path
    n_values: int
    n_languages: int
    n_parameters: int
    valid: bool
    messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "cldf_dir": str(self.cldf_dir),
            "flat_csv": str(self.flat_csv),
            "n_values": self.n_values,
            "n_languages": self.n_languages,
            "n_parameters": self.n_parameters,
            "valid": self.valid,
            "messages": self.messages,
        }


def parameter_id(feature_id: str) -> str:
    """CLDF Parameter_ID: the WALS/Grambank id as those datasets spell it ("81A", "GB107")."""
    return cldf_id(feature_id.removeprefix("WALS ").strip())


def code_id(feature_id: str, code: str) -> str:
    pid = parameter_id(feature_id)
    cid = cldf_id(code)
    return cid if cid.startswith(pid) else cldf_id(f"{pid}-{code}")


def evidence_pages(prediction: Prediction, limit: int = 5) -> list[str]:
    """Distinct page ranges of the evidence, in evidence order (the strongest first)."""
    pages: list[str] = []
    for ev in prediction.evidence:
        if ev.pages and ev.pages not in pages:
            pages.append(ev.pages)
        if len(pages) >= limit:
            break
    return pages


def source_reference(grammar_id: str, pages: Sequence[str]) -> str:
    """``bibkey[pp]`` as CLDF's Source column wants it (brackets/semicolons cannot appear inside)."""
    key = _bibkey(grammar_id)
    cleaned = [re.sub(r"[\[\];]", "", p) for p in pages]
    return f"{key}[{', '.join(cleaned)}]" if cleaned else key


def summarize_reasoning(prediction: Prediction) -> str:
    text = " ".join((prediction.reasoning or "").split())
    if is_missing(prediction) and not text:
        text = "The grammar passages retrieved gave no decisive statement."
    if is_missing(prediction) and prediction.evidence:  # an abstention says where to read, before any cut
        pages = evidence_pages(prediction)
        quote = " ".join(prediction.evidence[0].quote.split())[:160]
        text = (f"Not answered; evidence to read: {'pp. ' + ', '.join(pages) if pages else 'no page'}"
                f' ("{quote}"). {text}')
    if len(text) > _COMMENT_CHARS:
        text = text[: _COMMENT_CHARS - 1].rstrip() + "…"
    return text


def _bibkey(grammar_id: str) -> str:
    return re.sub(r"[^\w\-.:]+", "_", grammar_id) or "grammar"


def _code_for(prediction: Prediction, feature: Feature | None) -> str | None:
    if feature is None or is_missing(prediction) or feature.multi_label:
        return None
    known = {v.code for v in feature.values}
    if prediction.code and prediction.code in known:
        return code_id(feature.id, prediction.code)
    value = feature.value_by_name(prediction.value)
    return code_id(feature.id, value.code) if value else None


def _atomic_dir_swap(tmp: Path, final: Path) -> None:
    """Move the finished ``tmp`` folder to ``final``, replacing an older export."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_dataset(
    predictions: Sequence[Prediction],
    config: RunConfig,
    grammars: Mapping[str, Grammar],
    features: Mapping[str, Feature],
    out_dir: str | os.PathLike[str],
    *,
    resolver: LanguageResolver | None = None,
    title: str = "grammar-rag feature extraction",
    description: str | None = None,
) -> ExportReport:
    """Write ``out_dir/cldf/`` (validated with pycldf) and ``out_dir/values_flat.csv``."""
    from pycldf import Source, StructureDataset  # imported here: heavy, only needed to export

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    resolver = resolver or LanguageResolver()
    languages: dict[str, LanguageInfo] = {}
    by_grammar: dict[str, LanguageInfo] = {}
    for gid in sorted({p.grammar_id for p in predictions}):
        grammar = grammars.get(gid) or Grammar(id=gid)
        info = resolver.resolve(grammar)
        by_grammar[gid] = info
        languages.setdefault(info.id, info)

    value_rows, flat_rows = [], []
    used_features: dict[str, Feature] = {}
    for pred in sorted(predictions, key=lambda p: (p.grammar_id, p.feature_id)):
        feature = features.get(pred.feature_id)
        if feature is not None:
            used_features[feature.id] = feature
        info = by_grammar[pred.grammar_id]
        pages = evidence_pages(pred)
        pid = parameter_id(pred.feature_id)
        value_rows.append(
            {
                "ID": cldf_id(f"{pid}-{pred.grammar_id}"),
                "Language_ID": info.id,
                "Parameter_ID": pid,
                "Value": None if is_missing(pred) else pred.value,
                "Code_ID": _code_for(pred, feature),
                "Comment": summarize_reasoning(pred) or None,
                "Source": [source_reference(pred.grammar_id, pages)],
            }
        )
        flat_rows.append(
            {
                "grammar_id": pred.grammar_id,
                "language": info.name,
                "glottocode": info.glottocode or "",
                "iso639_3": info.iso639_3 or "",
                "macroarea": info.macroarea or "",
                "feature_id": pred.feature_id,
                "feature_name": feature.name if feature else "",
                "value": pred.value,
                "code": pred.code or "",
                "confidence": f"{pred.confidence:.3f}",
                "pages": "; ".join(pages),
                "evidence": " | ".join(" ".join(ev.quote.split())[:300] for ev in pred.evidence[:3]),
                "reasoning": " ".join((pred.reasoning or "").split()),
                "backend": config.backend,
                "prompt_version": config.prompt_version,
                "config_hash": config.config_hash,
            }
        )

    parameter_rows, code_rows = [], []
    for fid in sorted(used_features):
        feature = used_features[fid]
        parameter_rows.append(
            {
                "ID": parameter_id(fid),
                "Name": feature.name,
                "Description": f"{feature.id} ({feature.database}): {feature.question}".strip(),
            }
        )
        for value in feature.values:
            code_rows.append(
                {
                    "ID": code_id(fid, value.code),
                    "Parameter_ID": parameter_id(fid),
                    "Name": value.name,
                    "Description": value.description or value.name,
                }
            )
    for pred in predictions:  # parameters with no catalogue entry still need a row
        pid = parameter_id(pred.feature_id)
        if pred.feature_id not in used_features and all(r["ID"] != pid for r in parameter_rows):
            parameter_rows.append({"ID": pid, "Name": pred.feature_id, "Description": pred.feature_id})

    language_rows = [
        {
            "ID": info.id,
            "Name": info.name,
            "Glottocode": info.glottocode,
            "ISO639P3code": info.iso639_3,
            "Macroarea": info.macroarea,
        }
        for info in sorted(languages.values(), key=lambda i: i.id)
    ]
    sources = []
    for gid in sorted(by_grammar):
        grammar = grammars.get(gid) or Grammar(id=gid)
        fields = {"title": grammar.title or gid}
        if grammar.author:
            fields["author"] = grammar.author
        if grammar.year:
            fields["year"] = str(grammar.year)
        sources.append(Source("book", _bibkey(gid), **fields))

    tmp = Path(tempfile.mkdtemp(prefix=f".{CLDF_DIR}.tmp-", dir=out))
    try:
        ds = StructureDataset.in_dir(tmp)
        ds.add_component("ParameterTable")
        ds.add_component("CodeTable")
        ds.add_component("LanguageTable")
        ds.properties["dc:title"] = title
        ds.properties["dc:description"] = description or (
            f"Feature values predicted from descriptive grammars by grammar-rag ({config.describe()}). "
            f"Every value comes from this one run configuration; abstentions ('{NOT_ENOUGH_INFO}') have "
            "Value '?'. Predictions, not expert codings: check the cited pages."
        )
        ds.properties["prov:wasGeneratedBy"] = [
            {
                "dc:title": "grammar-rag extract",
                "dc:description": (
                    f"backend={config.backend}; prompt_version={config.prompt_version or '-'}; "
                    f"config_hash={config.config_hash}; settings={config.settings}"
                ),
            }
        ]
        ds.add_sources(*sources)
        ds.write(
            ValueTable=value_rows,
            ParameterTable=parameter_rows,
            CodeTable=code_rows,
            LanguageTable=language_rows,
        )
        messages: list[str] = []
        valid = ds.validate(log=_ListLogger(messages))
        _atomic_dir_swap(tmp, out / CLDF_DIR)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not valid:
        logger.warning("pycldf validation failed: %s", "; ".join(messages))

    flat = out / FLAT_CSV
    fd, tmp_csv = tempfile.mkstemp(prefix=f".{FLAT_CSV}.", dir=out)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FLAT_COLUMNS)
        writer.writeheader()
        writer.writerows(flat_rows)
    os.replace(tmp_csv, flat)
    return ExportReport(
        cldf_dir=out / CLDF_DIR,
        flat_csv=flat,
        n_values=len(value_rows),
        n_languages=len(language_rows),
        n_parameters=len(parameter_rows),
        valid=bool(valid),
        messages=messages,
    )


def validate_cldf(cldf_dir: str | os.PathLike[str]) -> tuple[bool, list[str]]:
    """Re-validate an exported dataset from disk (what a user's pycldf would see)."""
    from pycldf import Dataset

    messages: list[str] = []
    ds = Dataset.from_metadata(Path(cldf_dir) / "StructureDataset-metadata.json")
    return bool(ds.validate(log=_ListLogger(messages))), messages


class _ListLogger:
    """The ``log`` object pycldf's validate() writes warnings to, collected into a list."""

    def __init__(self, sink: list[str]) -> None:
        self._sink = sink

    def warning(self, msg: str, *args: object) -> None:
        self._sink.append(msg % args if args else msg)

    error = warning
    info = warning
