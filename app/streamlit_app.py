"""grammar-rag web interface: ask a grammar about a typological feature and see the evidence.

Run with ``grammar-rag app --index DIR --port N`` (Streamlit on 127.0.0.1). This file only
renders; the page logic lives in :mod:`app.logic`. Heavy objects (index, catalogue, translation
resources, classifier models) are created once per server with ``st.cache_resource``; answers are
memoised per (index, grammar, feature, settings). Every failure is shown as an ``st.error``
message on the page — never a traceback.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/streamlit_app.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

from app import logic  # noqa: E402
from app.sheet_page import sheet_tab  # noqa: E402
from app.widgets import shown_errors  # noqa: E402
from grammar_rag.features import get_catalogue as load_catalogue  # noqa: E402

logger = logging.getLogger("grammar_rag.app")

st.set_page_config(page_title="grammar-rag", page_icon="📖", layout="wide")


# ------------------------------------------------------------------------------------ cached resources
@st.cache_resource(show_spinner="Opening the index (the bundled Kalamang grammar is indexed on first use)…")
def get_index(path: str) -> Any:
    return logic.open_index(path or None)


@st.cache_resource(show_spinner="Loading the feature catalogue…")
def get_catalogue() -> Any:
    return load_catalogue()


@st.cache_resource(show_spinner="Loading the language pack and indexing its example sentences (once)…")
def get_translation_resources(language: str = "kgv") -> Any:
    return logic.translation_resources(language=language)


@st.cache_resource(show_spinner="Loading the classifier…")
def get_classifier(backend: str) -> Any:
    return logic.make_classifier(backend)


@st.cache_data(show_spinner=False, max_entries=512)
def get_answer(
    index_path: str, grammar_id: str, feature_id: str, mode: str, k: int, backend: str, _index: Any, _cat: Any
) -> logic.AnswerView:
    """Memoised per (index, grammar, feature, settings): Streamlit reruns the page on every click."""
    grammar = _index.get_grammar(grammar_id)
    feature = _cat.get(feature_id)
    return logic.answer(_index, grammar, feature, mode=mode, k=k, backend=backend,
                        classifier=get_classifier(backend))


# ------------------------------------------------------------------------------------ sidebar
def sidebar() -> dict[str, Any] | None:
    st.sidebar.title("grammar-rag")
    index_path = st.sidebar.text_input(
        "Index folder",
        value=logic.initial_index_path(),
        placeholder="empty: the bundled Kalamang grammar",
        help="A folder built with `grammar-rag ingest`. Leave empty for the bundled Kalamang grammar.",
        key="index_path",
    ).strip()
    index = None
    with shown_errors("Opening the index"):
        index = get_index(index_path)
    if index is None:
        return None
    grammars = logic.grammar_options(index)
    if not grammars:
        st.sidebar.warning("This index holds no grammars yet: add one in the Corpus tab.")
        return {"index": index, "index_path": index_path, "grammar": None, "feature": None}
    by_id = {g.id: g for g in grammars}
    grammar_id = st.sidebar.selectbox(
        "Grammar / language",
        options=list(by_id),
        format_func=lambda gid: logic.grammar_label(by_id[gid]),
        help="Type to search by language, ISO code, title or grammar id.",
        key="grammar",
    )
    feature_id = None
    catalogue = None
    with shown_errors("Loading the feature catalogue"):
        catalogue = get_catalogue()
        features = logic.feature_options(catalogue)
        labels = {f.id: logic.feature_label(f) for f in features}
        feature_id = st.sidebar.selectbox(
            "Feature",
            options=list(labels),
            index=None,
            format_func=lambda fid: labels.get(fid, fid),
            placeholder="Type a feature id or name (e.g. 81A, negation)",
            key="feature",
        )
    st.sidebar.divider()
    mode = st.sidebar.selectbox("Retrieval mode", logic.RETRIEVAL_MODES, key="mode",
                                help="First-stage retrieval within the grammar, before reranking.")
    k = st.sidebar.slider("Passages for the classifier (k)", 5, 50, 20, key="k")
    backend = st.sidebar.selectbox("Backend", logic.backend_options(), key="backend",
                                   help="evidence = model-free classifier; others are LLM backends.")
    return {
        "index": index, "index_path": index_path, "grammar": by_id.get(grammar_id) if grammar_id else None,
        "feature": feature_id, "catalogue": catalogue, "mode": mode, "k": int(k), "backend": backend,
    }


# ------------------------------------------------------------------------------------ tabs
def render_answer(view: logic.AnswerView) -> None:
    pred = view.prediction
    st.subheader(f"{view.feature.id} — {view.feature.name}")
    st.caption(f"{logic.grammar_label(view.grammar)} · {view.feature.question}")
    left, mid, right = st.columns([2, 1, 2])
    left.metric("Predicted value", view.value_label)
    mid.metric("Confidence", f"{pred.confidence:.0%}")
    with right:
        source = view.reference_source or "WALS/Grambank"
        if view.badge == "agree":
            st.success(f"✅ agrees with {source}: {view.reference}")
        elif view.badge == "disagree":
            st.warning(f"⚠️ disagrees with {source}: {view.reference}")
        elif view.reference is not None:
            st.info(f"{source}: {view.reference} (the classifier abstained)")
        else:
            hint = "" if view.feature.database != "Grambank" else (
                f" (set {logic.GRAMBANK_ENV} to a Grambank CLDF dataset to compare)")
            st.info(f"No WALS/Grambank value known for this language{hint}.")
    if pred.reasoning:
        st.markdown("**Reasoning**")
        st.write(pred.reasoning)
    st.markdown(f"**Evidence** ({len(view.evidence)} passage(s); backend `{pred.backend or '-'}`, "
                f"{view.elapsed_s:.2f} s)")
    if not view.evidence:
        st.info("No passage supports a value: the grammar excerpts retrieved do not settle this feature.")
    for i, ev in enumerate(view.evidence, start=1):
        with st.container(border=True):
            meta = [f'<span class="gr-citation">{ev.citation}</span>']
            if ev.section and not ev.citation.startswith("§"):
                meta.append(f"§ {ev.section}")
            elif ev.section:
                meta.append(ev.section)
            if ev.supports:
                meta.append(f"supports <b>{ev.supports}</b>")
            meta.append(f"score {ev.score:.2f}")
            st.markdown(f"**{i}.** " + " · ".join(meta), unsafe_allow_html=True)
            st.markdown(f'<div class="gr-evidence">{ev.html}</div>', unsafe_allow_html=True)


def classify_tab(state: dict[str, Any] | None) -> None:
    if state is None:
        st.info("Choose a valid index in the sidebar.")
        return
    if state.get("grammar") is None or not state.get("feature"):
        st.info("Choose a grammar and a feature in the sidebar to see the predicted value and its evidence.")
        return
    with shown_errors("Classification"):
        started = time.perf_counter()
        view = get_answer(
            state["index_path"], state["grammar"].id, state["feature"], state["mode"], state["k"],
            state["backend"], state["index"], state["catalogue"],
        )
        render_answer(view)
        st.caption(f"answered in {time.perf_counter() - started:.2f} s")


def translate_tab() -> None:
    st.write("Translate between English and any language with a language pack (the bundled Kalamang, or one "
             "added with `grammar-rag language add`), with its dictionary, examples and grammar.")
    direction = st.selectbox("Direction", list(logic.translation_directions()), key="tr_direction")
    text = st.text_area("Text", key="tr_text", max_chars=2000)
    backend = st.selectbox("Translator", ["model-free", *[b for b in logic.backend_options() if b != "evidence"]],
                           key="tr_backend")
    if st.button("Translate", key="tr_go"):
        if not text.strip():  # answer at once: loading the resources would take seconds first
            st.error("Translation: Nothing to translate: the text is empty.")
            return
        with shown_errors("Translation"):
            resources = get_translation_resources(logic.direction_language(direction))
            result = logic.run_translation(text, direction, backend, resources=resources)
            st.markdown(f"**Translation** ({result.method})")
            st.success(result.translation or "(empty)")
            if result.note:
                st.caption(result.note)
            if result.examples:
                with st.expander(f"{len(result.examples)} example sentence(s) used"):
                    for scored in result.examples[:8]:
                        ex = scored.example
                        st.markdown(f"- *{ex.text}* — {ex.translation}")
            if result.grammar:
                with st.expander(f"{len(result.grammar)} grammar passage(s) used"):
                    for sp in result.grammar:
                        st.markdown(f"**{sp.passage.citation}** {sp.passage.text[:400]}")


def corpus_tab(state: dict[str, Any] | None) -> None:
    st.write("Add a grammar to the current index: a PDF, a LaTeX source (.tex or a .zip of the tree), "
             "or plain text / Markdown.")
    if state is None:
        st.info("Choose a valid index in the sidebar first.")
        return
    upload = st.file_uploader("Grammar file", type=list(logic.UPLOAD_TYPES), key="upload")
    cols = st.columns(4)
    language = cols[0].text_input("Language", key="up_language")
    iso = cols[1].text_input("ISO 639-3", key="up_iso", max_chars=3)
    glottocode = cols[2].text_input("Glottocode", key="up_glottocode", max_chars=8)
    title = cols[3].text_input("Title", key="up_title")
    if st.button("Index this grammar", key="up_go", disabled=upload is None) and upload is not None:
        bar = st.progress(0.0, text="Starting…")

        def progress(frac: float, msg: str) -> None:
            bar.progress(min(max(frac, 0.0), 1.0), text=msg)

        with shown_errors(f"Indexing {upload.name}"):
            added = logic.ingest_upload(
                state["index"], upload.name, upload.getvalue(),
                metadata={"language": language, "iso639_3": iso, "glottocode": glottocode, "title": title},
                progress=progress,
            )
            get_answer.clear()
            # rerun so the sidebar lists the new grammar; the message survives the rerun
            st.session_state["corpus_flash"] = "Added: " + ", ".join(logic.grammar_label(g) for g in added)
            st.rerun()
    flash = st.session_state.pop("corpus_flash", None)
    if flash:
        st.success(flash)
    with shown_errors("Listing the index"):
        grammars = logic.grammar_options(state["index"])
        st.caption(f"{len(grammars)} grammar(s) in this index: "
                   + ", ".join(g.language or g.id for g in grammars[:30]) + (" …" if len(grammars) > 30 else ""))


def main() -> None:
    st.markdown(
        "<style>.gr-evidence mark{background:#ffe08a;padding:0 2px;border-radius:3px}"
        ".gr-citation{font-weight:600}</style>",
        unsafe_allow_html=True,
    )
    state = sidebar()
    tab_classify, tab_sheet, tab_translate, tab_corpus = st.tabs(["Classify", "Coding sheet", "Translate", "Corpus"])
    with tab_classify:
        classify_tab(state)
    with tab_sheet:
        sheet_tab(state)
    with tab_translate:
        translate_tab()
    with tab_corpus:
        corpus_tab(state)


# Streamlit runs this file as __main__; a spawned worker process (the extract process pool) imports
# it as __mp_main__ and must not start the page again.
if __name__ == "__main__":
    main()
