"""A tiny Kalamang-like data directory (dictionary, examples CSV, LaTeX grammar) for fast tests.

The words are real Kalamang from the public dictionary/grammar, but the set is small enough that
every retrieval and adaptation step can be checked exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

ENTRIES = [
    ("E1", "sor", "Noun", "fish"),
    ("E2", "bal", "Noun", "dog"),
    ("E3", "koraru", "Verb", "to bite"),
    ("E4", "=at", "Grammatical marker", "[object marker]"),
    ("E5", "=nin", "Grammatical marker", "[negator]"),
    ("E6", "ma", "Pronoun", "[third person singular pronoun]; he; she"),
    ("E7", "an", "Pronoun", "[first person singular pronoun]; I"),
    ("E8", "muap", "Verb", "to eat"),
    ("E9", "mu", "Pronoun", "[third person plural pronoun]; they"),
    ("E10", "se", "Grammatical marker", "[iamitive]; already"),
    ("E11", "kewe", "Noun", "house"),
    ("E12", "-an", "Grammatical marker", "[first person singular possessive]; my"),
    ("E13", "=ka", "Grammatical marker", "[lative]; to"),
    ("E14", "bot", "Verb", "to go"),
    ("E15", "pasa", "Noun", "rice"),
    ("E16", "na", "Verb", "to consume; to eat"),
]

# ID, Primary_Text, Analyzed_Word, Gloss, Translated_Text, alt_translation1 (English side varies per row)
EXAMPLES = [
    ("XV1", "Bal se sorat koraru.", "bal\\tse\\tsor\\t=at\\tkoraru\\t.", "dog\\tIAM\\tfish\\t=OBJ\\tbite\\t",
     "The dog has bitten the fish.", "Anjing su gigit ikan."),
    ("XV2", "Mu muapnin.", "mu\\tmuap\\t=nin\\t.", "3PL\\teat\\t=NEG\\t", "Mereka tidak makan.", "They didn't eat."),
    ("XV3", "An pasat na.", "an\\tpasa\\t=at\\tna\\t.", "1SG\\trice\\t=OBJ\\tconsume\\t", "I eat rice.", "Saya makan nasi."),
    ("XV4", "Ma kewekka bot.", "", "", "He goes to the house.", "Dia pergi ke rumah."),
    ("XV5", "Mu sorat muap.", "", "", "They eat fish.", "Dorang makan ikan."),
    ("XV6", "Ma sorat koraru.", "", "", "Dia gigit ikan.", "He bites the fish."),
    ("XV7", "Bal se sorat koraru!", "", "", "The dog has bitten the fish!", "Anjing su gigit ikan!"),  # duplicate of XV1
    ("XV8", "An kewean bot.", "", "", "I go to my house.", "Saya pergi ke saya pu rumah."),
]

TEX = r"""
\chapter{Nouns}
\section{Object marking}
The object marker =at is an enclitic that attaches to the right edge of the object noun phrase. It marks
definite objects of transitive verbs, and it is one of the most frequent postpositions in the corpus of texts.

\begin{exe}
\ex \gll bal se sor=at koraru\\
dog \textsc{iam} fish=\textsc{obj} bite\\
\glt `The dog has bitten the fish.' \jambox*{[stim2]}
\ex \gll an kewe-an=ka bot\\
\textsc{1sg} house-\textsc{1sg.poss}=\textsc{lat} go\\
\glt `I go to my house.'
\end{exe}

\section{Negation}
Negation of verbal clauses is expressed with the clitic =nin, which follows the verb at the end of the clause; the
negator attaches to the last word of the predicate and can combine with aspect markers in various ways.

\begin{exe}
\ex \gll mu muap=nin\\
\textsc{3pl} eat=\textsc{neg}\\
\glt `They didn't eat.'
\end{exe}
"""


def write_tiny_kalamang(root: Path) -> Path:
    """Write ``root/kalamang/{dictionaria,grammar_tex}``; returns ``root`` (a --data-dir)."""
    dic = root / "kalamang" / "dictionaria"
    tex = root / "kalamang" / "grammar_tex"
    dic.mkdir(parents=True, exist_ok=True)
    tex.mkdir(parents=True, exist_ok=True)
    with open(dic / "entries.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Language_ID", "Headword", "Part_Of_Speech"])
        for eid, hw, pos, _ in ENTRIES:
            w.writerow([eid, "kgv", hw, pos])
    with open(dic / "senses.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Description", "Entry_ID", "alt_translation1"])
        for i, (eid, _, _, desc) in enumerate(ENTRIES):
            w.writerow([f"S{i}", desc, eid, "ikan" if desc == "fish" else ""])
    write_examples_csv(dic / "examples.csv", EXAMPLES)
    (tex / "01Nouns.tex").write_text(TEX, encoding="utf-8")
    return root


def write_examples_csv(path: Path, rows: Sequence[tuple[str, ...]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Language_ID", "Primary_Text", "Analyzed_Word", "Gloss", "Translated_Text",
                    "Meta_Language_ID", "Comment", "Sense_IDs", "Sources", "alt_translation1"])
        for eid, text, morph, gloss, tr, alt in rows:
            w.writerow([eid, "kgv", text, morph, gloss, tr, "", "", "", "", alt])
    return path
