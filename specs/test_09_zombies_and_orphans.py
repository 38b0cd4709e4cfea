"""Section 9 of the tutorial: zombie and orphan processes, watched with psutil.

A zombie is a process that has exited and whose parent has not yet collected it (waited
for it); ``ps`` shows it in state Z. An orphan is a process still running whose parent has
died; the OS re-parents it. Two programs: ``fixtures/programs/zombie_states.py`` and
``fixtures/programs/killed_parent.py``. Linux re-parents an orphan to the nearest ancestor marked
as a "child sub-reaper", else to pid 1. The killed-parent program marks itself, so on Linux
the orphans come to it whatever pid 1 is: it stands in for init. Windows has neither
zombies nor re-parenting.
"""

import pytest

from fixtures import facts
from harness.verdicts import NOT_APPLICABLE, either

no_zombies_on_windows = pytest.mark.skipif(facts.WINDOWS, reason="Windows has no zombie processes")
no_adoption_on_windows = pytest.mark.skipif(
    facts.WINDOWS, reason="Windows never re-parents: an orphan keeps its dead parent's pid and nobody adopts it")

# Init, in the names of fixtures/programs/_program.py's adopter(): pid 1; the program itself,
# as the sub-reaper that stands in for it; or "gone", adopted and collected before the program
# looked, which only pid 1 does (facts.ENDED_ORPHAN_ADOPTER_IF_QUICK).
INIT = either("pid1", "subreaper", "gone")
# Who may be seen adopting a zombie here: pid 1 may have collected it before the program looked.
ZOMBIE_ADOPTER = either(facts.ORPHAN_ADOPTER, facts.ENDED_ORPHAN_ADOPTER_IF_QUICK)


def where_the_caller_collects(start_method, prediction):
    """The tutorial's prediction about calls that collect the caller's own zombie: not
    applicable where the child's OS parent, the fork server, collects it instead."""
    return prediction if facts.starter_collects_its_child(start_method) else NOT_APPLICABLE


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_an_exited_child_stays_a_zombie_until_its_os_parent_collects_it(
        start_method, observe_program, verdict):
    """Between exiting and being collected, a child is a zombie (state Z).

    fork, spawn: the child is the program's own; after it exits it shows as a zombie, still
    after its sentinel is ready, until the program collects it (here with join()).
    forkserver: the child's OS parent is the fork server, which collects it the moment it
    exits, with no call in the program, and only then makes the sentinel ready. While the
    server is stopped (SIGSTOP) the exited child stays its zombie.
    """
    seen = observe_program("zombie_states", start_method, "one")
    program_is_parent = facts.os_parent_is_the_parent(start_method)
    assert seen["os_parent_is_program_join"] is program_is_parent, seen
    assert seen["zombie_after_sentinel_ready"] is program_is_parent, seen
    assert seen["collected_without_any_call"] is not program_is_parent, seen
    assert seen["state_after_join"] == "gone" and seen["exitcode"] == 0, seen
    verdict.expect(seen["zombie_after_exit"], python=True, tutorial=True,
                   what="the exited child showed state Z until its OS parent collected it")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_join_is_alive_and_exitcode_each_collect_their_zombie(start_method, observe_program, verdict):
    """Any call that asks the OS for a child's exit status collects that child.

    fork, spawn: ``join()``, ``is_alive()`` and even reading the ``exitcode`` property each
    collect the zombie they are called on. Waiting on ``sentinel`` only tells that the child
    has ended: it is still a zombie afterwards. forkserver: the fork server has collected
    each child before its sentinel is ready, so the calls find no zombie of the program's
    own; they read the exit code the server passed on.
    """
    seen = observe_program("zombie_states", start_method, "own-calls")
    calls = ("join", "is_alive", "exitcode")
    assert seen["exitcodes"] == dict.fromkeys(calls, 0), seen
    after = {call: seen[f"state_after_{call}"] for call in calls}
    assert set(after.values()) == {"gone"}, seen
    verdict.expect(seen["states_once_ended"], python=dict.fromkeys(calls, facts.ended_child_state(start_method)),
                   tutorial=where_the_caller_collects(start_method, dict.fromkeys(calls, "zombie")),
                   what=f"each ended child's state until its own call (states after: {after})")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_a_new_start_active_children_and_interpreter_exit_sweep_up_zombies(
        start_method, observe_program, verdict):
    """Some calls collect every exited child the parent knows of, whichever it is.

    fork, spawn: ``start()`` of any other process and ``multiprocessing.active_children()``
    first collect the exited children (so active_children() does not list a zombie), and at
    interpreter exit multiprocessing's exit handler joins, hence collects, whatever is left.
    forkserver: the fork server has collected each child already; the sweeps find no zombie
    and the exit codes are still known.
    """
    seen = observe_program("zombie_states", start_method, "sweeps")
    before = {"start_another": seen["state_before_start_another"],
              "active_children": seen["state_before_active_children"],
              "interpreter_exit": seen["state_when_main_code_ends"]}
    assert seen["active_children_lists_it"] is False, seen
    assert seen["exitcodes_swept"] == {"start_another": 0, "active_children": 0}, seen
    assert seen["exitcode_after_interpreter_exit"] == 0, seen
    after = {call: seen[f"state_after_{call}"] for call in before}
    assert set(after.values()) == {"gone"}, seen
    verdict.expect(before, python=dict.fromkeys(before, facts.ended_child_state(start_method)),
                   tutorial=where_the_caller_collects(start_method, dict.fromkeys(before, "zombie")),
                   what=f"each ended child's state until swept up (states after: {after})")


@no_zombies_on_windows
@pytest.mark.claim("zombie.init-reaps-after-parent-exit")
def test_a_zombie_whose_parent_dies_is_adopted_and_collected(start_method, observe_program, verdict):
    """A zombie outliving its parent is handed to the adopter, which collects it.

    The program's "parent" leaves a child uncollected and is killed. fork, spawn: that child
    is the parent's zombie; it is re-parented to the program (the sub-reaper, on Linux) and
    collected. forkserver: the child is the fork server's, which collected it as soon as it
    exited: the parent dies with no zombie to hand over.
    """
    seen = observe_program("killed_parent", start_method)
    if not facts.os_parent_is_the_parent(start_method):
        assert "zombie" not in seen["parent_os_children"], seen
        verdict.expect(seen["zombie_state_before_kill"], python="gone", tutorial=NOT_APPLICABLE,
                       what="the state of the parent's exited child when the parent was killed")
        return
    assert seen["zombie_state_before_kill"] == "zombie", seen
    assert seen["zombie_collected"] is True and seen["zombie_state_now"] == "gone", seen
    verdict.expect(seen["zombie_adopted_by"], python=ZOMBIE_ADOPTER, tutorial=INIT,
                   what="who adopted and collected the dead parent's zombie")


@no_adoption_on_windows
@pytest.mark.claim("orphan.adopted-by-init")
def test_orphans_are_adopted_by_pid_1_or_by_the_nearest_subreaper(start_method, observe_program, verdict):
    """When a parent dies, its still-running children are re-parented.

    fork, spawn: the killed parent's worker and daemon are its OS children; they are
    adopted by the nearest sub-reaper (the program, on Linux) or pid 1. forkserver: the
    killed parent's only OS child is its fork server (the worker and daemon are the
    server's children, not the parent's); the server is the orphan, adopted the same way.
    The orphans stay alive until the program has seen who adopted them.
    """
    seen = observe_program("killed_parent", start_method)
    for who in ("worker", "daemon"):
        assert seen[f"{who}_os_parent_before_kill"] == facts.os_parent(start_method), seen
    children = sorted(facts.os_children(start_method, ["worker", "daemon", "zombie"]))
    assert seen["parent_os_children"] == children, seen
    orphans = [who for who in children if who != "zombie"]  # the zombie is dead: no orphan
    for who in orphans:
        verdict.expect(seen[f"{who}_adopted_by"], python=facts.ORPHAN_ADOPTER, tutorial=INIT,
                       what=f"who adopted the {who}")


@no_adoption_on_windows
@pytest.mark.claim("orphan.harmless")
def test_orphans_finish_their_work_and_are_collected_when_they_end(start_method, observe_program, verdict):
    """An orphan carries on, and when it ends its adopter collects it: no zombie remains.

    The worker and the daemon of a killed parent finish their work; every OS child of the
    killed parent is gone (collected) afterwards, the program being their adopter on Linux.
    """
    seen = observe_program("killed_parent", start_method)
    harmless = {"ran on": all(seen[f"{who}_finished_after_parent_died"] for who in ("worker", "daemon")),
                "collected": all(seen[f"{who}_collected"] for who in seen["parent_os_children"])}
    verdict.expect(harmless, python={"ran on": True, "collected": True},
                   tutorial={"ran on": True, "collected": True},
                   what=f"orphans of the killed parent ({', '.join(seen['parent_os_children'])})")
