"""Section 9 of the tutorial: zombie and orphan processes, watched with psutil.

A zombie is a process that has exited and whose parent has not yet collected it (waited
for it); ``ps`` shows it in state Z. An orphan is a process still running whose parent has
died; the OS re-parents it. Two programs: ``fixtures/zombie_states.py`` and
``fixtures/killed_parent.py``. Linux re-parents an orphan to the nearest ancestor marked
as a "child sub-reaper", else to pid 1; the killed-parent program marks itself, so the
orphans come to it, whatever pid 1 is (here a VM agent, in a container the container's
init). On macOS they go to launchd, pid 1. Windows has neither zombies nor re-parenting.
"""

import sys

import pytest

WINDOWS = sys.platform == "win32"
no_zombies_on_windows = pytest.mark.skipif(WINDOWS, reason="Windows has no zombie processes")
no_adoption_on_windows = pytest.mark.skipif(
    WINDOWS, reason="Windows never re-parents: an orphan keeps its dead parent's pid and nobody adopts it")


def observed_run(run_program, name, method, *args):
    result = run_program(name, method, *args, timeout=10)
    assert result.returncode == 0, result.explain()
    assert not result.survivors, f"processes outlived the program:\n{result.explain()}"
    return result.observed


def adopted_as_expected(seen, who):
    """Adopted by the program when it is a sub-reaper, else by pid 1 (or an outer sub-reaper)."""
    adopter = seen[f"{who}_adopted_by"]
    if seen["program_is_subreaper"] == "True":
        return adopter == "subreaper"
    return adopter.startswith("pid")


def adoption_verdict(verdict, seen, who):
    adopter = seen[f"{who}_adopted_by"]
    if adopter == "pid1":
        verdict.record(True, observed=f"the {who} was adopted by pid 1 and collected")
    else:
        verdict.partly(f"the {who} was adopted and collected, by the nearest sub-reaper "
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
        start_method, run_program, verdict):
    """Between exiting and being collected, a child is a zombie (state Z).

    fork, spawn: the child is the program's own; after it exits (its sentinel is ready) it
    shows as a zombie, and stays one, until the program collects it (here with join()).
    forkserver: the child's OS parent is the fork server, which collects it the moment it
    exits, with no call in the program; the zombie stage is too brief to observe.
    (zombie.every-child-passes-zombie.)
    """
    seen = observed_run(run_program, "zombie_states", start_method, "one")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    assert seen["os_parent_is_program_join"] == "True", seen
    zombie = seen["zombie_after_exit"] == "True" and seen["zombie_after_sentinel_ready"] == "True"
    assert zombie and seen["state_after_join"] == "gone", seen
    verdict.record(zombie, observed="the exited child showed state Z until join() collected it")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_join_is_alive_and_exitcode_each_collect_their_zombie(start_method, run_program, verdict):
    """Any call that asks the OS for a child's exit status collects that child.

    ``join()``, ``is_alive()`` and even reading the ``exitcode`` property each collect the
    zombie they are called on. Waiting on ``sentinel`` only tells that the child has ended:
    it is still a zombie afterwards. Under forkserver none of this is needed: the fork
    server collects. (zombie.every-child-passes-zombie.)
    """
    seen = observed_run(run_program, "zombie_states", start_method, "own-calls")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    assert seen["zombie_after_exit"] == "True" and seen["zombie_after_sentinel_ready"] == "True", seen
    after = {call: seen[f"state_after_{call}"] for call in ("join", "is_alive", "exitcode")}
    assert set(after.values()) == {"gone"}, seen
    verdict.record(True, observed="each child stayed a zombie until its own " + ", ".join(after)
                                  + " collected it")


@no_zombies_on_windows
@pytest.mark.claim("zombie.every-child-passes-zombie")
def test_a_new_start_active_children_and_interpreter_exit_sweep_up_zombies(
        start_method, run_program, verdict):
    """Some calls collect every exited child the parent knows of, whichever it is.

    ``start()`` of any other process and ``multiprocessing.active_children()`` first collect
    the exited children (so active_children() does not list a zombie), and at interpreter
    exit multiprocessing's exit handler joins, hence collects, whatever is left. Under
    forkserver the fork server collects. (zombie.every-child-passes-zombie.)
    """
    seen = observed_run(run_program, "zombie_states", start_method, "sweeps")
    if start_method == "forkserver":
        return forkserver_collects(seen, verdict)
    assert seen["state_before_start_another"] == "zombie", seen
    assert seen["zombie_before_active_children"] == "True", seen
    assert seen["zombie_when_main_code_ends"] == "True", seen
    assert seen["active_children_lists_it"] == "False", seen
    after = {call: seen[f"state_after_{call}"] for call in
             ("start_another", "active_children", "interpreter_exit")}
    assert set(after.values()) == {"gone"}, seen
    verdict.record(True, observed="a zombie stayed until swept up by: " + ", ".join(after))


@no_zombies_on_windows
@pytest.mark.claim("zombie.init-reaps-after-parent-exit")
def test_a_zombie_whose_parent_dies_is_adopted_and_collected(start_method, run_program, verdict):
    """A zombie outliving its parent is handed to the adopter, which collects it.

    The program's "parent" leaves a child uncollected (a zombie) and is killed. fork,
    spawn: the zombie is re-parented (to the program, a sub-reaper, on Linux; to pid 1
    elsewhere) and collected. forkserver: there is no zombie to hand over; the fork server
    collected the child as soon as it exited. (zombie.init-reaps-after-parent-exit: "init"
    is init or the nearest sub-reaper.)
    """
    seen = observed_run(run_program, "killed_parent", start_method)
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
def test_orphans_are_adopted_by_pid_1_or_by_the_nearest_subreaper(start_method, run_program, verdict):
    """When a parent dies, its still-running children are re-parented.

    fork, spawn: the killed parent's worker and daemon are its OS children; they are
    adopted by the nearest sub-reaper (the program, on Linux) or pid 1. forkserver: the
    killed parent's only OS child is its fork server (the worker and daemon are the
    server's children and keep it as their parent); the server is the orphan, adopted the
    same way. (orphan.adopted-by-init: the tutorial names init, pid 1; a sub-reaper wins
    when there is one: systemd user managers, container runtimes, many supervisors.)
    """
    seen = observed_run(run_program, "killed_parent", start_method)
    if start_method == "forkserver":
        assert seen["parent_os_children"] == "forkserver", seen
        assert seen["worker_os_parent_before_kill"] == "forkserver", seen
        orphans = ["forkserver"]
    else:
        assert seen["worker_os_parent_before_kill"] == "parent", seen
        orphans = ["worker", "daemon"]
    for who in orphans:
        assert adopted_as_expected(seen, who), seen
    adoption_verdict(verdict, seen, orphans[0])


@no_adoption_on_windows
@pytest.mark.claim("orphan.harmless")
def test_orphans_finish_their_work_and_are_collected_when_they_end(start_method, run_program, verdict):
    """An orphan carries on, and when it ends its adopter collects it: no zombie remains.

    The worker and the daemon of a killed parent finish their work; every OS child of the
    killed parent is gone (collected) afterwards. Every start method. (orphan.harmless;
    it relies on the adopter doing its job: an adopter that never waits would leave zombies.)
    """
    seen = observed_run(run_program, "killed_parent", start_method)
    finished = all(seen[f"{who}_finished_after_parent_died"] == "True" for who in ("worker", "daemon"))
    orphans = seen["parent_os_children"].split(",")
    collected = all(seen[f"{who}_collected"] == "True" for who in orphans)
    assert finished and collected, seen
    verdict.record(finished and collected,
                   observed=f"orphans ({', '.join(orphans)}) finished and were collected")
