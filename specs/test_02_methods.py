"""Section 2 of the tutorial: the methods of a Process.

start, run, terminate, is_alive, join, and which of them wait. What ``terminate()`` leaves
of the terminated process's own children is a whole-program matter: see
``test_02_methods_whole_program.py``.
"""

import os
import sys
import threading
import time
from multiprocessing.connection import wait

import psutil
import pytest

from fixtures import children, facts
from fixtures.programs._program import state
from harness import POSIX
from harness.lifecycle import poll_until, raised, receive, running, wait_for
from harness.wording import wording


@pytest.mark.claim("method.start-calls-run")
def test_start_calls_run_inside_the_child(ctx, verdict):
    """start() creates the process, and the new process calls run().

    A subclass whose run() reports the pid it runs in shows run() executing in the child,
    whose pid is the Process object's pid, not in the parent that called start().
    """
    receiver, sender = ctx.Pipe(duplex=False)
    p = children.subclass_for(children.ReportsRun, ctx)(sender)
    with running(p):
        seen = receive(receiver, what="a report from run()")
    assert seen["self_pid"] == p.pid != os.getpid(), seen
    ran_in = {p.pid: "the child", os.getpid(): "the parent"}.get(seen["run_pid"], f"pid {seen['run_pid']}")
    verdict.expect(ran_in, python="the child", tutorial="the child", what="the process run() ran in")


@pytest.mark.claim("method.run-calls-target")
def test_the_default_run_calls_the_target_with_its_arguments(ctx, verdict):
    """run() is the body of the process; the default run() calls target(*args, **kwargs).

    Called directly, run() does its work right here, in the calling process. Started, the
    same run() executes in the child: the target reports the child's pid, not the caller's,
    and gets its arguments there.
    """
    calls = []
    direct = ctx.Process(target=lambda *a, **k: calls.append((os.getpid(), a, k)), args=(1,), kwargs={"k": 2})
    direct.run()
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_pid_and_args, args=(sender, 1), kwargs={"k": 2})) as p:
        received = receive(receiver)
    assert p.pid != os.getpid()
    called = {"run() called directly": [(os.getpid(), (1,), {"k": 2})],
              "run() in the started child": (p.pid, (1,), {"k": 2})}
    verdict.expect({"run() called directly": calls, "run() in the started child": received},
                   python=called, tutorial=called, what="the pid the target ran in, and its arguments")


@pytest.mark.claim("method.terminate-forceful")
def test_terminate_ends_the_child_without_running_its_cleanup(ctx, tmp_path, verdict):
    """terminate() ends a child without letting it clean up.

    The child blocks inside try/finally; its finally clause would write a file. After
    terminate() and join() there is no file, and the exit code is -SIGTERM: on POSIX the
    default action of SIGTERM ends the process on the spot, and on Windows TerminateProcess
    does the same (multiprocessing reports that as -SIGTERM too).
    """
    marker = tmp_path / "cleanup.txt"
    started, release = ctx.Event(), ctx.Event()  # release is never set: the child is terminated
    with running(ctx.Process(target=children.work_with_cleanup, args=(str(marker), started, release))) as p:
        wait_for(started, what="the child to enter its try block")
        p.terminate()
        p.join(facts.SHORT)
    verdict.expect({"exitcode": p.exitcode, "finally clause ran": marker.exists()},
                   python={"exitcode": facts.TERMINATE_EXITCODE, "finally clause ran": False},
                   tutorial={"finally clause ran": False}, what="the terminated child")


@pytest.mark.claim("method.terminate-forceful")
def test_terminate_skips_atexit_handlers_and_the_flush_of_buffered_output(ctx, start_method, tmp_path, verdict):
    """The same child is ended twice, once normally and once by terminate(). It prints a line
    into a block-buffered sys.stdout (a file) and registers an atexit handler, then waits.

    Released, it ends normally: multiprocessing flushes sys.stdout, so the line reaches the
    file; the atexit handler runs under spawn (an ordinary interpreter exit) and, from Python
    3.13, under fork and forkserver too: before 3.13 those children end with os._exit(),
    which skips atexit handlers even on a normal end. Terminated, neither the flush nor the
    handler happens, on every start method and version.
    """
    ended = {}
    for how in ("released", "terminated"):
        out, atexit_marker = tmp_path / f"{how}.out", tmp_path / f"{how}.atexit"
        started, release = ctx.Event(), ctx.Event()
        p = ctx.Process(target=children.buffer_output_then_wait,
                        args=(str(out), str(atexit_marker), started, release))
        with running(p, *([release] if how == "released" else [])) as p:  # never set after terminate()
            wait_for(started, what="the child to print and register its handler")
            if how == "released":
                release.set()
            else:
                p.terminate()
            p.join(facts.LONG)
        ended[how] = {"exitcode": p.exitcode, "flushed": out.exists() and out.read_text(encoding="utf-8") != "",
                      "atexit ran": atexit_marker.exists()}
    assert ended["released"] == {"exitcode": 0, "flushed": True,
                                 "atexit ran": facts.atexit_runs_at_normal_end(start_method)}, ended
    verdict.expect(ended["terminated"],
                   python={"exitcode": facts.TERMINATE_EXITCODE, "flushed": False, "atexit ran": False},
                   tutorial={"flushed": False, "atexit ran": False}, what="the terminated child",
                   detail=f"the released child: {ended['released']}")


@pytest.mark.skipif(not POSIX, reason="Windows terminates with TerminateProcess, which no handler can catch")
@pytest.mark.claim("method.terminate-forceful")
def test_a_child_that_handles_sigterm_does_clean_up(ctx, tmp_path, verdict):
    """"Without any cleanup" is only the default: on POSIX, terminate() sends SIGTERM, and a
    child that handles SIGTERM (here: by raising SystemExit) runs its finally clause and
    exits with the code it chooses.
    """
    marker = tmp_path / "cleanup.txt"
    started, release = ctx.Event(), ctx.Event()  # never set: the child is terminated mid-wait
    target = children.work_with_cleanup_on_sigterm
    with running(ctx.Process(target=target, args=(str(marker), started, release))) as p:
        wait_for(started, what="the child to install its handler")
        p.terminate()
        p.join(facts.SHORT)
    verdict.expect({"exitcode": p.exitcode, "finally clause ran": marker.exists()},
                   python={"exitcode": 0, "finally clause ran": True},
                   tutorial={"finally clause ran": False}, what="a terminated child that handles SIGTERM")


@pytest.mark.claim("method.terminate-keeps-lock")
def test_a_lock_held_by_a_terminated_child_stays_locked(ctx, verdict):
    """A multiprocessing Lock taken by a child that is then terminated is never released.

    Nothing releases the semaphore on the dead child's behalf: it cannot be acquired after
    its holder has died.
    """
    lock = ctx.Lock()
    started, release = ctx.Event(), ctx.Event()  # never set: the child is terminated mid-wait
    with running(ctx.Process(target=children.hold_lock, args=(lock, started, release))) as p:
        wait_for(started, what="the child to take the lock")
        p.terminate()
        p.join(facts.SHORT)
    assert not p.is_alive()
    acquired = lock.acquire(block=False)
    if acquired:
        lock.release()
    verdict.expect(acquired, python=False, tutorial=False,
                   what="lock.acquire(block=False) once its holder was terminated")


@pytest.mark.claim("method.is-alive")
def test_is_alive_is_true_exactly_while_the_process_runs(ctx, verdict):
    """is_alive() is True from start() until the process ends, and False before and after."""
    started, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    before = p.is_alive()
    with running(p, release):
        wait_for(started)
        during = p.is_alive()
        release.set()
        p.join(facts.LONG)
        after = p.is_alive()
    exactly_while_running = {"before start()": False, "while running": True, "after the end": False}
    verdict.expect({"before start()": before, "while running": during, "after the end": after},
                   python=exactly_while_running, tutorial=exactly_while_running, what="is_alive()")


@pytest.mark.skipif(not POSIX, reason="Windows has no zombie processes: an ended process leaves the "
                                      "process table once the last handle to it is closed")
@pytest.mark.claim("method.is-alive")
def test_asking_is_alive_collects_an_ended_child(ctx, start_method, verdict):
    """A child that has ended stays in the OS's process table, a zombie, until its parent
    collects its exit status. Asking is_alive() does that collecting: once it has returned
    False the zombie is gone, no join() needed. So does reading exitcode, which polls the
    same way: a second child, whose exitcode is read instead, is gone once it has read 0.
    Under forkserver the child belongs to the fork server, which has collected it by the
    time its exit status reaches the parent: there is no zombie to see. The child's state is
    read through psutil, which never collects it.
    """
    seen = {}
    for how, ask in (("is_alive()", lambda p: p.is_alive()), ("exitcode", lambda p: p.exitcode)):
        p = ctx.Process(target=children.noop)
        with running(p):
            assert wait([p.sentinel], facts.LONG), "the child did not end"
            # The sentinel is ready once the child has closed its files; it is dead just after.
            poll_until(lambda: state(p.pid) in ("zombie", "gone"), what="the ended child to be dead")
            zombie_before = state(p.pid) == "zombie"
            answer = ask(p)
            still_there = psutil.pid_exists(p.pid)
        seen[how] = {"answer": answer, "zombie until asked": zombie_before, "left afterwards": still_there,
                     "exitcode": p.exitcode}
    ended = {"zombie until asked": facts.starter_collects_its_child(start_method), "left afterwards": False,
             "exitcode": 0}
    assert seen["exitcode"] == dict(ended, answer=0), seen
    verdict.expect(seen["is_alive()"], python=dict(ended, answer=False), tutorial={"answer": False},
                   what="an ended child, asked is_alive()")


HELD_FOR = 1.5  # seconds a timer holds the child while join() waits: well past a second
JOIN_TIMEOUT = 1.0  # the timeout of join(timeout); it must give up short of twice that


@pytest.mark.claim("method.join-waits")
def test_join_without_a_timeout_waits_for_the_end_however_long_it_takes(ctx, verdict):
    """join() without a timeout blocks until the process ends, however long that takes, and
    then returns None.

    The child is held on an Event that a timer thread of the test process sets 1.5 s after
    join() was called (the claim is about time, so a timer stands in for long work). join()
    comes back only after that, at least 1.4 s later, and with the child ended: its exit code
    is 0 right after the call, before anything else has looked at it.
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        releaser = threading.Timer(HELD_FOR, release.set)
        t0 = time.monotonic()
        releaser.start()
        try:
            returned = p.join()
            waited = time.monotonic() - t0
            exitcode_right_after = p.exitcode
        finally:
            releaser.cancel()
            releaser.join()
    verdict.expect({"returned": returned, "waited the hold": waited >= HELD_FOR - 0.1,
                    "exit code right after": exitcode_right_after},
                   python={"returned": None, "waited the hold": True, "exit code right after": 0},
                   tutorial={"waited the hold": True, "exit code right after": 0},
                   what="join()", detail=f"join() returned after {waited:.2f}s")


@pytest.mark.claim("method.join-waits")
def test_join_with_a_timeout_gives_up_after_it_and_returns_none_either_way(ctx, verdict):
    """join(timeout) waits at most about timeout seconds, then gives up. It returns None
    whether or not the process ended, so the way to tell is is_alive() or exitcode.

    On a held child, join(1.0) comes back after at least 0.9 s and before 1.9 s (short of
    twice the timeout, with room for a loaded machine) and returns None, with the child
    alive and exitcode None. Released, the child ends within the next join(timeout), which
    returns None as well, and now is_alive() is False and exitcode 0.
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        t0 = time.monotonic()
        gave_up_with = p.join(timeout=JOIN_TIMEOUT)
        waited = time.monotonic() - t0
        after_giving_up = (p.is_alive(), p.exitcode)
        release.set()
        ended_with = p.join(facts.LONG)
        after_the_end = (p.is_alive(), p.exitcode)
    verdict.expect({"gave up after about the timeout": 0.9 * JOIN_TIMEOUT <= waited < 1.9 * JOIN_TIMEOUT,
                    "(is_alive(), exitcode) after giving up": after_giving_up,
                    "(is_alive(), exitcode) after the end": after_the_end,
                    "returned": (gave_up_with, ended_with)},
                   python={"gave up after about the timeout": True,
                           "(is_alive(), exitcode) after giving up": (True, None),
                           "(is_alive(), exitcode) after the end": (False, 0), "returned": (None, None)},
                   tutorial={"gave up after about the timeout": True,
                             "(is_alive(), exitcode) after giving up": (True, None),
                             "(is_alive(), exitcode) after the end": (False, 0)},
                   what=f"join({JOIN_TIMEOUT})", detail=f"join({JOIN_TIMEOUT}) came back after {waited:.2f}s")


@pytest.mark.claim("method.join-only-started")
def test_join_refuses_a_process_that_was_never_started(ctx, verdict):
    """Only a started process can be joined; calling run() yourself does not count.

    join() on a process that was never started, including one whose run() was called
    directly, which ran the work in the current process, fails with AssertionError
    ("can only join a started process"). It is an assert statement: under python -O the
    check is gone and join() fails later, with AttributeError.
    """
    ran = []
    p = ctx.Process(target=lambda: ran.append(os.getpid()))
    p.run()
    assert ran == [os.getpid()] and p.pid is None
    refusal = raised(p.join)
    if not sys.flags.optimize:
        wording(refusal, "can only join a started process", what="join() after run(): the refusal's message")
    verdict.expect({"refused": refusal is not None, "raised": type(refusal).__name__},
                   python={"refused": True, "raised": "AttributeError" if sys.flags.optimize else "AssertionError"},
                   tutorial={"refused": True}, what="join() after run()")


TIMED_JOIN = 0.2  # seconds: join(TIMED_JOIN) on a held child blocks that long, then gives up


@pytest.mark.claim("method.blocking-kinds")
def test_start_returns_at_once_and_join_waits_for_the_end(ctx, verdict):
    """start() does not wait; join() does, for the end of the process and not for a time.

    start() returns while the target is still blocked. join(0.2) blocks its 0.2 s and gives
    up with the child still alive; after the release, join() returns with the child ended.
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        start_returned_early = p.is_alive()
        t0 = time.monotonic()
        p.join(TIMED_JOIN)
        blocked_for = time.monotonic() - t0
        alive_after_timed_join = p.is_alive()
        release.set()
        p.join(facts.LONG)
        ended = (p.is_alive(), p.exitcode)
    waits = {"start() returned while the target ran": True, "join(timeout) blocked its time": True,
             "(is_alive(), exitcode) once join() returned": (False, 0)}
    verdict.expect({"start() returned while the target ran": start_returned_early,
                    "join(timeout) blocked its time": blocked_for >= 0.75 * TIMED_JOIN,
                    "alive after join(timeout)": alive_after_timed_join,
                    "(is_alive(), exitcode) once join() returned": ended},
                   python=dict(waits, **{"alive after join(timeout)": True}), tutorial=waits,
                   what="start() and join()", detail=f"join({TIMED_JOIN}) blocked {blocked_for:.2f}s")


@pytest.mark.skipif(not facts.TERMINATE_CAN_BE_DELAYED, reason=(
    "terminate() is TerminateProcess here, which no handler can delay, so no child can be held alive after it; "
    "whether one is still seen alive right after terminate() is a race, asserted by specs/test_05_examples.py::"
    "test_a_terminated_process_is_alive_until_it_has_actually_ended_and_join_waits_for_that"))
@pytest.mark.claim("method.blocking-kinds")
def test_terminate_returns_while_the_child_is_still_alive(ctx, verdict):
    """terminate() does not wait for the child to end.

    To make the moment last, the child handles SIGTERM by lingering until released: once it
    has received the signal, terminate() has returned and the child is still alive.
    Released, it dies of SIGTERM after all.
    """
    started, got_term, release = ctx.Event(), ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.linger_on_sigterm, args=(started, got_term, release))
    with running(p, release):  # safe: the terminated child lingers, alive, until released
        wait_for(started)
        p.terminate()
        wait_for(got_term, what="the child to receive SIGTERM")
        alive_after_terminate = p.is_alive()
        release.set()
        p.join(facts.LONG)
    verdict.expect({"alive once terminate() returned": alive_after_terminate, "exitcode": p.exitcode},
                   python={"alive once terminate() returned": True, "exitcode": facts.TERMINATE_EXITCODE},
                   tutorial={"alive once terminate() returned": True}, what="terminate()")
