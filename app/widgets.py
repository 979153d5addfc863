"""Small rendering helpers every tab of the Streamlit page uses.

Why a module: the tabs live in separate modules (:mod:`app.sheet_page`), and each shows failures
the same way: one on-page message, the traceback in the server log only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from grammar_rag.errors import GrammarRagError

logger = logging.getLogger("grammar_rag.app")


@contextmanager
def shown_errors(what: str) -> Iterator[None]:
    """Turn any exception into an on-page message (the traceback goes to the server log only)."""
    try:
        yield
    except GrammarRagError as exc:
        st.error(f"{what}: {exc}")
    except Exception as exc:  # never a traceback in the page
        logger.exception("%s failed", what)
        st.error(f"{what} failed unexpectedly ({type(exc).__name__}: {exc}). Details are in the server log.")
