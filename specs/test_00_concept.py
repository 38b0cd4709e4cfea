"""Section 0 of the tutorial: what a process is, as opposed to a thread.

The one concept the tutorial insists on: processes do not share state.
"""

import pytest

from fixtures import children
from harness.lifecycle import receive, running


@pytest.mark.claim("concept.no-shared-state")
def test_a_change_a_child_makes_to_its_data_stays_in_the_child(ctx, verdict):
    """A child works on its own copy of everything it is given.

    The parent hands a list to the child; the child appends to it and reports what it sees.
    The child's list has changed, the parent's has not: under fork the child's memory is a
    copy-on-write copy of the parent's, under spawn and forkserver the list is pickled and
    rebuilt in the child. Either way nothing flows back unless it is sent back.
    (concept.no-shared-state; the same for every start method and OS.)
    """
    data = ["made by the parent"]
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.append_and_report, args=(sender, data))) as p:
        seen_by_child = receive(receiver)
    assert p.exitcode == 0
    assert seen_by_child == ["made by the parent", "added by the child"], seen_by_child
    assert data == ["made by the parent"], f"the parent's list changed to {data}"
    verdict.record(seen_by_child != data, observed=f"child saw {seen_by_child}, parent kept {data}")
