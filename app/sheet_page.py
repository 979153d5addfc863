"""The coding-sheet tab: propose a feature set for one grammar, review it feature by feature, exchange TSV sheets.

Why apart from :mod:`app.streamlit_app`: the sheet is a page of its own (table, filters, review form,
keyboard shortcuts); its logic lives in :mod:`app.sheet` and this module only renders it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from app import logic, sheet
from app.widgets import shown_errors
from grammar_rag.extract import reviews as review_kinds


@st.cache_data(show_spinner=False, max_entries=4096)
def get_reference(grammar_id: str, feature_id: str, _grammar: Any, _feature: Any) -> tuple[str | None, str]:
    """Display only: looked up after the proposal exists, never handed to the classifier."""
    return logic.reference_value(_grammar, _feature)


DECISION_LABELS = {
    review_kinds.ACCEPT: "Accept the proposal",
    review_kinds.OTHER_VALUE: "Choose another value",
    review_kinds.NOT_STATED: "Not stated in the grammar",
}


def sheet_tab(state: dict[str, Any] | None) -> None:
    """Propose a whole feature set for the chosen grammar, then review it feature by feature."""
    if state is None or state.get("grammar") is None or state.get("catalogue") is None:
        st.info("Choose an index and a grammar in the sidebar to build its coding sheet.")
        return
    grammar = state["grammar"]
    cols = st.columns([1, 2])
    kind = cols[0].selectbox("Sheet covers", sheet.FEATURE_SETS, key="sheet_kind")
    detail = ""
    if kind == "A WALS area":
        detail = cols[1].selectbox("WALS area", list(sheet.WALS_AREAS), key="sheet_area")
    elif kind == "A list":
        detail = cols[1].text_input("Feature ids", key="sheet_list", placeholder="GB107, 81A, 49A")
        if not detail.strip():
            st.info("Type the feature ids of the sheet, separated by commas.")
            return
    features = []
    with shown_errors("Choosing the features"):
        features = sheet.feature_set(state["catalogue"], kind, detail)
    if not features:
        return
    results = Path(st.text_input("Sheet folder (a results folder, as `grammar-rag extract --out`)",
                                 value=str(sheet.sheet_dir(grammar.id)), key="sheet_dir"))
    reviewer = st.text_input("Your name (recorded with each decision)", key="sheet_reviewer")
    go = st.button(f"Propose values for {len(features)} feature(s)", key="sheet_go")
    # fixed slots: a bar or message that comes and goes must not move the widgets below it (a moved
    # widget is a new element to the browser, and the old one lingers until the run ends)
    bar_slot, flash_slot = st.empty(), st.empty()
    if go:
        bar = bar_slot.progress(0.0, text="Starting…")
        with shown_errors("Proposing values"):
            summary = sheet.propose(
                state["index"], state["index_path"], grammar, features, results, backend=state["backend"],
                mode=state["mode"], k=state["k"],
                progress=lambda frac, msg: _show(bar, frac, msg),
            )
            bar.progress(1.0, text=f"{summary.total} feature(s): {summary.done_before} already proposed, "
                                   f"{summary.computed_now} now ({summary.elapsed_s:.1f} s)")
    rows = []
    with shown_errors("Reading the sheet"):
        rows = sheet.load_sheet(results, grammar, features,
                                reference=lambda g, f: get_reference(g.id, f.id, g, f))
    if not any(r.proposal is not None or r.review is not None for r in rows):
        st.info("Nothing proposed yet for this feature set: press the button above.")
        return
    flash = st.session_state.pop("sheet_flash", None)
    if flash:
        (flash_slot.warning if flash.startswith("⚠") else flash_slot.success)(flash)
    chosen_filters = st.multiselect("Show only", sheet.FILTERS, key="sheet_filters")
    shown = sheet.filter_rows(rows, chosen_filters)
    page_size = 25
    n_pages = max(1, -(-len(shown) // page_size))
    page_no = int(st.number_input(f"Page (of {n_pages})", min_value=1, max_value=n_pages, value=1,
                                  key="sheet_page"))
    page_rows, _ = sheet.paginate(shown, page_no, page_size)
    st.caption(f"{len(shown)} of {len(rows)} feature(s) shown")
    st.dataframe([r.to_record() for r in page_rows], hide_index=True, width="stretch")
    if page_rows:
        review_pane(results, page_rows, reviewer)
    with st.expander("Export or import the reviewed sheet"):
        exchange_pane(results, grammar, rows, reviewer, state["catalogue"])
    with st.expander("Summary by area, and confidence"):
        st.dataframe([s.to_record() for s in sheet.area_summary(rows)], hide_index=True)
        records = sheet.confidence_histogram(rows).to_records()
        st.bar_chart({r["Confidence"]: r["Features"] for r in records})


def _show(bar: Any, frac: float, msg: str) -> None:
    bar.progress(min(max(frac, 0.0), 1.0), text=msg)


def exchange_pane(results: Path, grammar: Any, rows: list[Any], reviewer: str, catalogue: Any) -> None:
    """Download the reviewed sheet as TSV; upload a TSV coded by hand (all rows stored, or none)."""
    if any(r.review is not None for r in rows):
        for fmt in ("grambank-tsv", "wals-tsv"):
            with shown_errors("Exporting the sheet"):
                st.download_button(f"Download {fmt}", sheet.export_tsv(results, grammar.id, fmt, catalogue),
                                   file_name=f"{grammar.id}-{fmt}.tsv", mime="text/tab-separated-values",
                                   key=f"sheet_dl_{fmt}")
        st.caption("CLDF: `grammar-rag review export --results FOLDER --format cldf --out DIR`")
    upload = st.file_uploader("Import a sheet (TSV with Feature_ID, Value, Source, Comment)", type=["tsv", "txt"],
                              key="sheet_upload")
    if upload is not None and st.button("Import these decisions", key="sheet_import"):
        with shown_errors("Importing the sheet"):
            n = sheet.import_tsv(results, grammar.id, upload.getvalue(), catalogue, rows, reviewer)
            st.session_state["sheet_flash"] = f"Imported {n} decision(s) from {upload.name}"
            st.rerun()


def review_pane(results: Path, rows: list[Any], reviewer: str) -> None:
    ids = [r.feature.id for r in rows]
    by_id = {r.feature.id: r for r in rows}
    if st.session_state.get("sheet_feature") not in ids:
        st.session_state["sheet_feature"] = ids[0]
    # the version of each review as this tab last *showed* it: a click reruns the script, which reads
    # the store afresh, so the version another tab saved meanwhile must not count as seen
    shown_before: dict[str, int] = dict(st.session_state.get("sheet_seen", {}))
    seen_now = st.session_state.setdefault("sheet_seen", {})
    for r in rows:
        seen_now[r.feature.id] = r.review.version if r.review is not None else 0

    def seen(row: Any) -> int:
        return shown_before.get(row.feature.id, row.review.version if row.review is not None else 0)

    nav = st.columns([1, 1, 1, 5])
    position = ids.index(st.session_state["sheet_feature"])
    # keyboard: K / J for previous / next feature, A accepts the proposal (one key, no form)
    if nav[0].button("◀ Previous", key="sheet_prev", disabled=position == 0, shortcut="K"):
        st.session_state["sheet_feature"] = ids[position - 1]
        st.rerun()
    if nav[1].button("Next ▶", key="sheet_next", disabled=position == len(ids) - 1, shortcut="J"):
        st.session_state["sheet_feature"] = ids[position + 1]
        st.rerun()
    current_row = by_id[st.session_state["sheet_feature"]]
    if nav[2].button("Accept", key="sheet_accept", shortcut="A", disabled=current_row.proposal is None,
                     help="Accept the proposal as it stands (keeps the pages and comment already saved)"):
        with shown_errors("Saving the decision"):
            old = current_row.review
            saved = sheet.save_review(
                results, current_row, review_kinds.ACCEPT, reviewer=reviewer,
                pages=old.pages if old is not None else current_row.pages,
                comment=old.comment if old is not None else "",
                expected_version=seen(current_row),
            )
            _flash_saved(saved, current_row.feature.id)
            st.rerun()
    fid = nav[3].selectbox("Reviewing", ids, key="sheet_feature",
                           format_func=lambda f: logic.feature_label(by_id[f].feature))
    row = by_id[fid]
    with st.expander("Question and guideline"):
        st.write(row.feature.question)
        if row.feature.guideline:
            st.caption(row.feature.guideline)
    st.markdown(f"**Proposed:** {row.proposed}"
                + (f" · confidence {row.confidence:.0%}" if row.confidence is not None else "")
                + (f" · p. {row.pages}" if row.pages else ""))
    if row.quote:
        st.markdown(f"> {row.quote[:600]}")
    if row.reference:
        st.caption(f"Reference ({row.reference_source}, display only): {row.reference}")
    review = row.review
    if review is not None:
        st.caption(f"Reviewed by {review.reviewer}: {review.value} (version {review.version})")
        if row.proposal_changed:
            st.warning("⚠ The proposal changed since you reviewed it.")
    with st.form(key=f"sheet_form_{fid}"):
        decisions = list(DECISION_LABELS)
        decision = st.radio("Decision", decisions, format_func=DECISION_LABELS.get, horizontal=True,
                            index=decisions.index(review.decision) if review is not None else 0)
        names = row.feature.value_names
        current = review.value if review is not None and review.value in names else (
            row.proposal.value if row.proposal is not None and row.proposal.value in names else None)
        value = st.selectbox("Value (for 'another value')", names,
                             index=names.index(current) if current in names else None)
        pages = st.text_input("Pages", value=review.pages if review is not None else row.pages)
        comment = st.text_area("Comment", value=review.comment if review is not None else "")
        if st.form_submit_button("Save decision"):
            with shown_errors("Saving the decision"):
                saved = sheet.save_review(results, row, decision, reviewer=reviewer, value=value or "",
                                          pages=pages, comment=comment,
                                          expected_version=seen(row))
                _flash_saved(saved, fid)
                st.rerun()


def _flash_saved(saved: Any, feature_id: str) -> None:
    """The message shown after the rerun: saved, or saved over a decision this tab had not seen."""
    if saved.overwrote_unseen is not None:
        other = saved.overwrote_unseen
        st.session_state["sheet_flash"] = (
            f"⚠ Saved {feature_id}, replacing a decision you had not seen: {other.reviewer} had set "
            f"{other.value} (kept in the history).")
    else:
        st.session_state["sheet_flash"] = f"Saved: {feature_id} = {saved.review.value}"
