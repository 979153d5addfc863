"""Audit the evidence classifier's cue rules: on how many development grammars does each one fire?

    python -m benchmarks.cue_audit [--data-dir DIR] [--configs reranker wikipedia] [--out benchmarks/results/cue_audit.json]
                                   [--orders-dir DIR]

Rules written while reading the shared grammars may fit one book. Every cue of the four paper
features' families carries a stable rule id (``Cue.rule``); this runner classifies each
*development* grammar of the paper benchmark (the lock-box, ``calibration.in_lockbox``, is dropped
from the gold list before any paragraph file is opened) under the given configurations, records
every cue the family produced (not only those its decision quotes), and writes, per rule: the
distinct development grammars it fired on, and how often its value agrees with the gold label (for
information: the gold label is never an input to a rule). Label cues of the count family carry no
value (they enter an inventory), so their agreement is that of the decision they fed. The shared
lexicons (assertion, hedge, negation, other-language: :mod:`grammar_rag.text.lexicons`) weigh
cues rather than produce them; an entry is counted on a grammar when it matches a sentence that
produced a cue there. The families' qualifiers and vetoes (``MODIFIERS``: "same intonation as
statements", "incorporated object", "archaic"...) are counted on every sentence read for the feature,
an upper bound of where they act. Case names (:mod:`grammar_rag.classify.cues.case_names`) are counted per case.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grammar_rag.classify import make_classifier
from grammar_rag.classify.aggregate import Cue
from grammar_rag.classify.calibration import in_lockbox
from grammar_rag.classify.cues import bound_marking, counts, polar, word_order
from grammar_rag.classify.cues.case_names import LABEL_TO_CASE, NAME_TO_CASE
from grammar_rag.classify.statements import iter_sentences
from grammar_rag.config import cache_dir, data_dir, sub_dir
from grammar_rag.evaluation.gold import FEATURE_KEYS, POLAR_STRATEGIES, benchmark_feature, load_gold
from grammar_rag.evaluation.rag import item_inputs, plan
from grammar_rag.evaluation.rerank_cache import Reranking
from grammar_rag.evaluation.scoring import score
from grammar_rag.features import get_catalogue
from grammar_rag.text import lexicons
from grammar_rag.types import Prediction

RESULTS = Path(__file__).resolve().parent / "results"
FAMILY_OF = {"WALS 81A": "word-order", "GB 107": "bound-marking", "WALS 49A": "count", "polar questions": "polar-strategies"}
POLAR_NAME = dict(zip(("intonation", "word_order", "initial", "final", "medial", "verb_morph", "tone"), POLAR_STRATEGIES, strict=True))
LEXICONS = {name: getattr(lexicons, name) for name in ("STRONG_MARKERS", "MEDIUM_MARKERS", "WEAKENERS", "NEGATORS",
                                                        "OTHER_LANGUAGE", "DENIED_IMPLICATION", "REFERENCE")}
# Qualifiers and vetoes of each family: they make no cue of their own but weaken, veto or reroute one.
# Counted per alternative on every sentence read for the feature (an upper bound of where they act).
MODIFIERS = {
    "WALS 81A": (word_order, ("_INCORPORATED", "_AUXILIARY", "_OTHER_ORDERS", "_CONCEDED_BEFORE", "_TYPE_PLURAL",
                              "_OPTIONAL_SLOT", "TYPE_CLAIM", "_PHRASE_LEVEL", "_LIST_INTRO")),
    "GB 107": (bound_marking, ("_OUT_OF_USE", "_NON_STANDARD", "_STANDARD", "MODIFICATION")),
    "WALS 49A": (counts, ("_PRONOUN_ONLY", "_LOCAL_NO_CASE", "_INSTANCE_AFTER", "_INSTANCE_BEFORE", "_STACKED_BEFORE",
                          "_PRAGMATIC", "_CORE_ONLY", "_TOTAL_FRAME", "_CASE_LIST_INTRO")),
    "polar questions": (polar, ("SAME_INTONATION", "TONE_UNIT", "_PHONOLOGY_POLAR", "_PUNCTUATION_NAMES", "NO_CHANGE",
                                "_SPECIAL_QUESTION", "_ORDINARY_QUESTION", "CONTENT_ONLY", "TONE_BEARER", "INTONATION_ONLY",
                                "PARTICLE")),
}
_RECORDED: list[Cue] = []


@dataclass(frozen=True)
class _RecordingCue(Cue):
    """A Cue that notes itself when made: the audit sees every cue a family weighs, not only those quoted."""

    def __post_init__(self) -> None:
        _RECORDED.append(self)


def _split_top(src: str) -> list[str]:
    """``src`` split at its top-level ``|`` (escapes, character classes and groups respected)."""
    alts, depth, cur, i, in_class = [], 0, "", 0, False
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            cur += src[i : i + 2]
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append(cur)
            cur, i = "", i + 1
            continue
        cur += ch
        i += 1
    return [*alts, cur]


_WRAPPED = re.compile(r"^(?:\(\?<!.*?\))*(?:\\b)?\((?:\?:)?(?P<body>.*)\)(?:\\b)?$", re.S)


def _top_alternatives(pattern: re.Pattern[str]) -> list[str]:
    """The entries of a lexicon regex: its top-level alternatives, a ``\\b(a|b)\\b`` group opened into its own."""
    out = []
    for alt in _split_top(pattern.pattern):
        m = _WRAPPED.match(alt)
        inner = _split_top(m.group("body")) if m else [alt]
        out += inner if m and len(inner) > 1 and all(_balanced(a) for a in inner) else [alt]
    return [a for a in out if a]


def _balanced(src: str) -> bool:
    try:
        re.compile(src)
    except re.error:
        return False
    return True


def _lexicon_entries(text: str) -> set[str]:
    """'LEXICON:alternative' for every lexicon alternative matching ``text``."""
    out = set()
    for name, pat in LEXICONS.items():
        alts = _ALTS.setdefault(name, _top_alternatives(pat))
        for m in pat.finditer(text):
            hit = next((a for a in alts if _fullmatch(a, m.group(0), pat.flags)), m.group(0).lower())
            out.add(f"{name}:{hit}")
    return out


_ALTS: dict[str, list[str]] = {}


def _fullmatch(alt: str, text: str, flags: int) -> bool:
    try:
        return re.fullmatch(alt, text, flags) is not None
    except re.error:
        return False


_FALLBACK = re.compile(r"rule_of\([^()]*\"((?:wo|bm|cnt|pq)_[a-z_]+)\"\)")
RULE_ID = re.compile(r"[\"'<]((?:wo|bm|cnt|pq)_[a-z_]+)[\"'>]")


def _known_rules() -> dict[str, str]:
    """Every rule id written in the four families' sources (so a rule that never fires is listed too)."""
    out = {}
    for module, family in ((word_order, "word-order"), (bound_marking, "bound-marking"), (counts, "count"),
                           (polar, "polar-strategies")):
        source = Path(str(module.__file__)).read_text()
        fallbacks = set(_FALLBACK.findall(source))  # rule_of(m, "wo_ndo"): a default, not a rule
        for rid in RULE_ID.findall(source):
            if rid not in fallbacks:
                out[rid] = family
    return out


def _micro(feature: str, metrics: dict[str, Any]) -> float | None:
    """Micro-F1 of one feature and configuration; for the polar strategies, pooled over the seven
    binary decisions (each strategy's accuracy weighted by its items)."""
    if feature != "polar questions":
        return metrics.get("f1_micro")
    pairs = [(m.get("accuracy"), m.get("n")) for m in metrics.values() if isinstance(m, dict)]
    n = sum(k or 0 for _, k in pairs)
    return round(sum((a or 0) * (k or 0) for a, k in pairs) / n, 4) if n else None


def _agrees(feature: str, value: str, gold: Any, correct: bool) -> bool | None:
    if feature == "polar questions":
        name = POLAR_NAME.get(value)
        return None if name is None else bool(gold.labels.get(name))
    if not value:  # an inventory label: the decision it fed
        return correct
    return value == gold.label


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--configs", nargs="+", default=["reranker", "wikipedia"])
    ap.add_argument("--features", nargs="+", default=list(FEATURE_KEYS))
    ap.add_argument("--out", type=Path, default=RESULTS / "cue_audit.json")
    ap.add_argument("--orders-dir", type=Path, default=None,
                    help="folder of the reranked-order cache (default: bench rag's, <cache dir>/rag_bench)")
    args = ap.parse_args(argv)
    for module in (word_order, bound_marking, counts, polar):
        module.Cue = _RecordingCue  # type: ignore[attr-defined]
    root = sub_dir(data_dir(args.data_dir), "rag_on_grammars")
    gold = {f: {g: item for g, item in by.items() if not in_lockbox(g)} for f, by in load_gold(root).items()}
    catalogue = get_catalogue()
    features = {k: benchmark_feature(k, catalogue) for k in args.features}
    items, _, paragraphs = plan(gold, root, args.features, args.configs, None, baseline_ok=False)
    reranking = Reranking.load(None, args.orders_dir or cache_dir() / "rag_bench")
    classifier = make_classifier("evidence", calibrate=False)
    # rule -> config -> grammar -> [agreements]
    fired: dict[str, dict[str, dict[str, list[bool | None]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    family_of_rule: dict[str, str] = {}
    preds: dict[tuple[str, str, str], Prediction] = {}
    for it in items:
        _RECORDED.clear()
        feature, passages, grammar = item_inputs(it, features, paragraphs, reranking)
        pred = classifier.classify(feature, passages, grammar)
        preds[(it.feature, it.config, it.gold.grammar_id)] = pred
        correct = it.feature != "polar questions" and pred.value == it.gold.label
        recorded: list[Cue | None] = [*_RECORDED]
        if "No case morphology in the" in (pred.reasoning or ""):
            recorded.append(None)  # a decision from silence: no cue, the rule is the absence of any
        module, names = MODIFIERS[it.feature]
        for sent in iter_sentences(passages):
            for name in names:
                pattern = getattr(module, name, None)
                if pattern is None:
                    continue
                for m in pattern.finditer(sent.text):
                    alts = _ALTS.setdefault(f"{module.__name__}.{name}", _top_alternatives(pattern))
                    hit = next((a for a in alts if _fullmatch(a, m.group(0), pattern.flags)), m.group(0).lower()[:40])
                    rid = f"{module.__name__.rsplit('.', 1)[-1]}.{name}:{hit}"
                    family_of_rule[rid] = "modifiers"
                    fired[rid][it.config][it.gold.grammar_id].append(None)
        for cue in recorded:
            if cue is None:
                family_of_rule["cnt_silence"] = "count"
                fired["cnt_silence"][it.config][it.gold.grammar_id].append(pred.value == it.gold.label)
                continue
            rule = cue.rule or f"{FAMILY_OF[it.feature]}:unnamed"
            family_of_rule[rule] = FAMILY_OF[it.feature]
            fired[rule][it.config][it.gold.grammar_id].append(_agrees(it.feature, cue.value, it.gold, correct))
            if it.feature == "WALS 49A" and cue.rule in {"cnt_gloss_label", "cnt_named_case", "cnt_case_list"}:
                case = LABEL_TO_CASE.get(re.sub(r"^[-=]", "", cue.note).split(".")[-1].split(":")[-1]) or NAME_TO_CASE.get(cue.note.lower())
                if case:
                    family_of_rule[f"case:{case}"] = "case-names"
                    fired[f"case:{case}"][it.config][it.gold.grammar_id].append(correct)
            if cue.sentence is not None:
                for entry in _lexicon_entries(cue.sentence.text):
                    family_of_rule[entry] = "lexicons"
                    fired[entry][it.config][it.gold.grammar_id].append(_agrees(it.feature, cue.value, it.gold, correct))
    rows = []
    for rule, by_config in fired.items():
        grammars = sorted({g for by_g in by_config.values() for g in by_g})
        row: dict[str, Any] = {"rule": rule, "family": family_of_rule[rule], "grammars": len(grammars)}
        for config in args.configs:
            by_g = by_config.get(config, {})
            votes = [a for agreements in by_g.values() for a in agreements if a is not None]
            row[f"{config}_grammars"] = len(by_g)
            row[f"{config}_cues"] = sum(len(a) for a in by_g.values())
            row[f"{config}_agreement"] = round(sum(votes) / len(votes), 3) if votes else None
        row["grammar_ids"] = grammars
        rows.append(row)
    for rule, family in _known_rules().items():
        if rule not in fired:
            rows.append({"rule": rule, "family": family, "grammars": 0, "grammar_ids": [],
                         **{f"{c}_{k}": (0 if k != "agreement" else None) for c in args.configs for k in ("grammars", "cues", "agreement")}})
    rows.sort(key=lambda r: (r["family"], r["rule"]))
    metrics, _, _ = score(items, preds)
    dev_f1 = {f"{feature} / {config}": _micro(feature, m) for feature, by in metrics.items() for config, m in by.items()}
    n_dev = {f: len(by) for f, by in gold.items() if f in args.features}
    report = {"development_grammars": n_dev, "configs": args.configs, "dev_micro_f1": dev_f1, "rules": rows,
              "predictions": {"|".join(k): p.value for k, p in sorted(preds.items())}}
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    md = markdown(report)
    args.out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md[:6]))
    print(json.dumps(dev_f1, indent=1))
    return 0


def markdown(report: dict[str, Any]) -> list[str]:
    """The audit as Markdown tables, one per family."""
    n_dev, configs, rows = report["development_grammars"], report["configs"], report["rules"]
    md = ["# Cue-rule audit (issue 22, item 4)", "",
          f"- development grammars per feature (lock-box excluded before reading): {n_dev}",
          f"- configurations: {', '.join(configs)}; `grammars` = distinct development grammars the rule fired on in any of them",
          "- agreement: share of the rule's cues whose value is the gold label (inventory labels: the decision they fed was right);"
          " for information only, never an input",
          "- development micro-F1 of these rules (raw, in-sample for rules written on these grammars): "
          + ", ".join(f"{k} {v}" for k, v in report["dev_micro_f1"].items()), ""]
    for family in sorted({r["family"] for r in rows}):
        md += [f"## {family}", "", "| rule | grammars | " + " | ".join(f"{c} grammars | {c} agreement" for c in configs) + " |",
               "|---|---:|" + "---:|---:|" * len(configs)]
        for r in (r for r in rows if r["family"] == family):
            cells = " | ".join(f"{r[f'{c}_grammars']} | {r[f'{c}_agreement'] if r[f'{c}_agreement'] is not None else '-'}" for c in configs)
            rule = r["rule"].replace("|", "\\|")
            md.append(f"| `{rule}` | {r['grammars']} | {cells} |")
        md.append("")
    return md


if __name__ == "__main__":
    sys.exit(main())
