"""Section 7 of the tutorial: every process has its own memory."""

import pytest

from fixtures import examples
from harness.lifecycle import receive, running


@pytest.mark.claim("isolation.globals-not-shared")
def test_a_global_the_child_changes_stays_unchanged_in_the_parent(ctx, start_method, verdict,
                                                                  monkeypatch):
    """A child that assigns to a module global changes only its own copy: the parent's
    value is untouched.

    What the child *starts* with differs by start method. The parent sets the global to 7
    before start(). A fork child is a copy of the parent, so it finds 7; a spawn or
    forkserver child imports the module afresh, so it finds the value written in the
    source, 100. Either way its change to 0 never reaches the parent.

    Tutorial (isolation.globals-not-shared): holds for every start method.
    """
    monkeypatch.setattr(examples, "COUNTER", 7)
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.change_the_global, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["after_change"] == 0
    assert seen["found"] == (7 if start_method == "fork" else 100), seen
    assert examples.COUNTER == 7, "the child's assignment reached the parent"
    verdict.record(examples.COUNTER == 7,
                   observed=f"child found {seen['found']} and set {seen['after_change']}; "
                            f"parent still has {examples.COUNTER}")
