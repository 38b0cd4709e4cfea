"""Section 3 of the tutorial, the whole-program claim: when does a daemon end?

Two programs: ``fixtures/programs/daemon_at_exit.py`` lets the main code end normally, and
``fixtures/programs/killed_parent.py`` kills the parent process outright. Together they separate
"the parent's code ends" from "the parent process ends".
"""

import signal

import pytest


@pytest.mark.claim("attr.daemon-ends-with-parent-code")
def test_a_daemon_is_ended_by_its_parents_exit_handler_while_the_parent_still_lives(
        start_method, observe_program, verdict):
    """When the main code ends, multiprocessing's exit handler terminates the daemons.

    That happens before the handler waits for the other children, so the parent process is
    still alive when its daemon is ended: a non-daemon child, which can only finish once the
    daemon is gone, sees its parent alive. The daemon's exit code is -SIGTERM. Every start
    method. (attr.daemon-ends-with-parent-code.)
    """
    seen = observe_program("daemon_at_exit", start_method)
    assert seen["daemon_exitcode"] == str(int(-signal.SIGTERM)), seen
    ended_while_parent_lived = (seen["worker_saw_daemon_gone_before_work_finished"] == "True"
                                and seen["worker_saw_parent_alive"] == "True")
    assert ended_while_parent_lived, seen
    verdict.record(ended_while_parent_lived,
                   observed="terminated by the exit handler while the parent process still lived")


@pytest.mark.claim("attr.daemon-ends-with-parent-code")
def test_a_daemon_outlives_a_parent_killed_outright(start_method, observe_program, verdict):
    """A parent killed with SIGKILL never reaches the end of its code: its daemon lives on.

    No exit handler runs in a killed process, so nothing terminates the daemon; it notices
    its parent is dead and still finishes its work. Every start method.
    (attr.daemon-ends-with-parent-code: what ends a daemon is the parent's code ending,
    not the parent process ending.)
    """
    seen = observe_program("killed_parent", start_method)
    survived = seen["daemon_finished_after_parent_died"] == "True"
    assert survived, seen
    verdict.record(survived, observed="the daemon outlived its SIGKILLed parent and finished its work")
