"""Section 2 of the tutorial: the methods of a Process.

start, run, terminate, is_alive, join, and which of them wait. What ``terminate()`` leaves
of the terminated process's own children is a whole-program matter: see
``test_02_methods_whole_program.py``.
"""

import os
import signal
import sys
import threading
import time
from multiprocessing.connection import wait

import psutil
import pytest

from fixtures import children
from harness import POSIX, WINDOWS
from harness.lifecycle import poll_until, raised, receive, running, wait_for


@pytest.mark.claim("method.start-calls-run")
def test_start_calls_run_inside_the_child(ctx, verdict):
    """start() creates the process, and the new process calls run().

    A subclass whose run() reports the pid it runs in shows run() executing in the child,
    whose pid is the Process object's pid -- never in the parent that called start().
    (method.start-calls-run; every start method.)
    """
    receiver, sender = ctx.Pipe(duplex=False)
    p = children.subclass_for(children.ReportsRun, ctx)(sender)
    with running(p):
        seen = receive(receiver, what="a report from run()")
    assert seen == {"run_pid": p.pid, "self_pid": p.pid} and p.pid != os.getpid(), seen
    verdict.record(seen["run_pid"] == p.pid, observed=f"run() ran in pid {seen['run_pid']}, child pid {p.pid}")


@pytest.mark.claim("method.run-calls-target")
def test_the_default_run_calls_the_target_with_its_arguments(ctx, verdict):
    """run() is the body of the process; the default run() calls target(*args, **kwargs).

    Called directly, run() does its work right here, in the calling process. Started, the
    same run() executes in the child -- the target reports the child's pid, not the
    caller's -- and the target gets its arguments there. A subclass replaces run()
    (test_06_subclass.py shows that in detail). (method.run-calls-target; every start
    method.)
    """
    calls = []
    direct = ctx.Process(target=lambda *a, **k: calls.append((os.getpid(), a, k)), args=(1,), kwargs={"k": 2})
    direct.run()
    assert calls == [(os.getpid(), (1,), {"k": 2})]

    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_pid_and_args, args=(sender, 1), kwargs={"k": 2})) as p:
        received = receive(receiver)
    assert received == (p.pid, (1,), {"k": 2}) and p.pid != os.getpid(), (received, p.pid)
    verdict.record(bool(calls) and received == (p.pid, (1,), {"k": 2}),
                   observed="run() called the target with args and kwargs, directly and in the child")


@pytest.mark.claim("method.terminate-forceful")
def test_terminate_ends_the_child_without_running_its_cleanup(ctx, tmp_path, verdict):
    """terminate() ends a child without letting it clean up.

    The child blocks inside try/finally; its finally clause would write a line to a file.
    After terminate() and join() the file is still empty and the exit code is -SIGTERM:
    on POSIX the default action of SIGTERM ends the process on the spot, and on Windows
    TerminateProcess does the same (multiprocessing reports that as -SIGTERM too).
    (method.terminate-forceful; every start method and OS.)
    """
    marker = tmp_path / "cleanup.txt"
    started, release = ctx.Event(), ctx.Event()  # release is never set: the child is terminated
    with running(ctx.Process(target=children.work_with_cleanup, args=(str(marker), started, release))) as p:
        wait_for(started, what="the child to enter its try block")
        p.terminate()
        p.join(10)
    cleaned_up = marker.exists()
    assert p.exitcode == -signal.SIGTERM, p.exitcode
    assert not cleaned_up, "the finally clause ran although the child was terminated"
    verdict.record(not cleaned_up, observed=f"exitcode {p.exitcode}, finally clause ran: {cleaned_up}")


@pytest.mark.claim("method.terminate-forceful")
def test_terminate_skips_atexit_handlers_and_the_flush_of_buffered_output(ctx, start_method, tmp_path, verdict):
    """The same child is ended twice, once normally and once by terminate(). It prints a line
    into a block-buffered sys.stdout (a file) and registers an atexit handler, then waits.

    Released, it ends normally: multiprocessing flushes sys.stdout, so the line reaches the
    file; the atexit handler runs under spawn (an ordinary interpreter exit) and, from Python
    3.13, under fork and forkserver too -- before 3.13 those children end with os._exit(),
    which skips atexit handlers even on a normal end. Terminated, neither the flush nor the
    handler happens, on every start method and version. (method.terminate-forceful.)
    """
    atexit_on_normal_end = start_method == "spawn" or sys.version_info >= (3, 13)
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
            p.join(10)
        ended[how] = {"exitcode": p.exitcode, "flushed": out.exists() and out.read_text(encoding="utf-8") != "",
                      "atexit ran": atexit_marker.exists()}
    assert ended["released"] == {"exitcode": 0, "flushed": True, "atexit ran": atexit_on_normal_end}, ended
    assert ended["terminated"] == {"exitcode": -signal.SIGTERM, "flushed": False, "atexit ran": False}, ended
    verdict.record(not ended["terminated"]["flushed"] and not ended["terminated"]["atexit ran"],
                   observed=f"terminated: {ended['terminated']}; released: {ended['released']}")


@pytest.mark.skipif(not POSIX, reason="Windows terminates with TerminateProcess, which no handler can catch")
@pytest.mark.claim("method.terminate-forceful")
def test_a_child_that_handles_sigterm_does_clean_up(ctx, tmp_path, verdict):
    """"Without any cleanup" is only the default: on POSIX, terminate() sends SIGTERM, and a
    child that handles SIGTERM (here: by raising SystemExit) runs its finally clause and
    exits with the code it chooses. (method.terminate-forceful: so the claim holds only in
    part. POSIX only.)
    """
    marker = tmp_path / "cleanup.txt"
    started, release = ctx.Event(), ctx.Event()  # never set: the child is terminated mid-wait
    target = children.work_with_cleanup_on_sigterm
    with running(ctx.Process(target=target, args=(str(marker), started, release))) as p:
        wait_for(started, what="the child to install its handler")
        p.terminate()
        p.join(10)
    cleaned_up = marker.exists()
    assert cleaned_up and p.exitcode == 0, (cleaned_up, p.exitcode)
    verdict.record(not cleaned_up, observed=f"with a SIGTERM handler the child cleaned up (exitcode {p.exitcode})")


@pytest.mark.claim("method.terminate-keeps-lock")
def test_a_lock_held_by_a_terminated_child_stays_locked(ctx, verdict):
    """A multiprocessing Lock taken by a child that is then terminated is never released.

    Nothing releases the semaphore on the dead child's behalf, so anyone else who waits for
    the lock without a timeout would wait for ever. (method.terminate-keeps-lock; every start
    method and OS.)
    """
    lock = ctx.Lock()
    started, release = ctx.Event(), ctx.Event()  # never set: the child is terminated mid-wait
    with running(ctx.Process(target=children.hold_lock, args=(lock, started, release))) as p:
        wait_for(started, what="the child to take the lock")
        p.terminate()
        p.join(10)
    assert not p.is_alive()
    still_locked = not lock.acquire(block=False)
    if not still_locked:
        lock.release()
    assert still_locked, "the lock came free after its holder was terminated"
    verdict.record(still_locked, observed="the dead child's lock could not be acquired")


@pytest.mark.claim("method.is-alive")
def test_is_alive_is_true_exactly_while_the_process_runs(ctx, verdict):
    """is_alive() is True from start() until the process ends, and False before and after.

    (method.is-alive; every start method.)
    """
    started, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    before = p.is_alive()
    with running(p, release):
        wait_for(started)
        during = p.is_alive()
        release.set()
        p.join(10)
        after = p.is_alive()
    assert (before, during, after) == (False, True, False)
    verdict.record(during, observed=f"before start {before}, while running {during}, after join {after}")


def is_zombie(pid):
    """psutil's view of ``pid``, without collecting it (macOS may raise ZombieProcess)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.ZombieProcess:
        return True
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(not POSIX, reason="Windows has no zombie processes: an ended process leaves the "
                                      "process table once the last handle to it is closed")
@pytest.mark.claim("method.is-alive")
def test_asking_is_alive_collects_an_ended_child(ctx, start_method, verdict):
    """A child that has ended stays in the OS's process table, a zombie, until its parent
    collects its exit status. Asking is_alive() does that collecting: once it has returned
    False the zombie is gone, no join() needed. So does reading exitcode, which polls the
    same way: a second child, whose exitcode is read instead, is gone once it has read 0.
    Under forkserver the child belongs to the fork server, which collects it itself and
    passes the status on; is_alive() and exitcode only read it there. The zombie is watched
    for through psutil, which never collects it, so the spec runs wherever zombies exist
    (os.waitid, which could wait for it without collecting, came to macOS only in 3.13).
    (method.is-alive; POSIX, where zombies exist.)
    """
    seen = {}
    for how, ask in (("is_alive()", lambda p: p.is_alive()), ("exitcode", lambda p: p.exitcode)):
        p = ctx.Process(target=children.noop)
        with running(p):
            assert wait([p.sentinel], 10), "the child did not end"
            if start_method == "forkserver":
                zombie_before = None
            else:
                # The sentinel is ready once the child has exited; the zombie shows just after.
                poll_until(lambda: is_zombie(p.pid), what="the ended child to show as a zombie")
                zombie_before = is_zombie(p.pid)
            answer = ask(p)
            still_there = psutil.pid_exists(p.pid)
        seen[how] = {"answer": answer, "zombie before": zombie_before, "left afterwards": still_there,
                     "exitcode": p.exitcode}
    zombie_before = None if start_method == "forkserver" else True
    assert seen == {"is_alive()": {"answer": False, "zombie before": zombie_before, "left afterwards": False,
                                   "exitcode": 0},
                    "exitcode": {"answer": 0, "zombie before": zombie_before, "left afterwards": False,
                                 "exitcode": 0}}, seen
    verdict.record(seen["is_alive()"]["answer"] is False,
                   observed=f"ended children, one asked is_alive(), one its exitcode: {seen}")


HELD_FOR = 1.5  # seconds a timer holds the child while join() waits: well past a second
JOIN_TIMEOUT = 1.0  # the timeout of join(timeout); it must give up short of twice that


@pytest.mark.claim("method.join-waits")
def test_join_without_a_timeout_waits_for_the_end_however_long_it_takes(ctx, verdict):
    """join() without a timeout blocks until the process ends, however long that takes, and
    then returns None.

    The child is held on an Event that a timer thread of the test process sets 1.5 s after
    join() was called (the claim is about time, so a timer stands in for long work). join()
    comes back only after that, at least 1.4 s later, and with the child ended: its exit code
    is 0 right after the call, before anything else has looked at it. (method.join-waits;
    every start method.)
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
    assert exitcode_right_after == 0, f"join() returned after {waited:.2f}s with exit code {exitcode_right_after}"
    assert returned is None and waited >= HELD_FOR - 0.1, (returned, waited)
    verdict.record(exitcode_right_after == 0,
                   observed=f"join() returned {returned!r} after {waited:.2f}s, with the child ended (exit code 0)")


@pytest.mark.claim("method.join-waits")
def test_join_with_a_timeout_gives_up_after_it_and_returns_none_either_way(ctx, verdict):
    """join(timeout) waits at most about timeout seconds, then gives up. It returns None
    whether or not the process ended, so the way to tell is is_alive() or exitcode.

    On a held child, join(1.0) comes back after at least 0.9 s and before 1.9 s -- short of
    twice the timeout, with room for a loaded machine -- and returns None, with the child
    alive and exitcode None. Released, the child ends within the next join(timeout), which
    returns None as well, and now is_alive() is False and exitcode 0. (method.join-waits;
    every start method.)
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release)), release) as p:
        wait_for(started)
        t0 = time.monotonic()
        gave_up_with = p.join(timeout=JOIN_TIMEOUT)
        waited = time.monotonic() - t0
        after_giving_up = (p.is_alive(), p.exitcode)
        release.set()
        ended_with = p.join(10)
        after_the_end = (p.is_alive(), p.exitcode)
    assert 0.9 * JOIN_TIMEOUT <= waited < 1.9 * JOIN_TIMEOUT, f"join({JOIN_TIMEOUT}) came back after {waited:.2f}s"
    assert after_giving_up == (True, None), after_giving_up
    assert after_the_end == (False, 0), after_the_end
    assert gave_up_with is None and ended_with is None, (gave_up_with, ended_with)
    verdict.record(after_giving_up == (True, None) and after_the_end == (False, 0),
                   observed=f"join({JOIN_TIMEOUT}) gave up after {waited:.2f}s with the child alive; "
                            f"it returned {gave_up_with!r}, and {ended_with!r} once the child had ended")


@pytest.mark.claim("method.join-only-started")
def test_join_refuses_a_process_that_was_never_started(ctx, verdict):
    """Only a started process can be joined; calling run() yourself does not count.

    join() on a process that was never started -- including one whose run() was called
    directly, which ran the work in the current process -- fails with AssertionError
    ("can only join a started process"). It is an assert statement: under python -O the
    check is gone and join() fails later, with AttributeError. (method.join-only-started;
    every start method.)
    """
    ran = []
    p = ctx.Process(target=lambda: ran.append(os.getpid()))
    p.run()
    assert ran == [os.getpid()] and p.pid is None
    refusal = raised(p.join)
    if sys.flags.optimize:
        assert isinstance(refusal, AttributeError), refusal
    else:
        assert isinstance(refusal, AssertionError) and "can only join a started process" in str(refusal), refusal
    verdict.record(refusal is not None, observed=f"join() after run() raised {refusal!r}")


@pytest.mark.claim("method.blocking-kinds")
def test_start_and_terminate_return_at_once_and_join_waits(ctx, verdict):
    """start() and terminate() do not wait; join() does.

    start() returns while the target is still blocked. terminate() returns while the child
    is still alive: to make that state last, the child here handles SIGTERM by lingering
    until released (POSIX; on Windows TerminateProcess cannot be held off, so that part is
    not observed there). join() waits for the end, not for a time: join(0.2) blocks its
    0.2 s and gives up with the child still alive; after the release, join() returns with
    the child ended. (method.blocking-kinds; every start method.)
    """
    started, got_term, release = ctx.Event(), ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.linger_on_sigterm, args=(started, got_term, release))
    # Passing release is safe: on POSIX the terminated child lingers, alive, until released;
    # on Windows it is never terminated.
    with running(p, release):
        wait_for(started)
        start_returned_early = p.is_alive()
        verdict.record(start_returned_early, observed="start() returned while the target ran")
        if POSIX:
            p.terminate()
            wait_for(got_term, what="the child to receive SIGTERM")
            terminate_returned_early = p.is_alive()
            assert terminate_returned_early
            verdict.record(terminate_returned_early, observed="terminate() returned while the child lived on")
        t0 = time.monotonic()
        p.join(0.2)
        blocked_for = time.monotonic() - t0
        alive_after_timed_join = p.is_alive()
        release.set()
        p.join(10)
        ended_after_join = not p.is_alive() and p.exitcode is not None
    assert blocked_for >= 0.15 and alive_after_timed_join, (blocked_for, alive_after_timed_join)
    assert ended_after_join
    expected = -signal.SIGTERM if POSIX else 3
    assert p.exitcode == expected, p.exitcode
    verdict.record(blocked_for >= 0.15 and alive_after_timed_join and ended_after_join,
                   observed=f"join(0.2) blocked {blocked_for:.2f}s and the child was still alive; after the "
                            f"release join() returned with the child ended (exitcode {p.exitcode})")
    if WINDOWS:
        verdict.partly("terminate() was not observed mid-way: TerminateProcess cannot be held off on Windows")
