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

from fixtures import beyond, children, facts
from harness import ROOT
from harness.lifecycle import end_all, raised, receive, running, wait_for
from harness.verdicts import NOT_APPLICABLE
from harness.wording import wording

FORK_WARNING = "is multi-threaded, use of fork()"
SIGKILL = getattr(signal, "SIGKILL", 9)  # the signal the statement names (Windows's signal module has none)


def described(error):
    """An exception as ``Name: message``, or None when nothing was raised."""
    return error and f"{type(error).__name__}: {error}"


def python_c(code):
    """Run ``code`` in a fresh interpreter in the project's root; its output, stripped."""
    return subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=facts.LONG, check=True).stdout.strip()


@pytest.mark.claim("beyond.default-start-method")
def test_the_default_start_method_depends_on_the_platform_and_the_python_version(verdict):
    """Unless a program chooses, multiprocessing uses a default start method: spawn on
    Windows and on macOS; on Linux fork up to 3.13 and forkserver from 3.14. A fresh
    interpreter is asked, since a running one may have chosen a method already.
    set_start_method() changes it for the whole program, and get_context() then gives that
    method.
    """
    default = python_c("import multiprocessing; print(multiprocessing.get_start_method())")
    chosen = python_c("import multiprocessing as mp; mp.set_start_method('spawn'); "
                      "print(mp.get_start_method(), mp.get_context().get_start_method())")
    assert chosen.split() == ["spawn", "spawn"], chosen
    # The statement is the documented table, which facts.default_start_method() restates.
    verdict.expect(default, python=facts.default_start_method(), tutorial=facts.default_start_method(),
                   what="default start method of a fresh interpreter")


@pytest.mark.claim("beyond.fork-with-threads-warns")
def test_forking_a_process_that_runs_other_threads_warns_from_python_3_12(ctx, start_method, verdict):
    """From 3.12, os.fork() in a process that runs more than one thread emits a
    DeprecationWarning ("... is multi-threaded, use of fork() ..."). The fork start method
    forks the parent, so its start() warns; spawn and forkserver do not fork the parent, so
    they do not. The warning is attributed to multiprocessing's own popen_fork.py.

    The spec starts a real second thread (held on an Event), so the parent runs two threads
    in every run, plain or under pytest-xdist, and records the warnings of start() with every
    filter set to "always". For contrast a fresh single-threaded interpreter starts one child
    the same way: no warning, on any version.
    """
    gate = threading.Event()
    other_thread = threading.Thread(target=gate.wait, args=(facts.LONG,), name="mpspec-extra-thread")
    other_thread.start()
    p = ctx.Process(target=children.noop)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p.start()
    finally:
        gate.set()
        other_thread.join(facts.LONG)
        end_all([p])
    fork_warnings = [w for w in caught if FORK_WARNING in str(w.message)]
    assert p.exitcode == 0
    assert all(w.category is DeprecationWarning for w in fork_warnings), fork_warnings
    assert all(os.path.basename(w.filename) == "popen_fork.py" for w in fork_warnings), \
        [w.filename for w in fork_warnings]
    single = python_c(f"from fixtures.beyond import start_once_and_count_warnings as f; f({start_method!r})")
    warns = facts.start_warns_of_threads(start_method)
    verdict.expect({"another thread running": bool(fork_warnings), "single-threaded": int(single) > 0},
                   python={"another thread running": warns, "single-threaded": False},
                   tutorial={"another thread running": start_method == "fork" and facts.since(3, 12),
                             "single-threaded": False},
                   what="start() warned about fork with threads")


@pytest.mark.claim("beyond.start-twice")
@pytest.mark.skipif(sys.flags.optimize > 0, reason="under -O the check is stripped (see beyond.optimize-strips-checks)")
def test_a_process_object_can_be_started_only_once(ctx, verdict):
    """A Process object stands for one run of one process: a second start() is refused
    with AssertionError("cannot start a process twice"), both while the first run is going
    and after it has ended. (The check is an ``assert``: see beyond.optimize-strips-checks.)
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        while_running = raised(p.start)
    assert p.exitcode == 0
    after_end = raised(p.start)
    refusal = "AssertionError: cannot start a process twice"
    verdict.expect({"while running": described(while_running), "after the end": described(after_end)},
                   python={"while running": refusal, "after the end": refusal},
                   tutorial={"while running": refusal, "after the end": refusal},
                   what="a second start()")


@pytest.mark.claim("beyond.close-and-kill")
def test_kill_ends_a_process_that_terminate_could_not(ctx, verdict):
    """kill() ends a process with SIGKILL, so exitcode is -SIGKILL, even a process that
    ignores SIGTERM: terminate() sends SIGTERM, and this child ignores it and still answers
    a message after terminate().

    On Windows, where kill() is TerminateProcess, exitcode is -SIGTERM; terminate() is not
    tried there.
    """
    here, there = ctx.Pipe()
    p = ctx.Process(target=beyond.ignore_sigterm_and_answer, args=(there,))
    p.start()
    try:
        assert receive(here) == "ready"
        if facts.TERMINATE_CAN_BE_DELAYED:
            p.terminate()
            here.send("are you there?")
            assert receive(here) == "still here", "the child did not survive a SIGTERM it ignores"
        p.kill()
        p.join(facts.SHORT)
    finally:
        end_all([p])
    verdict.expect(p.exitcode, python=facts.KILL_EXITCODE, tutorial=-SIGKILL, what="exitcode after kill()")


@pytest.mark.claim("beyond.close-and-kill")
def test_close_refuses_a_running_process_and_leaves_the_object_unusable(ctx, verdict):
    """close() refuses a running process with ValueError, and the process runs on. After
    join() it succeeds, may be repeated, and from then on pid, exitcode, is_alive(), join(),
    start() and sentinel raise ValueError("process object is closed"); its name stays
    readable.
    """
    started, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    p.start()
    try:
        wait_for(started)
        refusal = raised(p.close)
        running_after_refusal = p.is_alive()
    finally:
        release.set()
        end_all([p])
    assert p.exitcode == 0
    p.close()
    p.close()  # a second close() is harmless
    uses = {"pid": lambda: p.pid, "exitcode": lambda: p.exitcode, "is_alive()": p.is_alive,
            "join()": p.join, "start()": p.start, "sentinel": lambda: p.sentinel}
    assert p.name and "closed" in repr(p)
    closed = "ValueError: process object is closed"
    observed = {"refused while running": type(refusal).__name__, "running after the refusal": running_after_refusal,
                **{f"{what} after close()": described(raised(use)) for what, use in uses.items()}}
    for what in uses:
        wording(observed[f"{what} after close()"], closed, whole=True, what=f"{what} after close(): the error")
        observed[f"{what} after close()"] = (observed[f"{what} after close()"] or "").partition(":")[0]
    expected = {"refused while running": "ValueError", "running after the refusal": True,
                **{f"{what} after close()": closed.partition(":")[0] for what in uses}}
    verdict.expect(observed, python=expected, tutorial=expected, what="close()")
    wording(refusal, "Cannot close a process while it is still running", start=True,
            what="close() of a running process: the ValueError's message")


@pytest.mark.claim("beyond.parent-process")
def test_parent_process_describes_the_creator_in_the_child_and_is_none_at_the_top(
        ctx, start_method, verdict):
    """multiprocessing.parent_process() is None in a process that multiprocessing did not
    start (like this test process) and, in a child, describes the process that created it:
    its pid, its name, and that it is alive. Under forkserver the child's os.getppid() is
    the fork server; parent_process() still names the process that called start().
    """
    at_the_top = multiprocessing.parent_process()
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=beyond.report_parent_process, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    me = multiprocessing.current_process()
    described_parent = {"None at the top": True, "is_none": False, "pid": os.getpid(), "name": me.name,
                        "alive": True}
    verdict.expect({"None at the top": at_the_top is None, "is_none": seen["is_none"], "pid": seen["pid"],
                    "name": seen["name"], "alive": seen["alive"], "os parent": seen["getppid"] == os.getpid()},
                   python={**described_parent, "os parent": facts.os_parent_is_the_parent(start_method)},
                   tutorial=described_parent, what="parent_process() in the child")


@pytest.mark.claim("beyond.sentinel")
def test_a_sentinel_becomes_ready_when_its_process_ends(ctx, verdict):
    """Process.sentinel becomes ready when the process ends, so
    multiprocessing.connection.wait() waits for whichever of several processes ends first.
    Three children are held; only the middle one is released, and wait() returns exactly its
    sentinel. Then the other two are released together, and once wait() has seen both of
    them end, one more wait() returns all three sentinels: every ready object, not just the
    first.
    """
    releases = [ctx.Event() for _ in range(3)]
    procs = [ctx.Process(target=children.wait_for, args=(r,)) for r in releases]
    try:
        for p in procs:
            p.start()
        sentinels = [p.sentinel for p in procs]
        held = wait(sentinels, timeout=0)
        releases[1].set()
        first = wait(sentinels, timeout=facts.LONG)
        others_then = wait([sentinels[0], sentinels[2]], timeout=0)
        releases[0].set()
        releases[2].set()
        pending = {sentinels[0], sentinels[2]}
        for _ in range(2):  # each wait() reports at least one of them, or times out
            if pending:
                pending -= set(wait(list(pending), timeout=facts.LONG))
        # Nothing joined first: under forkserver, join() reads the exit status off the sentinel.
        last = wait(sentinels, timeout=0)
    finally:
        for r in releases:
            r.set()
        end_all(procs)
    assert not pending, pending
    assert [p.exitcode for p in procs] == [0, 0, 0]
    ready = {"all held": held, "the middle released": first, "the other two then": others_then,
             "all ended": sorted(last)}
    expected = {"all held": [], "the middle released": [sentinels[1]], "the other two then": [],
                "all ended": sorted(sentinels)}
    verdict.expect(ready, python=expected, tutorial=expected, what="ready sentinels")


EXPECTED_PLAIN = {
    "group": "AssertionError: group argument must be None for now",
    "daemon_child": "AssertionError: daemonic processes are not allowed to have children",
    "start_twice": "AssertionError: cannot start a process twice",
    "join_unstarted": "AssertionError: can only join a started process",
    "daemon_after_start": "AssertionError: process has already started",
}
EXPECTED_OPTIMIZED = {
    "group": "ok",
    "daemon_child": "ok",
    "daemon_child_grandchild_exitcode": 0,
    "daemon_after_start": "ok",
    "daemon_after_start_flag": True,
    "join_unstarted": "AttributeError: 'NoneType' object has no attribute 'wait'",
}


def _kind(outcome):
    """An outcome of optimized_misuse.py without the message: ``AssertionError: ...`` is
    ``AssertionError``; any other value is itself."""
    if isinstance(outcome, str) and ": " in outcome and outcome.split(": ", 1)[0].isidentifier():
        return outcome.split(": ", 1)[0]
    return outcome


def _kinds(outcomes):
    return {k: _kind(v) for k, v in outcomes.items()}


@pytest.mark.claim("beyond.optimize-strips-checks")
def test_python_O_strips_the_misuse_checks_that_are_written_as_asserts(start_method, verdict,
                                                                        run_program):
    """Five of Process's misuse checks are ``assert`` statements, and ``python -O`` removes
    every assert. The whole program ``fixtures/programs/optimized_misuse.py`` commits each misuse,
    once without and once with -O (children inherit -O):

    - group=... and a daemon starting a child are simply allowed;
    - setting daemon on a running process is accepted;
    - join() before start() fails later and worse, with AttributeError on None;
    - start() twice, while the first run still goes on, fails in the middle of starting:
      under fork a second child *is* forked (and fails, exit code 1) and the Process object
      forgets the first one; under spawn and forkserver pickling the used object fails
      with TypeError and the object keeps the first run. On POSIX that failure comes before
      any process is made; on Windows spawn creates the process before pickling, so a
      second child starts there and dies (exit code 1).
    """
    plain = run_program("optimized_misuse", start_method)
    assert plain.returncode == 0, plain.explain()
    assert plain.observed["optimize"] == 0
    assert {k: _kind(plain.observed[k]) for k in EXPECTED_PLAIN} == _kinds(EXPECTED_PLAIN), plain.explain()
    for k, text in EXPECTED_PLAIN.items():
        wording(plain.observed[k], text, whole=True, what=f"{k} without -O: the error")

    optimized = run_program("optimized_misuse", start_method, python_args=("-O",))
    seen = optimized.observed
    assert optimized.returncode == 0, optimized.explain()
    assert seen["optimize"] == 1
    assert {k: _kind(seen[k]) for k in EXPECTED_OPTIMIZED} == _kinds(EXPECTED_OPTIMIZED), optimized.explain()
    for k, text in EXPECTED_OPTIMIZED.items():
        if _kind(text) != text:
            wording(seen[k], text, whole=True, what=f"{k} under -O: the error")
    twice = facts.start_twice_under_optimize(start_method)
    error, _, message = seen["start_twice"].partition(": ")
    wording(message, twice.pop("message_names"), what="start() twice under -O: the error's message")
    refused = {k: seen[k].startswith("AssertionError") for k in EXPECTED_PLAIN}
    stripped = dict.fromkeys(EXPECTED_PLAIN, False)  # no check refuses with AssertionError any more
    verdict.expect({**refused, "error": error, **{k: seen[f"start_twice_{k}"] for k in twice if k != "error"}},
                   python={**stripped, **twice}, tutorial=stripped,
                   what="under -O: refused with AssertionError, and start() twice", detail=optimized.explain())


@pytest.mark.claim("beyond.interrupt")
@pytest.mark.skipif(facts.WINDOWS, reason="Process.interrupt() is documented as undefined on Windows")
@pytest.mark.parametrize("handler_exit_code, exitcode", [(None, facts.INTERRUPTED_EXITCODE), (7, 7)],
                         ids=["no-handler", "handler-exits-7"])
def test_interrupt_sends_sigint_and_the_child_decides_what_follows(ctx, verdict, handler_exit_code, exitcode):
    """interrupt() (3.14+, POSIX) sends SIGINT. With Python's usual handler the child gets
    KeyboardInterrupt, which multiprocessing treats like any uncaught exception: exitcode 1.
    A child with its own SIGINT handler decides: this one exits with code 7. Before 3.14 a
    Process has no interrupt().
    """
    verdict.expect(hasattr(ctx.Process, "interrupt"), python=facts.HAS_INTERRUPT, tutorial=NOT_APPLICABLE,
                   what="Process has interrupt()")
    if not facts.HAS_INTERRUPT:
        return
    ready, hold = ctx.Event(), ctx.Event()
    p = ctx.Process(target=beyond.wait_for_interrupt, args=(ready, hold, handler_exit_code))
    with running(p, hold):
        wait_for(ready, what="the child to set up its SIGINT handling")
        p.interrupt()
        p.join(facts.SHORT)
    stated = 1 if handler_exit_code is None else handler_exit_code  # exit code 1, or the handler's
    verdict.expect(p.exitcode, python=exitcode, tutorial=stated, what="exitcode after interrupt()")
