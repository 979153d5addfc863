"""Registry lazy loading under concurrent first use (a fresh server's simultaneous first requests)."""

from __future__ import annotations

import sys
import textwrap
import threading
from pathlib import Path

import pytest

from grammar_rag.registry import Registry


def test_first_use_from_many_threads_sees_every_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry: Registry[str] = Registry("widget", autoload=("slow_widgets_for_test",))
    module = tmp_path / "slow_widgets_for_test.py"
    # the import takes a while and registers its part only at the end, as a heavy module does
    module.write_text(textwrap.dedent("""
        import time
        from tests_registry_target import REGISTRY
        time.sleep(0.3)
        REGISTRY.register("learned")(lambda: "a learned widget")
    """), encoding="utf-8")
    target = type(sys)("tests_registry_target")
    target.REGISTRY = registry  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_registry_target", target)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_widgets_for_test", raising=False)

    n = 32
    barrier = threading.Barrier(n)
    results: list[str] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        barrier.wait()
        try:
            results.append(registry.create("learned"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == ["a learned widget"] * n
    assert registry.names() == ["learned"]


def test_a_failed_autoload_still_loads_the_other_modules() -> None:
    registry: Registry[str] = Registry("widget", autoload=("no_such_module_for_registry_test", "json"))
    with pytest.raises(ModuleNotFoundError):  # the first use says which optional part is missing
        registry.names()
    assert registry.names() == []  # later uses see what did load, without importing again
