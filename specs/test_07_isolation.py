"""Section 7 of the tutorial: every process has its own memory."""

import pytest

from fixtures import examples, facts
from harness.lifecycle import receive, running


@pytest.mark.claim("isolation.globals-not-shared")
def test_a_global_the_child_changes_stays_unchanged_in_the_parent(ctx, verdict, monkeypatch):
    """A child that assigns to a module global changes only its own copy: the parent's
    value is untouched.

    What the child *starts* with differs by start method. The parent sets the global to 7
    before start(). A fork child is a copy of the parent, so it finds 7; a spawn or
    forkserver child imports the module afresh, so it finds the value written in the
    source, 100. Either way its change to 0 never reaches the parent.
    """
    as_written = examples.COUNTER
    monkeypatch.setattr(examples, "COUNTER", 7)
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.change_the_global, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert as_written == 100 and seen["found"] in (7, as_written), seen
    verdict.expect({"the child found the parent's value, not the source's": seen["found"] == 7,
                    "the child's value after its change": seen["after_change"],
                    "the parent's value afterwards": examples.COUNTER},
                   python={"the child found the parent's value, not the source's":
                           facts.copies_parent_memory(ctx.get_start_method()),
                           "the child's value after its change": 0, "the parent's value afterwards": 7},
                   tutorial={"the parent's value afterwards": 7}, what="the global")
