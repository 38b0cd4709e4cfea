"""Section 3 of the tutorial, the whole-program claim: when does a daemon end?

Two programs: ``fixtures/daemon_at_exit.py`` lets the main code end normally, and
``fixtures/killed_parent.py`` kills the parent process outright.
"""

import signal
import sys

import pytest

WINDOWS = sys.platform == "win32"


@pytest.mark.claim("attr.daemon-ends-with-parent-code")
def test_a_daemon_ends_with_its_parents_code_not_with_its_parents_process(
        start_method, run_program, verdict):
    """A daemon is ended by its parent's exit handler, not by its parent's death.

    When the main code ends, multiprocessing's exit handler terminates the daemons (SIGTERM)
    and then waits for the other children: the parent process is still alive when its
    daemon is ended (a non-daemon child that outlives the daemon sees both). When the
    parent is instead killed with SIGKILL, no exit handler runs, and its daemon lives on
    and finishes. Every start method. (attr.daemon-ends-with-parent-code.)
    """
    at_exit = run_program("daemon_at_exit", start_method, timeout=10)
    assert at_exit.returncode == 0 and not at_exit.survivors, at_exit.explain()
    seen = at_exit.observed
    assert seen["daemon_exitcode"] == str(int(-signal.SIGTERM)), seen
    ended_while_parent_lived = (seen["worker_saw_daemon_gone_before_work_finished"] == "True"
                                and seen["worker_saw_parent_alive"] == "True")
    assert ended_while_parent_lived, seen

    killed = run_program("killed_parent", start_method, timeout=10)
    assert killed.returncode == 0 and not killed.survivors, killed.explain()
    survived_killed_parent = killed.observed["daemon_finished_after_parent_died"] == "True"
    assert survived_killed_parent, killed.explain()
    verdict.record(ended_while_parent_lived and survived_killed_parent,
                   observed="terminated by the exit handler while the parent still lived; "
                            "outlived a parent killed with SIGKILL")
