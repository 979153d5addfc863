"""End-to-end: ``grammar-rag app`` on loopback, driven by headless Chromium through playwright.

Chromium is Debian's ``chromium`` package (``scripts/install_browser.sh``, called by the test
script); playwright only drives it (``executable_path=/usr/bin/chromium``), it never downloads a
browser. The app runs on the bundled Kalamang grammar, indexed once into ``.cache/`` of the
checkout (gitignored) so later runs start warm. The test selects a grammar and a feature, waits
for the answer, checks that the evidence cites a page or section, saves a screenshot under
``test-output/`` and records the time from page load to the answer (a measurement, not a pass/fail
threshold).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_support import free_port, stop_process

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = REPO / "test-output"
CACHE = REPO / ".cache" / "grammar-rag-app-test"  # persistent: the bundled index is built once
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


def _chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        script = REPO / "scripts" / "install_browser.sh"
        result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=900)
        if not CHROMIUM.exists():
            pytest.skip(f"chromium could not be installed by {script.name}: {result.stderr.strip()[-300:]}")


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited early: {proc.stdout.read().decode()[-2000:] if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    _chromium_or_skip()
    pytest.importorskip("playwright.sync_api", reason="the playwright package (dev extra) is not installed")
    env = dict(os.environ)
    env["GRAMMAR_RAG_CACHE_DIR"] = str(CACHE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("GRAMMAR_RAG_APP_INDEX", None)
    # Build the bundled index first (minutes on a cold checkout, then reused), so the app starts warm.
    subprocess.run(
        [sys.executable, "-c", "from app import logic; logic.open_index(None)"],
        env=env, cwd=REPO, check=True, timeout=1800,
    )
    port = free_port()
    script = Path(sys.executable).with_name("grammar-rag")
    cli = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from grammar_rag.cli import main; sys.exit(main())"]
    proc = subprocess.Popen([*cli, "app", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout=120)
        yield url
    finally:
        stop_process(proc)


def _select(page, label: str, text: str, option: str | re.Pattern[str]) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label`` by typing ``text`` into it."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    box.locator("input").click()
    box.locator("input").fill(text)
    page.get_by_role("option", name=option).first.click()


@contextlib.contextmanager
def _chromium_page(profile: Path, **launch: Any) -> Iterator[Any]:
    """A page in headless Chromium with ``profile`` as its empty --user-data-dir."""
    from playwright.sync_api import sync_playwright

    profile.mkdir()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, **launch,
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _open_index(page, url: str, index: Path) -> None:
    """Load the app and point its "Index folder" field at ``index``."""
    page.goto(url)
    field = page.get_by_role("textbox", name="Index folder")
    field.wait_for(timeout=120_000)
    field.fill(str(index))
    field.press("Enter")


def _answer_after_selection(
    page, url: str, feature_query: str, feature_option: str | re.Pattern[str]
) -> dict[str, float]:
    t0 = time.perf_counter()
    page.goto(url)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Feature").wait_for(timeout=120_000)
    loaded = time.perf_counter()
    _select(page, "Grammar / language", "Kalamang", re.compile("Kalamang"))
    _select(page, "Feature", feature_query, feature_option)
    selected = time.perf_counter()
    page.locator(".gr-citation").first.wait_for(timeout=120_000)
    answered = time.perf_counter()
    return {
        "page_load_s": round(loaded - t0, 3),
        "page_loaded_to_answer_s": round(answered - loaded, 3),
        "selection_to_answer_s": round(answered - selected, 3),
    }


def test_answer_with_evidence_in_headless_chromium(app_url: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with _chromium_page(tmp_path / "chromium-profile", viewport={"width": 1400, "height": 1000}) as page:
        # cold: the first answer of this server process (classifier + catalogue load)
        cold = _answer_after_selection(page, app_url, "81A", "WALS 81A — Order of Subject, Object and Verb")
        # warm: a new page load and another pair, resources cached but the answer not memoised
        warm = _answer_after_selection(page, app_url, "GB107", re.compile(r"^GB107 — "))
        citations = page.locator(".gr-citation").all_inner_texts()
        value = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        assert value.strip(), "no predicted value shown"
        assert citations, "no evidence shown"
        assert all(re.match(r"(p\. |pp\. |§ )\S", c) for c in citations), citations
        body = page.locator("section.main, [data-testid='stMain']").first.inner_text()
        assert "Traceback" not in body
        assert "GB107" in body and "Kalamang" in body
        page.screenshot(path=str(OUTPUT / "app_answer.png"), full_page=True)
    record = {"cold_first_answer": cold, "warm_new_pair": warm, "citations": citations[:5], "value": value}
    (OUTPUT / "browser_timing.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(json.dumps(record, indent=2, ensure_ascii=False))
    assert (OUTPUT / "app_answer.png").stat().st_size > 10_000


def test_bad_index_path_is_an_error_message(app_url: str, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    with _chromium_page(profile) as page:
        _open_index(page, app_url, tmp_path / "not-an-index")
        alert = page.locator('[data-testid="stAlertContentError"], [data-testid="stAlert"]').filter(
            has_text="does not exist")
        alert.first.wait_for(timeout=60_000)
        assert "Traceback" not in page.content()
    shutil.rmtree(profile, ignore_errors=True)


def test_corpus_tab_uploads_and_indexes_a_grammar(app_url: str, tmp_path: Path) -> None:
    """Upload a small text grammar into a scratch index through the Corpus tab."""
    from grammar_rag.index import GrammarIndex

    index_dir = tmp_path / "scratch-index"
    GrammarIndex.create(index_dir, "hashing")  # empty index; the model-free embedder keeps it quick
    grammar = tmp_path / "testish.txt"
    grammar.write_text(
        "1 Introduction\n\nTestish is spoken on a small island.\n\n2 Clause structure\n\n"
        "2.1 Word order\n\nThe basic constituent order of Testish is SOV: the verb is clause-final.\n\n"
        "3 Negation\n\nStandard negation is marked by the verbal prefix ka-.\n",
        encoding="utf-8",
    )
    with _chromium_page(tmp_path / "profile") as page:
        _open_index(page, app_url, index_dir)
        page.get_by_text("This index holds no grammars yet").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Corpus").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(grammar))
        page.get_by_role("textbox", name="Language").fill("Testish")
        page.get_by_role("button", name="Index this grammar").click()
        page.get_by_text("Added: Testish").wait_for(timeout=120_000)
        page.get_by_text("1 grammar(s) in this index: Testish").wait_for(timeout=30_000)
        # the sidebar now offers the new grammar
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Grammar / language").locator(
            "input").click()
        page.get_by_role("option", name=re.compile("^Testish")).wait_for(timeout=30_000)
        assert "Traceback" not in page.content()
    assert [g.language for g in GrammarIndex.open(index_dir).grammars()] == ["Testish"]
