"""HTTP API (FastAPI): ``POST /translate``, ``POST /classify``, ``GET /features``, ``GET /features/{id}``,
``GET /health``. Start with ``grammar-rag serve --host 127.0.0.1 --port 8000 --index DIR``."""

from grammar_rag.api.app import create_app

__all__ = ["create_app"]
