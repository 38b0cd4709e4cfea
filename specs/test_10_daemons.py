"""Section 10 of the tutorial: daemon processes at the end of a program.

``fixtures/programs/daemon_at_exit.py`` ends its main code without join() while a daemon and a
non-daemon child run; its closing report is registered to run after multiprocessing's exit
handler, so it shows what that handler did. The non-daemon's work is built so it can only
finish once the daemon is gone (it waits for end-of-file on a pipe only the daemon holds
open): the order of events is proven by who could see what, not by timing. Asked to, the
worker then works on for a while, longer than a handler that waited only a moment would
wait. ``fixtures/programs/daemon_started_last.py`` starts a daemon as the main code's last act, and
has another daemon watch the main process until the handler terminates them.
"""

import signal
import sys

import pytest

from harness import WINDOWS

LINUX = sys.platform.startswith("linux")

SIGTERM_EXIT = str(int(-signal.SIGTERM))  # terminate() gives -SIGTERM, on Windows too
# How long the non-daemon worker goes on working once the daemon is gone: longer than an
# exit handler that waited only a moment for each child (half a second, say) would wait.
WORK_SECONDS = 1.5
# The longest the main process may be seen sleeping between the end of its code and the
# termination of its daemons: multiprocessing's exit handler waits for nothing there, so
# on Linux it is seen running (or waiting for a CPU), never sleeping; a pause of half a
# second before the terminate() would show as about that long.
NO_PAUSE = 0.1


@pytest.mark.claim("daemon.non-daemon-outlives-main-code")
def test_a_non_daemon_child_runs_on_after_the_main_code_and_the_program_waits(
        start_method, observe_program, verdict):
    """The end of the main code does not end a non-daemon child; the program waits for it.

    The worker is alive when the main code ends, and finishes afterwards (it saw the main
    code's end marker), working on for 1.5 s once the daemon is gone; yet its work is done
    and its exit code is 0 by the time the interpreter's last exit handler runs: the program
    exited only after it, more than 1.5 s after its main code had ended. Every start method.
    (daemon.non-daemon-outlives-main-code.)
    """
    seen = observe_program("daemon_at_exit", start_method, WORK_SECONDS)
    assert seen["worker_alive_when_main_code_ends"] == "True", seen
    outlived = seen["worker_saw_main_code_had_ended"] == "True"
    waited = (seen["multiprocessing_exit_handler_had_run"] == "True" and seen["worker_exitcode"] == "0"
              and seen["worker_saw_worked_on_after_daemon_gone"] != "no report"
              and float(seen["worker_saw_worked_on_after_daemon_gone"]) >= WORK_SECONDS)
    assert outlived and waited, seen
    verdict.record(outlived and waited, observed="the worker finished after the main code ended; "
                                                 "the program exited after the worker")


@pytest.mark.claim("daemon.ends-after-main-code")
def test_a_daemon_is_terminated_once_the_main_code_has_ended(start_method, observe_program, verdict):
    """At interpreter exit, multiprocessing terminates every daemon that is still running.

    The daemon (which would block for 20 s) is alive when the main code ends and ends with
    exit code -SIGTERM: terminated, before the non-daemon child could finish. Every start
    method. The exact order: exit handler -> terminate() the daemons -> join() every child.
    (daemon.ends-after-main-code.)
    """
    seen = observe_program("daemon_at_exit", start_method)
    assert seen["daemon_alive_when_main_code_ends"] == "True", seen
    terminated = seen["daemon_exitcode"] == SIGTERM_EXIT
    before_worker = seen["worker_saw_daemon_gone_before_work_finished"] == "True"
    assert terminated and before_worker, seen
    verdict.record(terminated and before_worker,
                   observed=f"daemon exit code {seen['daemon_exitcode']}, ended before the worker finished")


@pytest.mark.claim("daemon.children-assertion")
def test_a_daemon_may_not_start_a_process_of_its_own(start_method, observe_program, verdict):
    """start() inside a daemon raises AssertionError: daemonic processes are not allowed to have children.

    Every start method. It is an ``assert`` statement, so ``python -O`` removes the check:
    under ``python -O fixtures/programs/daemon_children.py <method>`` (children inherit -O) the
    daemon starts its child, which ends with exit code 0 (see also
    beyond.optimize-strips-checks). (daemon.children-assertion.)
    """
    seen = observe_program("daemon_children", start_method)
    outcome = (seen["daemon_start_outcome"], seen["daemon_start_detail"])
    assert outcome == ("AssertionError", "daemonic processes are not allowed to have children"), seen
    optimized = observe_program("daemon_children", start_method, python_args=("-O",))
    assert optimized["optimize_flag"] == "1", optimized
    assert (optimized["daemon_start_outcome"], optimized["daemon_start_detail"]) == (
        "started", "exitcode 0"), optimized
    verdict.compare(predicted="AssertionError", observed=seen["daemon_start_outcome"],
                    what="what start() in a daemon raised")


@pytest.mark.claim("daemon.may-never-run")
def test_a_daemon_started_as_the_main_code_ends_may_be_terminated_before_it_runs(
        start_method, observe_program, verdict):
    """A daemon started at the very end races the exit handler that terminates it.

    The daemon's body only appends a line to a file; the main code starts it and ends.
    Whichever wins, the daemon is gone when the program exits: terminated (-SIGTERM) before
    its body ran, or finished (0) or terminated just after it. Which one happens is
    scheduling. The spec asserts only what holds either way. (daemon.may-never-run: "may" is
    a possibility. The verdict is "holds" when this run shows the body never ran, and "not
    assertable" when the body happened to run: that run neither shows nor refutes "may".)
    """
    seen = observe_program("daemon_started_last", start_method)
    ran = seen["daemon_body_ran"] == "True"
    assert seen["daemon_exitcode"] in (SIGTERM_EXIT, "0"), seen
    if not ran:
        assert seen["daemon_exitcode"] == SIGTERM_EXIT, seen
    if not WINDOWS:
        assert seen["daemon_state_now"] == "gone", seen
    if ran:
        verdict.not_assertable(f"this run the daemon's body ran before the exit handler ended it "
                               f"(exit code {seen['daemon_exitcode']}): the race went the other way")
    else:
        verdict.record(seen["daemon_exitcode"] == SIGTERM_EXIT,
                       observed=f"ended (exit code {seen['daemon_exitcode']}) before its body ran")


@pytest.mark.claim("daemon.may-never-run")
def test_the_exit_handler_gives_the_daemons_no_time_before_terminating_them(
        start_method, observe_program, verdict):
    """Nothing waits for a late daemon to get going: the exit handler terminates the daemons
    as soon as the main code has ended.

    In the same program a second daemon, the watcher, is told when the main code has ended
    and from then on looks at the main process's state every few milliseconds until it is
    terminated (-SIGTERM) itself. It never sees the main process sleeping for as long as
    0.1 s: a process that waits for something (a time.sleep(), a blocking read) shows as
    sleeping, one that only waits for a CPU on a loaded machine as running. Asserted on
    Linux, whose process states the spec trusts to tell the two apart; every start method.
    (daemon.may-never-run: the handler leaves the race open; the verdict is "not
    assertable", as whether a daemon runs is still scheduling.)
    """
    seen = observe_program("daemon_started_last", start_method)
    assert seen["watcher_exitcode"] == SIGTERM_EXIT, seen
    if not WINDOWS:
        assert seen["watcher_state_now"] == "gone", seen
    paused = float(seen["main_seen_sleeping_after_main_code"])
    if LINUX:
        assert paused < NO_PAUSE, seen
    verdict.not_assertable(
        f"the exit handler terminated the daemons without a pause (the main process was seen "
        f"sleeping for {paused:.3f} s at most after its code ended), which leaves the race open")
