"""Draw a merged claims matrix (``harness.report.Matrix``) in the terminal, as Markdown or as
an HTML page, with the same words (``verdicts.CELL_STATES``) and a legend pointing to
specs/INTERPRETING.md in each.

The terminal form (the end of a pytest run) fits 100 columns: per claim, its ID and cells on
one line and the tutorial's statement indented under it. Markdown is for GitHub (a job
summary, the README): one table per OS, columns Python x start method, one symbol per cell,
skip reasons as numbered notes under the table, then the errata and observations of the
claims that do not simply hold and each claim's tests. The HTML page is self-contained
(inline CSS, no script, no external resource): one table with a three-level header (OS /
Python / start method), colour-coded cells whose hover text lists every test behind the
cell with what it observed, the claim's statement, errata and tests in the first column.
"""

import html as _html
from collections import Counter, OrderedDict

from harness import verdicts
from harness.report import ANY_METHOD, version_key

# One word per cell state, the same in the terminal, Markdown and HTML (specs/INTERPRETING.md
# says what each means); a Markdown cell shows the word's symbol, with the words in its legend.
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
WORDS = tuple(SYMBOLS)  # a cell's word is the cell state itself, everywhere
CSS_CLASS = {
    verdicts.HOLDS: "holds", verdicts.DOES_NOT_HOLD: "nohold", verdicts.PARTLY: "partly",
    verdicts.LUCK: "luck", verdicts.NOT_APPLICABLE: "na", verdicts.DISAGREE: "disagree",
    verdicts.SKIPPED: "skipped", verdicts.FAILED: "failed",
}
LEGEND_TEXT = {
    verdicts.HOLDS: "the tutorial's statement is what Python does here",
    verdicts.DOES_NOT_HOLD: "Python does otherwise here",
    verdicts.PARTLY: "the tutorial is right about some aspects of the claim and wrong about others",
    verdicts.LUCK: "scheduling decides whether the statement comes true here",
    verdicts.NOT_APPLICABLE: "the statement is about another configuration",
    verdicts.DISAGREE: "the claim's tests measured different verdicts here",
    verdicts.SKIPPED: "the claim's tests were skipped here",
    verdicts.FAILED: "a test of the claim failed: Python did not do what the spec asserts",
}
NOT_RUN_TEXT = "no test of the claim ran here"
QUESTION = "Each cell answers one question: did the tutorial's statement of the claim hold here?"
INTERPRETING = "specs/INTERPRETING.md"  # what each word means, how cells fold
DEFAULT_TITLE = "mpspec claims report"


def _by_section(matrix):
    """(claim ID, claim, its section's name if the claim opens a section, else None) per row."""
    section = None
    for cid in matrix.rows:
        claim = matrix.claims[cid]
        yield cid, claim, claim.section if claim.section != section else None
        section = claim.section


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
    """Distinct (verdict, observed, test) of the claim, each with the columns that saw it,
    as (verdict, observed, "test: where") (the test's name without its parameters)."""
    seen = OrderedDict()
    for column in matrix.columns:
        cell = matrix.cell(cid, column)
        for value, detail, nodeid, _source in (cell.entries if cell else ()):
            if value in SYMBOLS and value != verdicts.SKIPPED:
                test = nodeid.split("[", 1)[0].rsplit("::", 1)[-1]
                seen.setdefault((value, detail or "", test), []).append(_column_name(column))
    found = []
    for (value, detail, test), cols in seen.items():
        cols = list(OrderedDict.fromkeys(cols))
        where = ", ".join(cols[:4]) + (f" and {len(cols) - 4} more" if len(cols) > 4 else "")
        found.append((value, detail, f"{test}: {where}"))
    return found


OBSERVATIONS_SHOWN = 8  # per claim, in the details
MISSING_ERRATA = "Claims without errata that need them"
BAD = ("Spec failures", "Unreadable result files", MISSING_ERRATA)  # labels shown as problems


def _tests_line(tests):
    """(test, " (fork, spawn)") for each of a claim's tests (``Matrix.tests``)."""
    return [(test, f" ({', '.join(params)})" if params else "") for test, params in tests.items()]


def _legend_entries():
    """(state, word, meaning) for the legend every rendering prints (the word is the state)."""
    return [(k, k, LEGEND_TEXT[k]) for k in WORDS]


def _summary_items(matrix):
    """(label, count, text) for the summary lines both renderings share."""
    s = matrix.summary()
    n_os = len(matrix.oses())
    n_py = len(matrix.pythons())
    items = [
        ("Claims covered", len(s["covered"]), f"of {len(matrix.claims)} in the catalog" + (
            "; no result for " + _ids([c for c in matrix.claims if c not in matrix.rows], limit=8)
            if len(s["covered"]) < len(matrix.claims) else "")),
        ("Hold everywhere", len(s["holds_everywhere"]),
         "every cell that ran holds (or the claim does not apply there)"),
        ("Differ by start method", len(s["by_method"]), _ids(s["by_method"])),
        ("Differ by OS", len(s["by_os"]),
         _ids(s["by_os"]) if n_os > 1 else "only one OS in these results"),
        ("Differ by Python version", len(s["by_version"]),
         _ids(s["by_version"]) if n_py > 1 else "only one Python in these results"),
    ]
    items.append(("Luck somewhere", len(s["luck"]),
                  (_ids(s["luck"]) + " (scheduling decides; never counted as a difference)")
                  if s["luck"] else "none"))
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
    if s["missing_errata"]:
        items.append((MISSING_ERRATA, len(s["missing_errata"]),
                      "a cell does not hold, partly, luck or tests disagree, and specs/claims.json "
                      "says nothing of what is true: " + _ids(s["missing_errata"], limit=40)))
    if matrix.unknown_claims:
        items.append(("Claims not in the catalog (ignored)", len(matrix.unknown_claims),
                      _ids(list(matrix.unknown_claims))))
    if matrix.errors:
        items.append(("Unreadable result files", len(matrix.errors), "; ".join(matrix.errors)))
    return items


# ---------------------------------------------------------------- Markdown

def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_legend(matrix):
    words = " · ".join(f"{SYMBOLS[k]} **{word}**: {meaning}" for k, word, meaning in _legend_entries())
    anymethod = (f" · column *{ANY_METHOD}*: tests that do not run per start method"
                 if any(c[2] == ANY_METHOD for c in matrix.columns) else "")
    return (f"{QUESTION} {words} · blank: {NOT_RUN_TEXT}{anymethod}. "
            f"What each word means and how the tests of a cell fold into one: `{INTERPRETING}`.")


def markdown(matrix, zh=False, title=None):
    out = [f"## {title or DEFAULT_TITLE}", "", _runs_line(matrix), ""]
    for label, count, text in _summary_items(matrix):
        out.append(f"- **{label}: {count}** — {_md(text)}")
    out += ["", _md_legend(matrix), ""]
    for os_name in matrix.oses():
        columns = [c for c in matrix.columns if c[0] == os_name]
        notes = OrderedDict()  # skip reason -> number
        out += [f"### {os_name}", ""]
        out.append("| claim: the tutorial's statement | " + " | ".join(f"{py}<br>{method}" for _, py, method in columns) + " |")
        out.append("|---|" + ":-:|" * len(columns))
        for cid, claim, section in _by_section(matrix):
            if section:
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
            for value, detail, where in _observations(matrix, cid)[:OBSERVATIONS_SHOWN]:
                said = f": {_md(detail)}" if detail else ""
                out.append(f"  - {SYMBOLS[value]} {value}{said} — {_md(where)}")
        out += ["", "</details>", ""]
    if matrix.rows:
        out += ["<details><summary>The tests of each claim (from these results)</summary>", ""]
        for cid in matrix.rows:
            tests = _tests_line(matrix.tests(cid))
            out.append(f"- `{cid}`: " + "; ".join(f"`{_md(t)}`{_md(p)}" for t, p in tests))
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
th.claim details.tests{margin-top:2px;font-size:11px;color:#57606a}
th.claim details.tests code{font-weight:normal}
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
        bad = count and label in BAD
        out.append(f'<li><b>{_e(label)}: <span class="{"bad" if bad else ""}">{count}</span></b> '
                   f'{_e(text.replace("`", ""))}</li>')
    out.append("</ul>")
    out.append(f'<p class="legend">{_e(QUESTION)}<br>' + "".join(
        f'<span class="{CSS_CLASS[k]}">{_e(word)} = {_e(meaning)}</span>' for k, word, meaning in _legend_entries())
        + f"<span>blank = {_e(NOT_RUN_TEXT)}</span>"
        + (f"<span>{ANY_METHOD} = tests that do not run per start method</span>"
           if any(c[2] == ANY_METHOD for c in matrix.columns) else "")
        + f"<br>Hover a cell for what each test observed. What each word means and how the tests of "
          f"a cell fold into one: <code>{_e(INTERPRETING)}</code>.</p>")

    columns = matrix.columns
    out += ['<div class="wrap">', '<table class="matrix">', "<thead>"]
    header_os, header_py = ["<tr>", '<th class="claim" rowspan="3">Claim: the tutorial&#39;s statement</th>'], ["<tr>"]
    for os_name in matrix.oses():
        header_os.append(f'<th colspan="{sum(1 for c in columns if c[0] == os_name)}">{_e(os_name)}</th>')
    for os_name, py in OrderedDict.fromkeys(c[:2] for c in columns):
        header_py.append(f'<th colspan="{sum(1 for c in columns if c[:2] == (os_name, py))}">'
                         f"Python {_e(py)}</th>")
    out += header_os + ["</tr>"] + header_py + ["</tr>", "<tr>"]
    group_starts = {next(c for c in columns if c[:2] == key) for key in OrderedDict.fromkeys(c[:2] for c in columns)}
    out += [f"<th>{_e(method)}</th>" for _, _, method in columns]
    out += ["</tr>", "</thead>", "<tbody>"]
    for cid, claim, section in _by_section(matrix):
        if section:
            out.append(f'<tr class="section"><th colspan="{len(columns) + 1}">§ {_e(section)}</th></tr>')
        head = f'<th class="claim" id="{_e(cid)}"><code>{_e(cid)}</code><div class="stmt">{_e(_statement(claim, zh))}</div>'
        if claim.errata:
            head += f'<div class="errata">Errata: {_e(claim.errata)}</div>'
        tests = _tests_line(matrix.tests(cid))
        head += (f'<details class="tests"><summary>{len(tests)} test{"s" if len(tests) != 1 else ""}</summary>'
                 + "".join(f"<div><code>{_e(t)}</code>{_e(p)}</div>" for t, p in tests) + "</details>")
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
            row.append(f'<td class="{" ".join(classes)}"{first} title="{_e(hover)}">{_e(value)}</td>')
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
            for value, detail, where in _observations(matrix, cid)[:OBSERVATIONS_SHOWN]:
                item.append(f'<br><span class="obs"><span class="{CSS_CLASS[value]}">&nbsp;{_e(value)}&nbsp;'
                            f"</span> {_e(detail)} — {_e(where)}</span>")
            out.append("".join(item) + "</li>")
        out += ["</ul>", "</details>"]
    out += ["<footer>Generated by <code>python -m harness.report merge</code> from: "
            + _e(", ".join(source for source, _ in matrix.runs) or "no results") + "</footer>",
            "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- terminal

NOT_RUN_MARK = "-"  # the terminal's mark for a cell no test reached


def terminal(matrix, width=100):
    """The matrix as plain lines for the end of a pytest run, at most ``width`` (<= 100)
    columns wide: a header saying what a cell answers; per claim, its ID and one cell per
    column on one line and the tutorial's statement under it; then the legend."""
    width = min(max(width or 100, 60), 100)
    cell_w = max(len(w) for w in WORDS)
    id_w = max([len(cid) for cid in matrix.rows] + [len("claim")]) + 1
    per_line = max(1, (width - id_w + 1) // (cell_w + 1))
    by_run = OrderedDict()  # (OS, Python) -> its columns: one table each when there are several
    for column in matrix.columns:
        by_run.setdefault(column[:2], []).append(column)
    groups = [(key, cols[i:i + per_line]) for key, cols in by_run.items()
              for i in range(0, len(cols), per_line)] or [(None, [])]
    lines = _wrap(f"{QUESTION} The statement is the indented text under the claim's ID: read a cell "
                  "with it, never with the ID alone.", width)
    for key, columns in groups:
        heading = "claim".ljust(id_w) + " ".join(c[2][:cell_w].ljust(cell_w) for c in columns)
        lines += [""] + ([f"{key[0]}, Python {key[1]}:"] if len(by_run) > 1 else [])
        lines += [heading.rstrip(), "-" * min(width, max(len(heading), 60))]
        for cid, claim, section in _by_section(matrix):
            if section:
                lines.append(f"§ {section}")
            cells = " ".join((matrix.value(cid, c) or NOT_RUN_MARK).ljust(cell_w) for c in columns)
            lines.append((cid.ljust(id_w) + cells).rstrip())
            lines += _wrap(claim.statement, width, indent="    ")
    lines += ["", f"Words ({INTERPRETING} says what each means and how the tests of a cell fold into one):"]
    lines += [f"  {word.ljust(cell_w)}  {meaning}" for _k, word, meaning in _legend_entries()]
    lines.append(f"  {NOT_RUN_MARK.ljust(cell_w)}  {NOT_RUN_TEXT}")
    if any(c[2] == ANY_METHOD for c in matrix.columns):
        lines.append(f"Column {ANY_METHOD}: tests that do not run per start method.")
    counts = Counter(matrix.value(cid, c) for cid in matrix.rows for c in matrix.columns
                     if matrix.value(cid, c))
    lines += _wrap(f"{len(matrix.rows)} of {len(matrix.claims)} catalog claims in this run; cells: "
                   + ", ".join(f"{counts[k]} {k}" for k in SYMBOLS if counts[k]), width)
    return lines


def _wrap(text, width, indent=""):
    import textwrap
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [""]
