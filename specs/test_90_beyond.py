"""Beyond the tutorial: behaviour a reader of it meets soon after.

The default start method, the fork-with-threads warning, start() twice, kill() and close(),
parent_process(), sentinels, what ``python -O`` does to the misuse checks, and interrupt().
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import warnings
from multiprocessing.connection import wait

import pytest

from fixtures import beyond, children
from harness import ROOT, WINDOWS
from harness.lifecycle import end_all, raised, receive, running, wait_for

FORK_WARNING = "is multi-threaded, use of fork()"


def documented_default_start_method(platform=sys.platform, version=sys.version_info):
    """The default start method as the documentation gives it for a platform and version."""
    if platform == "win32":
        return "spawn"
    if platform == "darwin":
        return "spawn" if version >= (3, 8) else "fork"
    return "forkserver" if version >= (3, 14) else "fork"


@pytest.mark.claim("beyond.default-start-method")
def test_the_default_start_method_depends_on_the_platform_and_the_python_version(verdict):
    """Unless a program chooses, multiprocessing uses a default start method: spawn on
    Windows (it has no fork); spawn on macOS since 3.8 (fork there could crash system
    libraries); fork on Linux and other POSIX systems up to 3.13, and forkserver from 3.14,
    because fork copies a process with all its threads' locks.

    A fresh interpreter is asked, since a running one may have chosen a method already.
    Observed on Linux: fork on 3.9-3.13 (3.13.18 included), forkserver on 3.14.10 and 3.15.2.

    Tutorial: not covered (it only says Windows has no fork); statement from the catalog.
    """
    out = subprocess.run(
        [sys.executable, "-c", "import multiprocessing; print(multiprocessing.get_start_method())"],
        capture_output=True, text=True, timeout=20, check=True).stdout.strip()
    expected = documented_default_start_method()
    assert out == expected, f"default start method here is {out!r}, documented {expected!r}"
    # A program chooses otherwise with set_start_method(), or per use with get_context().
    chosen = subprocess.run(
        [sys.executable, "-c", "import multiprocessing as mp; mp.set_start_method('spawn'); "
                               "print(mp.get_start_method(), mp.get_context().get_start_method())"],
        capture_output=True, text=True, timeout=20, check=True).stdout.split()
    assert chosen == ["spawn", "spawn"], chosen
    verdict.compare(predicted=expected, observed=out, what="default start method")


@pytest.mark.claim("beyond.fork-with-threads-warns")
def test_forking_a_process_that_runs_other_threads_warns_from_python_3_12(ctx, start_method, verdict):
    """From 3.12, os.fork() in a process that has more than one thread emits a
    DeprecationWarning ("This process ... is multi-threaded, use of fork() may lead to
    deadlocks in the child"): only the forking thread survives in the child, so a lock
    another thread held stays locked there for ever. The fork start method forks the
    parent, so it warns; spawn and forkserver start the child without forking the parent,
    so they do not.

    The spec starts a real second thread (held on an Event) so the parent is multi-threaded
    in every run, plain or under pytest-xdist (whose workers also carry C-level threads),
    and records the warnings of start() with every filter set to "always". For contrast, a
    fresh single-threaded interpreter forks once: no warning on any version.

    Statement from the catalog (beyond.fork-with-threads-warns); the warning is shown
    by default only since filters for DeprecationWarning normally hide it.
    """
    gate = threading.Event()
    other_thread = threading.Thread(target=gate.wait, args=(10,), name="mpspec-extra-thread")
    other_thread.start()
    p = ctx.Process(target=children.noop)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p.start()
    finally:
        gate.set()
        other_thread.join(10)
        end_all([p])
    fork_warnings = [w for w in caught if FORK_WARNING in str(w.message)]
    warned = bool(fork_warnings)
    expected = start_method == "fork" and sys.version_info >= (3, 12)
    assert warned == expected, f"fork warnings from start(): {[str(w.message) for w in fork_warnings]}"
    assert all(w.category is DeprecationWarning for w in fork_warnings)
    # Attributed to multiprocessing's own module, which the default filters keep quiet.
    assert all(os.path.basename(w.filename) == "popen_fork.py" for w in fork_warnings), \
        [w.filename for w in fork_warnings]
    assert p.exitcode == 0
    observed = f"start() with another thread running warned: {warned}"
    if start_method == "fork":
        single = subprocess.run(
            [sys.executable, "-c",
             "from fixtures.beyond import fork_once_and_count_warnings as f; f()"],
            cwd=str(ROOT), capture_output=True, text=True, timeout=20, check=True).stdout.strip()
        assert single == "0", f"a single-threaded fork warned: {single}"
        observed += "; a single-threaded interpreter's fork did not"
    verdict.compare(predicted=expected, observed=warned, what=observed + "; warned")


@pytest.mark.claim("beyond.start-twice")
@pytest.mark.skipif(sys.flags.optimize > 0, reason="under -O the check is stripped (see beyond.optimize-strips-checks)")
def test_a_process_object_can_be_started_only_once(ctx, verdict):
    """A Process object stands for one run of one process: a second start() is refused
    with AssertionError("cannot start a process twice"), both while the first run is going
    and after it has ended. To run the work again, make a new Process.

    (The check is an ``assert``, so ``python -O`` removes it: see beyond.optimize-strips-checks.)

    Statement from the catalog (beyond.start-twice): holds for every start method.
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        while_running = raised(p.start)
    assert p.exitcode == 0
    after_end = raised(p.start)
    for refusal in (while_running, after_end):
        assert isinstance(refusal, AssertionError) and str(refusal) == "cannot start a process twice", repr(refusal)
    verdict.record(isinstance(while_running, AssertionError) and isinstance(after_end, AssertionError),
                   observed=f"second start() while running raised {while_running!r}; after the end {after_end!r}")


@pytest.mark.claim("beyond.close-and-kill")
def test_kill_ends_a_process_that_terminate_could_not(ctx, verdict):
    """kill() (3.7+) ends a process with SIGKILL, which it can neither catch nor ignore:
    exitcode is -SIGKILL. terminate() sends SIGTERM, which a process may ignore -- this
    child does, and still answers messages after terminate().

    On Windows there are no such signals: kill() and terminate() are both
    TerminateProcess, and multiprocessing reports the exit code as -SIGTERM for both.

    Statement from the catalog (beyond.close-and-kill): holds on POSIX for every start
    method; on Windows kill() is no SIGKILL.
    """
    here, there = ctx.Pipe()
    p = ctx.Process(target=beyond.ignore_sigterm_and_answer, args=(there,))
    p.start()
    try:
        assert receive(here) == "ready"
        survived_terminate = None
        if not WINDOWS:
            p.terminate()
            here.send("are you there?")
            survived_terminate = receive(here) == "still here"
        p.kill()
        p.join(10)
    finally:
        end_all([p])
    if WINDOWS:
        assert p.exitcode == -signal.SIGTERM, f"exitcode {p.exitcode}"
    else:
        assert survived_terminate, "the child did not survive a SIGTERM it ignores"
        assert p.exitcode == -signal.SIGKILL, f"exitcode {p.exitcode}"
    ended_by_sigkill = hasattr(signal, "SIGKILL") and p.exitcode == -signal.SIGKILL
    verdict.record(ended_by_sigkill,
                   observed=f"survived terminate(): {survived_terminate}; after kill() exitcode {p.exitcode}")


@pytest.mark.claim("beyond.close-and-kill")
def test_close_refuses_a_running_process_and_leaves_the_object_unusable(ctx, verdict):
    """close() (3.7+) releases what the Process object holds (its sentinel and handles).
    While the process runs it refuses with ValueError; after join() it succeeds, may be
    repeated, and from then on almost every use of the object raises ValueError("process
    object is closed") -- pid, exitcode, is_alive(), join(), start(). Its name stays readable.

    Statement from the catalog (beyond.close-and-kill): holds for every start method.
    """
    started, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    p.start()
    try:
        wait_for(started)
        refusal = raised(p.close)
        still_running_after_refusal = p.is_alive()
    finally:
        release.set()
        end_all([p])
    assert isinstance(refusal, ValueError), repr(refusal)
    assert str(refusal).startswith("Cannot close a process while it is still running"), str(refusal)
    assert p.exitcode == 0
    p.close()
    p.close()  # a second close() is harmless
    unusable = []
    for what, use in [("pid", lambda: p.pid), ("exitcode", lambda: p.exitcode),
                      ("is_alive()", p.is_alive), ("join()", p.join), ("start()", p.start),
                      ("sentinel", lambda: p.sentinel)]:
        error = raised(use)
        assert isinstance(error, ValueError) and str(error) == "process object is closed", (what, error)
        if isinstance(error, ValueError):
            unusable.append(what)
    assert p.name and "closed" in repr(p)
    verdict.record(isinstance(refusal, ValueError) and still_running_after_refusal and len(unusable) == 6,
                   observed=f"close() refused while running; after close() {', '.join(unusable)} raise ValueError")


@pytest.mark.claim("beyond.parent-process")
def test_parent_process_describes_the_creator_in_the_child_and_is_none_at_the_top(
        ctx, start_method, verdict):
    """multiprocessing.parent_process() (3.8+) is None in a process that multiprocessing did
    not start (like this test process) and, in a child, describes the process that created
    it: its pid, its name, and whether it is still alive.

    Under forkserver the child's os.getppid() is the fork server, which did the forking;
    parent_process() still names the process that called start().

    Statement from the catalog (beyond.parent-process): holds for every start method.
    """
    assert multiprocessing.parent_process() is None
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=beyond.report_parent_process, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    me = multiprocessing.current_process()
    assert (seen["is_none"], seen["pid"], seen["name"], seen["alive"]) == (False, os.getpid(), me.name, True), seen
    if start_method == "forkserver":
        assert seen["getppid"] != os.getpid(), "a forkserver child's OS parent is the server"
    else:
        assert seen["getppid"] == os.getpid()
    verdict.record(seen["pid"] == os.getpid() and seen["alive"],
                   observed=f"in the child: pid {seen['pid']}, name {seen['name']!r}, alive {seen['alive']}; "
                            f"os.getppid() {seen['getppid']}; None in the test process")


@pytest.mark.claim("beyond.sentinel")
def test_a_sentinel_becomes_ready_when_its_process_ends(ctx, verdict):
    """Process.sentinel is a handle that becomes ready when the process ends, so
    multiprocessing.connection.wait() can wait for whichever of several processes ends
    first -- no polling, no sleeping. Three children are held; only the middle one is
    released, and wait() returns exactly its sentinel. Then the other two are released
    together, and once wait() has seen both of them end, one more wait() returns all three
    sentinels: every ready object, not just the first. (Nothing is joined before that last
    wait: under forkserver, joining reads the exit status the sentinel carries.)

    Statement from the catalog (beyond.sentinel): holds for every start method.
    """
    releases = [ctx.Event() for _ in range(3)]
    procs = [ctx.Process(target=children.wait_for, args=(r,)) for r in releases]
    try:
        for p in procs:
            p.start()
        sentinels = [p.sentinel for p in procs]
        assert wait(sentinels, timeout=0) == [], "a held child had already ended"
        releases[1].set()
        ready = wait(sentinels, timeout=10)
        others_ready = wait([sentinels[0], sentinels[2]], timeout=0)
        releases[0].set()
        releases[2].set()
        pending = {sentinels[0], sentinels[2]}
        for _ in range(2):  # each wait() reports at least one of them, or times out
            if pending:
                pending -= set(wait(list(pending), timeout=10))
        all_ready = wait(sentinels, timeout=0)
    finally:
        for r in releases:
            r.set()
        end_all(procs)
    assert ready == [sentinels[1]], f"ready: {ready}, sentinels: {sentinels}"
    assert others_ready == [] and not pending, (others_ready, pending)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert sorted(all_ready) == sorted(sentinels), f"ready once all ended: {all_ready}, sentinels: {sentinels}"
    verdict.record(ready == [sentinels[1]],
                   observed="wait() on three sentinels returned exactly the one released child's")


EXPECTED_PLAIN = {
    "group": "AssertionError: group argument must be None for now",
    "daemon_child": "AssertionError: daemonic processes are not allowed to have children",
    "start_twice": "AssertionError: cannot start a process twice",
    "join_unstarted": "AssertionError: can only join a started process",
    "daemon_after_start": "AssertionError: process has already started",
}


@pytest.mark.claim("beyond.optimize-strips-checks")
def test_python_O_strips_the_misuse_checks_that_are_written_as_asserts(start_method, verdict,
                                                                        run_program):
    """Five of Process's misuse checks are ``assert`` statements, and ``python -O`` removes
    every assert. The whole program ``fixtures/programs/optimized_misuse.py`` commits each misuse,
    once without and once with -O (children inherit -O):

    - group=... and a daemon starting a child are simply allowed;
    - setting daemon on a running process is accepted (too late to matter);
    - join() before start() fails later and worse, with AttributeError on None;
    - start() twice, while the first run still goes on, fails in the middle of starting:
      under fork a second child *is* forked (and fails, exit code 1) and the Process object
      forgets the first one; under spawn and forkserver pickling the half-used object fails
      with TypeError and the object keeps the first run. On POSIX that failure comes before
      any process is made; on Windows spawn creates the process before pickling
      (popen_spawn_win32), so a second child starts there and dies (exit code 1) -- expected
      from CPython's source; asserted when the spec runs on Windows.

    Statement from the catalog (beyond.optimize-strips-checks): holds for every start method.
    """
    plain = run_program("optimized_misuse", start_method)
    assert plain.returncode == 0, plain.explain()
    assert plain.observed["optimize"] == "0"
    assert {k: plain.observed[k] for k in EXPECTED_PLAIN} == EXPECTED_PLAIN, plain.explain()

    optimized = run_program("optimized_misuse", start_method, python_args=("-O",))
    seen = optimized.observed
    assert optimized.returncode == 0, optimized.explain()
    assert seen["optimize"] == "1"
    assert seen["group"] == "ok"
    assert seen["daemon_child"] == "ok (grandchild exit code 0)"
    assert seen["daemon_after_start"] == "ok" and seen["daemon_after_start_flag"] == "True"
    assert seen["join_unstarted"] == "AttributeError: 'NoneType' object has no attribute 'wait'"
    if start_method == "fork":
        assert seen["start_twice"].startswith("AttributeError:") and "_target" in seen["start_twice"]
        assert seen["start_twice_made_a_second_process"] == "True"
        assert seen["start_twice_second_process_exitcode"] == "1"
        assert seen["start_twice_object_kept_first"] == "False"
    else:
        assert seen["start_twice"].startswith("TypeError: cannot pickle"), seen["start_twice"]
        assert seen["start_twice_object_kept_first"] == "True"
        if WINDOWS:  # CreateProcess, then pickling: the second child gets half a message
            assert seen["start_twice_made_a_second_process"] == "True", optimized.explain()
            assert seen["start_twice_second_process_exitcode"] == "1", optimized.explain()
        else:
            assert seen["start_twice_made_a_second_process"] == "False", optimized.explain()
    stripped = [k for k in EXPECTED_PLAIN if not seen[k].startswith("AssertionError")]
    verdict.record(len(stripped) == len(EXPECTED_PLAIN),
                   observed=f"under -O no AssertionError for: {', '.join(stripped)}; "
                            f"start twice -> {seen['start_twice']}")


@pytest.mark.claim("beyond.interrupt")
@pytest.mark.skipif(WINDOWS, reason="Process.interrupt() is documented as undefined on Windows")
@pytest.mark.parametrize("handler_exit_code", [None, 7], ids=["no-handler", "handler-exits-7"])
def test_interrupt_sends_sigint_and_the_child_decides_what_follows(ctx, verdict, handler_exit_code):
    """interrupt() (3.14+, POSIX) sends SIGINT. With Python's usual handler the child gets
    KeyboardInterrupt, which multiprocessing treats like any uncaught exception: a
    traceback on stderr and exitcode 1. A child with its own SIGINT handler decides -- this
    one exits with code 7. Observed on Linux, 3.14.10 and 3.15.2, for all three methods.
    Before 3.14 a Process has no interrupt() at all.

    Statement from the catalog (beyond.interrupt).
    """
    if sys.version_info < (3, 14):
        assert not hasattr(ctx.Process, "interrupt")
        verdict.not_assertable("Process.interrupt() exists from Python 3.14 on")
        return
    ready, hold = ctx.Event(), ctx.Event()
    p = ctx.Process(target=beyond.wait_for_interrupt, args=(ready, hold, handler_exit_code))
    with running(p, hold):
        wait_for(ready, what="the child to set up its SIGINT handling")
        p.interrupt()
        p.join(10)
    expected = 1 if handler_exit_code is None else handler_exit_code
    assert p.exitcode == expected, f"exitcode {p.exitcode}"
    verdict.compare(predicted=expected, observed=p.exitcode, what="exitcode after interrupt()")
