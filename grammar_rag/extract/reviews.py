"""A linguist's decisions on proposed feature values: the reviews table beside the results.

Why a table in the same SQLite store as ``extract``'s results: a review belongs to a sheet (one
grammar x many features) whose proposals live there, and one file is one thing to back up. Every
save is one WAL transaction (``BEGIN IMMEDIATE``), so a save either happened or did not, even when
the app is killed with ``kill -9`` mid-save; the previous decision is copied to ``review_history``
in the same transaction, so no decision is ever lost by being overwritten.

Re-running extraction only writes ``results`` rows: it never touches a review. Each review keeps a
fingerprint of the proposal it reviewed, so the sheet can say "the proposal changed since you
reviewed it" (:meth:`ReviewStore.proposal_changed`).

Two tabs reviewing the same sheet: the last write wins per feature, and a writer that saw an older
version (``expected_version``) is told — :class:`SaveResult` carries the review it overwrote.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.store import _SCHEMA as _RESULTS_SCHEMA
from grammar_rag.types import Prediction

ACCEPT = "accept"
OTHER_VALUE = "value"
NOT_STATED = "not-stated"
DECISIONS = (ACCEPT, OTHER_VALUE, NOT_STATED)
NOT_STATED_VALUE = "?"  # Grambank's and WALS's "not known from the source"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    grammar_id           TEXT NOT NULL,
    feature_id           TEXT NOT NULL,
    decision             TEXT NOT NULL CHECK (decision IN ('accept', 'value', 'not-stated')),
    value                TEXT NOT NULL,
    pages                TEXT NOT NULL DEFAULT '',
    comment              TEXT NOT NULL DEFAULT '',
    reviewer             TEXT NOT NULL,
    reviewed_at          REAL NOT NULL,
    proposal_value       TEXT,            -- the proposal shown when the decision was made
    proposal_fingerprint TEXT,
    version              INTEGER NOT NULL,
    PRIMARY KEY (grammar_id, feature_id)
);
CREATE TABLE IF NOT EXISTS review_history (
    grammar_id           TEXT NOT NULL,
    feature_id           TEXT NOT NULL,
    review               TEXT NOT NULL,   -- the superseded review as JSON
    superseded_at        REAL NOT NULL
);
"""

_COLUMNS = (
    "grammar_id, feature_id, decision, value, pages, comment, reviewer, reviewed_at, "
    "proposal_value, proposal_fingerprint, version"
)


class ReviewError(GrammarRagError):
    """A review that cannot be stored as given (unknown decision, no reviewer name...)."""


def proposal_fingerprint(prediction: Prediction | None) -> str | None:
    """What identifies a proposal for "changed since you reviewed it": value, code and cited passages."""
    if prediction is None:
        return None
    payload = [prediction.value, prediction.code or "", sorted(ev.passage_id for ev in prediction.evidence)]
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Review:
    """One stored decision: who decided what for a (grammar, feature) pair, and when."""

    grammar_id: str
    feature_id: str
    decision: str
    value: str
    pages: str
    comment: str
    reviewer: str
    reviewed_at: float
    proposal_value: str | None
    proposal_fingerprint: str | None
    version: int

    def to_dict(self) -> dict[str, object]:
        return {name.strip(): getattr(self, name.strip()) for name in _COLUMNS.split(",")}


@dataclass(frozen=True)
class SaveResult:
    """The stored review, and the one it replaced when the writer had not seen that one (else None)."""

    review: Review
    overwrote_unseen: Review | None = None

    @property
    def conflict(self) -> bool:
        return self.overwrote_unseen is not None


@dataclass(frozen=True)
class ReviewInput:
    """A decision to store (the fields a reviewer or an imported sheet supplies)."""

    grammar_id: str
    feature_id: str
    decision: str
    value: str
    pages: str = ""
    comment: str = ""
    reviewer: str = ""


def resolve_value(decision: str, value: str | None, proposal: Prediction | None) -> str:
    """The value a decision stands for: the proposal's (accept), ``?`` (not stated) or the one chosen."""
    if decision == ACCEPT:
        if proposal is None and not value:
            raise ReviewError("Cannot accept: there is no proposal for this feature; choose a value instead.")
        return proposal.value if proposal is not None else str(value)
    if decision == NOT_STATED:
        return NOT_STATED_VALUE
    if decision == OTHER_VALUE:
        if not value or not value.strip():
            raise ReviewError("Choosing another value needs the value.")
        return value.strip()
    raise ReviewError(f"Unknown decision {decision!r}: use one of {', '.join(DECISIONS)}.")


class ReviewStore:
    """The reviews table of the results store at ``path`` (``OUT/results.sqlite``), created if needed."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE) around each save
            self._conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            # the results tables too: a sheet imported before any extraction is still a whole store
            self._conn.executescript(_RESULTS_SCHEMA + _SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise GrammarRagError(f"{self.path} is not a usable results store: {exc}") from exc

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------
    def get(self, grammar_id: str, feature_id: str) -> Review | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM reviews WHERE grammar_id = ? AND feature_id = ?", (grammar_id, feature_id)
        ).fetchone()
        return Review(*row) if row else None

    def all(self, grammar_id: str | None = None) -> list[Review]:
        """Reviews (of one grammar, or all), sorted by (grammar_id, feature_id)."""
        if grammar_id is None:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM reviews ORDER BY grammar_id, feature_id")
        else:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM reviews WHERE grammar_id = ? ORDER BY feature_id", (grammar_id,)
            )
        return [Review(*row) for row in rows]

    def grammars(self) -> list[str]:
        return [g for (g,) in self._conn.execute("SELECT DISTINCT grammar_id FROM reviews ORDER BY grammar_id")]

    def history(self, grammar_id: str, feature_id: str) -> list[dict[str, object]]:
        """Superseded reviews of a pair, oldest first."""
        return [
            json.loads(text)
            for (text,) in self._conn.execute(
                "SELECT review FROM review_history WHERE grammar_id = ? AND feature_id = ? ORDER BY rowid",
                (grammar_id, feature_id),
            )
        ]

    @staticmethod
    def proposal_changed(review: Review, proposal: Prediction | None) -> bool:
        """True when the current proposal is not the one the reviewer saw."""
        return review.proposal_fingerprint != proposal_fingerprint(proposal)

    # -- writing ---------------------------------------------------------------------------
    def save(
        self,
        item: ReviewInput,
        proposal: Prediction | None = None,
        *,
        expected_version: int | None = None,
        now: float | None = None,
    ) -> SaveResult:
        """Store a decision (last write wins). ``expected_version`` is the version the writer saw
        (0 = no review yet; None = do not check): when another write came in between, the save still
        happens and the result names the review it replaced, so the caller can tell the user."""
        with self.transaction():
            return self._save(item, proposal, expected_version, now)

    def save_many(self, items: Iterable[tuple[ReviewInput, Prediction | None, float | None]]) -> list[SaveResult]:
        """Store many decisions (with their proposal and, for an imported sheet, the time they were
        made) in one transaction: all of them, or (on any error) none."""
        with self.transaction():
            return [self._save(item, proposal, None, when) for item, proposal, when in items]

    def _save(
        self, item: ReviewInput, proposal: Prediction | None, expected_version: int | None, now: float | None
    ) -> SaveResult:
        if not item.reviewer.strip():
            raise ReviewError("A review needs the reviewer's name.")
        if item.decision == ACCEPT and proposal is not None and proposal.abstained:
            # accepting an abstention means "the grammar does not say": store it as such
            item = ReviewInput(item.grammar_id, item.feature_id, NOT_STATED, "", item.pages, item.comment,
                               item.reviewer)
        value = resolve_value(item.decision, item.value, proposal)
        current = self.get(item.grammar_id, item.feature_id)
        if current is not None:
            self._conn.execute(
                "INSERT INTO review_history VALUES (?, ?, ?, ?)",
                (item.grammar_id, item.feature_id, json.dumps(current.to_dict()), time.time()),
            )
        review = Review(
            grammar_id=item.grammar_id,
            feature_id=item.feature_id,
            decision=item.decision,
            value=value,
            pages=item.pages.strip(),
            comment=item.comment.strip(),
            reviewer=item.reviewer.strip(),
            reviewed_at=time.time() if now is None else now,
            proposal_value=proposal.value if proposal is not None else None,
            proposal_fingerprint=proposal_fingerprint(proposal),
            version=(current.version if current else 0) + 1,
        )
        self._conn.execute(
            f"INSERT OR REPLACE INTO reviews ({_COLUMNS}) VALUES ({', '.join('?' * 11)})",
            tuple(review.to_dict().values()),
        )
        seen = current.version if current else 0
        unseen = current if expected_version is not None and expected_version != seen else None
        return SaveResult(review, unseen)
