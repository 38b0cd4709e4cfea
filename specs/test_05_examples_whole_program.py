"""Section 5 of the tutorial, the whole-program claims: names bound inside the main guard,
and the name the tutorial's subclass gets in a fresh program.

The first spec runs ``fixtures/programs/main_reimport.py``, whose parent binds one name inside the
guard before starting its children and one after; the children report which they can see.
The second runs ``fixtures/programs/process_names.py``, which makes the tutorial's ``Piao`` first.
"""

import multiprocessing

import pytest

from fixtures import facts


@pytest.mark.claim("example.guard-locals-invisible")
def test_a_name_bound_inside_the_main_guard_is_visible_to_forked_children_only(
        start_method, observe_program, verdict):
    """Under spawn and forkserver the guard does not run in the child, so its names are absent.

    The child imports the main file as ``__mp_main__``, where the guarded block is skipped.
    Under fork the child is a copy of the parent at the moment of start(): it sees every
    name bound before start(), and none bound after (the copy does not follow the parent).
    """
    seen = observe_program("main_reimport", start_method)
    before, after = "sees a name bound in the guard before start()", "one bound after start()"
    verdict.expect({before: seen["child_sees_bound_before_start"], after: seen["child_sees_bound_after_start"]},
                   python={before: facts.copies_parent_memory(start_method), after: False},
                   tutorial={before: False}, what="each child", detail=f"observed: {seen}")


@pytest.mark.claim("example.name-overwritten-by-init")
def test_the_tutorials_subclass_is_named_piao_1_in_a_fresh_program_and_its_child_counts_afresh(
        start_method, observe_program, verdict):
    """The tutorial prints "Piao-1": the name its subclass set before super().__init__() is
    replaced by ``<ClassName>-<n>``, and n is 1 because it is the first Process object of a
    fresh program. The count goes on over every class: the next objects are
    ``<ContextClass>-2`` (started), ``Process-3``. A Piao made inside the child numbered 2,
    after one other object, is ``Piao-2:2``: the child's own number, a colon, its own count.
    """
    seen = observe_program("process_names", start_method)
    cls = multiprocessing.get_context(start_method).Process.__name__
    names = ("piao", "started", "plain")
    verdict.expect(dict({key: seen[key] for key in names}, child_made=seen["child_made"].split(",")),
                   python={"piao": "Piao-1", "started": f"{cls}-2", "plain": "Process-3",
                           "child_made": ["Process-2:1", "Piao-2:2"]},
                   tutorial={"piao": "Piao-1"}, what="the names", detail=f"observed: {seen}")
