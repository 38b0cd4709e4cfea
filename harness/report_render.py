"""Draw a merged claims matrix (``harness.report.Matrix``) in the terminal, as Markdown or as
an HTML page, with the same words (``verdicts.CELL_STATES``) and a legend pointing to
specs/INTERPRETING.md in each.

The terminal form (the end of a pytest run) fits 100 columns: per claim, its ID and cells on
one line and the tutorial's statement indented under it.

Markdown and HTML stay readable at CI scale (implementations x OSes x Pythons x start
methods) by drawing ``Matrix.spans``: adjacent columns of one implementation and OS whose
cells are equal for every claim are one column, headed by the range they stand for
("3.9–3.15 · fork spawn forkserver"). Markdown is for GitHub (a job summary, the README):
the summary with how each implementation compares with CPython, then one table per
implementation and OS with only the claims whose cells differ somewhere (the others are
listed under the tables, with their one word), one symbol per cell, skip reasons as
numbered notes; then the errata and observations of the claims that do not simply hold and
each claim's tests. The HTML page is self-contained (inline CSS, no script, no external
resource): one table with a four-level header (implementation / OS / start methods /
Pythons) and the claim column that stay in view while scrolling, colour-coded cells, the
claim's statement, errata, tests and what they observed in the first column (each distinct
observation once, numbered: a cell's hover text names those of the tests behind it, which
keeps the page small), and a link that shows only the claims whose cells differ
(``#differences``, CSS ``:target``, no script).
"""

import html as _html
from collections import Counter, OrderedDict

from harness import verdicts
from harness.report import ANY_METHOD, CONFORMANCE, NOT_COMPARED, REFERENCE, minor, version_key

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
    verdicts.DISAGREE: "two of the claim's observations judged one aspect of it differently here",
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


def _runs_line(matrix):
    from harness.report import configuration

    by_group = OrderedDict()
    for _source, run in sorted(matrix.runs, key=lambda r: version_key(r[1]["python"])):
        impl, os_name, python = configuration(run)
        by_group.setdefault((impl, os_name), []).append(python)
    by_pythons = OrderedDict()  # the Pythons -> {implementation: [OSes]} that ran them
    for key in OrderedDict.fromkeys(c[:2] for c in matrix.columns):
        if key in by_group:
            by_pythons.setdefault(", ".join(by_group[key]), OrderedDict()).setdefault(key[0], []).append(key[1])
    parts = ["; ".join(matrix.name((impl, ", ".join(oses))) for impl, oses in places.items()) + f": {pythons}"
             for pythons, places in by_pythons.items()]
    return f"{len(matrix.runs)} run(s) merged — " + (" | ".join(parts) or "none")


def _pythons_label(span, pythons):
    """The Pythons of a span: one as it is ("3.11.7"), several as a range whose ends are named
    by their minor version when no other Python of the span's implementation and OS
    (``pythons``) shares it ("3.9–3.12", "3.13.0–3.13.18")."""
    def short(version):
        return minor(version) if sum(1 for p in pythons if minor(p) == minor(version)) == 1 else version
    first, last = span.pythons[0], span.pythons[-1]
    return first if first == last else f"{short(first)}–{short(last)}"


def _span_labels(matrix):
    """{span: (Pythons label, start methods label)} for ``matrix.spans()``."""
    pythons = OrderedDict()
    for column in matrix.columns:
        pythons.setdefault(column[:2], OrderedDict())[column[2]] = None
    return [(span, _pythons_label(span, pythons[(span.implementation, span.os)]), " ".join(span.methods))
            for span in matrix.spans()]


def _short_test(nodeid):
    """A test's name without its file: ``test_x[spawn]``."""
    return nodeid.rsplit("::", 1)[-1]


def _observed_index(matrix, cid):
    """{(test without parameters, what it said): number} over every cell of the claim: what
    each test observed (or why it was skipped, or its expected difference), numbered once, so
    that a cell's hover text can name it by number and the claim's "observed" fold say it."""
    index = OrderedDict()
    for column in matrix.columns:
        cell = matrix.cell(cid, column)
        if cell:
            for said in _cell_said(cell):
                index.setdefault(said[1:], len(index) + 1)
    return index


def _cell_said(cell):
    """(nodeid, test without parameters, what it said) for each entry and expected difference."""
    found = [(nodeid, nodeid.split("[", 1)[0].rsplit("::", 1)[-1], f"{value}: {detail}" if detail else value)
             for value, detail, nodeid, _source in cell.entries]
    found += [(nodeid, nodeid.split("[", 1)[0].rsplit("::", 1)[-1],
               f"expected difference from {REFERENCE} ({e['kind']}): {e['reason']}") for nodeid, e in cell.expected]
    return found


def _span_cell(matrix, cid, span, index=None, limit=12):
    """(value, hover lines) of a claim's cells in a span (all equal): what each test behind
    them observed, each distinct line once (at most ``limit``), or with ``index``
    (``_observed_index``) one line naming them by number; value None when no test ran."""
    cells = [matrix.cell(cid, c) for c in span.columns]
    if not any(cells):
        return None, []
    said = OrderedDict()
    for cell in cells:
        for nodeid, test, text in _cell_said(cell) if cell else ():
            said.setdefault(f"{_short_test(nodeid)}: {text}" if index is None else index[(test, text)], None)
    if index is not None:
        return matrix.value(cid, span.columns[0]), ["observed " + " ".join(f"[{n}]" for n in said)]
    shown = list(said)
    more = [f"… and {len(shown) - limit} more"] if len(shown) > limit else []
    return matrix.value(cid, span.columns[0]), shown[:limit] + more


def _conformance_detail(matrix, impl, kind, cid, limit=3):
    """Why a claim is counted as it is: its cells that differ from CPython's (up to ``limit``)
    and the reasons of the differences its tests expect."""
    _kind, differing = matrix.compare(cid, impl)
    by_words = OrderedDict()  # (its word, CPython's) -> the places
    for column, value, _ref, ref_value in differing:
        by_words.setdefault((value, ref_value), []).append(" ".join(column[1:]))
    parts = [f"{value} where {REFERENCE} {ref_value}: {', '.join(places[:limit])}"
             + (f" and {len(places) - limit} more" if len(places) > limit else "")
             for (value, ref_value), places in by_words.items()]
    for _k, pairs in matrix.expected_differences(cid, impl).items():
        parts += list(OrderedDict.fromkeys(f"expected ({_k}): {reason}" for _nodeid, reason in pairs))
    return "; ".join(parts)


def _conformance_items(matrix):
    """(implementation, [(kind, [claims])]) for each implementation other than CPython."""
    return [(impl, [(k, cids) for k, cids in kinds.items() if cids or k != NOT_COMPARED])
            for impl, kinds in matrix.conformance().items()]


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
            patterns.setdefault(pattern, []).append(matrix.name(fixed))
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
                seen.setdefault((value, detail or "", test), []).append(matrix.name(column))
    found = []
    for (value, detail, test), cols in seen.items():
        cols = list(OrderedDict.fromkeys(cols))
        where = ", ".join(cols[:4]) + (f" and {len(cols) - 4} more" if len(cols) > 4 else "")
        found.append((value, detail, f"{test}: {where}"))
    return found


OBSERVATIONS_SHOWN = 8  # per claim, in the details
OBSERVED_SHOWN = 40  # per claim, in the HTML page's "observed" fold under the claim
ERRATA_OPEN_UP_TO = 30  # columns: a wider matrix folds each claim's errata, to keep its rows short
FEW_COLUMNS = 12  # drawn columns up to which the claim column is wider
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
    for impl, kinds in _conformance_items(matrix):
        like = dict(kinds).get(CONFORMANCE[0], [])
        items.append((f"{impl} like {REFERENCE}", len(like), f"of {len(matrix.rows)} claims; " + "; ".join(
            f"{kind}: {len(cids)}" + (f" ({_ids(cids, limit=8)})" if cids else "") for kind, cids in kinds[1:])))
    failures = s["failures"]
    grouped = OrderedDict()  # (claim, implementation, os, python) -> ([methods], [tests without parameters])
    for cid, column, ids in failures:
        methods, tests = grouped.setdefault((cid,) + column[:3], ([], []))
        methods.append(column[3])
        tests.extend(t.split("[", 1)[0] for t in ids if t.split("[", 1)[0] not in tests)
    text = "; ".join(f"`{key[0]}` on {matrix.name(key[1:])} {', '.join(methods)} ({', '.join(tests)})"
                     for key, (methods, tests) in list(grouped.items())[:10])
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
                 if any(c[3] == ANY_METHOD for c in matrix.columns) else "")
    return (f"{QUESTION} {words} · blank: {NOT_RUN_TEXT}{anymethod}. "
            f"What each word means and how the tests of a cell fold into one: `{INTERPRETING}`.")


def markdown(matrix, zh=False, title=None):
    out = [f"## {title or DEFAULT_TITLE}", "", _runs_line(matrix), ""]
    for label, count, text in _summary_items(matrix):
        out.append(f"- **{label}: {count}** — {_md(text)}")
    out += ["", _md_legend(matrix), ""]
    conformance = _conformance_items(matrix)
    if conformance:
        kinds = [k for k, _ in conformance[0][1]]
        out += [f"### Implementations against {REFERENCE}", "",
                f"Each claim's cells compared with {REFERENCE}'s at the same OS, Python minor version and "
                f"start method (`{INTERPRETING}`).", "",
                "| implementation | " + " | ".join(kinds) + " |", "|---|" + ":-:|" * len(kinds)]
        out += [f"| {impl} | " + " | ".join(str(len(c)) for _k, c in found) + " |" for impl, found in conformance]
        out.append("")
        for impl, found in conformance:
            for kind, cids in found[1:]:
                if cids:
                    out.append(f"- **{impl}, {kind}:** " + "; ".join(
                        f"`{cid}`" + (f" ({_md(d)})" if d else "")
                        for cid, d in ((c, _conformance_detail(matrix, impl, kind, c)) for c in cids[:40]))
                        + (f"; and {len(cids) - 40} more" if len(cids) > 40 else ""))
        out.append("")
    # A merge of several runs has a row only for the claims whose cells differ somewhere.
    only_differences = len(matrix.runs) > 1
    differing = [cid for cid in matrix.rows if not (only_differences and matrix.same_everywhere(cid))]
    labels = _span_labels(matrix)
    groups = OrderedDict()
    for span, pythons, methods in labels:
        groups.setdefault((span.implementation, span.os), []).append((span, pythons, methods))
    if labels and only_differences:
        out += [f"Columns whose cells are equal for every claim are drawn as one; only the {len(differing)} "
                f"claims whose cells differ somewhere have a row (the others are listed below).", ""]
    for key, spans in groups.items() if differing else ():
        notes = OrderedDict()  # skip reason -> number
        out += [f"### {' · '.join(key) if len(matrix.implementations()) > 1 else key[1]}", ""]
        out.append("| claim: the tutorial's statement | " + " | ".join(
            f"{pythons}<br>{methods}" for _span, pythons, methods in spans) + " |")
        out.append("|---|" + ":-:|" * len(spans))
        for cid, claim, section in _by_section(matrix):
            if cid not in differing or not any(matrix.cell(cid, c) for s, _p, _m in spans for c in s.columns):
                continue  # the same everywhere (listed below), or no test of it ran in this group
            cells = []
            for span, _pythons, _methods in spans:
                value, _hover = _span_cell(matrix, cid, span)
                if value is None:
                    cells.append("")
                    continue
                text = SYMBOLS.get(value, value)
                if value == verdicts.SKIPPED:
                    reasons = OrderedDict.fromkeys(r for c in span.columns for r in matrix.cell(cid, c).skip_reasons
                                                   if matrix.cell(cid, c))
                    marks = [str(notes.setdefault(r, len(notes) + 1)) for r in reasons]
                    text += f"<sup>{','.join(marks)}</sup>" if marks else ""
                cells.append(text)
            out.append(f"| `{cid}` {_md(_statement(claim, zh))} | " + " | ".join(cells) + " |")
        out.append("")
        if notes:
            out.append("Skipped because: " + "; ".join(f"<sup>{n}</sup> {_md(r)}" for r, n in notes.items()))
            out.append("")
    same = OrderedDict()
    for cid in matrix.rows:
        if cid not in differing:
            word = next((v for v in (matrix.value(cid, c) for c in matrix.columns)
                         if v not in (None, verdicts.SKIPPED)), verdicts.SKIPPED)
            same.setdefault(word, []).append(cid)
    for word, cids in same.items():
        out.append(f"- {SYMBOLS[word]} **{word}** in every cell that ran ({len(cids)}): {_ids(cids, limit=len(cids))}")
    if same:
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
table.conformance{border-collapse:collapse;margin:0 0 1em;font-size:13px}
table.conformance caption{text-align:left;font-weight:bold;margin-bottom:.3em}
table.conformance th,table.conformance td{border:1px solid #d0d7de;padding:2px 8px;text-align:center}
.jump{margin:.3em 0}
.spans{color:#57606a;font-size:12px;margin:.2em 0 .4em}
p.only{margin:.2em 0 .4em}
#differences:target~.wrap tr.same{display:none}

.wrap{display:inline-block;max-width:100%;max-height:calc(100vh - 2em);overflow:auto;border:1px solid #d0d7de}
table.matrix{border-collapse:separate;border-spacing:0;font-size:12px}
table.matrix th,table.matrix td{border-right:1px solid #d0d7de;border-bottom:1px solid #d0d7de;
  padding:3px 4px;text-align:center}
table.matrix thead{position:sticky;top:0;z-index:4}
table.matrix thead th{background:#f6f8fa;white-space:nowrap}
table.matrix thead th.py{font-weight:normal}
table.matrix .g,table.matrix td[data-g]{border-left:2px solid #8c959f}
th.claim{position:sticky;left:0;z-index:2;background:#fff;text-align:left!important;
  white-space:normal!important;width:22em;min-width:22em;max-width:22em;font-weight:normal}
th[id^="col-"]{scroll-margin-left:23em}
table.matrix thead th.g span{position:sticky;left:23em;padding:0 .5em}
table.few th.claim{width:36em;min-width:36em;max-width:36em}
table.few thead th.g span{left:37em}
tr.section th span{position:sticky;left:.3em}
thead th.claim{background:#f6f8fa;z-index:5}
th.claim code{font-weight:bold;font-size:11px}
th.claim .stmt{margin-top:2px}
th.claim details.tests{margin-top:2px;font-size:11px;color:#57606a}
th.claim details.tests code{font-weight:normal}
th.claim .errata{margin-top:3px;color:#6e4b00;background:#fff8c5;padding:2px 4px;border-radius:3px;font-size:11px}
th.claim details.errata summary{color:#6e4b00}
tr.section th{background:#eaeef2;text-align:left;font-weight:bold}
td.v{cursor:help;min-width:3.4em;max-width:5.5em;font-size:11px;line-height:1.2}
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


def _slug(key):
    return "-".join("".join(ch if ch.isalnum() else "_" for ch in part) for part in key)


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
           if any(c[3] == ANY_METHOD for c in matrix.columns) else "")
        + f"<br>Hover a cell for what each test observed: the numbers of the claim&#39;s "
          f"&ldquo;observed&rdquo; fold. What each word means and how the tests of a cell fold into one: "
          f"<code>{_e(INTERPRETING)}</code>.</p>")
    conformance = _conformance_items(matrix)
    if conformance:
        kinds = [k for k, _ in conformance[0][1]]
        out += ['<table class="conformance">',
                f"<caption>Implementations against {REFERENCE}: each claim's cells compared with "
                f"{REFERENCE}'s at the same OS, Python minor version and start method</caption>",
                "<tr><th>implementation</th>" + "".join(f"<th>{_e(k)}</th>" for k in kinds) + "</tr>"]
        for impl, found in conformance:
            out.append(f"<tr><th>{_e(impl)}</th>" + "".join(
                f'<td title="{_e(", ".join(cids))}">{len(cids)}</td>' for _k, cids in found) + "</tr>")
        out.append("</table>")
        items = []
        for impl, found in conformance:
            for kind, cids in found[1:]:
                named = []
                for cid in cids[:40]:
                    detail = _conformance_detail(matrix, impl, kind, cid)
                    named.append(f'<a href="#{_e(cid)}"><code>{_e(cid)}</code></a>' + (f" ({_e(detail)})" if detail else ""))
                if cids:
                    items.append(f"<li><b>{_e(impl)}, {_e(kind)}:</b> " + "; ".join(named)
                                 + (f"; and {len(cids) - 40} more" if len(cids) > 40 else "") + "</li>")
        out.append('<ul class="conformance">' + "".join(items) + "</ul>")

    labels = _span_labels(matrix)
    differing = [cid for cid in matrix.rows if not matrix.same_everywhere(cid)]
    groups = OrderedDict()  # (implementation, OS) -> [(span, Pythons label, methods label)]
    for span, pythons, methods in labels:
        groups.setdefault((span.implementation, span.os), []).append((span, pythons, methods))
    out.append('<p class="jump">Columns: ' + " · ".join(
        f'<a href="#col-{_e(_slug(key))}">{_e(" ".join(key))}</a>' for key in groups) + "</p>")
    out += [f'<p class="spans">{len(labels)} columns stand for the {len(matrix.columns)} configurations: '
            "adjacent columns of one implementation and OS whose cells are equal for every claim are drawn "
            "as one, headed by the Pythons and start methods they stand for.</p>",
            f'<p class="only">Show <a href="#differences">only the {len(differing)} claims whose cells differ '
            f'somewhere</a> · <a href="#all">all {len(matrix.rows)} claims</a></p>',
            '<span id="differences" class="anchor"></span><span id="all" class="anchor"></span>',
            '<div class="wrap">', f'<table class="matrix{" few" if len(labels) <= FEW_COLUMNS else ""}">', "<thead>"]
    rows = [["<tr>", '<th class="claim" rowspan="4">Claim: the tutorial&#39;s statement</th>'], ["<tr>"], ["<tr>"], ["<tr>"]]
    for impl in OrderedDict.fromkeys(key[0] for key in groups):
        rows[0].append(f'<th class="g" colspan="{sum(len(s) for k, s in groups.items() if k[0] == impl)}">'
                       f"<span>{_e(impl)}</span></th>")
    group_starts = set()
    for key, spans in groups.items():
        rows[1].append(f'<th class="g" id="col-{_e(_slug(key))}" colspan="{len(spans)}"><span>{_e(key[1])}</span></th>')
        group_starts.add(spans[0][0])
        by_methods = []
        for span, pythons, methods in spans:
            if by_methods and by_methods[-1][0] == methods:
                by_methods[-1][1] += 1
            else:
                by_methods.append([methods, 1])
        rows[2] += [f'<th colspan="{n}">{_e(methods)}</th>' for methods, n in by_methods]
        rows[3] += [f'<th class="py" title="{_e(", ".join(span.pythons))}">{_e(pythons)}</th>'
                    for span, pythons, _methods in spans]
    for row in rows:
        out += row + ["</tr>"]
    out += ["</thead>", "<tbody>"]
    sections = OrderedDict()
    for cid, claim, _section in _by_section(matrix):
        sections.setdefault(claim.section, []).append(cid)
    for cid, claim, section in _by_section(matrix):
        if section:
            same = ' class="section same"' if not set(sections[section]) & set(differing) else ' class="section"'
            out.append(f'<tr{same}><th colspan="{len(labels) + 1}"><span>§ {_e(section)}</span></th></tr>')
        head = f'<th class="claim" id="{_e(cid)}"><code>{_e(cid)}</code><div class="stmt">{_e(_statement(claim, zh))}</div>'
        if claim.errata:
            head += (f'<details class="errata"><summary>errata</summary>Errata: {_e(claim.errata)}</details>'
                     if len(matrix.columns) > ERRATA_OPEN_UP_TO else f'<div class="errata">Errata: {_e(claim.errata)}</div>')
        tests = _tests_line(matrix.tests(cid))
        head += (f'<details class="tests"><summary>{len(tests)} test{"s" if len(tests) != 1 else ""}</summary>'
                 + "".join(f"<div><code>{_e(t)}</code>{_e(p)}</div>" for t, p in tests) + "</details>")
        index = _observed_index(matrix, cid)
        shown = list(index.items())[:OBSERVED_SHOWN]
        head += (f'<details class="tests"><summary>observed ({len(index)})</summary>' + "".join(f"<div>[{n}] <code>{_e(test)}</code>: {_e(said)}</div>"
                                                   for (test, said), n in shown)
                 + (f"<div>… and {len(index) - len(shown)} more</div>" if len(index) > len(shown) else "")
                 + "</details>")
        row = [f'<tr{"" if cid in differing else " class=" + chr(34) + "same" + chr(34)}>{head}</th>']
        for span, pythons, methods in labels:
            value, hover = _span_cell(matrix, cid, span, index)
            first = " g" if span in group_starts else ""
            if value is None:
                row.append('<td class="notrun"' + (" data-g" if first else "") + "></td>")  # .ci/check_html.sh counts it
                continue
            classes = ["v", CSS_CLASS.get(value, "")] + (["conflict"] if value == verdicts.DISAGREE else [])
            title = _e("\n".join(hover)).replace("\n", "&#10;")  # where it is: the sticky headers
            row.append(f'<td class="{" ".join(classes)}{first}" title="{title}">{_e(value)}</td>')
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
        by_run.setdefault(column[:3], []).append(column)
    groups = [(key, cols[i:i + per_line]) for key, cols in by_run.items()
              for i in range(0, len(cols), per_line)] or [(None, [])]
    lines = _wrap(f"{QUESTION} The statement is the indented text under the claim's ID: read a cell "
                  "with it, never with the ID alone.", width)
    for key, columns in groups:
        heading = "claim".ljust(id_w) + " ".join(c[3][:cell_w].ljust(cell_w) for c in columns)
        lines += [""] + ([f"{matrix.name(key[:2])}, Python {key[2]}:"] if len(by_run) > 1 else [])
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
    if any(c[3] == ANY_METHOD for c in matrix.columns):
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
