"""The pytest plugin behind mpspec (loaded by the top-level ``conftest.py``).

It provides:
- ``start_method`` / ``ctx``: every spec runs once per start method (fork, spawn,
  forkserver); a method the platform lacks is skipped with a reason naming the platform;
- ``verdict``: records whether the tutorial's statement held, from what the spec observed;
- ``run_program``: runs a whole fixture program (see ``harness.programs``);
- ``live_program``: starts one to talk to while it runs (see ``harness.live``);
- the leak guard: after each test, no child, grandchild or zombie may be left;
- the ``claim("id")`` marker, checked against ``specs/claims.json``;
- the claims matrix printed at the end of the run (``harness.report_render.terminal``);
- the errata check: a claim that does not hold everywhere in the run and has no errata in
  specs/claims.json fails the run, named at its end (``harness.report.errata_problem``);
- ``--mp-impl``: the implementation axis (``harness.implementations``): the run re-runs
  itself with another multiprocessing in force, and the implementation's known differences
  (specs/expectations/<name>.json) make expected failures and expected wordings
  (``harness.wording``).
"""

import multiprocessing
import os
import platform
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import pytest

from harness import (HARNESS_TESTS_DIR, PLATFORM_NAME, START_METHODS, catalog, implementations, leaks,
                     live, programs, verdicts, wording)

# ---------------------------------------------------------------- options and markers

def pytest_addoption(parser):
    group = parser.getgroup("mpspec")
    group.addoption("--start-methods", default=None, metavar="LIST",
                    help="comma-separated start methods to run (default: all of "
                         f"{', '.join(START_METHODS)}); the others are skipped")
    group.addoption("--no-matrix", action="store_true",
                    help="do not print the claims matrix at the end of the run")
    group.addoption("--claims-report", default=None, metavar="PATH",
                    help="write this run's results (JSON, see harness/report.py) to PATH, with "
                         "its Markdown and HTML matrix beside it (same name, .md and .html); "
                         "default: reports/results-<os>-py<version>.json when claim tests ran; "
                         "'none' writes nothing")
    group.addoption("--claims", default=None, metavar="IDS",
                    help="comma-separated claim IDs: run only the tests marked with one of them "
                         "(the others, tests of the harness included, are deselected)")
    group.addoption("--mp-impl", default=None, type=implementations.choice, metavar="NAME",
                    help="the multiprocessing implementation every spec and child uses: "
                         "stdlib (the default: the interpreter's own; PyPy's under PyPy), "
                         "multiprocess, billiard, or any installed package laid out like "
                         "multiprocessing; known differences are in specs/expectations/<NAME>.json")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """--mp-impl asks for an implementation not in force here: run the same command with it in
    force in every process (harness.implementations.rerun) and end with its exit status."""
    if hasattr(config, "workerinput") or config.option.help or config.option.version:
        return None
    wanted = implementations.requested(config)
    if wanted == implementations.in_force():
        return None
    return implementations.rerun(config, wanted)


def _selected_methods(config):
    raw = config.getoption("--start-methods")
    if not raw:
        return START_METHODS
    chosen = tuple(m.strip() for m in raw.split(",") if m.strip())
    unknown = [m for m in chosen if m not in START_METHODS]
    if unknown or not chosen:
        raise pytest.UsageError(
            f"--start-methods: unknown start method(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(START_METHODS)}")
    return chosen


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "claim(id): the tutorial claim (an ID in specs/claims.json) this spec tests")
    config._mpspec_methods = _selected_methods(config)
    config._mpspec_impl = implementations.label()
    try:
        config._mpspec_expected = implementations.load(implementations.expectation_key(), catalog.load())
    except implementations.Problem as exc:
        raise pytest.UsageError(f"known differences: {exc}") from None
    config._mpspec_matrix = MatrixCollector(config)
    config.pluginmanager.register(config._mpspec_matrix, "mpspec-matrix")


def _claim_ids(item):
    return [m.args[0] for m in item.iter_markers("claim") if m.args]


def pytest_collection_modifyitems(session, config, items):
    """Every spec test names a known claim; the harness's own tests (harness/tests/) carry none."""
    known = catalog.load()
    problems = []
    for item in items:
        ids = _claim_ids(item)
        is_harness_test = HARNESS_TESTS_DIR in item.path.parents
        if not ids and not is_harness_test:
            problems.append(f"{item.nodeid}: no @pytest.mark.claim(...) marker")
        for cid in ids:
            if cid not in known:
                problems.append(f"{item.nodeid}: cites unknown claim {cid!r}")
        method = getattr(item, "callspec", None) and item.callspec.params.get("start_method")
        item.user_properties.append((verdicts.PROPERTY, {
            "claims": ids, "start_method": method, "verdicts": {},
            "expected_difference": _expect_differences(config, item, ids, method)}))
    if problems:
        raise pytest.UsageError("claim markers are wrong:\n  " + "\n  ".join(problems))
    _deselect_other_claims(config, items, known)


def _expect_differences(config, item, claims, method):
    """Apply this implementation's listed differences to ``item``: a behaviour or absent one
    makes it a strict expected failure, wording ones are checked at its end. Returns the
    results file's ``expected_difference`` (behaviour before wording), or None."""
    found = [e for e in config._mpspec_expected
             if implementations.applies(e, item.nodeid, claims, method)]
    if not found:
        return None
    impl = implementations.expectation_key()
    failing = [e for e in found if e["kind"] != "wording"]
    item._mpspec_wording = [e for e in found if e["kind"] == "wording"]
    if failing:
        reason = "; ".join(f"{impl} differs ({e['kind']}{', sometimes' if e.get('sometimes') else ''}): "
                           f"{e['reason']}" for e in failing)
        # A difference scheduling decides (sometimes) may not show in a run: not strict.
        strict = not all(e.get("sometimes") for e in failing)
        item.add_marker(pytest.mark.xfail(strict=strict, reason=reason))
    chosen = (failing or found)[0]
    return {"kind": chosen["kind"], "reason": chosen["reason"]}


def _deselect_other_claims(config, items, known):
    """--claims=ID,ID: keep only the tests marked with one of these claims."""
    raw = config.getoption("--claims")
    if raw is None:
        return
    wanted = {c.strip() for c in raw.split(",") if c.strip()}
    unknown = sorted(wanted - set(known))
    if unknown or not wanted:
        raise pytest.UsageError(f"--claims: unknown claim ID(s) {', '.join(unknown) or '(none given)'}; "
                                "see specs/claims.json")
    keep, drop = [], []
    for item in items:
        (keep if wanted & set(_claim_ids(item)) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# ---------------------------------------------------------------- fixtures

@pytest.fixture(params=START_METHODS)
def start_method(request):
    """The start method this run of the spec uses."""
    method = request.param
    if method not in multiprocessing.get_all_start_methods():
        request.node._mpspec_method_skip = sys._getframe().f_lineno
        impl = request.config._mpspec_impl
        pytest.skip(f"the {method} start method does not exist on {PLATFORM_NAME}" if impl == "stdlib"
                    else f"the {method} start method does not exist in {impl} on {PLATFORM_NAME}")
    if method not in request.config._mpspec_methods:
        request.node._mpspec_method_skip = sys._getframe().f_lineno
        pytest.skip(f"{method} not selected with --start-methods")
    return method


@pytest.fixture
def ctx(start_method):
    """A multiprocessing context for this run's start method."""
    return multiprocessing.get_context(start_method)


def _record_of(item):
    for key, value in item.user_properties:
        if key == verdicts.PROPERTY:
            return value
    return None


@pytest.fixture
def verdict(request):
    """Where a spec records what it observed and whether the tutorial held (harness.verdicts).
    A claim test that passes without a verdict for each of its claims fails (see
    pytest_runtest_makereport), whether or not it asked for this fixture."""
    item = request.node
    method = item.callspec.params.get("start_method") if hasattr(item, "callspec") else None
    record = _record_of(item)
    return verdicts.Verdict(_claim_ids(item), method,
                            records=record["verdicts"] if record is not None else None)


@pytest.fixture
def run_program(tmp_path):
    """Run a fixture program: ``run_program("name", method, *args, timeout=...)``.

    The program runs in ``tmp_path``, and its logs go to a fresh directory there
    (``result.logs``, see harness.programs.run_program). Processes it leaves behind and
    hands over (``keep_survivors=True``) are ended when the test ends.
    """
    handed_over = []

    def run(name, start_method, *args, **kwargs):
        kwargs.setdefault("cwd", tmp_path)
        if kwargs.get("hand_logs", True):
            kwargs.setdefault("logs", Path(tempfile.mkdtemp(prefix=f"logs-{name}-", dir=tmp_path)))
        try:
            result = programs.run_program(name, start_method, *args, **kwargs)
        except programs.ProgramError as exc:
            pytest.fail(str(exc), pytrace=False)
        handed_over.extend(result.survivors)
        return result

    yield run
    leaks.kill_and_reap(handed_over)


@pytest.fixture
def live_program(tmp_path):
    """Start a fixture program to talk to while it runs: ``live_program("name", *args,
    env=..., stdin=...)`` returns a harness.live.LiveProgram, running in ``tmp_path``; at
    teardown each one is stopped, with everything left in its session."""
    started = []

    def start(name, *args, **kwargs):
        program = live.LiveProgram(name, *args, cwd=tmp_path, **kwargs)
        started.append(program)  # ended at teardown, whatever the spec did with it
        return program

    yield start
    for program in reversed(started):
        program.close()


@pytest.fixture
def observe_program(run_program):
    """Run a fixture program that must exit 0 and leave no process behind; return its
    ``observed: key=value`` lines as a dict."""
    def run(name, start_method, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        result = run_program(name, start_method, *args, **kwargs)
        assert result.returncode == 0, result.explain()
        assert not result.survivors, f"processes outlived the program:\n{result.explain()}"
        return result.observed

    return run


@pytest.fixture(autouse=True)
def _leak_guard(request):
    """After every test: no child, grandchild or zombie of this process may remain.

    multiprocessing's forkserver server and resource tracker are allowed (they live for the
    whole run). A leak is killed and collected, then reported with pids and command lines.
    """
    before = {p.pid for p in leaks.descendants()}
    yield
    leaked = leaks.check(before)
    if leaked:
        pytest.fail(f"leak guard: the test left processes behind (now killed):\n{leaked}",
                    pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    wording.begin()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Fail a claim test that passed without a verdict, tell a failure which claim broke, and
    report every start-method skip at one place, so ``-ra`` names each reason once with a
    count instead of once per test."""
    outcome = yield
    report = outcome.get_result()
    line = getattr(item, "_mpspec_method_skip", None)
    if report.skipped and line and isinstance(report.longrepr, tuple):
        report.longrepr = (__file__, line, report.longrepr[2])
    record = _record_of(item)
    if report.when == "call" and report.passed and record and record["claims"]:
        missing = [c for c in record["claims"] if c not in record["verdicts"]]
        if missing:
            report.outcome = "failed"
            report.longrepr = (f"spec bug: the test passed but recorded no verdict for "
                               f"{', '.join(missing)} (call verdict.expect(...); see harness/verdicts.py)")
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        wrong = wording.problems(getattr(item, "_mpspec_wording", []))
        if wrong:
            report.outcome = "failed"
            report.longrepr = "wording (harness/wording.py):\n" + "\n".join(wrong)
    if report.failed:
        known = catalog.load()
        method = item.callspec.params.get("start_method") if hasattr(item, "callspec") else None
        where = f" under the {method} start method" if method else ""
        for cid in _claim_ids(item):
            claim = known.get(cid)
            if claim is not None:
                text = f"{cid}{where}: the spec of this claim failed.\nclaim: {claim.statement}"
                if claim.errata:
                    text += f"\nwhat the catalog says is true: {claim.errata}"
                report.sections.append(("mpspec claim", text))


# ---------------------------------------------------------------- the claims matrix

def _skip_reason(report):
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).replace("Skipped: ", "")
    return str(report.longrepr or "")


class MatrixCollector:
    """Collects every claim test's outcome and verdicts (from xdist workers too)."""

    def __init__(self, config):
        self.config = config
        self.outcomes = OrderedDict()  # nodeid -> {claims, start_method, outcome, verdicts, skip_reason}

    def pytest_runtest_logreport(self, report):
        record = dict(report.user_properties).get(verdicts.PROPERTY)
        if record is None or not record.get("claims"):
            return
        entry = self.outcomes.setdefault(report.nodeid, {
            "claims": record["claims"], "start_method": record["start_method"],
            "outcome": "passed", "verdicts": {}, "skip_reason": None,
            "expected_difference": record.get("expected_difference")})
        entry["verdicts"].update(record.get("verdicts") or {})
        if report.failed:
            entry["outcome"] = "failed"
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "skipped"
            entry["skip_reason"] = (f"expected difference: {report.wasxfail}" if hasattr(report, "wasxfail")
                                    else _skip_reason(report))

    def pytest_terminal_summary(self, terminalreporter):
        if self.config.getoption("--no-matrix") or hasattr(self.config, "workerinput"):
            return
        if not self.outcomes:
            return
        from harness import report, report_render
        matrix = report.Matrix(catalog.load())
        matrix.add(report.results_document(self.outcomes), "this run")
        terminalreporter.section(
            f"mpspec claims matrix: Python {platform.python_version()} on {PLATFORM_NAME}"
            f"{_impl_words(self.config)}, "
            f"default start method {multiprocessing.get_context().get_start_method()}")
        for line in report_render.terminal(matrix, width=100):
            terminalreporter.write_line(line)


def _impl_words(config):
    impl = config._mpspec_impl
    return "" if impl == implementations.STDLIB else f" with {impl} as multiprocessing"


# ---------------------------------------------------------------- the claims report file

def _partial_run(config):
    """Why this run is not the whole spec (a selection of files or tests, -k, -m, fewer start
    methods, deselected tests), or None for a full run."""
    reasons = []
    testpaths = [str(config.rootpath / p) for p in config.getini("testpaths")]
    given = [str(config.invocation_params.dir / a) for a in config.args]
    if sorted(os.path.normpath(a) for a in given) != sorted(os.path.normpath(p) for p in testpaths):
        reasons.append("a selection of files or tests")
    for option, label in (("keyword", "-k"), ("markexpr", "-m"), ("deselect", "--deselect"),
                          ("lf", "--last-failed"), ("--start-methods", "--start-methods"),
                          ("--claims", "--claims")):
        if config.getoption(option, default=None):
            reasons.append(label)
    if getattr(config, "_mpspec_deselected", 0):
        reasons.append("deselected tests")
    return ", ".join(reasons) or None


def _claims_report_path(config):
    """Where this run's results go, or None (see --claims-report). A partial run never writes
    over a full run's file: by default it goes to reports/partial/."""
    given = config.getoption("--claims-report")
    if given is not None:
        return None if given.strip().lower() in ("", "none") else config.invocation_params.dir / given
    if not config._mpspec_matrix.outcomes:
        return None  # a run of harness tests only: keep the last spec run's results
    from harness import report
    folder = config.rootpath / "reports"
    if _partial_run(config):
        folder = folder / "partial"
    name = report.default_results_name()
    impl = implementations.in_force()
    if impl != implementations.STDLIB and not name.endswith(f"-{impl}.json"):
        name = f"{name[:-len('.json')]}-{impl}.json"
    return folder / name


def pytest_deselected(items):
    if items:
        config = items[0].config
        config._mpspec_deselected = getattr(config, "_mpspec_deselected", 0) + len(items)


def _check_errata(session):
    """A claim that does not hold everywhere in this run (a cell does not hold, partly, luck
    or tests disagree) must say in specs/claims.json what is true: else the run fails."""
    outcomes = session.config._mpspec_matrix.outcomes
    if not outcomes:
        return
    from harness import report
    matrix = report.Matrix(catalog.load())
    matrix.add(report.results_document(outcomes), "this run")
    problem = report.errata_problem(matrix)
    if problem:
        session.config._mpspec_errata_problem = problem
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionfinish(session, exitstatus):
    """On the xdist controller (or a plain run): write the results file and its matrices."""
    config = session.config
    if hasattr(config, "workerinput"):
        return
    _check_errata(session)
    path = _claims_report_path(config)
    if path is None:
        return
    from harness import report, report_render
    run = report.run_info(exitstatus=int(exitstatus),
                          args=[str(a) for a in config.invocation_params.args],
                          partial=_partial_run(config), mp_implementation=config._mpspec_impl)
    try:
        report.write_results(path, config._mpspec_matrix.outcomes, run)
        matrix = report.merge([path])
        title = f"mpspec claims: Python {run['python']} on {run['os']}{_impl_words(config)}"
        path.with_suffix(".md").write_text(report_render.markdown(matrix, title=title), encoding="utf-8")
        path.with_suffix(".html").write_text(report_render.html(matrix, title=title), encoding="utf-8")
    except OSError as exc:
        config._mpspec_report_written = f"could not write the claims report {path}: {exc}"
        return
    config._mpspec_report_written = f"claims report: {path} (and .md, .html beside it)"


def pytest_terminal_summary(terminalreporter, config):
    written = getattr(config, "_mpspec_report_written", None)
    if written:
        terminalreporter.write_line(written)
    problem = getattr(config, "_mpspec_errata_problem", None)
    if problem:
        terminalreporter.write_sep("=", "mpspec: claims without errata (the run fails)", red=True)
        for line in problem:
            terminalreporter.write_line(line, red=True)
