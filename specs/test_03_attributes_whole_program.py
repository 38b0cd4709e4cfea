"""Section 3 of the tutorial, the whole-program claim: when does a daemon end?

Two programs: ``fixtures/programs/daemon_at_exit.py`` lets the main code end normally, and
``fixtures/programs/killed_parent.py`` kills the parent process outright. Together they separate
"the parent's code ends" from "the parent process ends".
"""

import pytest

from fixtures import facts


@pytest.mark.claim("attr.daemon-ends-with-parent-code")
def test_a_daemon_is_ended_by_its_parents_exit_handler_while_the_parent_still_lives(
        start_method, observe_program, verdict):
    """When the main code ends, multiprocessing's exit handler terminates the daemons.

    That happens before the handler waits for the other children, so the parent process is
    still alive when its daemon is ended: a non-daemon child, which can only finish once the
    daemon is gone, sees its parent alive. The daemon's exit code is -SIGTERM.
    """
    seen = observe_program("daemon_at_exit", start_method)
    ended_with_the_code = {"worker_saw_daemon_gone_before_work_finished": True, "worker_saw_parent_alive": True}
    verdict.expect({key: seen.get(key) for key in ("daemon_exitcode", *ended_with_the_code)},
                   python=dict(ended_with_the_code, daemon_exitcode=facts.TERMINATE_EXITCODE),
                   tutorial=ended_with_the_code, what="the daemon when the main code ended", detail=seen)


@pytest.mark.claim("attr.daemon-ends-with-parent-code")
def test_a_daemon_outlives_a_parent_killed_outright(start_method, observe_program, verdict):
    """A parent killed with SIGKILL never reaches the end of its code: its daemon lives on.

    No exit handler runs in a killed process, so nothing terminates the daemon; it notices
    its parent is dead and still finishes its work.
    """
    seen = observe_program("killed_parent", start_method)
    verdict.expect(seen.get("daemon_finished_after_parent_died"), python=True, tutorial=True,
                   what="the daemon finished its work after its parent was killed", detail=seen)
