"""``grammar-rag app``: the Streamlit interface (``app/streamlit_app.py``) on 127.0.0.1.

The command becomes the Streamlit server (``exec``), so a signal sent to ``grammar-rag app``
reaches the server itself and never leaves an orphan behind. Streamlit is an optional extra
(``grammar-rag[app]``): it is looked for only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grammar_rag.cli.options import add_data_dir, add_index
from grammar_rag.config import REPO_DIR
from grammar_rag.errors import GrammarRagError

APP_INDEX_ENV = "GRAMMAR_RAG_APP_INDEX"


def register(sub: argparse._SubParsersAction) -> None:
    app = sub.add_parser("app", help="start the Streamlit interface on 127.0.0.1")
    add_index(app, required=False, help="index directory (default: the bundled Kalamang grammar)")
    app.add_argument("--port", type=int, default=8501)
    add_data_dir(app, help="data directory (catalogue, WALS) if not bundled")
    app.set_defaults(func=cmd_app)


def app_script() -> Path:
    path = REPO_DIR / "app" / "streamlit_app.py"
    if not path.exists():
        raise GrammarRagError(f"The Streamlit app is not at {path} (it ships with the repository checkout).")
    return path


def app_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app_script()),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        # uncaught exceptions (none are expected: the page catches them) show type + message only
        "--client.showErrorDetails", "type",
        "--client.toolbarMode", "minimal",
    ]


def app_env(index: str | None, data_dir: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if index:
        env[APP_INDEX_ENV] = str(Path(index).expanduser().resolve())
    if data_dir:
        env["GRAMMAR_RAG_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    return env


def cmd_app(args: argparse.Namespace) -> int:
    try:
        import streamlit  # noqa: F401  (optional extra: only `grammar-rag app` needs it)
    except ImportError as exc:
        raise GrammarRagError("Streamlit is not installed: pip install 'grammar-rag[app]'.") from exc
    if args.index and not Path(args.index).exists():
        raise GrammarRagError(f"Index directory {args.index} does not exist.")
    print(f"serving on http://127.0.0.1:{args.port} (Ctrl-C to stop)", flush=True)
    command = app_command(args.port)
    # Become the Streamlit server (exec, not a child): a SIGTERM/SIGKILL sent to `grammar-rag app`
    # then reaches the server itself and can never leave an orphaned server behind.
    os.execve(command[0], command, app_env(args.index, args.data_dir))
    return 0  # pragma: no cover - execve does not return
