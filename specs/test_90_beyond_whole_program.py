"""Beyond the tutorial, whole-program: the name of the main module in a child."""

import sys

import pytest

FORKSERVER_PRELOADS_MAIN = (sys.version_info >= (3, 14, 1)
                            or (3, 13, 8) <= sys.version_info < (3, 14))


@pytest.mark.claim("beyond.spawn-main-is-mp-main")
def test_spawned_children_know_the_main_file_as_mp_main(start_method, run_program, verdict):
    """A spawned child imports the parent's main file under the name ``__mp_main__``.

    So ``if __name__ == "__main__"`` is false there, which is the whole point of the guard;
    ``sys.modules["__main__"]`` is made to point at that module, so pickled references to
    ``__main__.f`` still resolve. forkserver: the same name (from 3.13.8/3.14.1 the import
    happens once, in the fork server, unverified here). fork: the child keeps the parent's
    own ``__main__``. (beyond.spawn-main-is-mp-main.)
    """
    result = run_program("main_reimport", start_method, timeout=10)
    assert result.returncode == 0 and not result.survivors, result.explain()
    seen = result.observed
    expected = "__main__" if start_method == "fork" else "__mp_main__"
    assert seen["child_main_name"] == expected, seen
    if start_method == "spawn" or (start_method == "forkserver" and not FORKSERVER_PRELOADS_MAIN):
        assert seen["toplevel_run_as"].split(",")[1:] == ["__mp_main__", "__mp_main__"], seen
    verdict.record((seen["child_main_name"] == "__mp_main__") == (start_method != "fork"),
                   observed=f"the child's __main__ is named {seen['child_main_name']}")
