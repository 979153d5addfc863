"""End-to-end coding sheet: ``grammar-rag app`` on loopback, driven by headless Chromium (playwright).

Builds a sheet of three features for the bundled Kalamang grammar, accepts one, overrides one,
comments one, restarts the app and checks the decisions are still there, then exports the sheet
with the CLI and validates the CLDF with pycldf and the TSV's rows. Same set-up as
``test_browser_app.py`` (Debian's chromium, the bundled index cached under ``.cache/``).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from server_support import free_port, stop_process
from test_browser_app import CACHE, REPO, _chromium_or_skip, _chromium_page, _select, _wait_healthy

from grammar_rag.cli import main as cli_main
from grammar_rag.extract.cldf_export import validate_cldf
from grammar_rag.extract.reviews import ACCEPT, NOT_STATED, OTHER_VALUE, ReviewStore
from grammar_rag.extract.store import STORE_FILENAME

pytestmark = pytest.mark.slow
FEATURES = "GB107, GB020, 81A"
GRAMMAR_ID = "visser2022kalamang"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GRAMMAR_RAG_CACHE_DIR"] = str(CACHE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("GRAMMAR_RAG_APP_INDEX", None)
    return env


@contextmanager
def _app() -> Iterator[str]:
    env = _env()
    port = free_port()
    cli = [sys.executable, "-c", "import sys; from grammar_rag.cli import main; sys.exit(main())"]
    proc = subprocess.Popen([*cli, "app", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout=120)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def warm_index() -> None:
    _chromium_or_skip()
    pytest.importorskip("playwright.sync_api", reason="the playwright package (dev extra) is not installed")
    subprocess.run([sys.executable, "-c", "from app import logic; logic.open_index(None)"],
                   env=_env(), cwd=REPO, check=True, timeout=1800)


def _open_sheet(page, url: str, folder: Path) -> None:
    page.goto(url)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Feature").first.wait_for(timeout=120_000)
    _select(page, "Grammar / language", "Kalamang", re.compile("Kalamang"))
    page.get_by_role("tab", name="Coding sheet").click()
    _select(page, "Sheet covers", "list", "A list")
    ids = page.get_by_role("textbox", name="Feature ids")
    ids.fill(FEATURES)
    ids.press("Enter")
    folder_box = page.get_by_role("textbox", name=re.compile("Sheet folder"))
    folder_box.wait_for(timeout=60_000)
    folder_box.fill(str(folder))
    folder_box.press("Enter")
    name = page.get_by_role("textbox", name=re.compile("Your name"))
    name.fill("Tester")
    name.press("Enter")


def _settled(page) -> None:
    """Wait until the app's script run has ended: no running indicator, no element left over from the
    run before (Streamlit keeps those, marked stale, until the run ends; a click on one is lost)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"], [data-stale=\"true\"]')",
        timeout=60_000,
    )


def _next(page) -> None:
    _settled(page)
    page.get_by_role("button", name="Next ▶").click()


def _wait_reviewing(page, feature_id: str) -> None:
    """Wait until the review pane's feature box (a combobox input) holds ``feature_id``."""
    from playwright.sync_api import expect

    live = page.locator('[data-testid="stElementContainer"]:not([data-stale="true"])')
    box = live.get_by_role("combobox", name="Reviewing")
    expect(box).to_have_value(re.compile(rf"^{re.escape(feature_id)} \u2014 "), timeout=60_000)


def _save(page, expect: str) -> None:
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text(expect).first.wait_for(timeout=60_000)


def test_sheet_review_survives_restart_and_exports(warm_index: None, tmp_path: Path) -> None:
    folder = tmp_path / "sheet"
    with _app() as url, _chromium_page(tmp_path / "profile1") as page:
        _open_sheet(page, url, folder)
        page.get_by_role("button", name=re.compile(r"Propose values for 3 feature")).click()
        page.get_by_text("3 of 3 feature(s) shown").wait_for(timeout=120_000)
        # 1. accept the first feature's proposal (GB107) with one key
        from playwright.sync_api import expect

        expect(page.get_by_role("button", name=re.compile("^Accept"))).to_be_enabled(timeout=60_000)
        page.wait_for_load_state("networkidle")
        page.get_by_text("3 of 3 feature(s) shown").click()  # focus the page, not a text field
        page.keyboard.press("a")
        page.get_by_text("Saved: GB107 = ").first.wait_for(timeout=60_000)
        # 2. override the second (GB020) with a chosen value
        _next(page)
        _wait_reviewing(page, "GB020")
        page.get_by_text("Choose another value").click()
        _select(page, "Value (for 'another value')", "1", re.compile(r"^1$"))
        _save(page, "Saved: GB020 = 1")
        # 3. comment the third (81A)
        _next(page)
        _wait_reviewing(page, "WALS 81A")
        page.get_by_text("Not stated in the grammar").click()
        page.get_by_role("textbox", name="Comment").fill("no text counts in the grammar")
        _save(page, "Saved: WALS 81A = ?")

    # restart the app: the decisions come back from the store
    with _app() as url, _chromium_page(tmp_path / "profile2") as page:
        _open_sheet(page, url, folder)
        page.get_by_text("3 of 3 feature(s) shown").wait_for(timeout=120_000)
        page.get_by_text(re.compile(r"Reviewed by Tester: .* \(version 1\)")).wait_for(timeout=60_000)
        _next(page)
        _wait_reviewing(page, "GB020")
        page.get_by_text("Reviewed by Tester: 1 (version 1)").wait_for(timeout=60_000)
        _next(page)
        _wait_reviewing(page, "WALS 81A")
        comment = page.get_by_role("textbox", name="Comment")
        comment.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('textarea')].some(t => t.value === 'no text counts in the grammar')",
            timeout=60_000,
        )

    with ReviewStore(folder / STORE_FILENAME) as store:
        reviews = {r.feature_id: r for r in store.all(GRAMMAR_ID)}
    assert reviews["GB107"].decision in (ACCEPT, NOT_STATED)  # accepting an abstention = not stated
    assert (reviews["GB020"].decision, reviews["GB020"].value) == (OTHER_VALUE, "1")
    assert reviews["WALS 81A"].comment == "no text counts in the grammar"
    assert {r.reviewer for r in reviews.values()} == {"Tester"}

    sheet = tmp_path / "sheet.tsv"
    assert cli_main(["review", "export", "--results", str(folder), "--format", "grambank-tsv",
                     "--out", str(sheet)]) == 0
    rows = {r["Feature_ID"]: r for r in csv.DictReader(sheet.open(encoding="utf-8"), delimiter="\t")}
    assert set(rows) == {"GB107", "GB020", "81A"} and rows["GB020"]["Value"] == "1"
    assert rows["81A"]["Comment"] == "no text counts in the grammar"
    out = tmp_path / "cldf-out"
    assert cli_main(["review", "export", "--results", str(folder), "--format", "cldf", "--out", str(out)]) == 0
    valid, messages = validate_cldf(out / "cldf")
    assert valid, messages
