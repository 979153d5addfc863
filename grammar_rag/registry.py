"""One registry per kind of swappable part, so names map to factories in one place.

Usage::

    RERANKERS = Registry[Reranker]("reranker")

    @RERANKERS.register("bm25")
    def _make_bm25(**kwargs) -> Reranker: ...

    reranker = RERANKERS.create("bm25")

Modules register their parts at import time; ``Registry.create`` imports the modules listed in
``autoload`` first, so callers never need to know where a part is implemented.
"""

from __future__ import annotations

import difflib
import importlib
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from grammar_rag.errors import GrammarRagError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a name to a factory returning a ``T``."""

    def __init__(self, kind: str, autoload: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self._autoload = autoload
        self._loaded = False
        self._loading = False  # set while the loading thread imports (re-entry from those imports)
        self._load_lock = threading.RLock()
        self._factories: dict[str, Callable[..., T]] = {}
        self._help: dict[str, str] = {}

    def register(self, name: str, help: str = "") -> Callable[[Callable[..., T]], Callable[..., T]]:
        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            self._help[name] = help or (factory.__doc__ or "").strip().split("\n")[0]
            return factory

        return deco

    def _load(self) -> None:
        # Marked loaded only after every import finished, under a lock: a thread arriving while
        # another is importing waits instead of seeing a half-filled registry ("Available: .").
        # RLock: an autoloaded module that itself calls names()/create() re-enters harmlessly.
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded or self._loading:
                return
            self._loading = True
            failure: BaseException | None = None
            try:
                for module in self._autoload:
                    try:
                        importlib.import_module(module)
                    except Exception as exc:  # an optional part not installed: load the others, then say so
                        failure = failure or exc
                self._loaded = True  # after the imports: the others then see every part that loaded
            finally:
                self._loading = False
            if failure is not None:
                raise failure

    def names(self) -> list[str]:
        self._load()
        return sorted(self._factories)

    def describe(self) -> dict[str, str]:
        self._load()
        return {n: self._help[n] for n in sorted(self._factories)}

    def create(self, name: str, **kwargs: Any) -> T:
        self._load()
        try:
            factory = self._factories[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._factories), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise GrammarRagError(
                f"Unknown {self.kind} '{name}'. Available: {', '.join(sorted(self._factories))}.{hint}"
            ) from None
        return factory(**kwargs)
