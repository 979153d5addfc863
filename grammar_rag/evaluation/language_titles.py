"""How often a book's title alone names the right language: the metadata half of issue 23, scored.

Why this exists: held-back books are ingested with no options, so the language must come from the
title (and the book's own metadata). The paper's benchmark tables give, for every shared grammar,
its title and the ISO 639-3 code(s) of its language, a few hundred real titles of every shape
("A grammar of X", "X: an Arawak language of Bolivia", "Studies in X grammar", a bare "X").
:class:`TitleLanguageEvaluator` resolves each title as ``ingest`` does (:func:`guess_language`,
title only, no text) and counts a guess right when the languoid, or the language it belongs to,
carries one of those ISO codes. A guess is *confident* at or above ingest's threshold: below it,
ingest warns and names the fix, so a wrong unsure guess costs the user a flag, a wrong confident one
costs a wrong dataset row. The ISO codes are used only to score.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grammar_rag.evaluation.metrics import bootstrap_mean_interval
from grammar_rag.evaluation.ocr_noise import degrade
from grammar_rag.features import get_languages
from grammar_rag.features.languages import LanguageTable
from grammar_rag.ingest.language_guess import CONFIDENT, guess_language

BENCHMARK_TABLES = ("annotated_benchmark.csv", "annotated_benchmark_number_of_cases.csv")
_ISO_COLUMNS = ("lgcode_iso3", "ISO 639-3")


@dataclass(frozen=True)
class TitledGrammar:
    """One grammar: its id, title and the ISO 639-3 codes its language may carry."""

    grammar_id: str
    title: str
    iso_codes: frozenset[str]


def read_benchmark_titles(root: Path) -> list[TitledGrammar]:
    """Titles and ISO codes from the paper's benchmark tables under ``root`` (one row per grammar)."""
    found: dict[str, TitledGrammar] = {}
    for name in BENCHMARK_TABLES:
        path = root / name
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                iso = next((row[c] for c in _ISO_COLUMNS if row.get(c)), "")
                codes = frozenset(c.strip().lower() for c in iso.split(",") if c.strip())
                if row.get("Filename") and row.get("Title") and codes:
                    found.setdefault(row["Filename"], TitledGrammar(row["Filename"], row["Title"], codes))
    return [found[k] for k in sorted(found)]


class TitleLanguageEvaluator:
    """Resolves each title as ingest does and scores the guess against the grammar's ISO codes."""

    def __init__(self, grammars: Iterable[TitledGrammar], table: LanguageTable | None = None) -> None:
        self.grammars = list(grammars)
        self.table = table if table is not None else get_languages()

    def outcome(self, grammar: TitledGrammar) -> dict[str, Any]:
        guess = guess_language([grammar.title], table=self.table)
        if guess is None or not guess.glottocode:
            verdict = "unresolved"
        else:
            # a group Glottolog leaves out of the table (WALS's Slave) is scored by the guess's own ISO code
            lang = self.table.get(guess.glottocode)
            codes = {guess.iso639_3} | ({lang.iso639_3, self.table.language_of(lang).iso639_3} if lang else set())
            verdict = "right" if codes & grammar.iso_codes else "wrong"
        return {
            "grammar": grammar.grammar_id, "title": grammar.title, "iso": ", ".join(sorted(grammar.iso_codes)),
            "verdict": verdict, "confident": bool(guess is not None and guess.confident),
            "glottocode": guess.glottocode if guess else None, "resolved_name": guess.resolved_name if guess else None,
            "confidence": guess.confidence if guess else 0.0, "reason": guess.reason if guess else "no name in the title",
        }

    def __call__(self) -> dict[str, Any]:
        rows = [self.outcome(g) for g in self.grammars]
        return {"grammars": len(rows), "summary": summarise(rows), "rows": rows}


def ocr_noise_figures(grammars: Sequence[TitledGrammar], rate: float, seeds: Sequence[int],
                      table: LanguageTable | None = None) -> dict[str, Any]:
    """The titles degraded as OCR degrades text (:func:`~grammar_rag.evaluation.ocr_noise.degrade`,
    one seeded run per seed) and resolved again: mean shares over the runs, and the runs' own."""
    runs = []
    for seed in seeds:
        rng = random.Random(seed)
        noisy = [replace(g, title=degrade(g.title, rate, rng)) for g in grammars]
        runs.append(TitleLanguageEvaluator(noisy, table)()["summary"])
    keys = ("right", "right_and_confident", "wrong_and_confident")
    return {"rate": rate, "seeds": list(seeds),
            **{k: round(sum(r[k]["share"] for r in runs) / len(runs), 4) for k in keys},
            "runs": [{k: r[k]["share"] for k in keys} for r in runs]}


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts by verdict and confidence, and the shares a user meets, with bootstrap intervals."""
    counts = Counter(f"{r['verdict']}_{'confident' if r['confident'] else 'unsure'}" for r in rows)
    out: dict[str, Any] = {"counts": dict(sorted(counts.items()))}
    for label, hit in (("right", lambda r: r["verdict"] == "right"),
                       ("right_and_confident", lambda r: r["verdict"] == "right" and r["confident"]),
                       ("wrong_and_confident", lambda r: r["verdict"] == "wrong" and r["confident"])):
        scores = [1.0 if hit(r) else 0.0 for r in rows]
        out[label] = {"share": round(sum(scores) / len(scores), 4) if scores else None,
                      "interval_95": bootstrap_mean_interval(scores)}
    confident = [r for r in rows if r["confident"]]
    out["precision_when_confident"] = (round(sum(r["verdict"] == "right" for r in confident) / len(confident), 4)
                                       if confident else None)
    out["confident_threshold"] = CONFIDENT
    return out
