"""A list set as short lines (a lead-in and its items) is one passage: before, short units were
chained only until the chain reached the short-unit size, so a list's last item was glued to the
paragraph after it ("(e) ko imperfective (§10.5.4) The neutral character of ina is ...", a whole
book's negation overview split in two)."""

from __future__ import annotations

from grammar_rag.ingest.chunking import Unit
from grammar_rag.ingest.pdf_units import attach_short

SECTION = ("10 Mood and negation", "10.5 Negation")
PARAGRAPH = ("The neutral character of ina is shown by the fact that it occurs in a variety of contexts, "
             "is always followed by the neutral aspectual he, and can be combined with the other negators.")


def _unit(text: str, page: str = "493", kind: str = "prose") -> Unit:
    return Unit(text, page, page, SECTION, kind)  # type: ignore[arg-type]


def test_a_list_of_short_lines_stays_one_unit_apart_from_the_next_paragraph() -> None:
    units = [_unit("Rapa Nui has three clausal negators:"), _unit("ina neutral (discussed in §10.5.1–10.5.2)"),
             _unit("kai perfective (§10.5.3)"), _unit("(e) ko imperfective (§10.5.4–10.5.5)"), _unit(PARAGRAPH)]
    out = attach_short(units)
    assert [u.text for u in out] == [
        "Rapa Nui has three clausal negators:\nina neutral (discussed in §10.5.1–10.5.2)\nkai perfective (§10.5.3)\n"
        "(e) ko imperfective (§10.5.4–10.5.5)",
        PARAGRAPH,
    ]


def test_one_short_line_still_leads_into_what_follows() -> None:
    """A single lead-in ("as in (12):") joins the example after it, as before."""
    example = _unit("(12) ina a Heru he u'i\nneg prop Heru ntr watch\n'Heru did not watch.'", kind="example")
    out = attach_short([_unit("as in (12):"), example, _unit(PARAGRAPH)])
    assert [u.kind for u in out] == ["example", "prose"]
    assert out[0].text.startswith("as in (12):\n(12)")


def test_a_run_of_short_lines_never_crosses_a_page_or_section() -> None:
    units = [_unit("kai perfective (§10.5.3)"), _unit("(e) ko imperfective (§10.5.4–10.5.5)", page="494"), _unit(PARAGRAPH, page="494")]
    out = attach_short(units)
    assert out[0].text == "kai perfective (§10.5.3)"
    assert out[0].page_start == "493"
