"""Progress for long work (reading a book, embedding its passages, extracting features): a tqdm bar on a terminal, a log line every few seconds elsewhere.

A 650-page book takes tens of seconds; under nohup, CI or a notebook there is no terminal for a
bar, and silence for a minute looks like a hang. Lines go to the ``grammar_rag.progress`` logger,
which the CLI lets through at INFO while the rest of the library stays at WARNING.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

logger = logging.getLogger("grammar_rag.progress")
EVERY_S = 5.0


class Progress:
    """Counts work done; shows a bar on a terminal, else logs a line at most every ``every`` s."""

    def __init__(self, desc: str, total: int, unit: str = "page", every: float | None = None, min_total: int = 20,
                 show: bool | None = None) -> None:
        """``show`` is a command's ``--progress`` choice: False shows nothing; True or None (unset) a bar on a
        terminal and log lines elsewhere, so a run under nohup or CI is never silent for minutes."""
        self.desc, self.total, self.unit = desc, total, unit
        self.every = EVERY_S if every is None else every
        self.done = 0
        self.started = self.last = time.monotonic()
        self._bar: Any = None
        wanted = total >= min_total and show is not False
        if wanted and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
        self._log = wanted and self._bar is None

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if self._log and now - self.last >= self.every:
            self.last = now
            logger.info("%s: %d/%d %ss, %.0fs", self.desc, self.done, self.total, self.unit, now - self.started)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._log and self.done and time.monotonic() - self.started >= self.every:
            logger.info("%s: %d %ss done in %.0fs", self.desc, self.done, self.unit, time.monotonic() - self.started)
