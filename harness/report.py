"""The claims report: one results file per run, merged into one matrix.

A run of the specs writes a small JSON file (``write_results``; the plugin does it at the
end of the session, see ``--claims-report``). It names the run's configuration (Python
version, implementation, multiprocessing implementation, OS, default start method) and, for
each claim test, its claims, start method, outcome, skip reason, the difference from CPython
the spec expects of this implementation (or null), and per claim the verdict its
observations fold into (with the words of ``harness.verdicts``) and each observation with
its own verdict::

    {"format": "mpspec-results/2",
     "run": {"python": "3.11.7", "implementation": "CPython", "mp_implementation": "stdlib",
             "os": "Linux", "machine": "x86_64", ...},
     "tests": [{"nodeid": "specs/test_x.py::test_y[spawn]", "claims": ["create.not-started"],
                "start_method": "spawn", "outcome": "passed", "skip_reason": null,
                "python": "3.11.7", "os": "Linux",
                "expected_difference": null,   # or {"kind": "wording", "reason": "..."}
                "verdicts": {"create.not-started": {"verdict": "holds", "observed": "...",
                             "observations": [{"verdict": "holds", "observed": "..."}]}}}]}

``run.mp_implementation`` names the multiprocessing the specs ran against: ``"stdlib"`` (or
absent) for the interpreter's own, else the package and its version (``"multiprocess
0.70.19"``, ``"billiard 4.3.2"``). A run's *implementation label* is the first element of
``configuration(run)``: the package's name when ``mp_implementation`` is not the stdlib
(``multiprocess``, ``billiard``), else ``run.implementation`` (``CPython``, ``PyPy``; CPython
when absent). CPython is the reference the others are compared with (``Matrix.conformance``).
A test's ``expected_difference`` is ``{"kind": K, "reason": R}`` with K one of
``EXPECTED_KINDS``: ``wording`` (only a message or a name differs), ``behaviour`` (the
implementation does otherwise) or ``absent`` (it lacks what the claim is about).

``merge`` reads any number of such files and builds one matrix: rows are the catalog's
claims in tutorial order, columns are (implementation, OS, Python, start method), CPython
first; a cell folds the tests of one claim in one column with ``harness.verdicts.fold`` (the
one rule, specs/INTERPRETING.md). The matrix also knows each claim's tests, from the nodeids
in the results (``Matrix.tests``), how each implementation compares with CPython
(``Matrix.conformance``) and which adjacent columns have equal cells for every claim, so
that a rendering can draw them as one (``Matrix.spans``).
``harness.report_render`` draws it in the terminal, as Markdown (for GitHub) and as a
self-contained HTML page. Standard library only.

Command line::

    python -m harness.report merge reports/tox --markdown report.md --html report.html [--zh]

Arguments may be files, directories (their ``results-*.json``) or glob patterns. A file that
cannot be read is named on stderr and in the report, the others are still merged, and the
command exits 1. It also exits 1, naming them, when claims that do not hold everywhere (a
cell does not hold, partly, luck or tests disagree) have no errata in specs/claims.json.
"""

import argparse
import glob
import json
import multiprocessing
import os
import platform
import re
import sys
import sysconfig
import tempfile
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

from harness import CATALOG_PATH, PLATFORM_NAME, ROOT, START_METHODS, catalog, verdicts

FORMAT = "mpspec-results/2"  # 2: the verdict words of harness/verdicts.py, observations per claim
OLD_FORMATS = {  # formats this version refuses, and why
    "mpspec-results/1": "the first results format, whose verdict words (and their folding into "
                        "'partly') are no longer those of the matrix; run the specs again to write "
                        "an mpspec-results/2 file",
}
OUTCOMES = ("passed", "failed", "skipped")
OS_ORDER = ("Linux", "macOS", "Windows")
REFERENCE = "CPython"  # the implementation the others are compared with
IMPLEMENTATION_ORDER = (REFERENCE, "PyPy")  # then the others by name
STDLIB = "stdlib"  # run.mp_implementation of a run against the interpreter's own multiprocessing
EXPECTED_KINDS = ("wording", "behaviour", "absent")  # a test's expected_difference kinds
# How a claim under an implementation compares with CPython (Matrix.conformance).
LIKE_REFERENCE, WORDING, BEHAVIOUR, DOES_NOT_APPLY, NOT_COMPARED = (
    "like CPython", "differs only in wording", "differs in behaviour", "does not apply", "not compared")
CONFORMANCE = (LIKE_REFERENCE, WORDING, BEHAVIOUR, DOES_NOT_APPLY, NOT_COMPARED)
ANY_METHOD = "any"  # the column of a test that is not run per start method
NOT_RUN = None  # a cell no test of the claim reached
# The verdicts a difference by start method, OS or Python is made of (never luck, not
# applicable or tests disagree), and the cells that make a claim need errata in the catalog.
COMPARABLE = (verdicts.HOLDS, verdicts.DOES_NOT_HOLD, verdicts.PARTLY)
NEEDS_ERRATA = (verdicts.DOES_NOT_HOLD, verdicts.PARTLY, verdicts.LUCK, verdicts.DISAGREE)

CATALOG_NAME = CATALOG_PATH.relative_to(ROOT).as_posix()


class ResultsError(Exception):
    """A results file is missing, truncated or not in mpspec's format (the message names it)."""


# ---------------------------------------------------------------- one run's results

def python_label():
    """This interpreter's version, with a ``t`` for a free-threaded build (e.g. ``3.13.0t``)."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return platform.python_version() + ("t" if free_threaded else "")


def run_info(**extra):
    """The configuration of the running interpreter, as stored in a results file."""
    info = OrderedDict([
        ("python", python_label()),
        ("implementation", platform.python_implementation()),
        ("os", PLATFORM_NAME),
        ("os_release", platform.platform(terse=True)),
        ("machine", platform.machine()),
        ("default_start_method", multiprocessing.get_start_method(allow_none=True)
         or multiprocessing.get_context().get_start_method()),
        ("finished", datetime.now(timezone.utc).isoformat(timespec="seconds")),
    ])
    info.update(extra)
    return info


def results_document(outcomes, run=None):
    """The results file's content, from ``MatrixCollector.outcomes`` (nodeid -> entry)."""
    run = dict(run or run_info())
    tests = []
    for nodeid, entry in sorted(outcomes.items()):
        tests.append(OrderedDict([
            ("nodeid", nodeid),
            ("claims", list(entry.get("claims") or [])),
            ("start_method", entry.get("start_method")),
            ("python", run["python"]),
            ("os", run["os"]),
            ("outcome", entry.get("outcome")),
            ("expected_difference", entry.get("expected_difference")),
            ("verdicts", {cid: {"verdict": v.get("verdict"), "observed": v.get("observed"),
                                "observations": list(v.get("observations") or [])}
                          for cid, v in (entry.get("verdicts") or {}).items()}),
            ("skip_reason", entry.get("skip_reason")),
        ]))
    return OrderedDict([("format", FORMAT), ("run", run), ("tests", tests)])


def write_results(path, outcomes, run=None):
    """Write a run's results to ``path`` atomically (a half-written file is never left)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results_document(outcomes, run), indent=1, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is for everyone
        os.replace(tmp, str(path))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def default_results_name():
    info = run_info()
    return f"results-{info['os'].lower()}-py{info['python']}.json"


# ---------------------------------------------------------------- reading results files

def _check(condition, path, message):
    if not condition:
        raise ResultsError(f"{path}: {message}")


def parse_results(text, path="<results>"):
    """Validate a results file's text; every error names ``path`` and the place in it."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        hint = " (the file looks truncated)" if text.strip() and not text.rstrip().endswith("}") else ""
        raise ResultsError(f"{path}: not valid JSON{hint}: {exc}") from None
    _check(isinstance(data, dict), path, "expected a JSON object")
    found_format = data.get("format")
    _check(not (isinstance(found_format, str) and found_format in OLD_FORMATS), path,
           f"written in format {found_format!r}, which this version refuses: "
           f"{OLD_FORMATS.get(found_format)}")
    _check(found_format == FORMAT, path,
           f"not an mpspec results file (format is {found_format!r}, expected {FORMAT!r})")
    run = data.get("run")
    _check(isinstance(run, dict), path, 'missing the "run" object')
    for key in ("python", "os"):
        _check(isinstance(run.get(key), str) and run[key], path, f'run: missing "{key}"')
    for key in ("partial", "finished", "implementation", "mp_implementation"):
        _check(run.get(key) is None or isinstance(run[key], str), path,
               f'run: "{key}" must be a string or null, not {run.get(key)!r}')
    tests = data.get("tests")
    _check(isinstance(tests, list), path, 'missing the "tests" list')
    for n, test in enumerate(tests):
        _check_test(test, path, f"tests[{n}]")
    return data


JUDGED = verdicts.VERDICTS + (verdicts.DISAGREE,)  # what a results file may say of a claim


def _check_test(test, path, where):
    _check(isinstance(test, dict), path, f"{where}: expected an object")
    _check(isinstance(test.get("nodeid"), str) and test.get("nodeid"), path, f'{where}: missing "nodeid"')
    where = f"{where} ({test['nodeid']})"
    _check(isinstance(test.get("claims"), list) and all(isinstance(c, str) for c in test["claims"]),
           path, f'{where}: "claims" must be a list of claim IDs')
    _check(test.get("outcome") in OUTCOMES, path,
           f"{where}: outcome {test.get('outcome')!r} is not one of {', '.join(OUTCOMES)}")
    for key in ("start_method", "python", "os", "skip_reason"):
        value = test.get(key)
        _check(value is None or isinstance(value, str), path, f"{where}: bad {key} {value!r}")
    expected = test.get("expected_difference")
    _check(expected is None or (isinstance(expected, dict) and expected.get("kind") in EXPECTED_KINDS
                                and isinstance(expected.get("reason"), str) and expected["reason"].strip()),
           path, f'{where}: "expected_difference" must be null or {{"kind": one of '
                 f'{", ".join(EXPECTED_KINDS)}, "reason": a non-empty string}}, not {expected!r}')
    found = test.get("verdicts") or {}
    _check(isinstance(found, dict), path, f'{where}: "verdicts" must be an object')
    for cid, v in found.items():
        _check(isinstance(v, dict) and v.get("verdict") in JUDGED, path,
               f"{where}: verdict for {cid!r} is {v!r}, expected one of {', '.join(JUDGED)}")
        _check(v.get("observed") is None or isinstance(v["observed"], str), path,
               f"{where}: the observed text for {cid!r} must be a string")
        observations = v.get("observations") or []
        _check(isinstance(observations, list) and all(
            isinstance(o, dict) and o.get("verdict") in verdicts.VERDICTS for o in observations), path,
            f"{where}: the observations for {cid!r} must be objects with a verdict "
            f"({', '.join(verdicts.VERDICTS)})")
        results = (verdicts.RIGHT, verdicts.WRONG, verdicts.UNDECIDED)
        _check(all(isinstance(o.get("aspects", {}), dict) and all(
            r in results for r in o.get("aspects", {}).values()) for o in observations), path,
            f"{where}: the aspects of an observation of {cid!r} must each be one of {', '.join(results)}")


def load_results(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read: {exc}") from None
    return parse_results(text, str(path))


def expand_paths(args):
    """Files as given; a directory stands for its ``results-*.json``; globs are expanded
    here (so the command works the same from tox and Windows shells, which do not)."""
    paths, missing = [], []
    for arg in args:
        if os.path.isdir(arg):
            found = sorted(glob.glob(os.path.join(arg, "**", "results-*.json"), recursive=True))
        elif glob.has_magic(arg):
            found = sorted(glob.glob(arg))
        else:
            found = [arg]  # a missing file is reported by load_results, naming it
        if not found:
            missing.append(arg)
        paths.extend(found)
    return paths, missing


# ---------------------------------------------------------------- the merged matrix

def version_key(version):
    parts = [int(p) for p in re.findall(r"\d+", version)[:3]]
    return tuple(parts + [0] * (3 - len(parts))) + (version,)


def minor(version):
    return ".".join(re.findall(r"\d+", version)[:2]) or version


def os_key(name):
    return (OS_ORDER.index(name) if name in OS_ORDER else len(OS_ORDER), name)


def method_key(method):
    return (START_METHODS.index(method) if method in START_METHODS else len(START_METHODS), method)


def implementation_key(name):
    order = IMPLEMENTATION_ORDER
    return (order.index(name) if name in order else len(order), name.lower())


def column_key(column):
    """Columns in order: implementation (CPython first), OS, Python, start method."""
    impl, os_name, python, method = column
    return (implementation_key(impl), os_key(os_name), version_key(python), method_key(method))


class Span:
    """Adjacent columns of one implementation and OS whose cells are equal for every claim,
    drawn as one column (``Matrix.spans``): ``pythons`` and ``methods`` in column order."""

    def __init__(self, columns):
        self.columns = list(columns)
        self.implementation, self.os = columns[0][:2]
        self.pythons = list(OrderedDict.fromkeys(c[2] for c in self.columns))
        self.methods = list(OrderedDict.fromkeys(c[3] for c in self.columns))

    def __repr__(self):
        return f"Span({self.implementation}, {self.os}, {self.pythons}, {self.methods})"


class Cell:
    """What the tests of one claim in one column found."""

    def __init__(self):
        self.entries = []  # (outcome-or-verdict, observed-or-reason, nodeid, source file)
        self.items = []  # what the cell folds: each test's observations, or its state word
        self.expected = []  # (nodeid, the test's expected_difference) for each test that has one
        self._value = None

    def add(self, value, detail, nodeid, source, observations=(), expected=None):
        self.entries.append((value, detail, nodeid, source))
        self.items.extend(observations or [value])
        if expected:
            self.expected.append((nodeid, expected))
        self._value = None

    @property
    def value(self):
        """All the observations of the cell's tests, concluded with the one rule
        (harness.verdicts.fold): a failure wins, skips give way."""
        if self._value is None:
            self._value = verdicts.fold(self.items)
        return self._value

    @property
    def conflicting(self):
        """Several tests (or runs) of this cell measured different verdicts."""
        return self.value == verdicts.DISAGREE

    @property
    def skip_reasons(self):
        return list(OrderedDict.fromkeys(e[1] for e in self.entries if e[0] == verdicts.SKIPPED and e[1]))

    def describe(self):
        """Every test behind the cell, one line each (the HTML hover text)."""
        lines = []
        for value, detail, nodeid, _source in self.entries:
            lines.append(f"{nodeid}: {value}" + (f": {detail}" if detail else ""))
        lines += [f"{nodeid}: expected difference from {REFERENCE} ({e['kind']}): {e['reason']}"
                  for nodeid, e in self.expected]
        return "\n".join(lines)


class Matrix:
    """The merged report: ``rows`` (claim -> {column: Cell}) over ``columns``."""

    def __init__(self, claims):
        self.claims = claims  # id -> catalog.Claim, tutorial order
        self.columns = []  # (implementation, os, python, method), sorted (column_key)
        self.rows = OrderedDict()
        self.runs = []  # (source, run dict)
        self.errors = []  # messages naming unreadable files
        self.superseded = []  # (file not counted, the file of the same configuration counted)
        self.unknown_claims = OrderedDict()  # claim id not in the catalog -> sources
        self._memo = {}  # what is computed from the cells, until the next add()
        self._references = {}  # column -> CPython's column to compare it with (reference_column)

    # -- building
    def _memoized(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def add(self, data, source):
        self._memo.clear()
        run = data["run"]
        self.runs.append((source, run))
        impl = configuration(run)[0]
        for test in data["tests"]:
            column = (impl, test.get("os") or run["os"], test.get("python") or run["python"],
                      test.get("start_method") or ANY_METHOD)
            for cid in test["claims"]:
                if cid not in self.claims:
                    self.unknown_claims.setdefault(cid, []).append(source)
                    continue
                found = None
                if test["outcome"] == "failed":
                    value, detail = verdicts.FAILED, None
                elif test["outcome"] == "skipped":
                    value, detail = verdicts.SKIPPED, test.get("skip_reason")
                else:
                    found = (test.get("verdicts") or {}).get(cid)
                    value = found["verdict"] if found else verdicts.FAILED
                    detail = _observed(found) if found else "passed without a verdict"
                observations = (found or {}).get("observations") if value != verdicts.FAILED else None
                self.rows.setdefault(cid, {}).setdefault(column, Cell()).add(
                    value, detail, test.get("nodeid", "?"), source, observations,
                    test.get("expected_difference"))
        columns = {col for row in self.rows.values() for col in row} | set(self.columns)
        self.columns = sorted(columns, key=column_key)
        self._references = {}
        self.rows = OrderedDict((cid, self.rows[cid]) for cid in self.claims if cid in self.rows)

    def implementations(self):
        return list(self._memoized("implementations", lambda: sorted(
            {c[0] for c in self.columns}, key=implementation_key)))

    def name(self, parts):
        """A column (or the fixed part of a group of them) in words, e.g. "Linux 3.11.7 spawn";
        the implementation is named when the matrix has more than one."""
        parts = list(parts)
        if parts and len(self.implementations()) <= 1 and parts[0] in self.implementations():
            parts = parts[1:]
        return " ".join(parts)

    def cell(self, cid, column):
        """The Cell at ``column`` (implementation, OS, Python, method), or None."""
        return self.rows.get(cid, {}).get(column)

    def value(self, cid, column):
        cell = self.cell(cid, column)
        return cell.value if cell else NOT_RUN

    def tests(self, cid):
        """The claim's tests, as the results name them: {test without its parameters:
        [its parameters (start methods), in column order]}, gathered from every cell."""
        found = OrderedDict()
        for column in self.columns:
            cell = self.cell(cid, column)
            for _value, _detail, nodeid, _source in (cell.entries if cell else ()):
                test, _, param = nodeid.partition("[")
                params = found.setdefault(test, [])
                param = param.rstrip("]")
                if param and param not in params:
                    params.append(param)
        return found

    # -- the summary
    def _verdicts_by(self, cid, group_key, methods_only=False):
        """{group: {varying part: verdict}} over the columns whose cell can be compared:
        holds, does not hold or partly. Luck, not applicable and tests disagree are never a
        difference by start method, OS or Python (specs/INTERPRETING.md)."""
        groups = OrderedDict()
        for column in self.columns:
            if methods_only and column[3] == ANY_METHOD:
                continue  # a test that runs once, not per method, says nothing about methods
            value = self.value(cid, column)
            if value in COMPARABLE:
                fixed, varying = group_key(column)
                groups.setdefault(fixed, OrderedDict())[varying] = value
        return groups

    def differs(self, cid, group_key, methods_only=False):
        """The groups in which the claim's verdict differs along one axis."""
        return OrderedDict((fixed, by) for fixed, by in self._verdicts_by(cid, group_key, methods_only).items()
                           if len(set(by.values())) > 1)

    def by_method(self, cid):
        return self.differs(cid, lambda c: (c[:3], c[3]), methods_only=True)

    def by_os(self, cid):
        return self.differs(cid, lambda c: ((c[0], minor(c[2]), c[3]), c[1]))

    def by_version(self, cid):
        return self.differs(cid, lambda c: ((c[0], c[1], c[3]), c[2]))

    def changed_by_os(self):
        """{OS: [claims]} for each OS after the first (Linux when present): the claims with a
        verdict there that differs from the first OS's at the same Python (minor version)
        and start method. It tells a reader what moving to that OS changes."""
        oses = self.oses()
        changed = OrderedDict((name, []) for name in oses[1:])
        for cid in self.rows:
            for _fixed, by_os in self._verdicts_by(cid, lambda c: ((c[0], minor(c[2]), c[3]), c[1])).items():
                reference = by_os.get(oses[0]) if oses else None
                for name, value in by_os.items():
                    if name in changed and reference is not None and value != reference \
                            and cid not in changed[name]:
                        changed[name].append(cid)
        return changed

    def _judged(self, cid):
        return {v for v in (self.value(cid, c) for c in self.columns) if v not in (NOT_RUN, verdicts.SKIPPED)}

    def holds_everywhere(self, cid):
        """Every cell that ran holds or does not apply, and at least one holds."""
        judged = self._judged(cid)
        return verdicts.HOLDS in judged and judged <= {verdicts.HOLDS, verdicts.NOT_APPLICABLE}

    def needs_errata(self, cid):
        """A cell says the tutorial is not simply right: does not hold, partly, luck or tests disagree."""
        return bool(self._judged(cid) & set(NEEDS_ERRATA))

    def missing_errata(self):
        """The claims that need errata (``needs_errata``) and have none in the catalog."""
        return [cid for cid in self.rows if self.needs_errata(cid) and not self.claims[cid].errata]

    def failures(self):
        """[(claim, column, [nodeids])] for every cell where a spec failed."""
        found = []
        for cid, row in self.rows.items():
            for column in self.columns:
                cell = row.get(column)
                if cell and cell.value == verdicts.FAILED:
                    found.append((cid, column, [e[2] for e in cell.entries if e[0] == verdicts.FAILED]))
        return found

    def cells_with(self, value):
        return [(cid, col) for cid, row in self.rows.items() for col, cell in row.items() if cell.value == value]

    def conflicts(self):
        return [(cid, col) for cid, row in self.rows.items() for col, cell in row.items() if cell.conflicting]

    def summary(self):
        return self._memoized("summary", self._summary)

    def _summary(self):
        ids = list(self.rows)
        return OrderedDict([
            ("covered", ids),
            ("holds_everywhere", [c for c in ids if self.holds_everywhere(c)]),
            ("by_method", [c for c in ids if self.by_method(c)]),
            ("by_os", [c for c in ids if self.by_os(c)]),
            ("by_version", [c for c in ids if self.by_version(c)]),
            ("luck", [c for c in ids if verdicts.LUCK in self._judged(c)]),
            ("failures", self.failures()),
            ("conflicts", self.conflicts()),
            ("missing_errata", self.missing_errata()),
        ])

    def oses(self):
        return sorted({c[1] for c in self.columns}, key=os_key)

    def pythons(self):
        return sorted({c[2] for c in self.columns}, key=version_key)

    # -- against the reference implementation
    def reference_column(self, column):
        """CPython's column at the same OS, Python minor version and start method as
        ``column`` (the same version if there is one, else the nearest patch release), or None."""
        if column not in self._references:
            impl, os_name, python, method = column
            found = [c for c in self.columns if c[0] == REFERENCE and c[1] == os_name and c[3] == method
                     and minor(c[2]) == minor(python)]
            self._references[column] = min(found, key=lambda c: (
                c[2] != python, abs(version_key(c[2])[2] - version_key(python)[2]), version_key(c[2]))) \
                if found else None
        return self._references[column]

    def expected_differences(self, cid, impl):
        """{kind: [(nodeid, reason)]} the claim's tests carry under the implementation."""
        found = OrderedDict()
        for column in self.columns:
            cell = self.cell(cid, column)
            if column[0] == impl and cell:
                for nodeid, e in cell.expected:
                    pairs = found.setdefault(e["kind"], [])
                    if (nodeid, e["reason"]) not in pairs:
                        pairs.append((nodeid, e["reason"]))
        return found

    def compare(self, cid, impl):
        """(how the claim under ``impl`` compares with CPython, its cells that differ from
        CPython's as [(column, value, CPython's column, CPython's value)]): one of CONFORMANCE,
        by the rule of specs/INTERPRETING.md ("Implementations against CPython")."""
        ran = [c for c in self.columns if c[0] == impl and self.value(cid, c) not in (NOT_RUN, verdicts.SKIPPED)]
        kinds = self.expected_differences(cid, impl)
        if not ran:  # every test skipped: a listed behaviour difference (an expected failure) still differs
            return (BEHAVIOUR if "behaviour" in kinds else DOES_NOT_APPLY), []
        differing, compared = [], 0
        for column in ran:
            ref = self.reference_column(column)
            ref_value = self.value(cid, ref) if ref else NOT_RUN
            if ref_value in (NOT_RUN, verdicts.SKIPPED):
                continue
            compared += 1
            if ref_value != self.value(cid, column):
                differing.append((column, self.value(cid, column), ref, ref_value))
        if differing or "behaviour" in kinds or "absent" in kinds:
            return BEHAVIOUR, differing
        if "wording" in kinds:
            return WORDING, differing
        return (LIKE_REFERENCE if compared else NOT_COMPARED), differing

    def conformance(self):
        """{implementation other than CPython: {kind of CONFORMANCE: [claims]}}."""
        return self._memoized("conformance", self._conformance)

    def _conformance(self):
        found = OrderedDict()
        for impl in self.implementations():
            if impl == REFERENCE:
                continue
            kinds = found.setdefault(impl, OrderedDict((k, []) for k in CONFORMANCE))
            for cid in self.rows:
                kinds[self.compare(cid, impl)[0]].append(cid)
        return found

    # -- drawing many columns as few
    def same_everywhere(self, cid):
        """Every cell of the claim that ran says the same word (not run and skipped aside)."""
        return len({v for v in (self.value(cid, c) for c in self.columns)
                    if v not in (NOT_RUN, verdicts.SKIPPED)}) <= 1

    def spans(self):
        """The columns drawn as few: per implementation and OS, the start methods in order,
        each with its Pythons; adjacent Pythons of one method whose cells are equal for every
        claim make one span, and adjacent methods that are each one such span over the same
        Pythons, with equal cells, make one span too ("3.9–3.15 · fork spawn forkserver").
        Within a span every claim's cells are equal: it loses nothing but repetition."""
        signature = {c: tuple(self.value(cid, c) for cid in self.rows) for c in self.columns}
        spans = []
        groups = OrderedDict()
        for column in self.columns:
            groups.setdefault(column[:2], OrderedDict()).setdefault(column[3], []).append(column)
        for _group, by_method in groups.items():
            merged = []  # per method, runs of adjacent Pythons with equal cells
            for method in sorted(by_method, key=method_key):
                runs = []
                for column in by_method[method]:  # already in Python order
                    if runs and signature[runs[-1][-1]] == signature[column]:
                        runs[-1].append(column)
                    else:
                        runs.append([column])
                merged.append(runs)
            drawn = []  # [columns, the Pythons of each of its methods, or None if not whole]
            for runs in merged:
                pythons = [c[2] for c in runs[0]] if len(runs) == 1 else None
                last = drawn[-1] if drawn else None
                if pythons and last and last[1] == pythons and signature[last[0][0]] == signature[runs[0][0]]:
                    last[0].extend(runs[0])
                else:
                    drawn += [[run, pythons] for run in runs]
            spans += [Span(columns) for columns, _pythons in drawn]
        return spans


def _observed(found):
    """What a test observed of a claim: each observation with its own verdict when there are
    several (so a test whose observations disagree shows which said what)."""
    observations = found.get("observations") or []
    if len(observations) > 1:
        return "; ".join(f"{o.get('observed')} [{o['verdict']}]" for o in observations)
    return found.get("observed")


def implementation_label(run):
    """The name a run's implementation goes by in the matrix: the multiprocessing package's
    name when the run is not against the stdlib's (``"billiard 4.3.2"`` is ``billiard``),
    else the interpreter's implementation (``CPython``, ``PyPy``)."""
    mp = (run.get("mp_implementation") or "").split()
    if mp and mp[0] != STDLIB:
        return mp[0]
    return run.get("implementation") or REFERENCE


def configuration(run):
    """What one run stands for in a merge: implementation label, OS and Python version."""
    return (implementation_label(run), run["os"], run["python"])


def merge(paths, claims=None):
    """Merge results files into one Matrix; unreadable files go to ``matrix.errors``.

    Each configuration (implementation, OS, Python) counts once: of several files for one, a
    full run wins over a partial one (``run.partial``), then the newest (``run.finished``);
    the others are listed in ``matrix.superseded`` as (file, the file that replaced it)."""
    matrix = Matrix(claims if claims is not None else catalog.load())
    candidates = OrderedDict()  # configuration -> [(rank, path, data)]
    seen = set()
    for path in paths:
        real = os.path.realpath(str(path))
        if real in seen:
            continue  # one file named twice (a directory and a file in it, say)
        seen.add(real)
        try:
            data = load_results(path)
        except ResultsError as exc:
            matrix.errors.append(str(exc))
            continue
        run = data["run"]
        rank = (not run.get("partial"), str(run.get("finished") or ""))
        candidates.setdefault(configuration(run), []).append((rank, str(path), data))
    chosen = []
    for found in candidates.values():
        best = max(found, key=lambda c: c[0])
        chosen.append(best)
        matrix.superseded += [(c[1], best[1]) for c in found if c is not best]
    for _rank, path, data in chosen:
        matrix.add(data, path)
    return matrix


# ---------------------------------------------------------------- command line

def summary_lines(matrix):
    s = matrix.summary()
    lines = [f"{len(matrix.runs)} result file(s) merged; {len(s['covered'])} of {len(matrix.claims)} "
             f"catalog claims covered; {len(s['holds_everywhere'])} hold everywhere; "
             f"{len(s['by_method'])} differ by start method, {len(s['by_os'])} by OS, "
             f"{len(s['by_version'])} by Python version; {len(s['failures'])} spec failure cell(s)"]
    for impl, kinds in matrix.conformance().items():
        lines.append(f"{impl} against {REFERENCE}, claims: " + ", ".join(
            f"{kind} {len(cids)}" for kind, cids in kinds.items() if cids or kind != NOT_COMPARED))
    lines += [f"error: {line}" for line in errata_problem(matrix)]
    lines += [f"read: {source}" + (" (partial run)" if run.get("partial") else "")
              for source, run in matrix.runs]
    lines += [f"not counted: {loser} (the same configuration as {winner})"
              for loser, winner in matrix.superseded]
    lines += [f"error: {e}" for e in matrix.errors]
    return lines


def errata_problem(matrix):
    """Lines naming the claims that do not hold everywhere and have no errata (empty if none)."""
    missing = matrix.missing_errata()
    if not missing:
        return []
    return [f"{len(missing)} claim(s) do not hold everywhere (a cell does not hold, partly, luck or "
            f"tests disagree) but have no errata in {CATALOG_NAME}: say there what is true:"] + \
           [f"  {cid}: {'; '.join(_cells_needing_errata(matrix, cid))}" for cid in missing]


def _cells_needing_errata(matrix, cid):
    """The claim's cell states that need errata, each with (up to three of) its columns."""
    found = OrderedDict()
    for column in matrix.columns:
        value = matrix.value(cid, column)
        if value in NEEDS_ERRATA:
            found.setdefault(value, []).append(matrix.name(column))
    lines = []
    for value, where in found.items():
        more = f" and {len(where) - 3} more" if len(where) > 3 else ""
        lines.append(f"{value} ({', '.join(where[:3])}{more})")
    return lines


def _write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv=None):
    from harness import report_render

    parser = argparse.ArgumentParser(prog="python -m harness.report",
                                     description="Merge mpspec results files into one claims matrix.")
    sub = parser.add_subparsers(dest="command")
    sub.required = True
    m = sub.add_parser("merge", help="merge results files (files, directories or glob patterns)")
    m.add_argument("paths", nargs="+", metavar="RESULTS",
                   help="results files; a directory stands for the results-*.json under it")
    m.add_argument("--markdown", metavar="PATH", help="write the Markdown matrix here ('-' for stdout)")
    m.add_argument("--html", metavar="PATH", help="write the self-contained HTML page here")
    m.add_argument("--zh", action="store_true", help="show the claims' Chinese statements")
    m.add_argument("--title", default=None, help="the report's title")
    args = parser.parse_args(argv)

    paths, missing = expand_paths(args.paths)
    matrix = merge(paths)
    matrix.errors[:0] = [f"{arg}: no results files found" for arg in missing]
    options = dict(zh=args.zh, title=args.title)
    if args.markdown:
        text = report_render.markdown(matrix, **options)
        if args.markdown == "-":
            sys.stdout.write(text)
        else:
            _write(args.markdown, text)
    if args.html:
        _write(args.html, report_render.html(matrix, **options))
    out = sys.stderr if args.markdown == "-" else sys.stdout
    for line in summary_lines(matrix):
        print(line, file=sys.stderr if line.startswith("error:") else out)
    for path in (args.markdown, args.html):
        if path and path != "-":
            print(f"wrote {path}", file=out)
    return 1 if matrix.errors or matrix.missing_errata() else 0


if __name__ == "__main__":
    sys.exit(main())
