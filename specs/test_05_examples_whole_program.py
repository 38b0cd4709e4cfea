"""Section 5 of the tutorial, the whole-program claim: names bound inside the main guard.

The spec runs ``fixtures/main_reimport.py``, whose parent binds one name inside the guard
before starting its children and one after; the children report which they can see.
"""

import pytest


@pytest.mark.claim("example.guard-locals-invisible")
def test_a_name_bound_inside_the_main_guard_is_visible_to_forked_children_only(
        start_method, observe_program, verdict):
    """Under spawn and forkserver the guard does not run in the child, so its names are absent.

    The child imports the main file as ``__mp_main__``, where the guarded block is skipped.
    Under fork the child is a copy of the parent at the moment of start(): it sees every
    name bound before start(), and none bound after (the copy does not follow the parent).
    (example.guard-locals-invisible: holds for spawn and forkserver, not for fork.)
    """
    seen = observe_program("main_reimport", start_method)
    before = seen["child_sees_bound_before_start"] == "True"
    after = seen["child_sees_bound_after_start"] == "True"
    assert before == (start_method == "fork"), seen
    assert not after, seen
    verdict.compare(predicted=False, observed=before, what="child sees a name bound in the guard")
