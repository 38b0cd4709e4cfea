"""Checks of mpspec's own harness: the catalog, the markers, the verdicts, the leak guard
and the whole-program runner. These are not claims of the tutorial."""

import json
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from harness import CATALOG_PATH, PLATFORM_NAME, ROOT, SPECS_DIR, WINDOWS, catalog, leaks, programs, verdicts
from harness.lifecycle import join_all, running_all
from fixtures import children
from fixtures.programs import _program

MARKER = re.compile(r"""mark\.claim\(\s*["']([^"']+)["']""")


def cited_claims():
    cited = {}
    for path in sorted(SPECS_DIR.glob("test_*.py")):
        for cid in MARKER.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(cid, []).append(path.name)
    return cited


def test_every_catalog_claim_has_a_spec():
    missing = [cid for cid in catalog.load() if cid not in cited_claims()]
    assert not missing, f"catalog claims with no spec test: {missing}"


def test_every_cited_claim_is_in_the_catalog():
    known = catalog.load()
    unknown = {cid: files for cid, files in cited_claims().items() if cid not in known}
    assert not unknown, f"spec tests cite claims missing from {CATALOG_PATH.name}: {unknown}"


def test_a_malformed_catalog_is_reported_with_its_place():
    with pytest.raises(catalog.CatalogError, match=r"claims\[0\].*missing \['statement_zh'\]"):
        catalog.parse(json.dumps({"claims": [{"id": "a.b", "section": "1", "statement": "s"}]}), "x.json")
    with pytest.raises(catalog.CatalogError, match="x.json: not valid JSON"):
        catalog.parse("{", "x.json")


H, NO, PARTLY, LUCK, NA = (verdicts.HOLDS, verdicts.DOES_NOT_HOLD, verdicts.PARTLY, verdicts.LUCK,
                           verdicts.NOT_APPLICABLE)


@pytest.mark.parametrize("cells, expected", [
    ([H, H], H),
    ([H, NO], verdicts.DISAGREE),  # never folded into partly
    ([PARTLY, H], PARTLY),  # a word alone: one unnamed aspect (holds, does not hold) or two (partly)
    ([NA, NO], NO),  # not applicable gives way
    ([NA, NA], NA),
    ([LUCK, NA], LUCK),
    ([LUCK, H], verdicts.DISAGREE),
    ([verdicts.DISAGREE, H], verdicts.DISAGREE),
    ([verdicts.SKIPPED, H], H),
    ([verdicts.SKIPPED], verdicts.SKIPPED),
    ([H, verdicts.FAILED, NO], verdicts.FAILED),
    ([], None),
])
def test_verdicts_of_one_claim_fold_with_one_rule(cells, expected):
    assert verdicts.fold(cells) == expected


R, W, U = verdicts.RIGHT, verdicts.WRONG, verdicts.UNDECIDED


@pytest.mark.parametrize("assessments, expected", [
    ([{"a": R}, {"b": W}], PARTLY),  # two tests, each right or wrong about its own aspect
    ([{"a": R}, {"a": W}], verdicts.DISAGREE),  # two tests judging the same aspect both ways
    ([{"a": U}, {"b": R}], LUCK),
    ([{"a": U}, {"b": W}], PARTLY),
    ([{"a": W, "b": W}], NO),
    ([{}, {"a": R}], H),  # not applicable gives way
    ([{}], NA),
])
def test_observations_conclude_aspect_by_aspect_within_a_test_and_across_tests(assessments, expected):
    assert verdicts.conclude(assessments) == expected


@pytest.mark.parametrize("python, tutorial, expected", [
    (2, 2, H),
    (2, 3, NO),
    (2, verdicts.either(1, 2), H),
    (verdicts.either(1, 2), 2, LUCK),  # scheduling decides between a right and a wrong outcome
    (verdicts.either(1, 2), verdicts.either(2, 1), H),
    (verdicts.either(1, 2), 3, NO),
    ({"a": 1, "b": 2}, {"a": 1, "b": 2}, H),
    ({"a": 1, "b": 2}, {"a": 1, "b": 3}, PARTLY),  # the only way to partly: half right
    ({"a": 1, "b": 2}, {"a": 0, "b": 3}, NO),
    ({"a": 1}, verdicts.NOT_APPLICABLE, NA),
])
def test_a_verdict_follows_from_what_python_does_and_what_the_tutorial_predicts(python, tutorial, expected):
    assert verdicts.judge(python, tutorial) == expected


def test_expect_asserts_what_python_does_and_records_the_folded_verdict():
    v = verdicts.Verdict(["a.b"], "spawn")
    with pytest.raises(AssertionError, match=r"^a.b under spawn: count: observed 1, but Python does 2 here\nlog$"):
        v.expect(1, python=2, tutorial=2, what="count", detail="log")
    assert v.records == {}, "a failed expectation records nothing"
    assert v.expect(1, python=verdicts.either(1, 2), tutorial=1, what="order") == 1
    assert v.records["a.b"]["verdict"] == LUCK
    v.expect(3, python=3, tutorial=verdicts.NOT_APPLICABLE, what="other")
    assert v.records["a.b"]["verdict"] == LUCK  # not applicable gives way
    v.expect(3, python=3, tutorial=3)
    assert v.records["a.b"] == {
        "verdict": LUCK, "observed": "order: 1 (tutorial: 1); other: 3; observed: 3 (tutorial: 3)",
        "observations": [{"verdict": LUCK, "observed": "order: 1 (tutorial: 1)", "aspects": {"order": U}},
                         {"verdict": NA, "observed": "other: 3", "aspects": {}},
                         {"verdict": H, "observed": "observed: 3 (tutorial: 3)", "aspects": {"observed": R}}]}
    v.expect(4, python=4, tutorial=5, what="order")
    assert v.records["a.b"]["verdict"] == verdicts.DISAGREE  # "order" judged undecided, then wrong


def test_expect_needs_the_claim_named_when_a_test_carries_several():
    v = verdicts.Verdict(["a.b", "c.d"])
    with pytest.raises(verdicts.VerdictError, match="say which one with claim="):
        v.expect(1, python=1, tutorial=1)
    with pytest.raises(verdicts.VerdictError, match="'e.f' is not among this test's markers"):
        v.expect(1, python=1, tutorial=1, claim="e.f")
    with pytest.raises(verdicts.VerdictError, match="must name aspects of"):
        v.expect({"x": 1}, python={"x": 1}, tutorial={"y": 1}, claim="a.b")
    v.expect(1, python=1, tutorial=2, claim="c.d")
    assert list(v.records) == ["c.d"] and v.records["c.d"]["verdict"] == NO


def test_a_claim_test_that_records_no_verdict_fails_whether_or_not_it_asks_for_the_fixture(tmp_path):
    """A tiny spec in a pytest run of its own: a test without the verdict fixture, one that
    has it and never calls expect(), one that records only one of its two claims, and one
    that records its claim. The first three fail, naming the claims without a verdict; the
    results file counts them as spec failures."""
    from harness import report
    from harness.tests.test_report import run_pytest

    first, second = list(catalog.load())[:2]
    spec = tmp_path / "test_silent.py"
    spec.write_text(
        "import pytest\n"
        f"@pytest.mark.claim({first!r})\n"
        "def test_no_fixture():\n    assert True\n"
        f"@pytest.mark.claim({first!r})\n"
        "def test_fixture_unused(verdict):\n    assert verdict\n"
        f"@pytest.mark.claim({first!r})\n@pytest.mark.claim({second!r})\n"
        f"def test_one_of_two(verdict):\n    verdict.expect(1, python=1, tutorial=1, claim={first!r})\n"
        f"@pytest.mark.claim({first!r})\n"
        "def test_records(verdict):\n    verdict.expect(1, python=1, tutorial=1)\n", encoding="utf-8")
    out = tmp_path / "results.json"
    proc = run_pytest(tmp_path, "--no-matrix", f"--claims-report={out}", str(spec))
    assert proc.returncode == 1, proc.stdout
    assert "3 failed, 1 passed" in proc.stdout, proc.stdout
    message = "spec bug: the test passed but recorded no verdict for {} (call verdict.expect(...)"
    for name, missing in (("test_no_fixture", first), ("test_fixture_unused", first), ("test_one_of_two", second)):
        section = proc.stdout[proc.stdout.index(f"_ {name} _"):]
        assert message.format(missing) in section, section
    outcomes = {t["nodeid"].split("::")[-1]: t["outcome"] for t in report.load_results(out)["tests"]}
    assert outcomes == {"test_no_fixture": "failed", "test_fixture_unused": "failed",
                        "test_one_of_two": "failed", "test_records": "passed"}
    matrix = report.merge([out])
    column = (platform.python_implementation(), PLATFORM_NAME, report.python_label(), report.ANY_METHOD)
    assert matrix.value(first, column) == verdicts.FAILED


def test_the_leak_guard_finds_kills_and_reports_a_stray_child(ctx):
    release = ctx.Event()
    p = ctx.Process(target=children.wait_for, args=(release,))
    p.start()
    report = leaks.check(grace=0.1)
    p.join(5)
    assert str(p.pid) in report and not p.is_alive()


# ---------------------------------------------------------------- the harness as on Windows
#
# The leak guard and the program runner run on Windows too. What Windows lacks is hidden
# from them in the tests below, so that every OS runs their Windows paths.

# os names that do not exist on Windows -- or, as waitpid, mean another thing there (it
# takes a process handle, not a pid).
POSIX_ONLY = frozenset({"WNOHANG", "WNOWAIT", "WUNTRACED", "waitpid", "waitid", "wait", "wait3", "wait4",
                        "killpg", "getsid", "getpgid", "setsid", "fork"})


def _held_open_by(path):
    """The pid of a live process that has ``path`` open, or None."""
    target = os.path.realpath(path)
    for proc in psutil.process_iter():
        try:
            if any(os.path.realpath(f.path) == target for f in proc.open_files()):
                return proc.pid
        except psutil.Error:
            continue
    return None


class OsAsOnWindows:
    """The os module as harness code finds it on Windows.

    ``posix_only``: the POSIX-only names are missing (AttributeError, as there).
    ``file_locks``: ``os.remove`` refuses a file that a live process holds open, with the
    PermissionError Windows gives (a file opened without FILE_SHARE_DELETE, as C runtime
    and Python files are, cannot be deleted while open).
    """

    def __init__(self, posix_only=True, file_locks=True):
        self._posix_only, self._file_locks = posix_only, file_locks

    def __getattr__(self, name):
        if self._posix_only and name in POSIX_ONLY:
            raise AttributeError(f"module 'os' has no attribute {name!r} (POSIX only, hidden as on Windows)")
        return getattr(os, name)

    def remove(self, path, *args, **kwargs):
        holder = self._file_locks and _held_open_by(path)
        if holder:
            raise PermissionError(13, f"The process cannot access the file because it is being used by "
                                      f"another process (pid {holder})", str(path))
        return os.remove(path, *args, **kwargs)


@pytest.fixture
def as_on_windows(monkeypatch):
    """The leak guard and the program runner take their Windows paths, with what Windows
    lacks hidden and its file locking imitated; returns the directory the runner's output
    files go to."""
    for module in (leaks, programs):
        monkeypatch.setattr(module, "os", OsAsOnWindows())
    monkeypatch.setattr(programs, "WINDOWS", True)
    return _output_files_in(monkeypatch)


def _output_files_in(monkeypatch):
    """Make the runner's temporary output directories (mpspec-*) land in a fresh directory."""
    where = Path(tempfile.mkdtemp(prefix="mpspec-test-"))
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def test_the_leak_guard_kills_and_collects_without_posix_only_calls(ctx, as_on_windows):
    """The leak guard with os.WNOHANG, os.waitpid & co. missing, as on Windows: it still
    kills a stray multiprocessing child and a stray plain child, and collects both -- the
    plain one is ours and, unwaited, would stay a zombie on POSIX (psutil's wait(timeout=0)
    collects it: the guard's one way to reap, on every OS)."""
    with pytest.raises(AttributeError):
        leaks.os.WNOHANG
    release = ctx.Event()
    p = ctx.Process(target=children.wait_for, args=(release,))
    p.start()
    plain = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        report = leaks.check(grace=0.1)
        p.join(5)
        assert str(p.pid) in report and str(plain.pid) in report, report
        assert not p.is_alive()
        assert not psutil.pid_exists(plain.pid), "the plain child was not collected"
    finally:
        plain.stdin.close()
        if plain.poll() is None:
            plain.kill()
        plain.wait(5)


def test_a_hanging_program_and_its_child_are_ended_the_windows_way(as_on_windows):
    """The runner's timeout path as on Windows: no session to kill, so the descendants it
    recorded while the program ran are killed one by one, then the program. The message
    keeps the program's output, and the output directory is removed once nothing holds its
    files (Windows cannot delete a file a process still has open)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with pytest.raises(programs.ProgramError) as info:
        programs.run_program("_selftest_program", method, "hang-with-child", timeout=2.5)
    message = str(info.value)
    assert "did not finish within 2.5s" in message, message
    child = int(re.search(r"observed: child_pid=(\d+)", message).group(1))
    try:
        assert psutil.Process(child).status() == psutil.STATUS_ZOMBIE  # dead; init collects it
    except psutil.NoSuchProcess:
        pass
    assert not list(as_on_windows.glob("mpspec-*")), "the output directory was left behind"


def test_a_survivor_holding_the_output_files_does_not_hide_the_result(monkeypatch):
    """A survivor handed over to the caller still holds the program's stdout and stderr: on
    Windows their directory cannot be removed then. The runner returns its result anyway,
    and the directory is left to the system's temporary files."""
    monkeypatch.setattr(programs, "os", OsAsOnWindows(posix_only=False))
    where = _output_files_in(monkeypatch)
    result = programs.run_program("_selftest_program", ORPHAN_METHOD, "orphan", keep_survivors=True)
    try:
        assert result.returncode == 0 and result.observed.get("left_a_child") is True, result.explain()
        assert len(result.survivors) == 1 and result.survivors[0].is_running()
        assert list(where.glob("mpspec-*/stdout")), "the held output file was removed"
    finally:
        leaks.kill_and_reap(result.survivors)


# ---------------------------------------------------------------- waiting on many objects

def test_wait_many_takes_more_objects_than_windows_wait_allows(monkeypatch):
    """With Windows's limit in force (before 3.13, a wait() on 63 objects or more raises
    ValueError), wait_many() waits on 100 pipes in batches: it returns exactly the ready
    ones, in order, wherever they are, and nothing at all once its timeout has passed."""
    from multiprocessing import connection
    monkeypatch.setattr(connection, "wait", _program.limited_wait(connection.wait, 63))
    monkeypatch.setitem(_program._wait_batch, "size", 60)
    pipes = [multiprocessing.Pipe(duplex=False) for _ in range(100)]
    readers = [r for r, _ in pipes]
    try:
        with pytest.raises(ValueError, match="need at most 63 handles, got a sequence of length 100"):
            connection.wait(readers, 0)
        t0 = time.monotonic()
        assert _program.wait_many(readers, timeout=0.2) == []
        assert 0.15 <= time.monotonic() - t0 < 2
        for i in (3, 61, 99):
            pipes[i][1].send(i)
        assert _program.wait_many(readers, timeout=0) == [readers[3], readers[61], readers[99]]
        for i in (3, 61, 99):
            readers[i].recv()
        late = threading.Thread(target=pipes[77][1].send, args=(77,))  # in the second batch
        late.start()
        assert _program.wait_many(readers, timeout=5) == [readers[77]]
        late.join(5)
    finally:
        for r, w in pipes:
            r.close()
            w.close()


class _Ended:
    """What join_all needs of a started process whose child has ended: a ready sentinel
    (a pipe at end of file), a pid, an exitcode (None: not collected yet), join() and
    is_alive()."""

    pid = 1
    exitcode = None

    def __init__(self):
        self.sentinel, writer = multiprocessing.Pipe(duplex=False)
        writer.close()

    def join(self, timeout=None):
        self.sentinel.close()

    def is_alive(self):
        return False


def test_join_all_waits_on_more_sentinels_than_windows_wait_allows(monkeypatch):
    """The spec helpers wait through wait_many too: 70 sentinels with the limit in force."""
    from multiprocessing import connection
    monkeypatch.setattr(connection, "wait", _program.limited_wait(connection.wait, 63))
    monkeypatch.setitem(_program._wait_batch, "size", 60)
    ended = [_Ended() for _ in range(70)]
    assert join_all(ended, timeout=5) == []
    assert all(e.sentinel.closed for e in ended), "join_all did not join every process"


# ---------------------------------------------------------------- logs several processes write

def test_windows_style_appends_lose_a_line_and_shared_logs_do_not(tmp_path):
    """Two writers that both look for the end before either writes: the Windows C
    runtime's append (seek to the end, then write; CPython gh-86772), done by hand in this
    test, puts both lines at one offset and one is lost. append_shared's places, taken by
    exclusive creation, survive the same interleaving: the second writer finds the place
    it counted taken and uses the next one."""
    shared = tmp_path / "file.log"
    shared.write_bytes(b"")
    first, second = open(shared, "r+b"), open(shared, "r+b")
    with first, second:
        first.seek(0, os.SEEK_END)
        second.seek(0, os.SEEK_END)
        first.write(b"first\n")
        first.flush()
        second.write(b"secnd\n")
    assert shared.read_bytes().splitlines() == [b"secnd"]

    log = str(tmp_path / "shared.log")
    os.makedirs(log)
    counted = len(os.listdir(log))  # both writers count before either claims
    assert _program.claim_place(log, counted, b"first\n") == 0
    assert _program.claim_place(log, counted, b"second\n") == 1
    assert _program.read_shared(log) == ["first", "second"]


def test_processes_appending_to_a_shared_log_at_once_lose_no_line(ctx, tmp_path):
    """Four processes released together each add 40 lines: all 160 are there, each
    writer's in its own order; start_afresh then removes the log."""
    log = str(tmp_path / "shared.log")
    writers, count = 4, 40
    barrier = ctx.Barrier(writers)
    procs = [ctx.Process(target=children.append_shared_lines, args=(log, f"w{n}", count, barrier))
             for n in range(writers)]
    with running_all(procs, barrier):
        late = join_all(procs)
    assert late == [] and [p.exitcode for p in procs] == [0] * writers
    lines = _program.read_shared(log)
    assert sorted(lines) == sorted(f"w{n} {i}" for n in range(writers) for i in range(count))
    for n in range(writers):
        assert [line for line in lines if line.startswith(f"w{n} ")] == [f"w{n} {i}" for i in range(count)]
    _program.start_afresh(log)
    assert not os.path.exists(log) and _program.read_shared(log) == []


def test_the_program_runner_parses_observations(run_program):
    result = run_program("_selftest_program", "spawn", "ok")
    assert result.returncode == 0, result.explain()
    assert result.observed == {"start_method": "spawn"}


def test_the_program_runner_rejects_an_unknown_start_method():
    with pytest.raises(programs.ProgramError, match="unknown start method 'thread'"):
        programs.run_program("_selftest_program", "thread")


def test_the_program_runner_names_a_missing_script():
    with pytest.raises(programs.ProgramError, match="no fixture program .*no_such_program.py"):
        programs.run_program("no_such_program", "spawn")


def test_a_hanging_program_is_killed_and_its_output_so_far_shown():
    with pytest.raises(programs.ProgramError) as info:
        programs.run_program("_selftest_program", "spawn", "hang", timeout=1.5)
    assert "did not finish within 1.5s" in str(info.value)
    assert "observed: about_to_hang=true" in str(info.value)


# A fork orphan where fork exists; spawn on Windows. (A POSIX spawn orphan would keep the
# program's resource tracker alive too: it holds the tracker's pipe.)
ORPHAN_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def test_processes_a_program_leaves_behind_are_reported_and_ended():
    result = programs.run_program("_selftest_program", ORPHAN_METHOD, "orphan")
    assert result.observed.get("left_a_child") is True, result.explain()
    assert len(result.survivors) == 1
    assert not any(p.is_running() and p.status() != "zombie" for p in result.survivors)


def test_an_unknown_start_method_on_the_command_line_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "pytest", "--start-methods", "fork,thread",
                           "--collect-only", "-q", "-p", "no:xdist", str(Path(__file__))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "unknown start method(s) thread; choose from fork, spawn, forkserver" in done.stderr


# ---------------------------------------------------------------- the topic index

def test_every_claim_is_in_a_topic_and_every_topic_names_catalog_claims():
    from harness import topics
    assert topics.problems() == []


def test_the_committed_topic_index_is_what_harness_topics_writes():
    from harness import topics
    assert topics.TOPICS_PATH.read_text(encoding="utf-8") == topics.render(), \
        "specs/TOPICS.md is stale: run python -m harness.topics"


def test_the_topic_index_finds_programs_through_fixtures_helpers_constants_and_imports(tmp_path):
    """A test runs a program when it, or a module-level fixture, function, class or constant
    it uses (in its own file, in specs/conftest.py, or in a module it imports from, by name
    or as the module's attribute), names the program, or a string holds its path."""
    from harness import topics
    programs_dir, specs_dir = tmp_path / "programs", tmp_path / "specs"
    programs_dir.mkdir()
    specs_dir.mkdir()
    for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "_private"):
        (programs_dir / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "helpers" / "live.py").write_text(
        "def start(run_program):\n    return run_program('epsilon', 'spawn')\n", encoding="utf-8")
    (specs_dir / "conftest.py").write_text(
        "import pytest\n@pytest.fixture\ndef zeta(observe_program):\n    return observe_program('zeta', 'fork')\n",
        encoding="utf-8")
    (specs_dir / "_shared.py").write_text(
        "from harness import programs\n"
        "SERVER = programs.script_path('gamma')\n"
        "class Server:\n    def start(self):\n        return [SERVER]\n", encoding="utf-8")
    (specs_dir / "test_a.py").write_text(
        "import pytest\n"
        "from specs._shared import Server\n"
        "from helpers import live\n"
        "NAME = 'beta'\n"
        "pytestmark = pytest.mark.claim('m.all')\n"
        "def helper(observe_program):\n    return observe_program(NAME, 'spawn')\n"
        "@pytest.fixture\ndef server():\n    return Server()\n"
        "@pytest.mark.claim('t.direct')\n"
        "def test_direct(run_program):\n    run_program('alpha', 'fork')\n    run_program('not_a_program', 'fork')\n"
        "@pytest.mark.claim('t.helper')\n"
        "def test_helper(observe_program):\n    helper(observe_program)\n"
        "@pytest.mark.claim('t.fixture')\n"
        "def test_fixture(server):\n    server.start()\n"
        "@pytest.mark.claim('t.class')\n"
        "class TestMany:\n"
        "    @pytest.mark.claim('t.method')\n"
        "    def test_live(self):\n        start_program('delta', '_private')\n"
        "@pytest.mark.claim('t.imported')\n"
        "def test_imported(run_program, zeta):\n    live.start(run_program)\n"
        "def test_path():\n    assert ['python', 'fixtures/programs/alpha.py'][1]\n"
        "def test_nothing():\n    pass\n", encoding="utf-8")
    index = topics.SpecIndex(specs_dir=specs_dir, programs_dir=programs_dir)
    assert index.tests == {
        "specs/test_a.py::test_direct": (["m.all", "t.direct"], ["alpha"]),
        "specs/test_a.py::test_helper": (["m.all", "t.helper"], ["beta"]),
        "specs/test_a.py::test_fixture": (["m.all", "t.fixture"], ["gamma"]),
        "specs/test_a.py::TestMany::test_live": (["m.all", "t.class", "t.method"], ["delta"]),
        "specs/test_a.py::test_imported": (["m.all", "t.imported"], ["epsilon", "zeta"]),
        "specs/test_a.py::test_path": (["m.all"], ["alpha"]),
        "specs/test_a.py::test_nothing": (["m.all"], []),
    }
    assert index.tests_of("t.class") == ["specs/test_a.py::TestMany::test_live"]
    assert index.programs_of_claim("m.all") == ["alpha", "beta", "delta", "epsilon", "gamma", "zeta"]
