"""Calibration-map fitting, the grammar-level CV split, the lock-box and selective figures (issue 22)."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import pytest

from grammar_rag.classify import calibration
from grammar_rag.classify.calibration import (
    FamilyMap,
    Point,
    cross_validate,
    fit_family,
    grammar_fold,
    isotonic,
    judge,
)
from grammar_rag.cli.classify import format_prediction
from grammar_rag.evaluation.selective import (
    curve,
    development_cv,
    ece,
    evaluate,
    judge_with,
    points_from_rows,
    repeated_cv,
)
from grammar_rag.extract.cldf_export import summarize_reasoning
from grammar_rag.extract.compare import compare_predictions, format_report
from grammar_rag.features import get_catalogue
from grammar_rag.features.reference import is_missing
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Grammar, Prediction


def test_isotonic_is_monotone_and_pools_violators() -> None:
    edges, values = isotonic([0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 1.0], prior=0.5, strength=0.0)
    # the violating pair (0.2 -> 1, 0.3 -> 0) is pooled into one block of mean 0.5
    assert edges == [0.1, 0.2, 0.4]
    assert values == [0.0, 0.5, 1.0]
    assert all(a <= b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("ys", [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
def test_isotonic_pools_tied_scores_whatever_their_order(ys: list[float]) -> None:
    # the two answers at 0.2 (one right) average 0.5 < 1.0 at 0.1: one block of 2/3, in either order
    assert isotonic([0.1, 0.2, 0.2], ys, strength=0.0) == ([0.1], [0.6667])


def test_isotonic_shrinks_small_blocks_towards_the_prior() -> None:
    _, values = isotonic([0.9], [1.0], prior=0.5, strength=1.0)
    assert values == [0.75]  # one right answer never claims certainty


def test_isotonic_pools_blocks_smaller_than_min_block() -> None:
    # PAV alone: a block of 2 wrong answers at the bottom, then single right/wrong steps upwards
    xs = [i / 30 for i in range(30)]
    ys = [0.0, 0.0] + [float(i % 3 != 0) for i in range(2, 30)]
    free_edges, _ = isotonic(xs, ys, prior=0.5, strength=0.0)
    edges, values = isotonic(xs, ys, prior=0.5, strength=0.0, min_block=10)
    assert len(edges) < len(free_edges)
    bounds = [*[xs.index(e) for e in edges], len(xs)]
    assert all(b - a >= 10 for a, b in itertools.pairwise(bounds))  # every level rests on >= 10 answers
    assert all(a <= b for a, b in itertools.pairwise(values))
    for (a, b), v in zip(itertools.pairwise(bounds), values, strict=True):
        assert v == pytest.approx(sum(ys[a:b]) / (b - a), abs=1e-4)  # each level is its block's mean


@pytest.mark.parametrize(("middle", "edges"), [(0.8, [0, 10]), (0.2, [0, 12])])
def test_isotonic_min_block_pools_with_the_closer_neighbour(middle: float, edges: list[int]) -> None:
    # blocks 0.0 x10, `middle` x2, 1.0 x10: the pair is too small and joins the neighbour it is nearer
    ys = [0.0] * 10 + [middle] * 2 + [1.0] * 10
    got_edges, values = isotonic(list(range(22)), ys, strength=0.0, min_block=5)
    assert got_edges == edges
    assert values == pytest.approx([0.0, (2 * middle + 10) / 12] if middle > 0.5 else [2 * middle / 12, 1.0], abs=1e-4)


def test_map_is_a_step_function_over_raw_scores() -> None:
    m = FamilyMap(edges=[0.0, 0.5], values=[0.3, 0.9])
    assert m(0.1) == 0.3 and m(0.5) == 0.9 and m(0.99) == 0.9 and m(-1.0) == 0.3


def test_calibrated_map_matches_frequencies_on_synthetic_data() -> None:
    rng = random.Random(1)
    pts = []
    for i in range(4000):
        s = rng.random()
        pts.append(Point(f"g{i}", "fam", s, float(rng.random() < s)))  # P(right | score) = score
    m = fit_family(pts)
    for s in (0.2, 0.5, 0.8):
        assert abs(m(s) - s) < 0.08


def test_map_fits_the_scored_configuration_and_thresholds_read_every_configuration() -> None:
    # at the same raw scores the scored configuration is right 90% of the time, another config 30%
    pts = []
    for i in range(100):
        s = 0.3 + (i % 10) / 20
        pts.append(Point(f"g{i}", "fam", s, float(i // 10 != 0), calibration.MAP_CONFIG))
        pts.append(Point(f"g{i}", "fam", s, float(i // 10 < 3), "wikipedia"))
    m = fit_family(pts)
    assert calibration.map_points(pts) == [p for p in pts if p.config == calibration.MAP_CONFIG]
    assert all(abs(m(p.score) - 0.9) < 0.06 for p in pts)  # not the pooled 60%
    assert m.n == len(pts)
    assert max(m.precisions) < 0.75  # the precision curve counts the other configuration's answers too
    pooled = fit_family([Point(p.grammar_id, p.family, p.score, p.right) for p in pts])  # no configs known
    assert all(abs(pooled(p.score) - 0.6) < 0.1 for p in pts)
    assert fit_family(pts, calibration.MapRule(config=None)).to_dict() == pooled.to_dict()


def test_map_falls_back_to_every_answer_when_the_scored_configuration_is_scarce() -> None:
    few = [Point(f"g{i}", "fam", 0.5, 1.0, calibration.MAP_CONFIG) for i in range(calibration.MIN_FIT_POINTS - 1)]
    rest = [Point(f"h{i}", "fam", 0.5, 0.0, "wals") for i in range(40)]
    assert calibration.map_points(few + rest) == few + rest
    assert fit_family(few + rest)(0.5) < 0.5


def test_threshold_reaches_the_target_precision_with_widest_coverage() -> None:
    pts = [Point(f"g{i}", "fam", i / 100, float(i >= 50)) for i in range(100)]
    m = fit_family(pts)
    t = m.threshold(0.9)
    assert t is not None
    kept = [p.right for p in pts if p.score >= t]
    assert sum(kept) / len(kept) >= 0.9
    lower = [p.right for p in pts if p.score >= t - 0.01]
    assert sum(lower) / len(lower) < 0.9  # one step lower would miss the target
    assert m.threshold(1.01) is None


@pytest.mark.parametrize("seed", [calibration.CV_SEED, f"{calibration.CV_SEED}:3"])
def test_cv_never_fits_a_grammar_in_its_own_fold(seed: str) -> None:
    pts = [Point(f"gram{i % 100}", "fam", (i % 10) / 10, float(i % 3 != 0), config)
           for i in range(300) for config in ("reranker", "wikipedia")]
    seen_in_fit: list[set[str]] = []

    def spy(train: list[Point]) -> dict[str, FamilyMap]:
        seen_in_fit.append({p.grammar_id for p in train})
        return calibration.fit_unchecked(train)

    judged = cross_validate(pts, folds=5, fitter=spy, seed=seed)
    assert len(judged) == len(pts)
    for j in judged:
        assert j.point.grammar_id not in seen_in_fit[j.fold]
        assert grammar_fold(j.point.grammar_id, 5, seed) == j.fold
    # every grammar's predictions share one fold, whatever their config
    assert len(seen_in_fit) == 5


def test_fit_refuses_lockbox_grammars() -> None:
    box = next(f"g{i}" for i in range(100) if calibration.in_lockbox(f"g{i}"))
    with pytest.raises(ValueError, match="lock-box"):
        calibration.fit([Point(box, "fam", 0.5, 1.0)])


def test_lockbox_is_about_a_third_and_deterministic() -> None:
    ids = [f"grammar{i}" for i in range(3000)]
    share = sum(calibration.in_lockbox(g) for g in ids) / len(ids)
    assert 0.30 < share < 0.37
    assert [calibration.in_lockbox(g) for g in ids[:50]] == [calibration.in_lockbox(g) for g in ids[:50]]


def test_judge_abstains_for_unvalidated_family_and_below_threshold() -> None:
    maps = {"fam": fit_family([Point(f"g{i}", "fam", i / 100, float(i >= 50)) for i in range(100)])}
    assert not judge("value-terms", 0.99, maps=maps).answer
    assert judge("fam", 0.95, 0.9, maps=maps).answer
    low = judge("fam", 0.1, 0.9, maps=maps)
    assert not low.answer and low.confidence < 0.5


def test_an_answer_says_which_precision_it_was_answered_at() -> None:
    """An answer's calibrated confidence can sit below the target (78% answered at 80%): the target is
    the precision of all training answers at or above the threshold, and the reasoning says so."""
    maps = {"fam": fit_family([Point(f"g{i}", "fam", i / 100, float(i % 5 != 0)) for i in range(100)])}
    verdict = judge("fam", 0.95, 0.75, maps=maps)
    text = verdict.describe(0.95, "SOV")
    assert verdict.answer and "Answered: at or above the fam threshold for 75% precision" in text
    assert "answers scoring at least" in text and "Abstained" not in text
    assert "Abstained: would answer SOV" in judge("fam", 0.95, 0.99, maps=maps).describe(0.95, "SOV")


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    maps = {"fam": fit_family([Point(f"g{i}", "fam", i / 40, float(i > 20)) for i in range(40)])}
    path = tmp_path / "cal.json"
    calibration.save(maps, path, meta={"x": 1})
    assert json.loads(path.read_text())["meta"] == {"x": 1}
    back = calibration.load(path)
    assert back["fam"].to_dict() == maps["fam"].to_dict()


def test_shipped_map_covers_the_benchmark_families() -> None:
    maps = calibration.load()
    assert {"word-order", "bound-marking", "count", "polar-strategies"} <= set(maps)
    for m in maps.values():
        assert all(0.0 <= v <= 1.0 for v in m.values)


def test_ece_and_curve() -> None:
    assert ece([(0.8, 1.0)] * 8 + [(0.8, 0.0)] * 2) == pytest.approx(0.0)
    assert ece([(0.9, 0.0)] * 10) == pytest.approx(0.9)
    pts, area = curve([(0.9, 1.0), (0.5, 0.0)], n_total=4)
    assert pts == [(0.25, 1.0), (0.5, 0.5)]
    assert area == pytest.approx(0.25 * 1.0 + 0.25 * 0.75)


def test_evaluate_scores_selective_abstentions_as_the_first_option() -> None:
    rows = []
    for i in range(40):
        right = float(i % 4 != 0)
        rows.append({"feature": "WALS 81A", "config": "reranker", "grammar": f"g{i}", "gold": "SOV" if i % 2 else "SVO",
                     "abstained": "False", "right": right, "confidence": 0.9 if right else 0.2,
                     "reasoning": "[word-order] x"})
    maps = {"word-order": FamilyMap(edges=[0.0, 0.5], values=[0.1, 0.95], thresholds=[0.5], precisions=[1.0])}

    res = evaluate(rows, lambda pts: judge_with(maps, pts, 0.9))["WALS 81A"]
    assert res["brier_all_classifier_answers"] == pytest.approx(0.75 * 0.05**2 + 0.25 * 0.1**2, abs=1e-4)
    assert res["coverage"] == pytest.approx(0.75)
    assert res["precision"] == pytest.approx(1.0)
    assert res["paper_micro"] == pytest.approx(0.75)
    # the ten abstentions score as 'SOV' (the paper's first option): right where gold is SOV
    first_right = sum(1 for i in range(40) if i % 4 == 0 and i % 2)
    assert res["paper_micro_selective"] == pytest.approx((30 + first_right) / 40)


def _abstention() -> Prediction:
    ev = Evidence(passage_id="g:3", grammar_id="g", quote="The verb comes last in the clause.", pages="41-42",
                  supports="SOV")
    return Prediction(grammar_id="g", feature_id="WALS 81A", value=NOT_ENOUGH_INFO, evidence=[ev], confidence=0.55,
                      reasoning="[word-order] Abstained: would answer SOV, but below the threshold.",
                      backend="evidence", flags=["calibrated", "below-threshold"])


def test_cli_marks_abstentions_and_shows_calibrated_percentages() -> None:
    text = format_prediction(_abstention())
    assert "ABSTAINED" in text and "value:      ?" in text
    assert "55% (calibrated" in text and "p. 41-42" in text  # the evidence still says where to read
    raw = format_prediction(Prediction(grammar_id="g", feature_id="f", value="SOV", confidence=0.4, backend="x"))
    assert "0.40 (uncalibrated score)" in raw and "ABSTAINED" not in raw


def test_cldf_comment_of_an_abstention_carries_its_evidence() -> None:
    comment = summarize_reasoning(_abstention())
    assert comment.startswith("Not answered; evidence to read: pp. 41-42")
    assert "The verb comes last" in comment
    assert is_missing(_abstention())  # exported as '?'


def test_compare_separates_abstained_from_disagreeing() -> None:
    grammar = Grammar(id="g", language="Testish", iso639_3="tst")
    feature = get_catalogue().get("81A")
    answered = Prediction(grammar_id="h", feature_id=feature.id, value="SVO", confidence=0.9)
    report = compare_predictions([_abstention(), answered], {"g": grammar, "h": Grammar(id="h", language="Other",
                                 iso639_3="oth")}, {feature.id: feature}, lambda info, fid: "SOV")
    [stats] = report.features
    assert (stats.n_with_reference, stats.n_abstained_with_reference, stats.n_compared, stats.n_agree) == (2, 1, 1, 0)
    assert len(report.disagreements) == 1 and report.disagreements[0].grammar_id == "h"
    text = format_report(report)
    assert "abstained" in text and "disagree" in text
    row = next(line for line in text.splitlines() if line.startswith(feature.id))
    assert row.split()[-6:-2] == ["1", "1", "0", "1"]  # abstained, compared, agree, disagree


def test_development_cv_never_reads_the_lockbox() -> None:
    ids = [f"gram{i}" for i in range(60)]
    rows = [{"feature": "WALS 81A", "config": "reranker", "grammar": g, "gold": "SOV", "abstained": "False",
             "right": 1.0, "confidence": 0.5, "reasoning": "[word-order] x"} for g in ids]
    res = development_cv(rows)["WALS 81A"]
    assert res["n"] == sum(not calibration.in_lockbox(g) for g in ids) < len(ids)
    assert development_cv([r for r in rows if calibration.in_lockbox(str(r["grammar"]))]) == {}


def test_rows_carry_their_configuration_into_points() -> None:
    row = {"grammar": "g", "reasoning": "[count] x", "confidence": "0.4", "right": "1.0", "abstained": "False",
           "config": "reranker+CoT"}
    [(_, point)] = points_from_rows([row])
    assert point is not None and point.config == "reranker+CoT" and point.family == "count"


def test_derived_rows_are_calibrated_per_derived_feature() -> None:
    # a derived answer's row holds its raw score; one rule's outcomes say nothing of another's
    row = {"grammar": "g", "feature": "WALS 83A", "reasoning": "[derived] WALS 83A follows from WALS 81A: VSO (36%)",
           "confidence": "0.36", "right": "1.0", "abstained": "False", "config": "wals"}
    [(_, point)] = points_from_rows([row])
    assert point is not None and point.family == "derived:WALS 83A" and point.score == 0.36
    shipped = calibration.load()
    assert {"derived:WALS 82A", "derived:WALS 83A"} <= set(shipped) and "derived:WALS 50A" not in shipped


def test_repeated_cv_averages_other_splits_and_never_reads_the_lockbox() -> None:
    rng = random.Random(3)
    rows = []
    for i in range(90):
        s = rng.random()
        for config in ("reranker", "wikipedia"):
            rows.append({"feature": "WALS 81A", "config": config, "grammar": f"gram{i}", "gold": "SOV",
                         "abstained": "False", "right": float(rng.random() < 0.5 + s / 2), "confidence": s,
                         "reasoning": "[word-order] x"})
    res = repeated_cv(rows, repeats=4)["WALS 81A"]  # calibration.fit would raise on a lock-box grammar
    one = [development_cv(rows)["WALS 81A"]]
    assert 0.0 <= res["ece"] <= 1.0 and 0.0 < res["coverage"] <= 1.0
    assert res["paper_micro"] == pytest.approx(one[0]["paper_micro"], abs=1e-4)  # raw answers: split-free
    assert res["ece"] != one[0]["ece"]  # other splits, other maps
    assert repeated_cv([r for r in rows if calibration.in_lockbox(str(r["grammar"]))], repeats=2) == {}


def test_count_near_misses_are_reported_apart() -> None:
    values = ["No morphological case-marking", "2 cases", "3 cases", "4 cases", "5 cases", "6-7 cases", "8-9 cases",
              "10 or more cases", "Exclusively borderline case-marking"]
    pairs = [("6-7 cases", "8-9 cases", 0.9), ("5 cases", "10 or more cases", 0.9),  # one bin off, further off
             (values[8], values[0], 0.9), ("4 cases", "4 cases", 0.9), ("3 cases", "4 cases", 0.2)]
    rows = [{"feature": "WALS 49A", "config": "reranker", "grammar": f"g{i}", "gold": gold, "prediction": pred,
             "abstained": "False", "right": float(pred == gold), "confidence": conf, "reasoning": "[count] x"}
            for i, (pred, gold, conf) in enumerate(pairs * 5)]
    maps = {"count": FamilyMap(edges=[0.0, 0.5], values=[0.2, 0.8], thresholds=[0.5], precisions=[0.8])}
    res = evaluate(rows, lambda pts: judge_with(maps, pts, 0.7))["WALS 49A"]
    m = res["near_misses"]
    assert (m["answered_wrong"], m["answered_one_bin_off"], m["answered_borderline"], m["answered_further"]) == (15, 5, 5, 5)
    assert (m["all_wrong"], m["all_one_bin_off"]) == (20, 10)  # the low-scored '3 cases' is one bin off, not answered
    assert evaluate([{**r, "feature": "WALS 81A"} for r in rows], lambda pts: judge_with(maps, pts))["WALS 81A"].get(
        "near_misses") is None


def test_value_term_reader_is_calibrated_per_feature_and_ships_only_validated_features() -> None:
    """The generic reader is right far more often on some features than on others: each feature gets
    its own key, and only a feature whose cross-validated precision reached the gate keeps its map."""
    assert calibration.map_key("value-terms", "WALS 85A") == "value-terms:WALS 85A"
    assert calibration.map_key("word-order", "WALS 81A") == "word-order"
    assert calibration.base_family("value-terms:WALS 85A") == "value-terms"
    assert calibration.target_precision("value-terms:WALS 85A") == calibration.DEFAULT_MIN_PRECISION
    good = [Point(f"g{i}", "value-terms:WALS 85A", 0.5 + (i % 5) / 10, float(i % 10 != 0)) for i in range(60)]
    bad = [Point(f"g{i}", "value-terms:WALS 1A", 0.5 + (i % 5) / 10, float(i % 3 == 0)) for i in range(60)]
    order = [Point(f"g{i}", "word-order", 0.5 + (i % 5) / 10, float(i % 3 == 0)) for i in range(60)]
    pts = good + bad + order
    maps = calibration.fit_unchecked(pts)
    assert {"value-terms:WALS 85A", "value-terms:WALS 1A", "word-order"} <= set(maps)
    judged = calibration.cross_validate(pts, fitter=calibration.fit_unchecked)
    kept = calibration.validated(maps, judged)
    assert "value-terms:WALS 85A" in kept and "value-terms:WALS 1A" not in kept
    assert "word-order" in kept  # a family-level map is not gated here
    verdict = calibration.judge("value-terms:WALS 1A", 0.9, maps=kept)
    assert not verdict.answer and "WALS 1A" in verdict.reason


def test_logistic_map_recovers_its_curve_and_round_trips() -> None:
    """Platt scaling on the log score (the shipped form, session 23): data drawn from
    sigmoid(1 + 2 log s) give back about (1, 2); the map rises with the score and survives save/load."""
    rng = random.Random(3)
    pts = []
    for i in range(3000):
        s = 0.05 + 0.9 * rng.random()
        pts.append(Point(f"g{i}", "fam", s, float(rng.random() < 1 / (1 + math.exp(-(1 + 2 * math.log(s)))))))
    m = fit_family(pts)
    assert m.logistic is not None
    a, b = m.logistic
    assert abs(a - 1) < 0.25 and abs(b - 2) < 0.25
    assert m(0.2) < m(0.5) < m(0.9)
    assert FamilyMap.from_dict(m.to_dict()).logistic == m.logistic
    assert fit_family(pts, calibration.MapRule(method="isotonic")).logistic is None


def test_logistic_fit_declines_a_falling_or_one_sided_curve() -> None:
    assert calibration.logistic_fit([0.1, 0.2, 0.8, 0.9] * 10, [1.0, 1.0, 0.0, 0.0] * 10) is None
    assert calibration.logistic_fit([0.1, 0.5, 0.9], [1.0, 1.0, 1.0]) is None
    falling = [Point(f"g{i}", "fam", i / 40, float(i < 20)) for i in range(40)]
    assert fit_family(falling).logistic is None  # the family keeps its isotonic steps


def test_word_order_answers_at_the_project_default_target() -> None:
    """81A's raw score does not rank its answers (area under the ROC curve 0.51 among the scored
    configuration's answers on the development grammars): a 0.85 target, above the family's base
    precision, kept a random 40% of the answers at no higher precision out of sample (0.815 at 0.397,
    against 0.805 at 0.603 at 0.80; docs/NOTES.md, session 28), so the family uses the project default.
    Negation's score does rank (0.68) and keeps its 0.90 target."""
    assert calibration.target_precision("word-order") == calibration.DEFAULT_MIN_PRECISION == 0.80
    assert calibration.target_precision("bound-marking") == 0.90
    assert calibration.target_precision("word-order", 0.95) == 0.95  # --min-precision still overrides
