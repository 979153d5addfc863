"""``fake``: a deterministic stand-in LLM for tests and plumbing checks, never for results.

It reads the prompt the way a (very literal) model would: among the options listed in the
"Reply with one of the N following options: ..." line it picks the one mentioned most often in the
numbered passages (ties and no mention -> the first option), and cites the passages that mention
it. Replies are pure functions of the prompt, so cache, batching and parsing can be tested
exactly. ``replies`` overrides the reply for prompts containing a given substring (to test
malformed or unparseable answers). Every call is recorded in ``calls``.
"""

from __future__ import annotations

import re
from typing import Any

from grammar_rag.llm.base import BACKENDS

_OPTIONS_RE = re.compile(r"Reply with one of the \d+ following options: (.*)\.\n")
_PASSAGE_RE = re.compile(
    r"^Passage (\d+)[^\n]*:\n(.*?)(?=\n\nPassage \d+|\n\nPlease determine|\Z)", re.M | re.S
)


class FakeBackend:
    """Deterministic test double implementing :class:`~grammar_rag.llm.base.LLMBackend`."""

    name = "fake"
    deterministic = True  # replies are pure functions of the prompt: sampling it says nothing (no self-consistency)

    def __init__(self, model: str = "fake-literal-1", replies: dict[str, str] | None = None) -> None:
        self.model = model
        self.replies = dict(replies or {})
        self.calls: list[dict[str, Any]] = []

    @staticmethod
    def options(prompt: str) -> list[str]:
        m = _OPTIONS_RE.search(prompt)
        return [o.strip() for o in m.group(1).split(", ")] if m else []

    def answer(self, prompt: str, choices: list[str] | None) -> tuple[str, list[int]]:
        options = choices or self.options(prompt)
        if not options:
            return "", []
        passages = {int(n): text.lower() for n, text in _PASSAGE_RE.findall(prompt)}

        def mentions(option: str) -> int:
            pat = re.compile(r"(?<![\w-])" + re.escape(option.lower()) + r"(?![\w-])")
            return sum(len(pat.findall(t)) for t in passages.values())

        best = max(options, key=lambda o: (mentions(o), -options.index(o)))
        cited = [
            n
            for n, t in sorted(passages.items())
            if re.search(r"(?<![\w-])" + re.escape(best.lower()) + r"(?![\w-])", t)
        ]
        return best, cited

    def generate(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[str]:
        self.calls.append(
            {"prompts": list(prompts), "choices": choices, "max_tokens": max_tokens, "system": system}
        )
        out = []
        for prompt in prompts:
            override = next((r for key, r in self.replies.items() if key in prompt), None)
            if override is not None:
                out.append(override)
                continue
            best, cited = self.answer(prompt, choices)
            if choices:
                out.append(best)
            else:
                refs = ", ".join(str(n) for n in cited)
                why = (
                    f"Passages [{refs}] mention {best}."
                    if cited
                    else f"No passage decides; defaulting to {best}."
                )
                out.append(f"{why}\nConclusion: {best}")
        return out


@BACKENDS.register("fake", help="deterministic test double (picks the option the passages mention most)")
def make_fake_backend(
    model: str | None = None, replies: dict[str, str] | None = None, **_: Any
) -> FakeBackend:
    return FakeBackend(model if model and model.startswith("fake") else "fake-literal-1", replies=replies)
