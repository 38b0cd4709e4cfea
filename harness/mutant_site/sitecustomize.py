"""Start-up hook of the mutation check (``python -m harness.mutants``).

The runner puts this folder first on PYTHONPATH, so every interpreter of a mutant's run --
the pytest process, spawn and forkserver children, the fork server, fixture programs --
imports this module at start-up. With MPSPEC_MUTANT set it activates that mutant (see
mpspec_mutants.py beside this file); without it, it does nothing. Fork children need no
start-up: they inherit the patched modules with the rest of their parent's memory.

Afterwards it runs the ``sitecustomize`` this one hides (a distribution's, say), if any.
"""

import os
import sys


def _activate():
    try:
        import mpspec_mutants
    except Exception as exc:  # noqa: BLE001 -- reported, and the run is counted as broken
        sys.stderr.write(f"mpspec mutants: cannot load the catalog: {exc!r}\n")
        log = os.environ.get("MPSPEC_MUTANT_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"broken\t{os.getpid()}\t-\tcannot load the catalog: {exc!r}\t\n")
        return
    mpspec_mutants.activate()


def _run_the_hidden_sitecustomize():
    """The next ``sitecustomize`` on sys.path, run as site.py would have (harness/site_chain.py)."""
    import runpy
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "site_chain.py"),
                   {"HOOK_FILE": __file__})


if os.environ.get("MPSPEC_MUTANT"):
    _activate()
_run_the_hidden_sitecustomize()
