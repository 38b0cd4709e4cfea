"""Put another multiprocessing in force: ``import multiprocessing`` gives the implementation.

``install(name)`` (called by ``sitecustomize.py`` beside this file when MPSPEC_MP_IMPL names
an implementation) imports the package ``name`` (``multiprocess``, ``billiard``) and makes
``multiprocessing`` and every ``multiprocessing.X`` stand for ``name`` and ``name.X``: a
finder first on ``sys.meta_path`` serves each ``multiprocessing.X``, when it is first
imported, as ``name.X`` (the same module object, never a second copy). Whatever imports
multiprocessing -- the harness, the specs, fixture programs, spawn and forkserver children
(each starts with this hook, since PYTHONPATH and MPSPEC_MP_IMPL are inherited) -- uses the
implementation. A submodule the implementation lacks (``multiprocessing.resource_tracker``
under billiard) is not found.

Some implementations import the standard library's multiprocessing for parts of their own
(billiard's process, util and exceptions modules): those are imported first, while the
name still means the standard library, and the standard modules they use stay loaded. That
import registers the standard exit handler (multiprocessing.util's ``_exit_function``, which
billiard uses as its own) at start-up, earlier than a program importing the implementation
would: it is registered again at the first ``import multiprocessing``, so the atexit order
is the program's (fixtures/programs/_program.py registers its last words before that).
"""

import importlib
import importlib.abc
import importlib.machinery
import sys

ENV = "MPSPEC_MP_IMPL"
ALIAS = "multiprocessing"
# The implementation's modules that import the standard library's multiprocessing by name.
PRELOAD = {"billiard": ("billiard.process", "billiard.util", "billiard.exceptions")}

active = None  # the implementation in force, once install() succeeded
_kept = {}  # the standard library's multiprocessing modules the implementation uses
_exit_handler = []  # the standard exit handler the preload registered, until registered again


def _register_exit_handler_again():
    while _exit_handler:
        import atexit
        handler = _exit_handler.pop()
        atexit.unregister(handler)
        atexit.register(handler)


def _aliased(fullname):
    return fullname == ALIAS or fullname.startswith(ALIAS + ".")


class _Loader(importlib.abc.Loader):
    def __init__(self, real_name):
        self.real_name = real_name
        self.real_spec = None

    def create_module(self, spec):
        _register_exit_handler_again()
        module = importlib.import_module(self.real_name)
        self.real_spec = module.__spec__
        return module

    def exec_module(self, module):
        # The import system put the alias's spec on the module: give it its own back.
        module.__spec__ = self.real_spec


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, name):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if not _aliased(fullname):
            return None
        real = self.name + fullname[len(ALIAS):]
        try:
            found = importlib.util.find_spec(real)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return None  # the implementation has no such module: not found
        return importlib.machinery.ModuleSpec(fullname, _Loader(real),
                                              is_package=found.submodule_search_locations is not None)


def install(name):
    """Make ``multiprocessing`` mean the package ``name`` in this interpreter."""
    global active
    import importlib.util  # noqa: F401 -- find_spec, used by the finder
    importlib.import_module(name)
    for module in PRELOAD.get(name, ()):
        importlib.import_module(module)
    for key in [k for k in sys.modules if _aliased(k)]:
        _kept[key] = sys.modules.pop(key)
    handler = getattr(_kept.get(ALIAS + ".util"), "_exit_function", None)
    if handler is not None:
        import atexit
        atexit.unregister(handler)
        _exit_handler.append(handler)
    sys.meta_path.insert(0, _Finder(name))
    active = name
