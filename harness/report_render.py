"""Draw a merged claims matrix (``harness.report.Matrix``) as Markdown or as an HTML page.

Markdown is for GitHub (a job summary, the README): one table per OS, columns Python x start
method, one symbol per cell, skip reasons as numbered notes under the table. The HTML page is
self-contained (inline CSS, no script, no external resource): one table with a three-level
header (OS / Python / start method), colour-coded cells whose hover text lists every test
behind the cell with what it observed, the claim's statement and errata in the first column.
"""

import html as _html
from collections import Counter, OrderedDict

from harness import verdicts
from harness.report import ANY_METHOD, version_key

# One word per cell state, the same in the terminal, Markdown and HTML (specs/INTERPRETING.md
# says what each means); Markdown shows the symbol, with the words in its legend.
SYMBOLS = OrderedDict([
    (verdicts.HOLDS, "✅"),
    (verdicts.DOES_NOT_HOLD, "❌"),
    (verdicts.PARTLY, "🌓"),
    (verdicts.LUCK, "🎲"),
    (verdicts.NOT_APPLICABLE, "➖"),
    (verdicts.DISAGREE, "⚖️"),
    (verdicts.SKIPPED, "⏭️"),
    (verdicts.FAILED, "💥"),
])
SHORT = {value: value for value in SYMBOLS}  # the word in an HTML cell is the word itself
CSS_CLASS = {
    verdicts.HOLDS: "holds", verdicts.DOES_NOT_HOLD: "nohold", verdicts.PARTLY: "partly",
    verdicts.LUCK: "luck", verdicts.NOT_APPLICABLE: "na", verdicts.DISAGREE: "disagree",
    verdicts.SKIPPED: "skipped", verdicts.FAILED: "failed",
}
LEGEND_TEXT = {
    verdicts.HOLDS: "the tutorial's statement is what Python does here",
    verdicts.DOES_NOT_HOLD: "Python does otherwise here",
    verdicts.PARTLY: "the tutorial is half right here",
    verdicts.LUCK: "scheduling decides whether it comes true",
    verdicts.NOT_APPLICABLE: "the claim is about another configuration",
    verdicts.DISAGREE: "the claim's tests measured different verdicts",
    verdicts.SKIPPED: "not run here (why: in the notes)",
    verdicts.FAILED: "the spec failed: Python did not do what the spec asserts",
}
# The terminal's cell: a fixed width, the word (abbreviated only where it must be).
TERMINAL_WORD = {
    verdicts.HOLDS: "holds", verdicts.DOES_NOT_HOLD: "NOT", verdicts.PARTLY: "partly",
    verdicts.LUCK: "luck", verdicts.NOT_APPLICABLE: "n/a", verdicts.DISAGREE: "differ",
    verdicts.SKIPPED: "skip", verdicts.FAILED: "FAILED",
}
DEFAULT_TITLE = "mpspec claims report"


def _statement(claim, zh):
    return claim.statement_zh if zh else claim.statement


def _ids(ids, limit=12):
    if not ids:
        return "none"
    shown = ", ".join(f"`{c}`" for c in ids[:limit])
    return shown + (f", and {len(ids) - limit} more" if len(ids) > limit else "")


def _column_name(column):
    os_name, python, method = column
    return f"{os_name} {python} {method}"


def _runs_line(matrix):
    by_os = OrderedDict()
    for _source, run in sorted(matrix.runs, key=lambda r: version_key(r[1]["python"])):
        by_os.setdefault(run["os"], []).append(run["python"])
    parts = [f"{name}: {', '.join(by_os[name])}" for name in matrix.oses() if name in by_os]
    return f"{len(matrix.runs)} run(s) merged — " + ("; ".join(parts) or "none")


def _differences(matrix, cid):
    """One line per axis and pattern along which the claim's verdict varies (details section).

    Places with the same pattern are listed together: "by start method (Linux 3.9.18, Linux
    3.10.13): fork holds, spawn holds, forkserver does not hold".
    """
    lines = []
    for label, groups in (("by start method", matrix.by_method(cid)), ("by OS", matrix.by_os(cid)),
                          ("by Python version", matrix.by_version(cid))):
        patterns = OrderedDict()
        for fixed, by in groups.items():
            pattern = ", ".join(f"{k} {v}" for k, v in by.items())
            patterns.setdefault(pattern, []).append(" ".join(fixed))
        for pattern, places in patterns.items():
            where = ", ".join(places[:4]) + (f" and {len(places) - 4} more" if len(places) > 4 else "")
            lines.append(f"{label} ({where}): {pattern}")
    return lines


def _observations(matrix, cid):
    """Distinct (verdict, observed) of the claim, each with the columns that saw it."""
    seen = OrderedDict()
    for column in matrix.columns:
        cell = matrix.cell(cid, column)
        for value, detail, _nodeid, _source in (cell.entries if cell else ()):
            if value in SYMBOLS and value != verdicts.SKIPPED:
                seen.setdefault((value, detail or ""), []).append(_column_name(column))
    return [(value, detail, list(OrderedDict.fromkeys(cols))) for (value, detail), cols in seen.items()]


def _summary_items(matrix):
    """(label, count, text) for the summary lines both renderings share."""
    s = matrix.summary()
    n_os = len(matrix.oses())
    n_py = len(matrix.pythons())
    items = [
        ("Claims covered", len(s["covered"]), f"of {len(matrix.claims)} in the catalog" + (
            "; no result for " + _ids([c for c in matrix.claims if c not in matrix.rows], limit=8)
            if len(s["covered"]) < len(matrix.claims) else "")),
        ("Hold everywhere", len(s["holds_everywhere"]), "every measured cell: holds"),
        ("Differ by start method", len(s["by_method"]), _ids(s["by_method"])),
        ("Differ by OS", len(s["by_os"]),
         _ids(s["by_os"]) if n_os > 1 else "only one OS in these results"),
        ("Differ by Python version", len(s["by_version"]),
         _ids(s["by_version"]) if n_py > 1 else "only one Python in these results"),
    ]
    oses = matrix.oses()
    for os_name, cids in matrix.changed_by_os().items():
        items.append((f"Changed on {os_name} (against {oses[0]})", len(cids), _ids(cids) or "nothing"))
    failures = s["failures"]
    grouped = OrderedDict()  # (claim, os, python) -> ([methods], [tests without their parameters])
    for cid, (os_name, python, method), ids in failures:
        methods, tests = grouped.setdefault((cid, os_name, python), ([], []))
        methods.append(method)
        tests.extend(t.split("[", 1)[0] for t in ids if t.split("[", 1)[0] not in tests)
    text = "; ".join(f"`{cid}` on {os_name} {python} {', '.join(methods)} ({', '.join(tests)})"
                     for (cid, os_name, python), (methods, tests) in list(grouped.items())[:10])
    if len(grouped) > 10:
        text += f"; and {len(grouped) - 10} more"
    items.append(("Spec failures", len(failures), text or "none"))
    if s["conflicts"]:
        by_claim = Counter(cid for cid, _ in s["conflicts"])
        items.append(("Claims whose tests disagree", len(by_claim),
                      "in one configuration, the claim's tests measured different verdicts: " + ", ".join(
                          f"`{cid}` ({n} cell{'s' if n > 1 else ''})" for cid, n in by_claim.items())))
    if matrix.unknown_claims:
        items.append(("Claims not in the catalog (ignored)", len(matrix.unknown_claims),
                      _ids(list(matrix.unknown_claims))))
    if matrix.errors:
        items.append(("Unreadable result files", len(matrix.errors), "; ".join(matrix.errors)))
    return items


# ---------------------------------------------------------------- Markdown

def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(matrix, zh=False, title=None):
    out = [f"## {title or DEFAULT_TITLE}", "", _runs_line(matrix), ""]
    for label, count, text in _summary_items(matrix):
        out.append(f"- **{label}: {count}** — {_md(text)}")
    out += ["", "Cells: " + " · ".join(f"{SYMBOLS[k]} {LEGEND_TEXT[k]}" for k in SYMBOLS)
            + " · blank: not run" + (f" · column *{ANY_METHOD}*: tests that do not run per start method"
                                     if any(c[2] == ANY_METHOD for c in matrix.columns) else ""), ""]
    for os_name in matrix.oses():
        columns = [c for c in matrix.columns if c[0] == os_name]
        notes = OrderedDict()  # skip reason -> number
        out += [f"### {os_name}", ""]
        out.append("| claim | " + " | ".join(f"{py}<br>{method}" for _, py, method in columns) + " |")
        out.append("|---|" + ":-:|" * len(columns))
        section = None
        for cid in matrix.rows:
            claim = matrix.claims[cid]
            if claim.section != section:
                section = claim.section
                out.append(f"| **§ {_md(section)}** |" + " |" * len(columns))
            cells = []
            for column in columns:
                cell = matrix.cell(cid, column)
                if cell is None:
                    cells.append("")
                    continue
                text = SYMBOLS.get(cell.value, cell.value)
                if cell.value == verdicts.SKIPPED:
                    marks = [str(notes.setdefault(r, len(notes) + 1)) for r in cell.skip_reasons]
                    text += f"<sup>{','.join(marks)}</sup>" if marks else ""
                cells.append(text)
            out.append(f"| `{cid}` {_md(_statement(claim, zh))} | " + " | ".join(cells) + " |")
        out.append("")
        if notes:
            out.append("Skipped because: " + "; ".join(f"<sup>{n}</sup> {_md(r)}" for r, n in notes.items()))
            out.append("")
    notable = [cid for cid in matrix.rows if not matrix.holds_everywhere(cid)]
    if notable:
        out += ["<details><summary>Claims that do not simply hold: errata and observations</summary>", ""]
        for cid in notable:
            claim = matrix.claims[cid]
            out.append(f"- **`{cid}`** {_md(_statement(claim, zh))}")
            if claim.errata:
                out.append(f"  - *Errata:* {_md(claim.errata)}")
            for line in _differences(matrix, cid):
                out.append(f"  - *Differs {_md(line)}*")
            for value, detail, cols in _observations(matrix, cid)[:6]:
                where = ", ".join(cols[:4]) + (f" and {len(cols) - 4} more" if len(cols) > 4 else "")
                out.append(f"  - {SYMBOLS[value]} {_md(detail) or value} — {_md(where)}")
        out += ["", "</details>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
  margin:1.5em;color:#1f2328;background:#fff}
h1{font-size:1.5em;margin:0 0 .3em}
.runs{color:#57606a;margin:.2em 0 1em}
ul.summary{margin:0 0 1em;padding-left:1.2em}
ul.summary li{margin:.15em 0}
ul.summary b{display:inline-block;min-width:13em}
ul.summary .bad{color:#a40e26;font-weight:bold}
.legend span{display:inline-block;margin:0 .6em .3em 0;padding:.1em .5em;border-radius:3px}
.wrap{display:inline-block;max-width:100%;overflow-x:auto;border:1px solid #d0d7de}
table.matrix{border-collapse:separate;border-spacing:0;font-size:12px}
table.matrix th,table.matrix td{border-right:1px solid #d0d7de;border-bottom:1px solid #d0d7de;
  padding:3px 5px;text-align:center;white-space:nowrap}
table.matrix thead th{background:#f6f8fa;position:sticky;top:0;z-index:1}
table.matrix thead tr:nth-child(2) th{top:1.7em}
table.matrix thead tr:nth-child(3) th{top:3.4em;font-weight:normal}
th.claim{position:sticky;left:0;z-index:2;background:#fff;text-align:left!important;
  white-space:normal!important;min-width:22em;max-width:34em;font-weight:normal}
thead th.claim{background:#f6f8fa;z-index:3}
th.claim code{font-weight:bold;font-size:11px}
th.claim .stmt{margin-top:2px}
th.claim .errata{margin-top:3px;color:#6e4b00;background:#fff8c5;padding:2px 4px;border-radius:3px;font-size:11px}
tr.section th{background:#eaeef2;text-align:left;font-weight:bold;position:sticky;left:0}
td.v{cursor:help;min-width:3.2em}
.holds{background:#2da44e;color:#fff}
.nohold{background:#cf222e;color:#fff}
.partly{background:#f2a33a;color:#1f2328}
.na{background:#b6c2d9;color:#1f2328}
.skipped{background:#eef0f3;color:#57606a}
.failed{background:#6e1f8a;color:#fff;font-weight:bold}
.luck{background:#d8c8f0;color:#1f2328}
.disagree{background:#fff8c5;color:#6e4b00}
td.notrun{background:#fff}
td.conflict{outline:2px dashed #1f2328;outline-offset:-3px}
details.notes{margin-top:1.5em}
details.notes li{margin:.4em 0}
.obs{color:#57606a;font-size:12px}
footer{margin-top:1.5em;color:#57606a;font-size:12px}
"""


def _e(text):
    return _html.escape(str(text), quote=True)


def html(matrix, zh=False, title=None):
    title = title or DEFAULT_TITLE
    out = ["<!DOCTYPE html>", f'<html lang="{"zh" if zh else "en"}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           f"<h1>{_e(title)}</h1>", f'<p class="runs">{_e(_runs_line(matrix))}</p>', '<ul class="summary">']
    for label, count, text in _summary_items(matrix):
        bad = count and label in ("Spec failures", "Unreadable result files")
        out.append(f'<li><b>{_e(label)}: <span class="{"bad" if bad else ""}">{count}</span></b> '
                   f'{_e(text.replace("`", ""))}</li>')
    out.append("</ul>")
    out.append('<p class="legend">' + "".join(
        f'<span class="{CSS_CLASS[k]}">{_e(SHORT[k])} = {_e(LEGEND_TEXT[k])}</span>' for k in SYMBOLS)
        + "<span>blank = not run</span>"
        + (f"<span>{ANY_METHOD} = tests that do not run per start method</span>"
           if any(c[2] == ANY_METHOD for c in matrix.columns) else "")
        + " · hover a cell for what each test observed</p>")

    columns = matrix.columns
    out += ['<div class="wrap">', '<table class="matrix">', "<thead>"]
    header_os, header_py = ["<tr>", '<th class="claim" rowspan="3">Claim</th>'], ["<tr>"]
    for os_name in matrix.oses():
        header_os.append(f'<th colspan="{sum(1 for c in columns if c[0] == os_name)}">{_e(os_name)}</th>')
    for os_name, py in OrderedDict.fromkeys(c[:2] for c in columns):
        header_py.append(f'<th colspan="{sum(1 for c in columns if c[:2] == (os_name, py))}">'
                         f"Python {_e(py)}</th>")
    out += header_os + ["</tr>"] + header_py + ["</tr>", "<tr>"]
    group_starts = {next(c for c in columns if c[:2] == key) for key in OrderedDict.fromkeys(c[:2] for c in columns)}
    out += [f"<th>{_e(method)}</th>" for _, _, method in columns]
    out += ["</tr>", "</thead>", "<tbody>"]
    section = None
    for cid in matrix.rows:
        claim = matrix.claims[cid]
        if claim.section != section:
            section = claim.section
            out.append(f'<tr class="section"><th colspan="{len(columns) + 1}">§ {_e(section)}</th></tr>')
        head = f'<th class="claim" id="{_e(cid)}"><code>{_e(cid)}</code><div class="stmt">{_e(_statement(claim, zh))}</div>'
        if claim.errata:
            head += f'<div class="errata">Errata: {_e(claim.errata)}</div>'
        row = [f"<tr>{head}</th>"]
        for column in columns:
            cell = matrix.cell(cid, column)
            first = ' style="border-left:2px solid #8c959f"' if column in group_starts else ""
            if cell is None:
                row.append(f'<td class="notrun"{first} title="{_e(_column_name(column))}: no test ran"></td>')
                continue
            value = cell.value
            classes = ["v", CSS_CLASS.get(value, "")] + (["conflict"] if cell.conflicting else [])
            hover = f"{cid} — {_column_name(column)}: {value}\n{cell.describe()}"
            row.append(f'<td class="{" ".join(classes)}"{first} title="{_e(hover)}">{_e(SHORT.get(value, value))}</td>')
        out.append("".join(row) + "</tr>")
    out += ["</tbody>", "</table>", "</div>"]

    notable = [cid for cid in matrix.rows if not matrix.holds_everywhere(cid)]
    if notable:
        out += ['<details class="notes" id="notes" open>',
                "<summary>Claims that do not simply hold: errata and observations</summary>", "<ul>"]
        for cid in notable:
            claim = matrix.claims[cid]
            item = [f'<li><a href="#{_e(cid)}"><code>{_e(cid)}</code></a> {_e(_statement(claim, zh))}']
            if claim.errata:
                item.append(f"<br><i>Errata:</i> {_e(claim.errata)}")
            for line in _differences(matrix, cid):
                item.append(f'<br><span class="obs">differs {_e(line)}</span>')
            for value, detail, cols in _observations(matrix, cid)[:6]:
                where = ", ".join(cols[:4]) + (f" and {len(cols) - 4} more" if len(cols) > 4 else "")
                item.append(f'<br><span class="obs"><span class="{CSS_CLASS[value]}">&nbsp;{_e(SHORT[value])}&nbsp;'
                            f"</span> {_e(detail or value)} — {_e(where)}</span>")
            out.append("".join(item) + "</li>")
        out += ["</ul>", "</details>"]
    out += ["<footer>Generated by <code>python -m harness.report merge</code> from: "
            + _e(", ".join(source for source, _ in matrix.runs) or "no results") + "</footer>",
            "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- terminal

def terminal(matrix, width=100):
    """The matrix as plain lines for the end of a pytest run: one row per claim, a cell per
    start method, the claim's statement cut to fit ``width`` (at most 100), then the legend."""
    width = min(max(width or 100, 60), 100)
    methods = [c[2] for c in matrix.columns]
    cell_w = max(len(w) for w in TERMINAL_WORD.values()) + 1
    id_w = min(max((len(cid) for cid in matrix.rows), default=5), 36)
    lines = [" ".join(m[:cell_w - 1].ljust(cell_w - 1) for m in methods) + "  " + "claim: tutorial statement",
             "-" * width]
    for cid in matrix.rows:
        cells = " ".join(TERMINAL_WORD.get(matrix.value(cid, c), "-").ljust(cell_w - 1) for c in matrix.columns)
        head = f"{cells}  {cid.ljust(id_w)} "
        room = width - len(head)
        statement = matrix.claims[cid].statement
        if len(statement) > room:
            statement = statement[:max(room - 1, 0)] + "…"
        lines.append(head + statement)
    lines.append("")
    legend = "; ".join(f"{TERMINAL_WORD[k]} = {LEGEND_TEXT[k]}" for k in SYMBOLS)
    lines += _wrap(f"Cells say whether the tutorial's statement held: {legend}. "
                   "Meanings: specs/INTERPRETING.md.", width)
    counts = Counter(matrix.value(cid, c) for cid in matrix.rows for c in matrix.columns
                     if matrix.value(cid, c))
    lines += _wrap(f"{len(matrix.rows)} of {len(matrix.claims)} catalog claims in this run; cells: "
                   + ", ".join(f"{counts[k]} {k}" for k in SYMBOLS if counts[k]), width)
    return lines


def _wrap(text, width):
    import textwrap
    return textwrap.wrap(text, width) or [""]
