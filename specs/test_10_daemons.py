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

import pytest

from fixtures import facts
from harness.verdicts import either

# The longest the main process may be seen sleeping between the end of its code and the
# termination of its daemons: multiprocessing's exit handler waits for nothing there, so
# it is seen running (or waiting for a CPU), never sleeping; a pause of half a second
# before the terminate() would show as about that long.
NO_PAUSE = 0.1


@pytest.mark.claim("daemon.non-daemon-outlives-main-code")
def test_a_non_daemon_child_runs_on_after_the_main_code_and_the_program_waits(
        start_method, observe_program, verdict):
    """The end of the main code does not end a non-daemon child; the program waits for it.

    The worker is alive when the main code ends, and finishes afterwards (it saw the main
    code's end marker), working on for facts.WORKER_WORKS_ON seconds once the daemon is
    gone; yet its work is done and its exit code is 0 by the time the interpreter's last
    exit handler runs: the program exited only after it.
    """
    seen = observe_program("daemon_at_exit", start_method, facts.WORKER_WORKS_ON)
    assert seen["worker_alive_when_main_code_ends"] is True, seen
    waited = (seen["multiprocessing_exit_handler_had_run"] is True and seen["worker_exitcode"] == 0
              and seen["worker_saw_worked_on_after_daemon_gone"] >= facts.WORKER_WORKS_ON)
    observed = {"the worker ran on after the main code": seen["worker_saw_main_code_had_ended"],
                "the program waited for it": waited}
    verdict.expect(observed, python=dict.fromkeys(observed, True), tutorial=dict.fromkeys(observed, True),
                   what=f"worker: {seen['worker_saw_worked_on_after_daemon_gone']} s of work after the daemon")


@pytest.mark.claim("daemon.ends-after-main-code")
def test_a_daemon_is_terminated_once_the_main_code_has_ended(start_method, observe_program, verdict):
    """At interpreter exit, multiprocessing terminates every daemon that is still running.

    The daemon (which would block for long) is alive when the main code ends and ends with
    exit code -SIGTERM: terminated, before the non-daemon child could finish. The order:
    exit handler, terminate() the daemons, join() every child.
    """
    seen = observe_program("daemon_at_exit", start_method)
    assert seen["daemon_alive_when_main_code_ends"] is True, seen
    observed = {"exit code": seen["daemon_exitcode"],
                "ended before the worker finished": seen["worker_saw_daemon_gone_before_work_finished"]}
    expected = {"exit code": facts.TERMINATE_EXITCODE, "ended before the worker finished": True}
    verdict.expect(observed, python=expected, tutorial=expected, what="the daemon")


@pytest.mark.claim("daemon.children-assertion")
def test_a_daemon_may_not_start_a_process_of_its_own(start_method, observe_program, verdict):
    """start() inside a daemon raises AssertionError: daemonic processes are not allowed to have children.

    It is an ``assert`` statement, so ``python -O`` removes the check: under ``python -O
    fixtures/programs/daemon_children.py <method>`` (children inherit -O) the daemon starts its
    child, which ends with exit code 0 (see also beyond.optimize-strips-checks).
    """
    seen = observe_program("daemon_children", start_method)
    assert seen["daemon_start_detail"] == "daemonic processes are not allowed to have children", seen
    optimized = observe_program("daemon_children", start_method, python_args=("-O",))
    assert optimized["optimize_flag"] == 1, optimized
    assert (optimized["daemon_start_outcome"], optimized["daemon_start_detail"]) == (
        "started", "exitcode 0"), optimized
    verdict.expect(seen["daemon_start_outcome"], python="AssertionError", tutorial="AssertionError",
                   what="what start() in a daemon raised")


@pytest.mark.claim("daemon.may-never-run")
def test_a_daemon_started_as_the_main_code_ends_may_be_terminated_before_it_runs(
        start_method, observe_program, verdict):
    """A daemon started at the very end races the exit handler that terminates it.

    The daemon's body only appends a line to a file; the main code starts it and ends.
    Whichever wins, the daemon is gone when the program exits: terminated (-SIGTERM) before
    its body ran, or finished (0) or terminated just after it. Which one happens is
    scheduling; "may" names both.
    """
    seen = observe_program("daemon_started_last", start_method)
    ran = seen["daemon_body_ran"]
    assert seen["daemon_exitcode"] in (facts.TERMINATE_EXITCODE, 0), seen
    assert ran or seen["daemon_exitcode"] == facts.TERMINATE_EXITCODE, seen
    assert seen.get("daemon_state_now") == facts.COLLECTED_STATE, seen
    verdict.expect(ran, python=either(False, True), tutorial=either(False, True),
                   what=f"the daemon's body ran (exit code {seen['daemon_exitcode']})")


@pytest.mark.claim("daemon.may-never-run")
def test_the_exit_handler_gives_the_daemons_no_time_before_terminating_them(
        start_method, observe_program, verdict):
    """Nothing waits for a late daemon to get going: the exit handler terminates the daemons
    as soon as the main code has ended.

    In the same program a second daemon, the watcher, is told when the main code has ended
    and from then on looks at the main process's state every few milliseconds until it is
    terminated (-SIGTERM) itself. It never sees the main process sleeping for as long as
    0.1 s: a process that waits for something (a time.sleep(), a blocking read) shows as
    sleeping, one that only waits for a CPU on a loaded machine as running. Where the spec
    does not trust process states to tell the two apart (facts.SLEEP_IS_SEEN: on Linux it
    does), either is possible.
    """
    seen = observe_program("daemon_started_last", start_method)
    assert seen["watcher_exitcode"] == facts.TERMINATE_EXITCODE, seen
    assert seen.get("watcher_state_now") == facts.COLLECTED_STATE, seen
    paused = seen["main_seen_sleeping_after_main_code"]
    verdict.expect(paused < NO_PAUSE, python=True if facts.SLEEP_IS_SEEN else either(True, False),
                   tutorial=True, what=f"no pause before the terminate() (the main process was seen "
                                       f"sleeping for {paused:.3f} s at most after its code ended)")
