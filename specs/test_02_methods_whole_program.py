"""Section 2 of the tutorial, the whole-program claim: what terminate() leaves behind.

The spec runs ``fixtures/programs/terminate_with_grandchild.py``: a process with a child of its own
is terminated, and the program watches what becomes of that grandchild. On Linux the
program is its own "child sub-reaper", so the orphan comes to it rather than to pid 1.
"""

import pytest

from fixtures import facts


@pytest.mark.claim("method.terminate-orphans-children")
def test_terminate_leaves_the_grandchild_running_as_an_orphan_not_a_zombie(
        start_method, observe_program, verdict):
    """terminate() ends only the process it is called on.

    The terminated process runs no exit handler, so its own child is neither ended nor
    waited for: the grandchild keeps running. It is an orphan, not a zombie (a zombie is a
    process that has already exited and awaits collection). The orphan is re-parented to the
    program, its sub-reaper, on Linux and to launchd on macOS (Windows re-parents nothing),
    and the grandchild is collected once it ends. Under forkserver the grandchild's OS parent
    is the terminated process's fork server, which is the orphan, and lives on, adopted,
    after that process has died. One more trap under fork: the grandchild inherited the
    terminated process's sentinel pipe, so while the grandchild lives that sentinel is not
    ready, although the process is dead and collected; under spawn and forkserver it is.
    """
    seen = observe_program("terminate_with_grandchild", start_method)
    python = {"program_is_subreaper": facts.CHILD_SUBREAPERS,
              "grandchild_os_parent_before": facts.os_parent(start_method),
              "middle_exitcode": facts.TERMINATE_EXITCODE,
              "middle_sentinel_ready_once_collected": not facts.child_inherits_open_files(start_method),
              "orphan_adopted_by": facts.ORPHAN_ADOPTER,
              "grandchild_after_terminate": "running",
              "grandchild_ended_and_collected": True}
    verdict.expect({key: seen.get(key) for key in python}, python=python,
                   tutorial={"grandchild_after_terminate": "zombie"},
                   what="the terminated process's child", detail=seen)
