"""Beyond the tutorial, whole-program: the name of the main module in a child."""

import pytest

from fixtures import facts
from harness.verdicts import NOT_APPLICABLE

# What the statement predicts, about spawn and forkserver children only.
STATED = dict.fromkeys(("spawn", "forkserver"), {"__main__ is named": "__mp_main__", "target found in": "__mp_main__"})


@pytest.mark.claim("beyond.spawn-main-is-mp-main")
def test_spawned_children_know_the_main_file_as_mp_main(start_method, observe_program, verdict):
    """A child started by spawn or forkserver knows the parent's main file as
    ``__mp_main__``: its ``sys.modules["__main__"]`` is a module of that name, and the
    target, pickled by the parent as ``__main__.report``, is found in it. So the file's top
    level, when it runs for a child, runs as ``__mp_main__`` and its main guard is false:
    under spawn once in each child, under a fork server that preloads the main file
    (FORKSERVER_PRELOADS_MAIN) once in the server. A fork child keeps the parent's own
    ``__main__``, finds the target there, and runs nothing again. In every child
    ``sys.modules["__mp_main__"]`` is ``sys.modules["__main__"]``.
    """
    seen = observe_program("main_reimport", start_method)
    name = facts.child_main_name(start_method)
    verdict.expect({"__main__ is named": seen["child_main_name"], "target found in": seen["child_target_module"],
                    "__mp_main__ is __main__": seen["child_main_is_mp_main"],
                    "top level run as": seen["toplevel_run_as"]},
                   python={"__main__ is named": name, "target found in": name, "__mp_main__ is __main__": True,
                           "top level run as": facts.toplevel_runs(start_method, seen["children"])["run_as"]},
                   tutorial=STATED.get(start_method, NOT_APPLICABLE),
                   what="the child's main module", detail=seen)
