"""Section 0 of the tutorial: what a process is, as opposed to a thread.

The one concept the tutorial insists on: processes do not share state.
"""

import pytest

from fixtures import examples
from harness.lifecycle import receive, running


@pytest.mark.claim("concept.no-shared-state")
def test_a_change_a_child_makes_to_its_data_stays_in_the_child(ctx, start_method, verdict):
    """A child works on its own copy of everything it is given.

    The parent hands a list to the child; the child appends to it and reports what it sees.
    The child's list has changed, the parent's has not. Under fork the child's memory is a
    copy of the parent's: the list it changes is the parent's list as copied, at the same
    address, and nothing was pickled. Under spawn and forkserver the arguments are pickled
    and rebuilt in the child (an object beside the list says it was rebuilt). Either way
    nothing flows back unless it is sent back. (concept.no-shared-state; the same for every
    start method and OS.)
    """
    data = ["made by the parent"]
    receiver, sender = ctx.Pipe(duplex=False)
    marker = examples.Rebuilt()
    with running(ctx.Process(target=examples.change_and_report, args=(sender, data, marker))) as p:
        seen = receive(receiver)
    assert p.exitcode == 0
    seen_by_child = seen["data"]
    assert seen_by_child == ["made by the parent", "added by the child"], seen_by_child
    assert data == ["made by the parent"], f"the parent's list changed to {data}"
    if start_method == "fork":
        assert (seen["rebuilt"], seen["id"]) == (False, id(data)), seen
    else:
        assert seen["rebuilt"] is True, seen
    verdict.record(seen_by_child != data, observed=f"child saw {seen_by_child}, parent kept {data}")


@pytest.mark.claim("concept.no-shared-state")
def test_only_objects_made_for_sharing_carry_a_childs_change_back(ctx, verdict):
    """Sharing has to be asked for: a multiprocessing Value and Array live in shared memory,
    so what the child writes into them the parent reads afterwards, unlike an ordinary
    object's change (the spec above). (concept.no-shared-state: true for ordinary objects;
    every start method.)
    """
    value, array = ctx.Value("i", 0), ctx.Array("i", 3)
    with running(ctx.Process(target=examples.change_shared, args=(value, array))) as p:
        pass
    assert p.exitcode == 0
    shared = (value.value, list(array)) == (42, [7, 8, 9])
    assert shared, (value.value, list(array))
    verdict.record(shared, observed=f"an ordinary object stays the child's own; a Value and an Array the "
                                  f"child changed read {value.value} and {list(array)} in the parent")
