"""Section 11 of the tutorial, the summary: what the main process does for its children at exit.

Both specs run ``fixtures/programs/daemon_at_exit.py`` (see test_10_daemons.py): a daemon and a
non-daemon child are running when the main code ends; the closing report runs after
multiprocessing's exit handler and looks at both: first at their process states, which
collects nothing, then at their exit codes, which collects a child that is still a zombie.
"""

import signal

import pytest

from harness import WINDOWS

# How long the worker goes on working once the daemon is gone (see test_10_daemons.py).
WORK_SECONDS = 1.5


@pytest.mark.claim("summary.main-waits-for-children")
def test_at_exit_the_main_process_waits_for_every_non_daemon_child(start_method, observe_program, verdict):
    """After the main code, multiprocessing's exit handler join()s every non-daemon child.

    The worker was still running when the main code ended, worked on for 1.5 s once the
    daemon was gone, and saw its parent alive when it finished; when the interpreter's last
    exit handler runs, its work is done, its exit code is 0 and it is gone (collected):
    the handler waited as long as the worker took. Joining is what collects a child: the
    "resources" of the tutorial are its process-table entry and exit status.
    (summary.main-waits-for-children.)
    """
    seen = observe_program("daemon_at_exit", start_method, WORK_SECONDS)
    assert seen["worker_alive_when_main_code_ends"] == "True", seen
    worked = seen["worker_saw_worked_on_after_daemon_gone"]
    waited = (seen["multiprocessing_exit_handler_had_run"] == "True"
              and worked != "no report" and float(worked) >= WORK_SECONDS
              and seen["worker_saw_parent_alive"] == "True" and seen["worker_exitcode"] == "0")
    assert waited, seen
    if not WINDOWS:
        assert seen["worker_state_now"] == "gone", seen
    verdict.record(waited, observed="the parent outlived the worker and had its exit status at exit")


@pytest.mark.claim("summary.main-reaps-daemons")
def test_at_exit_the_main_process_collects_its_daemons_too(start_method, observe_program, verdict):
    """The exit handler terminates the daemons and then joins them as well: no zombie is left.

    The daemon's exit status (-SIGTERM) is known to the parent when the last exit handler
    runs, and the daemon is gone from the process table. fork, spawn: the program itself
    collected it. forkserver: the daemon's OS parent is the fork server, which collected it
    and passed the exit status back to the program. (summary.main-reaps-daemons.)
    """
    seen = observe_program("daemon_at_exit", start_method)
    collected = seen["daemon_exitcode"] == str(int(-signal.SIGTERM))
    if not WINDOWS:
        assert seen["daemon_os_parent"] == ("forkserver" if start_method == "forkserver" else "program"), seen
        collected = collected and seen["daemon_state_now"] == "gone"
    assert collected, seen
    who = "the fork server" if start_method == "forkserver" else "the main process"
    verdict.record(collected, observed=f"daemon exit status known at exit, no zombie left; collected by {who}")
