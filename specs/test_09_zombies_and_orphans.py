"""Section 9 of the tutorial: zombie and orphan processes, watched with psutil.

A zombie is a process that has exited and whose parent has not yet collected it (waited
for it); ``ps`` shows it in state Z. An orphan is a process still running whose parent has
died; the OS re-parents it. Two programs: ``fixtures/programs/zombie_states.py`` and
``fixtures/programs/killed_parent.py``. Linux re-parents an orphan to the nearest ancestor marked
as a "child sub-reaper", else to pid 1. The killed-parent program marks itself, so on Linux
the orphans come to it whatever pid 1 is; it stands in for init, and the verdict counts it
as init. On macOS (no sub-reapers) they go to launchd, pid 1, which may collect a dead one
before the program can look: "gone" then means adopted and collected. Windows has neither
zombies nor re-parenting.
"""

import pytest

from harness import MACOS, WINDOWS

no_zombies_on_windows = pytest.mark.skipif(WINDOWS, reason="Windows has no zombie processes")
no_adoption_on_windows = pytest.mark.skipif(
    WINDOWS, reason="Windows never re-parents: an orphan keeps its dead parent's pid and nobody adopts it")


def adopted_as_expected(seen, who):
    """Adopted by the program when it is a sub-reaper; else by pid 1 or an outer sub-reaper,
    which may have collected it already ("gone") when nothing holds it alive."""
    adopter = seen[f"{who}_adopted_by"]
    if seen["program_is_subreaper"] == "True":
        return adopter == "subreaper"
    return adopter.startswith("pid") or adopter == "gone"


def adoption_verdict(verdict, seen, who):
    """init, or the program's own sub-reaper standing in for it: "holds". A sub-reaper from
    outside the program (a supervisor, a container runtime): "partly"."""
    adopter = seen[f"{who}_adopted_by"]
    if adopter == "pid1":
        verdict.record(True, observed=f"the {who} was adopted by pid 1 and collected")
    elif adopter == "subreaper":
        verdict.record(seen["program_is_subreaper"] == "True",
                       observed=f"the {who} was adopted and collected by the program, a sub-reaper "
                                "standing in for init (pid 1)")
    elif adopter == "gone":
        if MACOS:  # no sub-reapers there: launchd (pid 1) is the only possible adopter
            verdict.record(True, observed=f"the {who} was adopted and collected by launchd (pid 1) "
                                          "before the program could look")
        else:
            verdict.not_assertable(f"the {who} was adopted and collected before the program could "
                                   "see by whom (pid 1 or an outer sub-reaper)")
    else:
        verdict.partly(f"the {who} was adopted and collected, by a sub-reaper outside the program "
                       f"({adopter}), not by init")


def forkserver_collects(seen, verdict):
    """Under forkserver the fork server, not the program, is the children's OS parent."""
    assert seen["os_parent_is_program_a"] == "False", seen
    assert seen["collected_without_any_call"] == "True", seen
    assert set(seen["exitcodes"].split(",")) == {"0"}, seen
    verdict.not_assertable("under forkserver the fork server, the child's OS parent, collects it "
                           "the moment it exits: the zombie stage cannot be observed")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_an_exited_child_stays_a_zombie_until_its_parent_collects_it(
        start_method, observe_program, verdict):
    """Between exiting and being collected, a child is a zombie (state Z).

    fork, spawn: the child is the program's own; after it exits (its sentinel is ready) it
    shows as a zombie, and stays one, until the program collects it (here with join()).
    forkserver: the child's OS parent is the fork server, which collects it the moment it
    exits, with no call in the program; the zombie stage is too brief to observe.
    (zombie.every-child-passes-zombie.)
    """
    seen = observe_program("zombie_states", start_method, "one")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    assert seen["os_parent_is_program_join"] == "True", seen
    zombie = seen["zombie_after_exit"] == "True" and seen["zombie_after_sentinel_ready"] == "True"
    assert zombie and seen["state_after_join"] == "gone", seen
    verdict.record(zombie, observed="the exited child showed state Z until join() collected it")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_join_is_alive_and_exitcode_each_collect_their_zombie(start_method, observe_program, verdict):
    """Any call that asks the OS for a child's exit status collects that child.

    ``join()``, ``is_alive()`` and even reading the ``exitcode`` property each collect the
    zombie they are called on. Waiting on ``sentinel`` only tells that the child has ended:
    it is still a zombie afterwards. Under forkserver none of this is needed: the fork
    server collects. (zombie.every-child-passes-zombie.)
    """
    seen = observe_program("zombie_states", start_method, "own-calls")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    zombies = seen["zombie_after_exit"] == "True" and seen["zombie_after_sentinel_ready"] == "True"
    after = {call: seen[f"state_after_{call}"] for call in ("join", "is_alive", "exitcode")}
    assert zombies and set(after.values()) == {"gone"}, seen
    verdict.record(zombies, observed="each child was a zombie until its own " + ", ".join(
        f"{call}() ({state} afterwards)" for call, state in after.items()) + " collected it")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_a_new_start_active_children_and_interpreter_exit_sweep_up_zombies(
        start_method, observe_program, verdict):
    """Some calls collect every exited child the parent knows of, whichever it is.

    ``start()`` of any other process and ``multiprocessing.active_children()`` first collect
    the exited children (so active_children() does not list a zombie), and at interpreter
    exit multiprocessing's exit handler joins, hence collects, whatever is left. Under
    forkserver the fork server collects. (zombie.every-child-passes-zombie.)
    """
    seen = observe_program("zombie_states", start_method, "sweeps")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    zombies = (seen["state_before_start_another"] == "zombie"
               and seen["zombie_before_active_children"] == "True"
               and seen["zombie_when_main_code_ends"] == "True")
    assert zombies, seen
    assert seen["active_children_lists_it"] == "False", seen
    after = {call: seen[f"state_after_{call}"] for call in
             ("start_another", "active_children", "interpreter_exit")}
    assert set(after.values()) == {"gone"}, seen
    verdict.record(zombies, observed="each child was a zombie until swept up by: " + ", ".join(
        f"{call} ({state} afterwards)" for call, state in after.items()))


@no_zombies_on_windows
@pytest.mark.claim("zombie.init-reaps-after-parent-exit")
def test_a_zombie_whose_parent_dies_is_adopted_and_collected(start_method, observe_program, verdict):
    """A zombie outliving its parent is handed to the adopter, which collects it.

    The program's "parent" leaves a child uncollected (a zombie) and is killed. fork,
    spawn: the zombie is re-parented (to the program, a sub-reaper, on Linux; to launchd,
    pid 1, on macOS, which may collect it before the program looks) and collected.
    forkserver: there is no zombie to hand over; the fork server collected the child as soon
    as it exited. (zombie.init-reaps-after-parent-exit: "init" is init or the nearest
    sub-reaper; the verdict counts the program's own sub-reaper as init, an outside one as
    "partly".)
    """
    seen = observe_program("killed_parent", start_method)
    if start_method == "forkserver":
        assert seen["zombie_state_before_kill"] == "gone", seen
        verdict.not_assertable("under forkserver the fork server collected the child at once: "
                               "no zombie was left for the parent's death to hand over")
        return
    assert seen["zombie_state_before_kill"] == "zombie", seen
    assert adopted_as_expected(seen, "zombie"), seen
    assert seen["zombie_collected"] == "True" and seen["zombie_state_now"] == "gone", seen
    adoption_verdict(verdict, seen, "zombie")


@no_adoption_on_windows
@pytest.mark.claim("orphan.adopted-by-init")
def test_orphans_are_adopted_by_pid_1_or_by_the_nearest_subreaper(start_method, observe_program, verdict):
    """When a parent dies, its still-running children are re-parented.

    fork, spawn: the killed parent's worker and daemon are its OS children; they are
    adopted by the nearest sub-reaper (the program, on Linux) or pid 1. forkserver: the
    killed parent's only OS child is its fork server (the worker and daemon are the
    server's children, not the parent's); the server is the orphan, adopted the same way.
    (orphan.adopted-by-init: the tutorial names init, pid 1; a sub-reaper wins when there is
    one: systemd user managers, container runtimes, many supervisors. The verdict counts
    the program's own sub-reaper, which stands in for init, as init, and an outside
    sub-reaper as "partly".) The orphans stay alive until the program has seen who adopted
    them.
    """
    seen = observe_program("killed_parent", start_method)
    their_parent = "forkserver" if start_method == "forkserver" else "parent"
    for who in ("worker", "daemon"):
        assert seen[f"{who}_os_parent_before_kill"] == their_parent, seen
    if start_method == "forkserver":
        assert seen["parent_os_children"] == "forkserver", seen
        orphans = ["forkserver"]
    else:
        orphans = ["worker", "daemon"]
    for who in orphans:
        assert adopted_as_expected(seen, who), seen
    for who in orphans:
        adoption_verdict(verdict, seen, who)


@no_adoption_on_windows
@pytest.mark.claim("orphan.harmless")
def test_orphans_finish_their_work_and_are_collected_when_they_end(start_method, observe_program, verdict):
    """An orphan carries on, and when it ends its adopter collects it: no zombie remains.

    The worker and the daemon of a killed parent finish their work; every OS child of the
    killed parent is gone (collected) afterwards. Every start method. (orphan.harmless,
    provided the adopter waits for its children, as the program does as sub-reaper on Linux.)
    """
    seen = observe_program("killed_parent", start_method)
    finished = all(seen[f"{who}_finished_after_parent_died"] == "True" for who in ("worker", "daemon"))
    orphans = seen["parent_os_children"].split(",")
    collected = all(seen[f"{who}_collected"] == "True" for who in orphans)
    assert finished and collected, seen
    verdict.record(finished and collected,
                   observed=f"orphans ({', '.join(orphans)}) finished and were collected")
