"""Start-up hook of ``--mp-impl`` (harness/implementations.py).

The plugin re-runs pytest with this folder first on PYTHONPATH and MPSPEC_MP_IMPL naming
the implementation, so every interpreter of the run -- pytest and its xdist workers, spawn
and forkserver children, the fork server, fixture programs -- imports this module at
start-up and puts the implementation in force (mpspec_impl.py beside this file); fork
children inherit it with the rest of their parent's memory. Without MPSPEC_MP_IMPL it does
nothing.

Afterwards it runs the ``sitecustomize`` this one hides (the mutation check's, a
distribution's), if any.
"""

import os
import sys


def _install(name):
    try:
        import mpspec_impl
        mpspec_impl.install(name)
    except Exception as exc:  # noqa: BLE001 -- the plugin sees it is not in force and says so
        sys.stderr.write(f"mpspec: cannot put {name} in force as multiprocessing: {exc!r}\n")


def _run_the_hidden_sitecustomize():
    """The next ``sitecustomize`` on sys.path, run as site.py would have (harness/site_chain.py)."""
    import runpy
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "site_chain.py"),
                   {"HOOK_FILE": __file__})


if os.environ.get("MPSPEC_MP_IMPL"):
    _install(os.environ["MPSPEC_MP_IMPL"])
_run_the_hidden_sitecustomize()
