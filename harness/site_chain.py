"""What the start-up hooks on PYTHONPATH share (harness/mutant_site and harness/impl_site).

Each folder's ``sitecustomize.py`` hides any other ``sitecustomize`` further along sys.path
(a distribution's, or the other hook's); after its own work it runs that one, as site.py
would have. The hooks run this file by its path (runpy, with HOOK_FILE naming the hook), so nothing
else of the harness is imported at start-up.
"""

import importlib.machinery
import importlib.util
import os
import sys


def run_the_hidden_sitecustomize(hook_file):
    """Import the next ``sitecustomize`` on sys.path after the folder of ``hook_file``."""
    here = os.path.dirname(os.path.abspath(hook_file))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    ours = sys.modules.get("sitecustomize")
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules["sitecustomize"] = ours



if "HOOK_FILE" in globals():  # run by a hook (see the module docstring)
    run_the_hidden_sitecustomize(HOOK_FILE)  # noqa: F821 -- given by runpy.run_path
