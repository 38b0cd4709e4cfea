"""Section 0 of the tutorial: what a process is, as opposed to a thread.

The one concept the tutorial insists on: processes do not share state.
"""

import pytest

from fixtures import examples, facts
from harness.lifecycle import receive, running


@pytest.mark.claim("concept.no-shared-state")
def test_a_change_a_child_makes_to_its_data_stays_in_the_child(ctx, start_method, verdict):
    """A child works on its own copy of everything it is given.

    The parent hands a list to the child; the child appends to it and reports what it sees.
    The child's list has changed, the parent's has not. Under fork the child's memory is a
    copy of the parent's: the list it changes is the parent's list as copied, at the same
    address, and nothing was pickled. Under spawn and forkserver the arguments are pickled
    and rebuilt in the child (an object beside the list says it was rebuilt). Either way
    nothing flows back unless it is sent back.
    """
    data = ["made by the parent"]
    receiver, sender = ctx.Pipe(duplex=False)
    marker = examples.Rebuilt()
    with running(ctx.Process(target=examples.change_and_report, args=(sender, data, marker))) as p:
        seen = receive(receiver)
    assert p.exitcode == 0
    copied = facts.copies_parent_memory(start_method)
    observed = {"parents_list": data, "childs_list": seen["data"], "rebuilt": seen["rebuilt"],
                "at_the_parents_address": not seen["rebuilt"] and seen["id"] == id(data)}
    verdict.expect(observed, python={"parents_list": ["made by the parent"],
                                     "childs_list": ["made by the parent", "added by the child"],
                                     "rebuilt": not copied, "at_the_parents_address": copied},
                   tutorial={"parents_list": ["made by the parent"]}, what="the list after the child changed it")


@pytest.mark.claim("concept.no-shared-state")
def test_only_objects_made_for_sharing_carry_a_childs_change_back(ctx, verdict):
    """Sharing has to be asked for: a multiprocessing Value and Array live in shared memory,
    so what the child writes into them the parent reads afterwards, unlike an ordinary
    object's change (the spec above).
    """
    value, array = ctx.Value("i", 0), ctx.Array("i", 3)
    with running(ctx.Process(target=examples.change_shared, args=(value, array))) as p:
        pass
    assert p.exitcode == 0
    written = {"value": 42, "array": [7, 8, 9]}  # what the child wrote
    # The tutorial's statement is about ordinary state; it defers such sharing to a later part.
    verdict.expect({"value": value.value, "array": list(array)}, python=written, tutorial=written,
                   what="a Value and an Array the child changed, read in the parent")
