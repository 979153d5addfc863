"""The paper's composite polar-question feature "WALS 116A*".

WALS 116A forces one value per language, but languages often combine strategies (a clause-final
particle *and* intonation only). The paper therefore classifies seven binary strategies, each
matching one Grambank feature, and treats the answer as the set of strategies that hold. The
strategy names below are the labels of the paper's benchmark (``annotated_benchmark.csv``), so
they are the keys downstream code compares on: do not rename them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from grammar_rag.features.guidelines import excerpt
from grammar_rag.features.ids import POLAR_FEATURE_ID, component_id
from grammar_rag.types import Feature, FeatureValue

log = logging.getLogger(__name__)

POLAR_NAME = "Polar questions"

# (strategy name, Grambank id), in the paper's order. Mapped by reading the Grambank names:
# GB257 "Can polar interrogation be marked by intonation only?"
# GB260 "Can polar interrogation be indicated by a special word order?"
# GB262 "Is there a clause-initial polar interrogative particle?"
# GB264 "Is there a polar interrogative particle that most commonly occurs neither clause-initially
#        nor clause-finally?"
# GB263 "Is there a clause-final polar interrogative particle?"
# GB286 "Can polar interrogation be indicated by overt verbal morphology only?"
# GB291 "Can polar interrogation be marked by tone?"
POLAR_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("Interrogative intonation only", "GB257"),
    ("Interrogative word order", "GB260"),
    ("Clause-initial question particle", "GB262"),
    ("Clause-medial question particle", "GB264"),
    ("Clause-final question particle", "GB263"),
    ("Interrogative verb morphology", "GB286"),
    ("Tone", "GB291"),
)
POLAR_STRATEGIES: tuple[str, ...] = tuple(name for name, _ in POLAR_COMPONENTS)
_CONTEXT_CHARS = 1500


def _binary_values(gb: Feature | None, gb_id: str) -> tuple[FeatureValue, ...]:
    if gb is not None:
        vals = tuple(v for v in gb.values if v.name in ("0", "1"))
        if len(vals) == 2:
            return vals
    return (
        FeatureValue(code=f"{gb_id}-0", name="0", description="absent", number=0),
        FeatureValue(code=f"{gb_id}-1", name="1", description="present", number=1),
    )


def build_polar_composite(wals_116a: Feature | None, grambank: Mapping[str, Feature]) -> Feature:
    """The multi-label "WALS 116A*" feature from WALS 116A and the seven Grambank features."""
    chapter = wals_116a.guideline if wals_116a else ""
    context = ""
    if chapter:
        context = "\n\nContext: WALS chapter 116, Polar Questions (excerpt)\n\n" + excerpt(chapter, _CONTEXT_CHARS)
    components = []
    for name, gb_id in POLAR_COMPONENTS:
        gb = grambank.get(gb_id)
        if gb is None:
            log.warning("Grambank %s missing: component %r has no guideline", gb_id, name)
        components.append(
            Feature(
                id=component_id(gb_id),
                database="composite",
                name=name,
                question=gb.question if gb else f"Does this language use {name.lower()} to form polar questions?",
                values=_binary_values(gb, gb_id),
                guideline=((gb.guideline if gb else "") + context).strip(),
            )
        )
    values = tuple(
        FeatureValue(code=f"116A*-{i}", name=name, description=comp.question, number=i)
        for i, (name, comp) in enumerate(zip(POLAR_STRATEGIES, components, strict=True), start=1)
    )
    return Feature(
        id=POLAR_FEATURE_ID,
        database="composite",
        name=POLAR_NAME,
        question="Which strategies does this language use to form polar (yes/no) questions? "
        "Choose all that apply: " + ", ".join(POLAR_STRATEGIES) + ".",
        values=values,
        guideline=chapter,
        components=tuple(components),
    )


def polar_strategies(grambank_values: Mapping[str, FeatureValue | str]) -> list[str] | None:
    """The composite's value (strategy names that hold) from one language's Grambank values.

    ``grambank_values`` maps Grambank ids to a value (``FeatureValue`` or its name "0"/"1").
    Returns None when none of the seven features is coded (unknown), for comparison/display only.
    """
    coded = False
    present = []
    for name, gb_id in POLAR_COMPONENTS:
        value = grambank_values.get(gb_id)
        if value is None:
            continue
        label = value.name if isinstance(value, FeatureValue) else str(value)
        if label in ("0", "1"):
            coded = True
            if label == "1":
                present.append(name)
    return present if coded else None
