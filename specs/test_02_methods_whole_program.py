"""Section 2 of the tutorial, the whole-program claim: what terminate() leaves behind.

The spec runs ``fixtures/programs/terminate_with_grandchild.py``: a process with a child of its own
is terminated, and the program watches what becomes of that grandchild. On Linux the
program is its own "child sub-reaper", so the orphan comes to it rather than to pid 1.
"""

import signal

import pytest

from harness import WINDOWS


@pytest.mark.claim("method.terminate-orphans-children")
def test_terminate_leaves_the_grandchild_running_as_an_orphan_not_a_zombie(
        start_method, observe_program, verdict):
    """terminate() ends only the process it is called on.

    The terminated process runs no exit handler, so its own child is neither ended nor
    waited for: the grandchild keeps running. It is an orphan, not a zombie (a zombie is a
    process that has already exited and awaits collection). It is re-parented to the
    nearest sub-reaper or to pid 1, and collected once it ends. Under forkserver the
    grandchild's OS parent is the terminated process's fork server, which lives on, itself
    adopted, after that process has died. One more trap under fork: the grandchild inherited
    the terminated process's sentinel pipe, so while the grandchild lives that sentinel is
    not ready, although the process is dead and collected; under spawn and forkserver it
    is. (method.terminate-orphans-children: the tutorial's word "zombie" is wrong.)
    """
    seen = observe_program("terminate_with_grandchild", start_method)
    assert seen["middle_exitcode"] == str(int(-signal.SIGTERM)), seen
    state = seen["grandchild_state_after_terminate"]
    assert state not in ("zombie", "gone"), seen
    if not WINDOWS:
        subreaper = seen["program_is_subreaper"] == "True"
        orphan = "forkserver" if start_method == "forkserver" else "grandchild"
        adopter = seen[f"{orphan}_adopted_by"]
        assert adopter == "subreaper" if subreaper else adopter.startswith("pid"), seen
        assert seen["grandchild_os_parent_before"] == ("forkserver" if start_method == "forkserver"
                                                       else "middle"), seen
        assert seen["grandchild_ended_and_collected"] == "True", seen
        assert seen["middle_sentinel_ready_once_collected"] == str(start_method != "fork"), seen
    else:
        assert seen["grandchild_ended"] == "True", seen
    verdict.compare(predicted="zombie", observed="zombie" if state == "zombie" else "still running",
                    what="the terminated process's child")
