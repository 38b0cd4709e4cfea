"""The fixture programs run by hand, as the README shows: where their logs go, what they say.

A program run by hand is the original process of a run of its own: it makes a temporary log
directory, hands it to its children, says where it is, and removes it at exit; it writes
nothing where it runs (fixtures/programs/_program.py, log_dir). The program runner hands each run a
directory instead, which the spec can read.
"""

import os
import re
import subprocess
import sys
import tempfile

import pytest

from fixtures.programs import _program
from fixtures.facts import FORKSERVER_PRELOADS_MAIN, FORKSERVER_SURVIVES_FAILED_PRELOAD
from harness import PROGRAMS_DIR, programs

MADE = re.compile(r"^logs in (.+) \(removed at exit; set MPSPEC_LOGS=DIR to keep them in DIR\)$")

# Every program that keeps logs, and an observation that its children could write them
# (a typed value, or a test of it: daemon_at_exit says "no report" where its worker's log is missing).
LOGGING_PROGRAMS = {
    "main_reimport": ("toplevel_runs", 3),
    "no_main_guard": ("processes_that_ran_this_file", 2),
    "daemon_at_exit": ("worker_saw_main_code_had_ended", lambda value: value != "no report"),
    "daemon_started_last": ("main_code_ended", True),
    "killed_parent": ("worker_finished_after_parent_died", True),
    "bind_above_guard": ("child_exitcode", 1),
}


def observed_as_expected(value, expected):
    return expected(value) if callable(expected) else value == expected and type(value) is type(expected)


def logs_lines(result):
    return [line for line in result.stdout.splitlines() if line.startswith("logs in ")]


@pytest.mark.parametrize("name", sorted(LOGGING_PROGRAMS))
def test_a_program_run_by_hand_writes_nothing_where_it_runs_and_removes_its_logs(name, tmp_path):
    """Run by hand (no log directory handed to it) under spawn, whose children import the
    program again: the first line names a new directory in the system's temporary files,
    the children found it (the observation needs their logs), the directory is gone when the
    program has exited, and the directory the program ran in is still empty. The logs of
    daemon_at_exit are read by its report after multiprocessing's exit handler, so they
    outlive that handler."""
    where = tmp_path / "cwd"
    where.mkdir()
    result = programs.run_program(name, "spawn", cwd=where, hand_logs=False, timeout=20)
    assert result.returncode == 0, result.explain()
    assert not result.survivors, result.explain()
    first = result.stdout.splitlines()[0]
    made = MADE.match(first)
    assert made and logs_lines(result) == [first], result.explain()
    logs = made.group(1)
    assert os.path.dirname(logs) == tempfile.gettempdir(), logs
    assert os.path.basename(logs).startswith(f"mpspec-{name}-logs-"), logs
    assert not os.path.exists(logs), f"{logs} is still there"
    key, expected = LOGGING_PROGRAMS[name]
    assert observed_as_expected(result.observed.get(key), expected), result.explain()
    assert list(where.iterdir()) == [], list(where.iterdir())


def test_mpspec_logs_names_a_directory_that_is_kept_and_started_afresh(tmp_path):
    """With MPSPEC_LOGS set, the logs go there and stay; a second run into the same
    directory starts its logs afresh instead of adding to the first run's."""
    kept = tmp_path / "kept"
    for _ in range(2):
        result = programs.run_program("no_main_guard", "spawn", cwd=tmp_path, hand_logs=False,
                                      env={_program.LOGS_ENV: str(kept)})
        assert result.returncode == 0, result.explain()
        assert logs_lines(result) == [f"logs in {kept} (MPSPEC_LOGS; kept)"], result.explain()
        assert len(_program.read_lines(str(kept / "imports.log"))) == 2, result.explain()
        assert result.observed["processes_that_ran_this_file"] == 2, result.explain()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]


def test_the_runner_hands_each_run_a_log_directory_the_spec_can_read(run_program, tmp_path):
    """Through the run_program fixture the logs land in a fresh directory in the test's
    tmp_path (``result.logs``), kept after the run: the shared log of main_reimport there
    holds one line per process that ran the file's top level."""
    result = run_program("main_reimport", "spawn")
    assert result.returncode == 0, result.explain()
    assert result.logs is not None and result.logs.parent == tmp_path, result.logs
    assert logs_lines(result) == [f"logs in {result.logs} (MPSPEC_LOGS; kept)"], result.explain()
    lines = _program.read_shared(str(result.logs / "toplevel.log"))
    assert len(lines) == result.observed["toplevel_runs"] == 3, (lines, result.explain())


def test_a_program_that_imports_multiprocessing_util_first_is_refused_a_log_directory(tmp_path):
    """_program must be imported before multiprocessing.util (whose exit handler its own must
    follow): a program that does it the other way round is stopped with a RuntimeError
    before it makes a directory that could be removed while its children still write."""
    code = "import multiprocessing.util, _program; _program.log_path('x.log')"
    env = programs.program_env({"PYTHONPATH": str(PROGRAMS_DIR)})
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, timeout=20,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1, result
    assert "RuntimeError: a temporary log directory needs fixtures/programs/_program.py imported before " \
           "multiprocessing.util" in result.stderr, result.stderr
    assert result.stdout == "" and list(tmp_path.iterdir()) == []


def test_no_main_guard_says_that_the_traceback_before_its_observations_is_the_lesson(start_method, run_program):
    """Under spawn and forkserver, no_main_guard's traceback (a RuntimeError on stderr) is
    the expected failure of the process that imported the unguarded file: the child, or up to
    3.14 the fork server that preloads it. The line just before the first observation says
    which; under fork, with no traceback, there is no such line."""
    result = run_program("no_main_guard", start_method, timeout=10)
    out = result.stdout.splitlines()
    first_observed = next(i for i, line in enumerate(out) if line.startswith("observed: "))
    before = out[first_observed - 1]
    if start_method == "fork":
        assert "traceback" not in result.stdout and "RuntimeError" not in result.stderr, result.explain()
        return
    assert "RuntimeError" in result.stderr, result.explain()
    if start_method == "forkserver" and FORKSERVER_PRELOADS_MAIN and not FORKSERVER_SURVIVES_FAILED_PRELOAD:
        assert before == ("the traceback above is the fork server's expected failure: importing this file, "
                          "it ran the unguarded start() (RuntimeError) and died, so the parent's start() "
                          "failed"), result.explain()
    else:
        assert before == ("the traceback above is the child's expected failure: importing this file, it ran "
                          "the unguarded start() before it had finished starting (RuntimeError); exit code 1"), \
            result.explain()
