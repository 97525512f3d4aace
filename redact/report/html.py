"""The HTML report (``redact scan --format html``): one self-contained page for people.

No network and no external assets: inline CSS, no script. Totals by category, detector,
experiment and run (the worst runs first: most findings, then highest confidence), then
every finding with its source, line, pointer, key, masked context and fingerprint. The
masked context shows where the finding sits in its value (offsets and a shape of dots and
blocks), never a character of it: a :class:`Result` holds no detected text. Every string
is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from redact import __version__
from redact.leaves import split_pointer
from redact.report.base import Result, Rule, display_path, sort_results

__all__ = ["write", "run_of", "experiment_of", "masked_context"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#57606a;margin:0 0 1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.6rem}
.grid{display:flex;gap:2rem;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;margin:.3rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.mask{font:12px ui-monospace,monospace;color:#57606a}.mask i{font-style:normal;color:#cf222e}
tr.sup td{color:#8c959f}.tag{border-radius:3px;padding:0 .3rem;background:#eaeef2;font-size:12px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def run_of(r: Result) -> str:
    """The run a finding belongs to: ``runs/<id>`` for store runs, else its source."""
    try:
        parts = split_pointer(r.pointer)
    except ValueError:
        parts = []
    if len(parts) >= 2 and parts[0] == "runs":
        return f"{display_path(r.source)} runs/{parts[1]}"
    return display_path(r.source)


def experiment_of(r: Result) -> str:
    """The MLflow experiment id of a store finding, ``-`` when it has none (files)."""
    if r.experiment is not None:
        return f"{display_path(r.source)} experiments/{r.experiment}"
    return "-"


def masked_context(r: Result, width: int = 24) -> str:
    """The shape of the finding in its value: ``····█████··`` scaled to ``width`` cells,
    with the offsets; no character of the value."""
    start, end = r.start, r.end
    total = max(end, 1)
    scale = min(1.0, width / total)
    before = max(0, round(start * scale))
    span = max(1, round((end - start) * scale))
    return "·" * before + "█" * span + "…" + f" [{start}:{end}]"


def _rank_runs(rows: Sequence[Result]) -> list[tuple[str, int, float]]:
    count: Counter[str] = Counter()
    worst: dict[str, float] = {}
    for r in rows:
        run = run_of(r)
        count[run] += 1
        worst[run] = max(worst.get(run, 0.0), r.confidence)
    return sorted(((k, n, worst[k]) for k, n in count.items()), key=lambda t: (-t[1], -t[2], t[0]))


def _totals(title: str, counts: Iterable[tuple[str, int]], head: str) -> str:
    body = "".join(f"<tr><td><code>{_e(k)}</code></td><td class=n>{n}</td></tr>" for k, n in counts)
    return (
        f"<section><h2>{_e(title)}</h2><table><thead><tr><th>{_e(head)}</th><th>findings</th></tr>"
        f"</thead><tbody>{body}</tbody></table></section>"
    )


def _by(rows: Sequence[Result], key: Callable[[Result], str]) -> list[tuple[str, int]]:
    c = Counter(key(r) for r in rows)
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    """One HTML page of ``results`` (suppressed findings are listed, greyed, not counted)."""
    everything = sort_results(results)
    rows = [r for r in everything if not r.suppressed]
    suppressed = len(everything) - len(rows)
    runs = _rank_runs(rows)
    rank = {run: i for i, (run, _, _) in enumerate(runs)}
    ordered = sorted(everything, key=lambda r: (rank.get(run_of(r), len(rank)), r.sort_key()))
    sources = len({r.source for r in everything})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>redact scan report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>redact scan report</h1>",
        f'<p class="meta">redact {_e(__version__)}. Locations, categories and fingerprints only: '
        "no detected value appears in this report.</p>",
        '<div class="cards">',
        f'<div class="card" id="total-findings"><b>{len(rows)}</b>findings</div>',
        f'<div class="card"><b>{len({run for run, _, _ in runs})}</b>runs or files with findings</div>',
        f'<div class="card"><b>{sources}</b>sources</div>',
        f'<div class="card"><b>{suppressed}</b>suppressed (redact:allow)</div>',
        "</div>",
    ]
    if not everything:
        parts.append("<p>No findings.</p>")
    else:
        parts.append('<div class="grid">')
        parts.append(_totals("By category", _by(rows, lambda r: r.category), "category"))
        parts.append(_totals("By detector", _by(rows, lambda r: r.detector), "detector"))
        parts.append(_totals("By experiment", _by(rows, experiment_of), "experiment"))
        parts.append("</div>")
        body = "".join(
            f"<tr><td class=n>{i}</td><td><code>{_e(run)}</code></td><td class=n>{n}</td>"
            f"<td class=n>{worst:.2f}</td></tr>"
            for i, (run, n, worst) in enumerate(runs, 1)
        )
        parts.append(
            "<section><h2>Runs, worst first</h2><table id=runs><thead><tr><th>#</th><th>run or file</th>"
            "<th>findings</th><th>highest confidence</th></tr></thead>"
            f"<tbody>{body}</tbody></table></section>"
        )
        parts.append(
            "<section><h2>Findings</h2><table id=findings><thead><tr><th>run or file</th><th>line</th>"
            "<th>pointer</th><th>key</th><th>category</th><th>detector</th><th>confidence</th>"
            "<th>masked context</th><th>fingerprint</th></tr></thead><tbody>"
        )
        for r in ordered:
            cls = ' class="sup"' if r.suppressed else ""
            line = "" if r.line is None else (f"{r.line}:{r.column}" if r.column else str(r.line))
            flag = ' <span class="tag">suppressed</span>' if r.suppressed else ""
            parts.append(
                f"<tr{cls}><td><code>{_e(run_of(r))}</code></td><td class=n>{_e(line)}</td>"
                f"<td><code>{_e(r.pointer or '/')}</code></td><td><code>{_e(r.key)}</code></td>"
                f"<td>{_e(r.category)}{flag}</td><td>{_e(r.detector)}</td><td class=n>{r.confidence:.2f}</td>"
                f'<td class="mask">{_e(masked_context(r))}</td><td><code>{_e(r.fingerprint)}</code></td></tr>'
            )
        parts.append("</tbody></table></section>")
    parts.append("</body></html>\n")
    out.write("\n".join(parts))
