"""The Markdown report of the RAG benchmark: our figures beside the paper's.

One table per feature (per polar strategy, plus their mean) with micro / macro / weighted F1, the
paper's GPT-4o figures and the even/odd halves (the generalisation check), then the uncertainty
table: bootstrap intervals, whether the paper's figure lies inside, and the best constant answer.
A subset run says so at the top, so it is never read as comparable with the paper.
"""

from __future__ import annotations

from typing import Any

from grammar_rag.evaluation.gold import POLAR_STRATEGIES
from grammar_rag.evaluation.rag import CONFIGS
from grammar_rag.evaluation.scoring import PAPER_POLAR_KEY, paper_micro


def _fmt(x: Any) -> str:
    """A figure to 4 places, "—" for none."""
    return "—" if x is None else f"{x:.4f}" if isinstance(x, float) else str(x)


def markdown(results: dict[str, Any], halves: dict[str, Any], paper: dict[str, Any], meta: dict[str, Any],
             cis: dict[str, Any] | None = None) -> str:
    """The report: ``meta`` as a bullet list, then the tables (the uncertainty one when ``cis`` is given)."""
    lines = [f"# RAG benchmark — backend `{meta['backend']}`", ""]
    if meta.get("subset"):
        lines += [f"> **SUBSET**: {meta['subset']}. Not comparable with the paper's figures.", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items() if k not in ("backend", "subset") and v is not None]
    lines += ["", "F1 micro / macro / weighted; *paper* = GPT-4o (Table 4, 148 grammars). "
              "`n` = grammars scored here. Abstentions count as the first option of the paper's list.", ""]

    def table(title: str, ours: dict[str, Any], theirs: dict[str, Any], even: dict[str, Any], odd: dict[str, Any]) -> None:
        lines.extend([f"## {title}", "",
                      "| config | micro | macro | weighted | n | paper micro | paper macro | paper weighted | even micro | odd micro |",
                      "|---|---|---|---|---|---|---|---|---|---|"])
        for config in CONFIGS:
            m = ours.get(config)
            p = theirs.get(config, [None, None, None])
            if m is None:
                continue
            if m.get("note"):
                lines.append(f"| {config} | n/a | n/a | n/a | 0 | {_fmt(p[0])} | {_fmt(p[1])} | {_fmt(p[2])} | | |")
                continue
            e, o = even.get(config, {}), odd.get(config, {})
            lines.append(
                f"| {config} | {_fmt(m['f1_micro'])} | {_fmt(m['f1_macro'])} | {_fmt(m['f1_weighted'])} | {m['n']} | "
                f"{_fmt(p[0])} | {_fmt(p[1])} | {_fmt(p[2])} | {_fmt(e.get('f1_micro'))} | {_fmt(o.get('f1_micro'))} |"
            )
        lines.append("")

    pf = paper.get("rag_benchmark_f1", {})
    for feature, by_config in results.items():
        if feature == "polar questions":
            strategies = {s.lower() for c in by_config.values() if not c.get("note") for s in c}
            for s in [x.lower() for x in POLAR_STRATEGIES if x.lower() in strategies]:
                ours = {c: (v if v.get("note") else v[s]) for c, v in by_config.items()}
                even, odd = ({c: v[s] for c, v in halves.get(h, {}).get(feature, {}).items() if s in v}
                             for h in ("even", "odd"))
                table(f"polar questions — {s}", ours, pf.get(PAPER_POLAR_KEY, {}).get(s, {}), even, odd)
            def mean_micro(v: dict[str, Any]) -> float | None:
                vals = [m["f1_micro"] for m in v.values() if isinstance(m, dict) and m.get("f1_micro") is not None]
                return sum(vals) / len(vals) if vals else None

            means = {c: mean_micro(v) for c, v in by_config.items() if not v.get("note")}
            if means:
                lines.extend(["## polar questions — mean micro-F1 over the seven strategies", "",
                              "| config | ours | paper | even | odd |", "|---|---|---|---|---|"])
                for c, m in means.items():
                    pm = paper_micro(pf, feature, c)
                    e, o = (mean_micro(halves.get(h, {}).get(feature, {}).get(c, {})) for h in ("even", "odd"))
                    lines.append(f"| {c} | {_fmt(m)} | {_fmt(pm)} | {_fmt(e)} | {_fmt(o)} |")
                lines.append("")
        else:
            table(feature, by_config, pf.get(feature, {}),
                  halves.get("even", {}).get(feature, {}), halves.get("odd", {}).get(feature, {}))
    if cis:
        lines.extend(["## Uncertainty: 95% bootstrap intervals of micro-F1 (2,000 resamples of the grammars)", "",
                      "Polar questions: the mean micro-F1 over the seven strategies. A paper figure inside the "
                      "interval is not distinguishable from ours on this many grammars. *Best constant answer*: "
                      "the micro-F1 of always giving the commonest gold answer on these grammars (polar: each "
                      "strategy's majority), the floor for having read anything.", "",
                      "| feature | config | micro | 95% interval | n | paper | paper inside | best constant answer "
                      "| odd micro | odd 95% interval | odd n |", "|---|---|---|---|---|---|---|---|---|---|---|"])

        def span(c: dict[str, Any]) -> str:
            return "—" if c.get("ci95") is None else f"{c['ci95'][0]:.4f}–{c['ci95'][1]:.4f}"

        for feature, by_config in cis.items():
            for config in CONFIGS:
                c = by_config.get(config)
                if c is None:
                    continue
                inside = "—" if c["paper_inside"] is None else ("yes" if c["paper_inside"] else "no")
                odd = c.get("odd", {})
                const = c.get("constant")
                const_text = "—" if not const else f"{const['answer']}: {const['f1_micro']:.4f}"
                lines.append(f"| {feature} | {config} | {_fmt(c['f1_micro'])} | {span(c)} | {c['n']} | {_fmt(c['paper'])} | "
                             f"{inside} | {const_text} | {_fmt(odd.get('f1_micro'))} | {span(odd)} | {odd.get('n', 0)} |")
        lines.append("")
    return "\n".join(lines) + "\n"

