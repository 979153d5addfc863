"""The case inventory WALS 49A counts from: Leipzig-style gloss labels and prose names of cases.

One home for what names a case (the count family reads glosses and prose with it). WALS chapter 49
counts the unmarked base form beside any overt case, so each alignment's marked core case implies its
unmarked partner (``UNMARKED_OF``).

The names are those of chapter 49's text and paradigms (nominative ... genitive, locative, ablative,
allative, instrumental, comitative, translative, terminative, essive, inessive, elative, illative,
adessive, superessive, delative, sublative, prosecutive, equative, sociative, causal, oblique) and
the two further cases met on more than one development grammar of the paper benchmark (benefactive,
perlative). The issue-22 audit removed names found on at most one development grammar and absent
from the chapter (partitive, privative, purposive, proprietive, abessive, semblative, aversive,
prolative, lative).
"""

from __future__ import annotations

# Leipzig-style case abbreviations and prose names -> canonical case. Core (grammatical) cases are
# flagged: a system without any of them is "borderline" in WALS 49A's sense.
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    # canonical: (gloss labels, prose names, core?)
    "nominative": (("NOM",), ("nominative",), True),
    "accusative": (("ACC",), ("accusative",), True),
    "ergative": (("ERG",), ("ergative",), True),
    "absolutive": (("ABS",), ("absolutive",), True),
    "dative": (("DAT",), ("dative",), True),
    "genitive": (("GEN",), ("genitive",), True),
    "oblique": (("OBL",), ("oblique",), False),
    "locative": (("LOC",), ("locative",), False),
    "ablative": (("ABL",), ("ablative",), False),
    "allative": (("ALL",), ("allative",), False),
    "instrumental": (("INS", "INST", "INSTR"), ("instrumental",), False),
    "comitative": (("COM", "COMIT"), ("comitative",), False),
    "perlative": (("PERL", "PER"), ("perlative",), False),
    "elative": (("ELA", "EL"), ("elative",), False),
    "illative": (("ILL",), ("illative",), False),
    "inessive": (("INE", "INESS"), ("inessive",), False),
    "adessive": (("ADE", "ADESS"), ("adessive",), False),
    "essive": (("ESS",), ("essive",), False),
    "translative": (("TRANSL", "TRA"), ("translative",), False),
    "benefactive": (("BEN",), ("benefactive",), False),
    "terminative": (("TERM",), ("terminative",), False),
    "causal": (("CAUSAL",), ("causal",), False),
    # cases of chapter 49's paradigms; no gloss label where it is ambiguous (DEL delimitative)
    "equative": (("EQU",), ("equative",), False),
    "prosecutive": (("PROS",), ("prosecutive",), False),
    "superessive": (("SUPESS",), ("superessive",), False),
    "sublative": (("SUBL",), ("sublative",), False),
    "delative": ((), ("delative",), False),
    "sociative": ((), ("sociative",), False),
}
LABEL_TO_CASE = {lab: case for case, (labels, _, _) in CASES.items() for lab in labels}
NAME_TO_CASE = {name: case for case, (_, names, _) in CASES.items() for name in names}
CORE_CASES = {case for case, (_, _, core) in CASES.items() if core}
ALIGNMENT = {"nominative", "accusative", "ergative", "absolutive"}
# The marked core case of each alignment and the unmarked one it implies (WALS 49A counts both).
UNMARKED_OF = {"ergative": "absolutive", "accusative": "nominative"}

# Labels that glossers also use for verbal categories (applicative benefactive, causal converbs,
# terminative aspect): counted only when the prose calls them cases.
VERBAL_TOO = {"BEN", "CAUSAL", "TERM"}
