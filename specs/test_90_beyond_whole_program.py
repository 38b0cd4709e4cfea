"""Beyond the tutorial, whole-program: the name of the main module in a child."""

import pytest

from harness import FORKSERVER_PRELOADS_MAIN


@pytest.mark.claim("beyond.spawn-main-is-mp-main")
def test_spawned_children_know_the_main_file_as_mp_main(start_method, observe_program, verdict):
    """A spawned child runs the parent's main file under the name ``__mp_main__``.

    So ``if __name__ == "__main__"`` is false while the child imports it, which is the whole
    point of the guard. ``sys.modules["__main__"]`` and ``sys.modules["__mp_main__"]`` are
    the same module in every process (``import multiprocessing`` makes the alias in the
    parent; the child's bootstrap makes it for the re-imported file), so the target, pickled
    by the parent as ``__main__.report``, is found in the child in the module named
    ``__mp_main__``. forkserver: the same (from 3.13.8/3.14.1 the import happens once, in
    the fork server, and also as ``__mp_main__``). fork: the child keeps the parent's own ``__main__``,
    and the target is found there. (beyond.spawn-main-is-mp-main; test_01's
    create.child-reimports-main shows that the file is imported again.)
    """
    seen = observe_program("main_reimport", start_method)
    expected = "__main__" if start_method == "fork" else "__mp_main__"
    assert seen["child_main_is_mp_main"] == "True", seen
    assert (seen["child_main_name"], seen["child_target_module"]) == (expected, expected), seen
    if start_method == "spawn" or (start_method == "forkserver" and not FORKSERVER_PRELOADS_MAIN):
        # Each child's own import ran the file's top level as __mp_main__: the guard was false.
        assert seen["toplevel_run_as"].split(",")[1:] == ["__mp_main__", "__mp_main__"], seen
    elif start_method == "forkserver":  # the fork server's one preload ran it as __mp_main__
        assert seen["toplevel_run_as"] == "__main__,__mp_main__", seen
    named_mp_main = seen["child_main_name"] == seen["child_target_module"] == "__mp_main__"
    verdict.record(named_mp_main == (start_method != "fork"),
                   observed=f"the child's __main__ is named {seen['child_main_name']}, aliased as "
                            f"__mp_main__={seen['child_main_is_mp_main']}; the target pickled as "
                            f"__main__.report was found in {seen['child_target_module']}")
