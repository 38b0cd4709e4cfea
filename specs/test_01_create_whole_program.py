"""Section 1 of the tutorial, the whole-program claims: what a child does with the main file.

Each spec runs a small real program from ``fixtures/`` (``python fixtures/programs/<name>.py
<start-method>``, runnable by hand) and reads what it printed. Under fork the child is a
copy of the parent's memory and imports nothing; under spawn (and forkserver) the child is
a fresh interpreter that imports the main file again, under the name ``__mp_main__``.
Since 3.13.8 / 3.14.1 forkserver imports the main file once, in the fork server, and its
children inherit that import.
"""

import os
import re

import pytest

from fixtures import facts
from harness.verdicts import NOT_APPLICABLE
from harness.wording import wording

# What the tutorial predicts of a program that starts a process at import time without the
# main guard: on Windows the guard is needed, and without it the program recurses without
# end; elsewhere (Linux, macOS) the guard is not needed, so the child does the work.
TUTORIAL_WITHOUT_GUARD = {True: {"work_done": 0, "recursed": True}, False: {"work_done": 1}}


@pytest.mark.claim("create.module-level-runs-twice")
def test_top_level_code_runs_again_in_spawned_children_but_not_in_forked_ones(
        start_method, observe_program, verdict):
    """Code outside the main guard runs in every process that imports the main file.

    The program has two children; each process that executes the file's top level logs one
    line. fork: only the parent runs it (the children are copies). spawn: the parent and
    each child (3 runs). forkserver: like spawn before 3.13.8/3.14.1; from then on, the
    parent and the fork server once, however many children. The tutorial says it happens on
    Windows and not on Linux; it is a start-method matter, not an OS one.
    """
    seen = observe_program("main_reimport", start_method)
    assert seen["toplevel_runs"] == len(seen["toplevel_run_as"]), seen
    runs = {"run_as": seen["toplevel_run_as"], "in_children": seen["toplevel_runs_in_children"],
            "in_server": seen["toplevel_runs_elsewhere"]}
    # The fork server's single preload is not "again in the child": the children count.
    verdict.expect({**runs, "again_in_the_children": runs["in_children"] > 0},
                   python={**facts.toplevel_runs(start_method, seen["children"]),
                           "again_in_the_children": facts.child_imports_main(start_method)},
                   tutorial={"again_in_the_children": facts.WINDOWS},
                   what="who ran the main file's top level", detail=seen)


@pytest.mark.claim("create.child-reimports-main")
def test_a_spawned_child_imports_the_main_file_as_a_module(start_method, observe_program, verdict):
    """Under spawn and forkserver the child's ``__main__`` is the main file imported anew.

    Its module is named ``__mp_main__`` and comes from the same file, which is why code
    outside the guard runs again. Under fork the child's ``__main__`` is the parent's own
    module, still named ``__main__``, copied with the rest of memory: nothing is imported.
    The child also sees the program's ``sys.argv``, as a module imported by the program
    would: a fork child has a copy of it, and also runs under the program's own command line;
    a spawn or forkserver child was started by the OS with multiprocessing's command line,
    and is handed the parent's ``sys.argv`` before the main file is imported.
    """
    seen = observe_program("main_reimport", start_method)
    argv = seen["parent_argv"]
    assert (os.path.basename(argv[0]), argv[1:]) == ("main_reimport.py", [start_method]), seen
    observed = {"main_name": seen["child_main_name"],
                "main_file_is_the_parents": seen["child_main_file"] == seen["parent_main_file"],
                "argv_is_the_parents": seen["child_argv"] == argv,
                "started_with_the_programs_command_line": seen["child_has_the_programs_command_line"]}
    # The tutorial: the child's __main__ is the main file as another module would import it.
    verdict.expect(observed, python={"main_name": facts.child_main_name(start_method),
                                     "main_file_is_the_parents": True, "argv_is_the_parents": True,
                                     "started_with_the_programs_command_line":
                                         facts.copies_parent_memory(start_method)},
                   tutorial={"main_name": "__mp_main__"}, what="the child's __main__", detail=seen)


@pytest.mark.claim("create.main-guard-required")
def test_without_the_main_guard_spawn_fails_once_instead_of_recursing(
        start_method, run_program, verdict):
    """A process started at import time, with no main guard.

    fork: the program works; the child runs the target and nothing is imported again.
    spawn (and forkserver before 3.13.8/3.14.1): the child re-imports the file, reaches the
    unguarded start() while still bootstrapping, and multiprocessing refuses with
    RuntimeError ("...before the current process has finished its bootstrapping phase").
    The child exits with 1, the work is never done, and only two processes ever ran the file:
    no endless recursion. The parent's own start() succeeds and it exits 0.

    forkserver from 3.13.8/3.14.1: the fork server preloads the file and meets the same
    RuntimeError. Up to 3.14 nothing catches it: the server dies, the parent's own start()
    raises (the server's socket is closed: EOFError or a ConnectionError), the work is never
    done and two processes (the parent and the server) ran the file. From 3.15 the server
    ignores the failed preload and lives on; the child then imports the file itself and fails
    like a spawn child, so the parent's start() returns, the child exits with 1 and three
    processes (parent, server, child) ran the file.
    """
    result = run_program("no_main_guard", start_method)
    seen = result.observed
    assert result.returncode == 0 and not result.survivors, result.explain()
    assert seen["parent_start_error"] in (None, *facts.DEAD_FORK_SERVER_ERRORS), result.explain()
    assert seen["processes_that_ran_this_file"] == len(seen["ran_as"]), seen
    refused = len(re.findall(r"^RuntimeError\b", result.stderr, re.M))  # one traceback per refused start()
    if refused:
        wording(result.stderr, "bootstrapping phase", what="the refused start(): the RuntimeError's message")
    observed = {"parent_start_failed": seen["parent_start_error"] is not None,
                "child_exitcode": seen["child_exitcode"], "work_done": seen["work_done"],
                "ran_as": seen["ran_as"], "refused": refused, "recursed": len(seen["ran_as"]) > 3}
    verdict.expect(observed, python=facts.without_main_guard(start_method),
                   tutorial=TUTORIAL_WITHOUT_GUARD[facts.WINDOWS],
                   what="the program without a main guard", detail=result.explain())


@pytest.mark.claim("create.windows-no-fork")
def test_without_fork_a_child_is_a_fresh_interpreter_that_imports_the_main_file(
        start_method, observe_program, verdict):
    """Windows has no fork; spawn, its only method, starts a new interpreter for the child.

    The new interpreter has none of the parent's state (a module the parent registered in
    ``sys.modules`` inside the guard is absent) and imports the main file to find the
    target. forkserver's children come from a fresh server interpreter too; fork's children
    are copies of the parent, which the claim is not about.
    """
    seen = observe_program("main_reimport", start_method)
    observed = {"fork_available": seen["fork_available"], "fresh_interpreter": seen["child_fresh_interpreter"],
                "main_name": seen["child_main_name"]}
    without_fork = {"fork_available": not facts.WINDOWS, "fresh_interpreter": True, "main_name": "__mp_main__"}
    verdict.expect(observed, python={"fork_available": not facts.WINDOWS,
                                     "fresh_interpreter": not facts.copies_parent_memory(start_method),
                                     "main_name": facts.child_main_name(start_method)},
                   tutorial=NOT_APPLICABLE if facts.copies_parent_memory(start_method) else without_fork,
                   what="fork's availability and the child's interpreter", detail=seen)


@pytest.mark.claim("create.child-outlives-parent")
def test_a_child_outlives_a_parent_killed_outright_and_finishes_its_work(
        start_method, observe_program, verdict):
    """Killing a parent does not end its children.

    The program's "parent" starts a worker and is then killed with SIGKILL (TerminateProcess
    on Windows): it runs no exit handler, so nothing ends or joins the worker. The worker
    notices its parent is dead and still finishes its work. Every start method.
    """
    seen = observe_program("killed_parent", start_method)
    observed = {"parent_exitcode": seen["parent_exitcode"],
                "worker_finished": seen["worker_finished_after_parent_died"]}
    verdict.expect(observed, python={"parent_exitcode": facts.KILL_EXITCODE, "worker_finished": True},
                   tutorial={"worker_finished": True}, what="a worker whose parent was killed", detail=seen)
