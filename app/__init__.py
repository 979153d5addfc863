"""The Streamlit interface (``grammar-rag app``): page logic in ``logic``, rendering in ``streamlit_app``."""
