"""Section 11 of the tutorial, the summary: what the main process does for its children at exit.

Both specs run ``fixtures/programs/daemon_at_exit.py`` (see test_10_daemons.py): a daemon and a
non-daemon child are running when the main code ends; the closing report runs after
multiprocessing's exit handler and looks at both: first at their process states, which
collects nothing, then at their exit codes, which collects a child that is still a zombie.
"""

import pytest

from fixtures import facts


@pytest.mark.claim("summary.main-waits-for-children")
def test_at_exit_the_main_process_waits_for_every_non_daemon_child(start_method, observe_program, verdict):
    """After the main code, multiprocessing's exit handler join()s every non-daemon child.

    The worker was still running when the main code ended, worked on for
    facts.WORKER_WORKS_ON seconds once the daemon was gone, and saw its parent alive when it
    finished; when the interpreter's last exit handler runs, its work is done, its exit code
    is 0 and (on POSIX) it is gone from the process table, collected: the handler waited as
    long as the worker took.
    """
    seen = observe_program("daemon_at_exit", start_method, facts.WORKER_WORKS_ON)
    assert seen["worker_alive_when_main_code_ends"] is True, seen
    assert seen["multiprocessing_exit_handler_had_run"] is True, seen
    assert seen["worker_saw_worked_on_after_daemon_gone"] >= facts.WORKER_WORKS_ON, seen
    observed = {"the parent outlived the worker": seen["worker_saw_parent_alive"],
                "exit status": seen["worker_exitcode"], "state": seen.get("worker_state_now")}
    expected = {"the parent outlived the worker": True, "exit status": 0, "state": facts.COLLECTED_STATE}
    verdict.expect(observed, python=expected, tutorial=expected, what="the worker at the last exit handler")


@pytest.mark.claim("summary.main-reaps-daemons")
def test_at_exit_the_main_process_collects_its_daemons_too(start_method, observe_program, verdict):
    """The exit handler terminates the daemons and then joins them as well: no zombie is left.

    The daemon's exit status (-SIGTERM) is known to the parent when the last exit handler
    runs, and (on POSIX) the daemon is gone from the process table. fork, spawn: the program
    itself, the daemon's OS parent, collected it. forkserver: the daemon's OS parent is the
    fork server, which collected it and passed the exit status back to the program.
    """
    seen = observe_program("daemon_at_exit", start_method)
    assert seen["daemon_os_parent"] == facts.os_parent(start_method), seen
    observed = {"exit status": seen["daemon_exitcode"], "state": seen.get("daemon_state_now")}
    expected = {"exit status": facts.TERMINATE_EXITCODE, "state": facts.COLLECTED_STATE}
    verdict.expect(observed, python=expected, tutorial=expected,
                   what=f"the daemon at the last exit handler (OS parent: {seen['daemon_os_parent']})")
