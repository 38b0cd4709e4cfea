"""Section 5 of the tutorial, the whole-program claims: names bound inside the main guard,
and the name the tutorial's subclass gets in a fresh program.

The first spec runs ``fixtures/programs/main_reimport.py``, whose parent binds one name inside the
guard before starting its children and one after; the children report which they can see.
The second runs ``fixtures/programs/process_names.py``, which makes the tutorial's ``Piao`` first.
"""

import multiprocessing

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


@pytest.mark.claim("example.name-overwritten-by-init")
def test_the_tutorials_subclass_is_named_piao_1_in_a_fresh_program_and_its_child_counts_afresh(
        start_method, observe_program, verdict):
    """The tutorial prints "Piao-1": the name its subclass set before super().__init__() is
    replaced by ``<ClassName>-<n>``, and n is 1 because it is the first Process object of a
    fresh program. The count goes on over every class: the next objects are
    ``<ContextClass>-2`` (started), ``Process-3``. A Piao made inside the child numbered 2,
    after one other object, is ``Piao-2:2``: the child's own number, a colon, its own count.

    Tutorial (example.name-overwritten-by-init): holds for every start method.
    """
    seen = observe_program("process_names", start_method)
    cls = multiprocessing.get_context(start_method).Process.__name__
    assert (seen["piao"], seen["started"], seen["plain"]) == ("Piao-1", f"{cls}-2", "Process-3"), seen
    assert seen["child_made"].split(",") == ["Process-2:1", "Piao-2:2"], seen
    verdict.record(seen["piao"] == "Piao-1",
                   observed=f"the first Piao of a fresh program: {seen['piao']!r}; one made in child "
                            f"{seen['child_own']!r}: {seen['child_made'].split(',')[1]!r}")
