"""The mutants of mpspec's mutation check: small changes to ``multiprocessing`` that the
specs must catch.

A mutant is a function registered with ``@mutant(...)``: its docstring says, in one
sentence, how multiprocessing behaves differently; ``claims`` names the catalog claims
(specs/claims.json) whose specs must then fail; ``probe`` is a few lines that show the
difference in a fresh interpreter (see harness/mutants.py, which runs everything).

``python -m harness.mutants`` runs each mutant with MPSPEC_MUTANT=<name> and this folder
first on PYTHONPATH, so sitecustomize.py calls ``activate()`` in every interpreter of the
run. A patch is applied when the module it patches is first imported, never earlier:
importing ``multiprocessing.util`` ahead of time would register its exit handler before
a program's own, and change the order the programs rely on. Each interpreter notes in the
file MPSPEC_MUTANT_LOG what it patched, or what it could not patch ("broken").

The catalog imports nothing but the standard library, and only what it patches, where it
patches it: it is loaded at the start of every interpreter of a run.
"""

import os
import sys

ENV_MUTANT = "MPSPEC_MUTANT"
ENV_LOG = "MPSPEC_MUTANT_LOG"
BASELINE = "baseline"  # the runner's run without a mutant: same start-up, nothing patched

P = "multiprocessing.process"
U = "multiprocessing.util"
CTX = "multiprocessing.context"
FORK = "multiprocessing.popen_fork"
SPAWN = "multiprocessing.spawn"
SPAWN_POPEN = "multiprocessing.popen_spawn_posix"
SYNC = "multiprocessing.synchronize"
CONN = "multiprocessing.connection"


class Broken(Exception):
    """A patch cannot be applied: what it patches is missing or not what it expects."""


class Mutant:
    def __init__(self, func, module, claims, probe, program, since, until, platforms):
        self.name = func.__name__.replace("_", "-")
        self.func = func
        self.module = module
        self.claims = tuple(claims)
        self.probe = probe.strip("\n")
        self.program = program  # the probe is a whole module, not the body of its main guard
        self.since, self.until, self.platforms = since, until, platforms
        self.doc = " ".join((func.__doc__ or "").split())

    def applies(self, version=sys.version_info, platform=sys.platform):
        """None when this mutant can run on this Python and OS, else why not."""
        if self.since and tuple(version[:2]) < self.since:
            return f"Python {'.'.join(map(str, self.since))} and later"
        if self.until and tuple(version[:2]) >= self.until:
            return f"Pythons before {'.'.join(map(str, self.until))}"
        if self.platforms and not platform.startswith(self.platforms):
            return f"only on {', '.join(self.platforms)}"
        return None


MUTANTS = {}


def mutant(module=None, *, claims, probe, program=False, since=None, until=None, platforms=None):
    """Register a mutant. With ``module``, the function is called with that module once it
    is imported; without, it is called at activation and installs its patches with ``when``.
    ``probe`` is the body of the probe's main guard, or with ``program`` a whole module."""
    def register(func):
        m = Mutant(func, module, claims, probe, program, since, until, platforms)
        if m.name in MUTANTS or m.name == BASELINE:
            raise ValueError(f"mutant name {m.name!r} is taken")
        if not m.doc or not m.claims:
            raise ValueError(f"mutant {m.name!r} needs a docstring and claims")
        MUTANTS[m.name] = m
        return func
    return register


# ---------------------------------------------------------------- patching

def _existing(owner, name):
    if not hasattr(owner, name):
        raise Broken(f"{getattr(owner, '__name__', owner)} has no attribute {name!r}")
    return getattr(owner, name)


def _raw(owner, name):
    """The attribute as stored (a staticmethod stays one), looked up along the MRO."""
    for klass in getattr(owner, "__mro__", ()):
        if name in vars(klass):
            return vars(klass)[name]
    return getattr(owner, name)


def replace(owner, name, value):
    """Set ``owner.name`` to ``value``; return what it was. Broken if there is no such attribute."""
    original = _existing(owner, name)
    setattr(owner, name, value)
    return original


def add(owner, name, value):
    """Give ``owner`` an attribute of its own that it does not define yet (it may inherit one)."""
    if name in vars(owner):
        raise Broken(f"{getattr(owner, '__name__', owner)} already defines {name!r}")
    setattr(owner, name, value)


def around(owner, name):
    """Decorator: ``owner.name`` becomes the decorated function, called with the original
    first (``new(original, *args, **kwargs)``)."""
    original = _existing(owner, name)
    static = isinstance(_raw(owner, name), staticmethod)

    def install(new):
        def patched(*args, **kwargs):
            return new(original, *args, **kwargs)
        patched.__name__, patched.__qualname__, patched.__doc__ = name, name, new.__doc__
        setattr(owner, name, staticmethod(patched) if static else patched)
        return new
    return install


def property_getter(owner, name, getter):
    """Replace the getter of the property ``owner.name`` (the setter stays)."""
    prop = _existing(owner, name)
    if not isinstance(prop, property):
        raise Broken(f"{owner.__name__}.{name} is not a property")
    setattr(owner, name, property(getter, prop.fset, prop.fdel, prop.__doc__))
    return prop.fget


# ---------------------------------------------------------------- activation

_active = {"name": None}


def _command_line():
    try:
        with open("/proc/self/cmdline", "rb") as f:  # Linux: the whole line, -c's code included
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return " ".join(getattr(sys, "argv", []))


def _log(kind, detail):
    """One tab-separated line: kind, pid, mutant, what, this interpreter's command line."""
    path = os.environ.get(ENV_LOG)
    if path:
        fields = (kind, str(os.getpid()), str(_active["name"]), detail, _command_line()[:300])
        with open(path, "a", encoding="utf-8") as f:
            f.write("\t".join(field.replace("\t", " ").replace("\n", " ") for field in fields) + "\n")


def _apply(module_name, patch):
    try:
        patch(sys.modules[module_name])
    except Exception as exc:  # noqa: BLE001 -- any failure makes the mutant "broken"
        sys.stderr.write(f"mpspec mutant {_active['name']}: cannot patch {module_name}: {exc!r}\n")
        _log("broken", f"{module_name}: {exc!r}")
    else:
        _log("applied", module_name)


class _AfterImport:
    """A meta path finder that lets the normal import run, then applies the patches
    waiting for that module."""

    def __init__(self):
        self.waiting = {}  # module name -> [patch, ...]

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.waiting:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_patch(module):
            exec_module(module)
            for patch in self.waiting.pop(fullname, ()):
                _apply(fullname, patch)

        spec.loader.exec_module = exec_then_patch  # this spec's own loader only
        return spec


_finder = _AfterImport()


def when(module_name):
    """Decorator: apply the decorated ``patch(module)`` once ``module_name`` is imported
    (at once if it is already)."""
    def install(patch):
        if module_name in sys.modules:
            _apply(module_name, patch)
        else:
            _finder.waiting.setdefault(module_name, []).append(patch)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
        return patch
    return install


def activate(name=None):
    """Activate the mutant ``name`` (default: MPSPEC_MUTANT) in this interpreter."""
    name = name or os.environ.get(ENV_MUTANT)
    _active["name"] = name
    if name == BASELINE:
        _log("applied", "(nothing: the baseline)")
        return
    m = MUTANTS.get(name)
    if m is None:
        sys.stderr.write(f"mpspec mutants: no mutant named {name!r}\n")
        _log("broken", "no such mutant")
        return
    why_not = m.applies()
    if why_not:
        _log("broken", f"does not apply here: {why_not}")
        return
    if m.module is not None:
        when(m.module)(m.func)
        return
    try:
        m.func()
    except Exception as exc:  # noqa: BLE001
        sys.stderr.write(f"mpspec mutant {name}: cannot install: {exc!r}\n")
        _log("broken", repr(exc))


# ---------------------------------------------------------------- shared pieces

def exit_handler(util, end_daemons, join_children, run_finalizers=lambda: True):
    """Swap multiprocessing's exit handler (``util._exit_function``, also where atexit holds
    it) for a copy whose middle steps are given: ``end_daemons(children)`` and
    ``join_children(active_children)``. ``run_finalizers()`` says whether this process runs
    its exit finalizers."""
    import atexit
    from multiprocessing import process  # util imported it already

    def _exit_function(info=util.info, debug=util.debug, _run_finalizers=util._run_finalizers,
                       active_children=process.active_children,
                       current_process=process.current_process):
        if util._exiting:
            return
        util._exiting = True
        info("process shutting down")
        finalize = run_finalizers()
        if finalize:
            _run_finalizers(0)
        if current_process() is not None:
            end_daemons(active_children())
            join_children(active_children)
        if finalize:
            _run_finalizers()

    original = replace(util, "_exit_function", _exit_function)
    atexit.unregister(original)
    atexit.register(_exit_function)


def send_instead(popen_class, method, signal_name):
    """Make ``popen_class.method`` (terminate, kill, interrupt) send another signal."""
    import signal
    replace(popen_class, method, lambda self: self._send_signal(getattr(signal, signal_name)))


def terminate_daemons(children):
    for p in children:
        if p.daemon:
            p._popen.terminate()


def join_every_child(active_children):
    for p in active_children():
        p.join()


def leave_them(children):
    pass


def _fixup_main_as(spawn, run_name):
    """A copy of spawn._fixup_main_from_path that runs the main file under ``run_name``."""
    import runpy
    import types

    def _fixup_main_from_path(main_path):
        current_main = sys.modules["__main__"]
        if getattr(current_main, "__file__", None) == main_path:
            return
        spawn.old_main_modules.append(current_main)
        main_module = types.ModuleType(run_name)
        main_module.__dict__.update(runpy.run_path(main_path, run_name=run_name))
        sys.modules["__main__"] = sys.modules["__mp_main__"] = main_module

    replace(spawn, "_fixup_main_from_path", _fixup_main_from_path)


def _ident(process, pid_of):
    """Replace ``pid``/``ident`` with ``pid_of(process_object)``."""
    def ident(self):
        self._check_closed()
        return pid_of(self)
    replace(process.BaseProcess, "ident", property(ident))
    replace(process.BaseProcess, "pid", property(ident))


def _popen_class(context, process_class, popen_module):
    """Make ``context.<process_class>`` start its processes with ``popen_module``'s Popen."""
    def _Popen(process_obj):
        import importlib
        return importlib.import_module(popen_module).Popen(process_obj)
    replace(getattr(context, process_class), "_Popen", staticmethod(_Popen))


# ================================================================ the catalog
# Roughly in the order of specs/claims.json. A probe runs as ``from mpspec_probe import *``
# (its targets and helpers, the contexts fork, spawn and forkserver) followed by the probe's
# lines under ``if __name__ == "__main__":``, or by the whole probe when ``program=True``.

# ---------------------------------------------------------------- 0, 1: concept, creating

@mutant(P, claims=["concept.no-shared-state", "method.start-calls-run", "isolation.globals-not-shared"],
        probe="fork.Process(target=record, args=(1,)).start(); print(collected)")
def start_also_runs_target_in_parent(process):
    """start() calls run() once in the parent, then starts the child."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        self.run()
        original(self)


@mutant(P, claims=["create.not-started"],
        probe="p = fork.Process(target=nothing); print(p.pid is None)")
def constructor_starts_the_process(process):
    """Constructing a Process starts it at once."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.start()


@mutant(P, claims=["create.not-started", "subclass.direct-run-in-parent", "attr.pid"],
        probe="print(fork.Process(target=nothing).pid)")
def pid_defaults_to_current_pid(process):
    """Before start(), pid is the current process's pid instead of None."""
    import os
    _ident(process, lambda self: os.getpid() if self is process._current_process or self._popen is None
           else self._popen.pid)


@mutant(P, claims=["create.not-started", "method.is-alive", "subclass.direct-run-in-parent",
                   "subclass.start-override"],
        probe="print(fork.Process(target=nothing).is_alive())")
def is_alive_before_start(process):
    """is_alive() is True for a Process that has not been started."""
    @around(process.BaseProcess, "is_alive")
    def is_alive(original, self):
        if self._popen is None and not self._closed:
            return True
        return original(self)


@mutant(P, claims=["create.keyword-args", "beyond.optimize-strips-checks"],
        probe="print(outcome(fork.Process, nothing))")
def group_check_removed(process):
    """Process(group=...) accepts any group instead of asserting it is None."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, *args, **kwargs):
        original(self, None, *args, **kwargs)


@mutant(P, claims=["create.keyword-args"],
        probe="print(outcome(fork.Process, None, nothing, None, (), {}, True))")
def daemon_positional(process):
    """daemon may be passed as the sixth positional argument, not only by keyword."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, args=(), kwargs={}, daemon=None):
        original(self, group, target, name, args, kwargs, daemon=daemon)


@mutant(P, claims=["create.args-tuple"],
        probe="print(outcome(fork.Process, target=nothing, args=5))")
def args_not_made_a_tuple(process):
    """args is kept as given instead of tuple(args), so args=(5) fails only in the child."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, args=(), kwargs={}, **rest):
        original(self, group, target, name, (), kwargs, **rest)
        self._args = args


@mutant(P, claims=["create.args-tuple"],
        probe="print(fork.Process(target=nothing, args='abc')._args)")
def args_wrapped_when_not_a_tuple(process):
    """args that is not a tuple becomes a one-element tuple (args='abc' -> ('abc',))."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, args=(), kwargs={}, **rest):
        original(self, group, target, name, args if isinstance(args, tuple) else (args,), kwargs, **rest)


@mutant(P, claims=["create.args-tuple", "subclass.run-override"],
        probe="p = spawn.Process(target=record, args=(lambda: 0,)); print(outcome(p.start))")
def start_swallows_launch_errors(process):
    """An exception while launching the child (an unpicklable argument) is printed, not raised."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        try:
            original(self)
        except Exception as exc:  # noqa: BLE001 -- the mutant's point
            sys.stderr.write(f"could not start {self.name}: {exc!r}\n")


@mutant(P, claims=["create.kwargs", "method.run-calls-target"],
        probe="fork.Process(target=record, args=(1,), kwargs={'k': 2}).run(); print(collected)")
def kwargs_dropped(process):
    """The default run() calls target(*args) and drops kwargs."""
    def run(self):
        if self._target:
            self._target(*self._args)
    replace(process.BaseProcess, "run", run)


@mutant(P, claims=["create.kwargs"],
        probe="fork.Process(target=record, args=(1,), kwargs={'k': 2}).run(); print(collected)")
def kwargs_passed_positionally(process):
    """The default run() passes kwargs as one more positional argument, a dict."""
    def run(self):
        if self._target:
            self._target(*self._args, *([self._kwargs] if self._kwargs else []))
    replace(process.BaseProcess, "run", run)


@mutant(P, claims=["create.target-uncalled"],
        probe="p = fork.Process(); p.start(); p.join(); print(p.exitcode)")
def run_calls_target_even_if_none(process):
    """The default run() calls the target even when it is None (the child fails with TypeError)."""
    def run(self):
        self._target(*self._args, **self._kwargs)
    replace(process.BaseProcess, "run", run)


@mutant(P, claims=["create.target-uncalled", "attr.exitcode"],
        probe="p = fork.Process(target=5); p.start(); p.join(); print(p.exitcode)")
def run_skips_uncallable_target(process):
    """The default run() quietly skips a target that is not callable (target=5 exits 0)."""
    def run(self):
        if callable(self._target):
            self._target(*self._args, **self._kwargs)
    replace(process.BaseProcess, "run", run)


@mutant(P, claims=["create.start-runs-target-in-child", "beyond.parent-process"],
        probe="print(parent_seen_by_a_child())")
def parent_process_gets_child_pid(process):
    """A child records its own pid as its parent's (parent_process().pid)."""
    import os

    @around(process._ParentProcess, "__init__")
    def __init__(original, self, name, pid, sentinel):
        original(self, name, os.getpid(), sentinel)


@mutant(P, claims=["create.start-runs-target-in-child", "beyond.parent-process"],
        probe="print(parent_seen_by_a_child())")
def parent_process_always_none(process):
    """multiprocessing.parent_process() is None in children too."""
    replace(process, "parent_process", lambda: None)


@mutant(CTX, claims=["create.start-runs-target-in-child", "create.module-level-runs-twice",
                     "zombie.init-reaps-after-parent-exit", "orphan.adopted-by-init",
                     "socket.process-per-connection"],
        probe="print(ask(fork, send_ppid) == os.getpid())")
def fork_context_runs_forkserver(context):
    """The fork context starts its children through the fork server."""
    _popen_class(context, "ForkProcess", "multiprocessing.popen_forkserver")


@mutant(CTX, claims=["create.start-runs-target-in-child", "beyond.parent-process"],
        probe="print(ask(forkserver, send_ppid) == os.getpid())")
def forkserver_context_runs_spawn(context):
    """The forkserver context spawns its children directly, with no fork server."""
    _popen_class(context, "ForkServerProcess", "multiprocessing.popen_spawn_posix")


@mutant(CTX, claims=["example.guard-locals-invisible", "isolation.globals-not-shared",
                     "create.child-reimports-main", "create.module-level-runs-twice",
                     "socket.bind-before-guard-needs-reuseaddr", "concept.no-shared-state",
                     "subclass.run-override"],
        probe="set_flag('set by the parent'); print(ask(fork, send_flag))")
def fork_context_runs_spawn(context):
    """The fork context spawns a fresh interpreter instead of forking."""
    _popen_class(context, "ForkProcess", "multiprocessing.popen_spawn_posix")


@mutant(CTX, claims=["create.windows-no-fork", "isolation.globals-not-shared", "create.child-reimports-main",
                     "concept.no-shared-state"],
        probe="set_flag('set by the parent'); print(ask(spawn, send_flag))")
def spawn_context_runs_fork(context):
    """The spawn context forks instead of starting a fresh interpreter."""
    _popen_class(context, "SpawnProcess", "multiprocessing.popen_fork")


@mutant(P, claims=["create.async-with-parent", "method.blocking-kinds", "join.interleaving",
                   "socket.process-per-connection", "socket.many-clients"],
        probe="p = fork.Process(target=sleep, args=(0.5,)); p.start(); print(p.is_alive())")
def start_waits_for_child(process):
    """start() returns only once the child has ended."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        original(self)
        self._popen.wait()


@mutant(P, claims=["join.many-after-loop", "join.order-not-start-order", "join.interleaving",
                   "example.create-many-files", "socket.many-clients"],
        probe="a = started(fork, sleep, 0.5); started(fork, nothing); print(a.is_alive())")
def start_joins_previous_children(process):
    """start() first waits for every child already started to end: one child at a time."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        for child in process.active_children():
            child.join()
        original(self)


@mutant(SPAWN, claims=["create.child-reimports-main", "create.windows-no-fork", "beyond.spawn-main-is-mp-main",
                       "socket.bind-before-guard-needs-reuseaddr"],
        probe="print(ask(spawn, send_main_name))")
def spawn_main_not_reimported(spawn):
    """A spawned child does not import the parent's main file."""
    replace(spawn, "_fixup_main_from_path", lambda main_path: None)


@mutant(SPAWN, claims=["beyond.spawn-main-is-mp-main", "create.child-reimports-main",
                       "create.module-level-runs-twice", "create.main-guard-required",
                       "example.guard-locals-invisible", "socket.bind-before-guard-needs-reuseaddr"],
        probe="print(ask(spawn, send_main_name))")
def spawn_child_runs_main_as_main(spawn):
    """A spawned child imports the main file as __main__, so the main guard is true there."""
    _fixup_main_as(spawn, "__main__")


@mutant(SPAWN, claims=["create.child-reimports-main", "create.windows-no-fork"],
        probe="print(ask(spawn, send_sys_path) == sys.path)")
def spawn_child_keeps_its_own_sys_path(spawn):
    """A spawned child ignores the parent's sys.path and keeps its own."""
    @around(spawn, "prepare")
    def prepare(original, data):
        original({k: v for k, v in data.items() if k != "sys_path"})


@mutant(SPAWN, claims=["create.child-reimports-main"],
        probe="print(ask(spawn, send_argv) == sys.argv)")
def spawn_child_keeps_its_own_argv(spawn):
    """A spawned child ignores the parent's sys.argv and keeps its own command line."""
    @around(spawn, "prepare")
    def prepare(original, data):
        original({k: v for k, v in data.items() if k != "sys_argv"})



@mutant(SPAWN, claims=["create.main-guard-required"], program=True, probe="""
if __name__ != "__main__":  # a spawned child importing this file starts a process of its own
    with open("child.log", "a") as log:
        log.write(outcome(spawn.Process(target=nothing).start) + "\\n")
if __name__ == "__main__":
    started(spawn, nothing).join()
    print(open("child.log").read().split())
""")
def bootstrapping_check_removed(spawn):
    """A child still importing the main file may start processes (no bootstrapping RuntimeError)."""
    replace(spawn, "_check_not_importing_main", lambda: None)


@mutant(CTX, claims=["create.windows-no-fork"], probe="print(mp.get_all_start_methods())")
def fork_not_available(context):
    """get_all_start_methods() leaves fork out, as on Windows."""
    @around(context.DefaultContext, "get_all_start_methods")
    def get_all_start_methods(original, self):
        return [m for m in original(self) if m != "fork"]


@mutant(claims=["create.child-outlives-parent", "orphan.harmless", "orphan.adopted-by-init",
                "attr.daemon-ends-with-parent-code"],
        probe="print(outlives_a_killed_parent())")
def children_exit_when_parent_dies():
    """Every child watches its parent's sentinel and exits as soon as the parent is gone."""
    @when(P)
    def patch(process):
        @around(process.BaseProcess, "_bootstrap")
        def _bootstrap(original, self, parent_sentinel=None, **kwargs):
            import threading
            from multiprocessing.connection import wait
            if parent_sentinel is not None:
                def watch():
                    wait([parent_sentinel])
                    os._exit(1)
                threading.Thread(target=watch, daemon=True).start()
            return original(self, parent_sentinel, **kwargs)


@mutant(P, claims=["create.child-outlives-parent", "orphan.harmless", "orphan.adopted-by-init"],
        platforms=("linux",), probe="print(outlives_a_killed_parent())")
def pdeathsig_kills_children(process):
    """Every child asks Linux for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG)."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        return original(self, *args, **kwargs)


@mutant("multiprocessing.heap", claims=["concept.no-shared-state"], platforms=("linux", "darwin"),
        program=True, probe="""
def set_value(value):
    value.value = 42

if __name__ == "__main__":
    v = fork.Value("i", 0)
    started(fork, set_value, v).join()
    print(v.value)
""")
def shared_memory_mapped_private(heap):
    """The memory behind Value and Array is mapped private (MAP_PRIVATE), so a child's writes to it stay its own."""
    import mmap
    import types
    shim = types.SimpleNamespace(**{k: getattr(mmap, k) for k in dir(mmap) if not k.startswith("__")})
    shim.mmap = lambda fileno, length, *args, **kwargs: mmap.mmap(fileno, length, flags=mmap.MAP_PRIVATE)
    replace(heap, "mmap", shim)


@mutant(P, claims=["create.target-uncalled"], probe="""
import tempfile
with tempfile.TemporaryFile() as f:
    saved = os.dup(2)
    os.dup2(f.fileno(), 2)
    p = started(fork, raise_error)
    p.join()
    os.dup2(saved, 2)
    f.seek(0)
    print(p.exitcode, b"Traceback" in f.read())
""")
def uncaught_exception_not_printed(process):
    """A child whose target raises exits with code 1 without printing the traceback."""
    @around(process.BaseProcess, "run")
    def run(original, self):
        try:
            original(self)
        except Exception:  # noqa: BLE001 -- the mutant's point
            sys.exit(1)


# ---------------------------------------------------------------- 2: methods

@mutant(P, claims=["method.start-calls-run", "subclass.run-override", "subclass.pid-in-run"],
        probe="r, w = fork.Pipe(False); OwnRun(w).start(); print(r.recv() if r.poll(5) else 'no report')")
def bootstrap_runs_base_run(process):
    """The child calls the base class's run(), ignoring a subclass's override."""
    import types

    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self.run = types.MethodType(process.BaseProcess.run, self)
        return original(self, *args, **kwargs)


@mutant(P, claims=["method.run-calls-target", "subclass.target-via-super", "create.args-tuple"],
        probe="fork.Process(target=record, args=(1,), kwargs={'k': 2}).run(); print(collected)")
def run_drops_args(process):
    """The default run() calls target(**kwargs) and drops args."""
    def run(self):
        if self._target:
            self._target(**self._kwargs)
    replace(process.BaseProcess, "run", run)


@mutant(P, claims=["method.run-calls-target"], probe="print(ask(fork, send_me)[0])")
def start_runs_target_in_parent(process):
    """start() calls run() in the calling process, then starts a child that has no target left."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        self.run()
        self._target = None
        original(self)


@mutant(P, claims=["method.run-calls-target", "method.join-only-started"],
        probe="fork.Process(target=record, args=(1,)).run(); print(collected)")
def run_only_in_child(process):
    """run() does nothing unless it is called in the started child."""
    @around(process.BaseProcess, "run")
    def run(original, self):
        if process.current_process() is self:
            original(self)


@mutant(FORK, claims=["method.terminate-forceful", "attr.exitcode"],
        probe="p = holding(fork); p.terminate(); p.join(); print(p.exitcode)")
def terminate_sends_sigint(popen_fork):
    """terminate() sends SIGINT instead of SIGTERM."""
    send_instead(popen_fork.Popen, "terminate", "SIGINT")


@mutant(FORK, claims=["method.terminate-forceful", "attr.exitcode", "example.is-alive-lags-terminate",
                      "method.blocking-kinds"],
        probe="p = holding(fork); p.terminate(); p.join(); print(p.exitcode)")
def terminate_sends_sigkill(popen_fork):
    """terminate() sends SIGKILL instead of SIGTERM."""
    send_instead(popen_fork.Popen, "terminate", "SIGKILL")


@mutant(P, claims=["method.terminate-forceful"],
        probe="p = holding(fork); p.terminate(); p.join(); print(p.exitcode)")
def children_exit_gracefully_on_sigterm(process):
    """A child turns SIGTERM into SystemExit(128 + SIGTERM), so its finally clauses and exit handlers run."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        import signal

        def graceful(signum, frame):
            sys.exit(128 + signum)
        signal.signal(signal.SIGTERM, graceful)
        return original(self, *args, **kwargs)


@mutant(P, claims=["method.terminate-forceful", "attr.exitcode", "daemon.ends-after-main-code"],
        probe="p = holding(fork); p.terminate(); p.join(1); print(p.exitcode); p.kill()")
def children_ignore_sigterm(process):
    """A child ignores SIGTERM, so terminate() does not end it."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        return original(self, *args, **kwargs)


@mutant(claims=["method.terminate-orphans-children"],
        probe="print(grandchild_after_terminate())")
def terminate_kills_process_group():
    """A child of the main process leads a process group, which its own children join, and
    terminate() signals the whole group."""
    @when(P)
    def own_group(process):
        @around(process.BaseProcess, "_bootstrap")
        def _bootstrap(original, self, *args, **kwargs):
            if len(self._identity) == 1:  # made by the main process
                try:
                    os.setpgid(0, 0)
                except OSError:
                    pass
            return original(self, *args, **kwargs)

    @when(FORK)
    def signal_group(popen_fork):
        @around(popen_fork.Popen, "_send_signal")
        def _send_signal(original, self, sig):
            if self.returncode is None:
                try:
                    os.killpg(self.pid, sig)
                    return
                except OSError:
                    pass
            original(self, sig)


@mutant(P, claims=["method.terminate-orphans-children"],
        probe="print(grandchild_after_terminate())")
def terminated_child_terminates_its_children(process):
    """A child that gets SIGTERM first terminates its own children, then dies of SIGTERM."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        import signal

        def cascade(signum, frame):
            for child in process.active_children():
                child.terminate()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        signal.signal(signal.SIGTERM, cascade)
        return original(self, *args, **kwargs)


@mutant(SYNC, claims=["method.terminate-keeps-lock"],
        probe="lock = fork.Lock(); lock.acquire(); print(lock.acquire(False))")
def lock_nonblocking_acquire_always_succeeds(synchronize):
    """Lock.acquire(block=False) reports success even when the lock is taken."""
    @around(synchronize.SemLock, "_make_methods")
    def _make_methods(original, self):
        original(self)
        acquire = self.acquire

        def acquire_(block=True, timeout=None):
            return acquire(block, timeout) or not block
        self.acquire = acquire_


_HELD = []  # this process's releases of the locks it holds (terminated-child-releases-its-locks)


@mutant(claims=["method.terminate-keeps-lock"],
        probe="""
lock, ready = fork.Lock(), fork.Event()
p = started(fork, hold_lock, lock, ready); ready.wait(5); p.terminate(); p.join()
print(lock.acquire(False))
""")
def terminated_child_releases_its_locks():
    """A child releases every Lock it holds when it gets SIGTERM, then dies of it."""
    @when(SYNC)
    def track(synchronize):
        @around(synchronize.SemLock, "_make_methods")
        def _make_methods(original, self):
            original(self)
            acquire, release = self.acquire, self.release

            def tracking_acquire(*args, **kwargs):
                got = acquire(*args, **kwargs)
                if got:
                    _HELD.append(release)
                return got

            def tracking_release():
                release()
                if release in _HELD:
                    _HELD.remove(release)
            self.acquire, self.release = tracking_acquire, tracking_release

    @when(P)
    def release_on_sigterm(process):
        @around(process.BaseProcess, "_bootstrap")
        def _bootstrap(original, self, *args, **kwargs):
            import signal
            del _HELD[:]  # a forked child does not hold its parent's locks

            def release_all(signum, frame):
                for release in reversed(_HELD):
                    release()
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            signal.signal(signal.SIGTERM, release_all)
            return original(self, *args, **kwargs)


@mutant(P, claims=["method.is-alive", "example.is-alive-lags-terminate"],
        probe="p = started(fork, nothing); p.join(); print(p.is_alive())")
def is_alive_means_started(process):
    """is_alive() is True for any started process, ended or not."""
    @around(process.BaseProcess, "is_alive")
    def is_alive(original, self):
        if self is process._current_process:
            return True
        return self._popen is not None


@mutant(P, claims=["method.is-alive", "example.is-alive-lags-terminate"],
        probe="p = started(fork, nothing); exited(p); print(p.is_alive())")
def is_alive_true_for_zombie(process):
    """is_alive() asks os.kill(pid, 0), which an ended but uncollected child still passes."""
    @around(process.BaseProcess, "is_alive")
    def is_alive(original, self):
        if self is process._current_process or self._popen is None or self._popen.returncode is not None:
            return original(self)
        try:
            os.kill(self._popen.pid, 0)
        except ProcessLookupError:
            return original(self)
        return True


@mutant(P, claims=["method.is-alive", "zombie.every-child-passes-zombie"],
        probe="p = started(fork, nothing); exited(p); print(p.is_alive(), state(p.pid))")
def is_alive_via_sentinel(process):
    """is_alive() looks at the sentinel instead of asking the OS, so an ended child is not collected."""
    @around(process.BaseProcess, "is_alive")
    def is_alive(original, self):
        if self is process._current_process or self._popen is None or self._popen.returncode is not None:
            return original(self)
        from multiprocessing.connection import wait
        return not wait([self.sentinel], 0)


@mutant(P, claims=["method.is-alive"],
        probe="p = started(fork, nothing); exited(p); print(p.exitcode, state(p.pid)); p.join()")
def exitcode_does_not_poll(process):
    """Reading exitcode does not ask the OS: it stays None, and the ended child a zombie, until
    join() or is_alive() has collected it."""
    def exitcode(self):
        self._check_closed()
        return None if self._popen is None else self._popen.returncode
    property_getter(process.BaseProcess, "exitcode", exitcode)


@mutant(P, claims=["method.join-waits", "join.blocks-until-child-ends", "join.inside-loop-serializes"],
        probe="p = started(fork, sleep, 0.5); p.join(); print(p.exitcode)")
def join_returns_at_once(process):
    """join() without a timeout returns at once instead of waiting."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, 0 if timeout is None else timeout)


@mutant(P, claims=["method.join-waits", "method.blocking-kinds"],
        probe="p = started(fork, sleep, 1); p.join(0.1); print(p.is_alive())")
def join_ignores_timeout(process):
    """join(timeout) waits for the end, however long it takes."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self)


@mutant(P, claims=["method.join-waits", "method.blocking-kinds"],
        probe="p = started(fork, sleep, 1); t = time.monotonic(); p.join(0.5); print(time.monotonic() - t > 0.3)")
def join_timeout_in_milliseconds(process):
    """join(timeout) reads its timeout as milliseconds."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, None if timeout is None else timeout / 1000)


@mutant(P, claims=["method.join-waits"],
        probe="p = started(fork, sleep, 2); t = time.monotonic(); p.join(0.5); print(time.monotonic() - t > 0.9)")
def join_waits_twice_the_timeout(process):
    """join(timeout) spends its timeout twice before giving up."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, timeout)
        if timeout is not None and self.exitcode is None:
            original(self, timeout)


@mutant(P, claims=["method.join-waits", "join.blocks-until-child-ends"],
        probe="p = started(fork, sleep, 1.5); p.join(); print(p.exitcode)")
def join_default_timeout(process):
    """join() without a timeout gives up after one second."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, 1.0 if timeout is None else timeout)


@mutant(P, claims=["join.inside-loop-serializes"],
        probe="p = started(fork, sleep, 0.5); p.join(5); print(p.exitcode)")
def join_timeout_returns_at_once(process):
    """join(timeout) returns at once whenever a timeout is given."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, None if timeout is None else 0)


@mutant(P, claims=["method.join-only-started", "subclass.start-override"],
        probe="print(outcome(fork.Process(target=nothing).join))")
def join_unstarted_returns(process):
    """join() on a process never started returns instead of asserting."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        if self._popen is None and not self._closed:
            return
        original(self, timeout)


@mutant(P, claims=["method.join-only-started", "subclass.start-override", "beyond.optimize-strips-checks"],
        probe="print(outcome(fork.Process(target=nothing).join))")
def join_unstarted_raises_valueerror(process):
    """join() on a process never started raises ValueError, not AssertionError."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        if self._popen is None and not self._closed:
            raise ValueError("can only join a started process")
        original(self, timeout)


@mutant(P, claims=["join.last-only-insufficient"],
        probe="a = started(fork, sleep, 1); b = started(fork, nothing); b.join(); print(a.is_alive())")
def join_waits_for_every_child(process):
    """join() on one process first waits for every other child to end."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        for other in process.active_children():
            if other is not self:
                other._popen.wait()
        original(self, timeout)


@mutant(P, claims=["beyond.close-and-kill", "attr.pid"],
        probe="p = started(fork, nothing); p.join(); print(outcome(lambda: p.pid))")
def join_closes_the_process(process):
    """join() also close()s the Process object once the process has ended."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, timeout)
        if self._popen is not None and self._popen.returncode is not None:
            self.close()


@mutant(P, claims=["method.join-waits"],
        probe="p = started(fork, sleep, 1); print(p.join(0.1), p.join())")
def join_reports_whether_ended(process):
    """join() returns whether the process has ended (True or False), as Event.wait() does, instead of None."""
    @around(process.BaseProcess, "join")
    def join(original, self, timeout=None):
        original(self, timeout)
        return self._popen.returncode is not None


# ---------------------------------------------------------------- 3: attributes

@mutant(P, claims=["attr.daemon-default"],
        probe="print(ask(fork, send_new_process, daemon=True))")
def daemon_default_not_inherited(process):
    """A new Process is not a daemon even when its creator is one."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, *args, daemon=None, **kwargs):
        original(self, *args, daemon=daemon, **kwargs)
        if daemon is None:
            self._config["daemon"] = False


@mutant(P, claims=["attr.daemon-default"], probe="print(fork.Process(target=nothing).daemon)")
def daemon_defaults_true(process):
    """A new Process is a daemon unless told otherwise."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, *args, daemon=None, **kwargs):
        original(self, *args, daemon=True if daemon is None else daemon, **kwargs)


@mutant(P, claims=["attr.daemon-before-start", "attr.daemon-default", "attr.daemon-no-children",
                   "daemon.children-assertion"],
        probe="print(ask(fork, send_me, daemon=True)[1])")
def daemon_flag_not_passed_to_child(process):
    """A daemon child does not know it is one: its daemon flag is dropped at start-up."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self._config.pop("daemon", None)
        return original(self, *args, **kwargs)


@mutant(P, claims=["attr.daemon-before-start", "beyond.optimize-strips-checks"],
        probe="p = started(fork, sleep, 0.3); print(outcome(setattr, p, 'daemon', True))")
def daemon_settable_after_start(process):
    """daemon can be set on a started process (the assertion is gone)."""
    getter = process.BaseProcess.daemon.fget

    def set_daemon(self, daemonic):
        self._config["daemon"] = daemonic
    replace(process.BaseProcess, "daemon", property(getter, set_daemon))


@mutant(P, claims=["attr.daemon-no-children", "daemon.children-assertion"],
        probe="print(ask(fork, try_child, daemon=True))")
def daemon_children_allowed(process):
    """A daemon may start processes (the assertion in start() is gone)."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        _start_as_if_not_a_daemon(process, original, self)


def _start_as_if_not_a_daemon(process, original, self):
    """Run ``original`` start() with this process's daemon flag out of sight, so its check
    passes; the flag is put back after. Returns whether this process is a daemon."""
    config = process._current_process._config
    daemonic = config.pop("daemon", None)
    try:
        original(self)
    finally:
        if daemonic is not None:
            config["daemon"] = daemonic
    return bool(daemonic)


@mutant(P, claims=["attr.daemon-no-children", "daemon.children-assertion", "beyond.optimize-strips-checks"],
        probe="print(ask(fork, try_child, daemon=True))")
def daemon_children_raise_runtimeerror(process):
    """start() in a daemon raises RuntimeError, not AssertionError (so python -O keeps the check)."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        if process._current_process._config.get("daemon"):
            raise RuntimeError("daemonic processes are not allowed to have children")
        original(self)


@mutant(P, claims=["attr.name", "example.name-overwritten-by-init"], probe="print(fork.Process().name)")
def default_name_without_counter(process):
    """The default name is the class name alone, without its counter."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, *args, **kwargs):
        original(self, group, target, name, *args, **kwargs)
        if not name:
            self._name = type(self).__name__


@mutant(P, claims=["attr.name", "example.name-overwritten-by-init"], probe="print(fork.Process().name)")
def default_name_is_always_process(process):
    """The default name starts with "Process" whatever the class (Process-1, not ForkProcess-1)."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, *args, **kwargs):
        original(self, group, target, name, *args, **kwargs)
        if not name:
            self._name = "Process-" + ":".join(str(i) for i in self._identity)


@mutant(P, claims=["attr.name", "example.name-overwritten-by-init"], probe="print(fork.Process().name)")
def process_counter_starts_at_zero(process):
    """The main process numbers its processes from 0 (Process-0 first)."""
    import itertools
    replace(process, "_process_counter", itertools.count(0))


@mutant(P, claims=["attr.name"], probe="print(ask(fork, send_me, name='given')[0])")
def child_renames_itself(process):
    """A child takes its default name again at start-up, dropping the name its parent gave."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self._name = type(self).__name__ + "-" + ":".join(str(i) for i in self._identity)
        return original(self, *args, **kwargs)


@mutant(P, claims=["attr.name"], probe="print(ask(fork, send_new_process))")
def child_forgets_its_identity(process):
    """A child numbers the processes it makes as the main process does (Process-1, not Process-1:1)."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self._identity = ()
        return original(self, *args, **kwargs)


@mutant(P, claims=["attr.name"], probe="p = fork.Process(); print(outcome(setattr, p, 'name', 5))")
def name_accepts_any_object(process):
    """name can be set to any object, not only a string (the assertion is gone)."""
    getter = process.BaseProcess.name.fget

    def set_name(self, name):
        self._name = name
    replace(process.BaseProcess, "name", property(getter, set_name))


@mutant(P, claims=["example.name-overwritten-by-init"], probe="print(NamedEarly().name)")
def init_keeps_preset_name(process):
    """Process.__init__ keeps a name a subclass set before calling it."""
    @around(process.BaseProcess, "__init__")
    def __init__(original, self, group=None, target=None, name=None, *args, **kwargs):
        original(self, group, target, name or self.__dict__.get("_name"), *args, **kwargs)


@mutant(P, claims=["attr.pid", "example.pid-after-start", "subclass.pid-in-run"],
        probe="p = started(fork, nothing); print(p.pid == os.getpid())")
def pid_is_parent_pid(process):
    """A started Process's pid is its creator's pid, not the child's."""
    _ident(process, lambda self: os.getpid() if self is process._current_process
           else self._popen and self._parent_pid)


@mutant(P, claims=["attr.pid"], probe="p = started(fork, nothing); p.join(); print(p.pid is None)")
def pid_none_after_join(process):
    """pid reads None again once the process's exit status has been collected."""
    _ident(process, lambda self: os.getpid() if self is process._current_process
           else self._popen and (self._popen.pid if self._popen.returncode is None else None))


@mutant(P, claims=["subclass.pid-in-run", "method.start-calls-run", "subclass.target-via-super"],
        probe="print(ask(fork, send_me)[2])")
def current_process_pid_none(process):
    """Inside the child, its own Process object's pid is None."""
    _ident(process, lambda self: self._popen and self._popen.pid)


@mutant(P, claims=["attr.exitcode", "method.terminate-forceful", "beyond.close-and-kill"],
        probe="p = holding(fork); p.terminate(); p.join(); print(p.exitcode)")
def exitcode_of_signal_positive(process):
    """exitcode reports a process ended by signal N as N, not -N."""
    original = process.BaseProcess.exitcode.fget
    property_getter(process.BaseProcess, "exitcode", lambda self: abs(original(self)) if original(self) else original(self))


@mutant(P, claims=["attr.exitcode"], probe="p = started(fork, sleep, 0.3); print(p.exitcode)")
def exitcode_zero_while_running(process):
    """exitcode reads 0, not None, while the process runs."""
    original = process.BaseProcess.exitcode.fget
    property_getter(process.BaseProcess, "exitcode",
                    lambda self: 0 if self._popen is not None and original(self) is None else original(self))


@mutant(P, claims=["attr.exitcode", "create.not-started", "subclass.direct-run-in-parent"],
        probe="print(fork.Process(target=nothing).exitcode)")
def exitcode_zero_before_start(process):
    """exitcode reads 0, not None, before start()."""
    original = process.BaseProcess.exitcode.fget
    property_getter(process.BaseProcess, "exitcode", lambda self: 0 if self._popen is None else original(self))


@mutant(P, claims=["attr.exitcode", "zombie.every-child-passes-zombie"],
        probe="p = started(fork, nothing); exited(p); print(p.exitcode)")
def exitcode_reads_cached_status(process):
    """exitcode only reports a status that another call has already collected."""
    def exitcode(self):
        self._check_closed()
        return None if self._popen is None else self._popen.returncode
    property_getter(process.BaseProcess, "exitcode", exitcode)


@mutant(FORK, claims=["attr.exitcode", "method.terminate-forceful"],
        probe="p = holding(fork); p.terminate(); p.join(); print(p.exitcode)")
def exit_status_decoded_without_signals(popen_fork):
    """The fork and spawn Popen decode the wait status as status >> 8, so a signal's end reads 0."""
    def poll(self, flag=os.WNOHANG):
        if self.returncode is None:
            try:
                pid, sts = os.waitpid(self.pid, flag)
            except OSError:
                return None
            if pid == self.pid:
                self.returncode = sts >> 8
        return self.returncode
    replace(popen_fork.Popen, "poll", poll)


@mutant(P, claims=["attr.exitcode", "create.target-uncalled"],
        probe="p = started(fork, raise_error); p.join(); print(p.exitcode)")
def run_swallows_target_exception(process):
    """An exception from the target is printed and the child exits 0."""
    @around(process.BaseProcess, "run")
    def run(original, self):
        try:
            original(self)
        except Exception:  # noqa: BLE001 -- the mutant's point
            import traceback
            traceback.print_exc()


@mutant(P, claims=["attr.exitcode", "create.target-uncalled"],
        probe="p = started(fork, raise_error); p.join(); print(p.exitcode)")
def uncaught_exception_exits_2(process):
    """A child whose target raises exits with code 2 instead of 1."""
    @around(process.BaseProcess, "run")
    def run(original, self):
        try:
            original(self)
        except Exception:  # noqa: BLE001 -- the mutant's point
            import traceback
            traceback.print_exc()
            sys.exit(2)


@mutant("multiprocessing.popen_forkserver", claims=["attr.exitcode", "method.terminate-forceful"],
        probe="p = holding(forkserver); p.terminate(); p.join(); print(p.exitcode)")
def forkserver_exit_status_unsigned(popen_forkserver):
    """The exit status a fork server passes on is read as an unsigned byte (-15 becomes 241)."""
    @around(popen_forkserver.Popen, "poll")
    def poll(original, self, flag=os.WNOHANG):
        code = original(self, flag)
        return None if code is None else code & 0xFF


@mutant(P, claims=["attr.exitcode"], probe="p = started(fork, exit_with, 7); p.join(); print(p.exitcode)")
def run_swallows_sys_exit(process):
    """sys.exit(n) in the target is caught and the child exits 0."""
    @around(process.BaseProcess, "run")
    def run(original, self):
        try:
            original(self)
        except SystemExit:
            pass


@mutant(P, claims=["attr.authkey"], probe="import pickle; print(outcome(pickle.dumps, mp.current_process().authkey))")
def authkey_plain_bytes(process):
    """authkey is plain bytes, which pickle like any bytes, not an AuthenticationString."""
    config = process._current_process._config
    config["authkey"] = bytes(config["authkey"])
    getter = process.BaseProcess.authkey.fget

    def set_authkey(self, authkey):
        self._config["authkey"] = bytes(authkey)
    replace(process.BaseProcess, "authkey", property(getter, set_authkey))


@mutant(P, claims=["attr.authkey"], probe="print(len(mp.current_process().authkey))")
def authkey_16_bytes(process):
    """The main process draws a 16-byte authkey instead of 32 bytes."""
    process._current_process._config["authkey"] = process.AuthenticationString(os.urandom(16))


@mutant(P, claims=["attr.authkey"], probe="print(ask(fork, send_me)[3] == bytes(mp.current_process().authkey))")
def authkey_drawn_per_process(process):
    """Each child draws a fresh authkey at start-up instead of inheriting its parent's."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self._config["authkey"] = process.AuthenticationString(os.urandom(32))
        return original(self, *args, **kwargs)


@mutant(CONN, claims=["attr.authkey"], probe="print(connect_with_wrong_key())")
def connection_authentication_skipped(connection):
    """Listener and Client ignore their authkey: no challenge, any peer is accepted."""
    @around(connection.Listener, "__init__")
    def __init__(original, self, address=None, family=None, backlog=1, authkey=None):
        original(self, address, family, backlog)

    @around(connection, "Client")
    def Client(original, address, family=None, authkey=None):
        return original(address, family)


@mutant(P, claims=["attr.name", "example.name-overwritten-by-init"],
        probe="fork.Process(); fork.Process(); print(ask(fork, send_new_process))")
def child_counter_not_reset(process):
    """A forked child goes on counting where its parent had got to (Process-3:4), instead of starting again at 1."""
    import types
    replace(process, "itertools", types.SimpleNamespace(count=lambda start=0, step=1: process._process_counter))


@mutant(P, claims=["attr.daemon-no-children"], program=True, probe="""
def try_then_count(conn):
    import psutil
    try:
        mp.Process(target=nothing).start()
    except AssertionError as exc:
        conn.send((str(exc), len(psutil.Process().children())))

if __name__ == "__main__":
    print(ask(fork, try_then_count, daemon=True))
""")
def daemon_check_after_launch(process):
    """start() in a daemon first makes the new process and only then raises its AssertionError."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        if _start_as_if_not_a_daemon(process, original, self):
            raise AssertionError("daemonic processes are not allowed to have children")


@mutant(FORK, claims=["attr.exitcode"],
        probe="p = started(fork, sleep, 5); p.kill(); p.join(); print(p.exitcode)")
def signal_deaths_read_as_sigterm(popen_fork):
    """The fork and spawn Popen report every death by a signal as -SIGTERM (kill() then reads -15, not -9)."""
    import signal

    @around(popen_fork.Popen, "poll")
    def poll(original, self, flag=os.WNOHANG):
        code = original(self, flag)
        if code is not None and code < 0:
            self.returncode = code = -signal.SIGTERM
        return code


@mutant(P, claims=["attr.authkey"], probe="""
import subprocess
code = ("import os; os.urandom = lambda n: bytes(n); import multiprocessing; "
        "print(bytes(multiprocessing.current_process().authkey) == bytes(32))")
print(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
""")
def authkey_not_from_urandom(process):
    """The main process derives its authkey from its pid and the time instead of drawing os.urandom(32)."""
    import hashlib
    import time
    seed = f"{os.getpid()} {time.time()}".encode()
    process._current_process._config["authkey"] = process.AuthenticationString(hashlib.sha256(seed).digest())


@mutant(P, claims=["attr.authkey"], program=True, probe="""
def key_type(conn):
    conn.send(type(mp.current_process().authkey).__name__)

if __name__ == "__main__":
    print(ask(spawn, key_type))
""")
def authkey_reduced_to_bytes(process):
    """Starting a process pickles an AuthenticationString as plain bytes, so a spawned child's key is bytes."""
    def __reduce__(self):
        from multiprocessing.context import get_spawning_popen
        if get_spawning_popen() is None:
            raise TypeError("Pickling an AuthenticationString object is disallowed for security reasons")
        return bytes, (bytes(self),)
    replace(process.AuthenticationString, "__reduce__", __reduce__)


@mutant(P, claims=["attr.authkey"],
        probe="r, w = fork.Pipe(False); p = fork.Process(target=send_me, args=(w,)); p.authkey = b'k' * 32; "
              "p.start(); print(r.recv()[3] == b'k' * 32); p.join()")
def child_authkey_reset_to_creators(process):
    """A child takes its creator's own authkey at start-up, ignoring one assigned to its Process object."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, *args, **kwargs):
        self._config["authkey"] = process._current_process.authkey
        return original(self, *args, **kwargs)


# ---------------------------------------------------------------- 3, 10, 11: what the exit handler does

@mutant(U, claims=["attr.daemon-ends-with-parent-code", "daemon.ends-after-main-code", "summary.main-reaps-daemons"],
        probe="report_at_exit()")
def daemons_not_terminated_at_exit(util):
    """At exit, multiprocessing joins its daemons instead of terminating them."""
    exit_handler(util, leave_them, join_every_child)


@mutant(U, claims=["daemon.ends-after-main-code", "daemon.may-never-run", "attr.daemon-ends-with-parent-code",
                   "summary.main-reaps-daemons"],
        probe="report_at_exit()")
def daemons_killed_at_exit(util):
    """At exit, multiprocessing kills its daemons (SIGKILL) instead of terminating them."""
    def kill_daemons(children):
        for p in children:
            if p.daemon:
                p._popen.kill()
    exit_handler(util, kill_daemons, join_every_child)


@mutant(U, claims=["daemon.ends-after-main-code", "attr.daemon-ends-with-parent-code"],
        probe="report_at_exit()")
def daemons_terminated_after_join(util):
    """At exit, multiprocessing first waits for the other children, and only then terminates its daemons."""
    def others_first(active_children):
        for p in active_children():
            if not p.daemon:
                p.join()
        terminate_daemons(active_children())
        join_every_child(active_children)
    exit_handler(util, leave_them, others_first)


@mutant(U, claims=["summary.main-waits-for-children", "daemon.non-daemon-outlives-main-code",
                   "zombie.every-child-passes-zombie"],
        probe="report_at_exit()")
def exit_handler_skips_join(util):
    """At exit, multiprocessing terminates its daemons but waits for no child."""
    exit_handler(util, terminate_daemons, lambda active_children: None)


@mutant(U, claims=["daemon.non-daemon-outlives-main-code", "summary.main-waits-for-children"],
        probe="report_at_exit()")
def exit_handler_terminates_every_child(util):
    """At exit, multiprocessing terminates every child, not only the daemons."""
    def terminate_all(children):
        for p in children:
            p._popen.terminate()
    exit_handler(util, terminate_all, join_every_child)


@mutant(U, claims=["daemon.non-daemon-outlives-main-code", "summary.main-waits-for-children"],
        probe="report_at_exit(worker_seconds=1.5)")
def exit_handler_join_bounded(util):
    """At exit, multiprocessing waits at most half a second for each child."""
    def join_briefly(active_children):
        for p in active_children():
            p.join(0.5)
    exit_handler(util, terminate_daemons, join_briefly)


@mutant(U, claims=["summary.main-reaps-daemons"], probe="report_at_exit()")
def daemons_terminated_not_collected(util):
    """At exit, multiprocessing terminates its daemons and then collects only the other children."""
    from multiprocessing import process

    def join_non_daemons(active_children):
        for p in list(process._children):
            if not p.daemon:
                p.join()
    exit_handler(util, terminate_daemons, join_non_daemons)


@mutant(U, claims=["daemon.may-never-run"], probe="""
atexit.register(lambda: print(os.path.exists("ran")))
started(fork, touch_later, "ran", 0.2, daemon=True)
""")
def daemons_get_a_head_start(util):
    """At exit, multiprocessing gives running daemons half a second before it terminates them."""
    import time

    def terminate_after_a_while(children):
        if any(p.daemon for p in children):
            time.sleep(0.5)
        terminate_daemons(children)
    exit_handler(util, terminate_after_a_while, join_every_child)


@mutant(U, claims=["daemon.may-never-run"], probe="""
atexit.register(lambda: print(os.path.exists("ran")))
started(fork, touch_later, "ran", 0.2, daemon=True)
""")
def daemons_joined_briefly_before_terminate(util):
    """At exit, multiprocessing first gives each daemon half a second to end by itself (join(0.5)), then terminates it."""
    def join_then_terminate(children):
        for p in children:
            if p.daemon:
                p.join(0.5)
        terminate_daemons([p for p in children if p.exitcode is None])
    exit_handler(util, join_then_terminate, join_every_child)


@mutant(P, claims=["daemon.children-assertion", "beyond.optimize-strips-checks"], probe="""
import subprocess
code = "from mpspec_probe import *; print(ask(fork, try_child, daemon=True))"
print(subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True).stdout)
""")
def daemon_children_check_survives_optimize(process):
    """start() in a daemon raises AssertionError with an explicit raise, not an assert, so python -O keeps the check."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        if process._current_process._config.get("daemon"):
            raise AssertionError("daemonic processes are not allowed to have children")
        original(self)


@mutant(U, claims=["example.append-same-file"],
        probe="p = started(fork, finalizer_touches, 'ran'); p.join(); print(os.path.exists('ran'))")
def child_skips_exit_finalizers(util):
    """A child skips its exit finalizers (such as flushing what a Queue still buffers)."""
    from multiprocessing import process
    exit_handler(util, terminate_daemons, join_every_child,
                 run_finalizers=lambda: process.parent_process() is None)


# ---------------------------------------------------------------- 4, 5: joining, examples

@mutant(SYNC, claims=["example.append-same-file", "example.create-many-files", "join.many-after-loop"],
        probe="print(outcome(fork.Barrier(2).wait, 0.5))")
def barrier_one_party_short(synchronize):
    """Barrier(n) lets its waiters through when n - 1 of them are there."""
    @around(synchronize.Barrier, "__init__")
    def __init__(original, self, parties, *args, **kwargs):
        original(self, parties - 1, *args, **kwargs)


@mutant(SYNC, claims=["join.order-not-start-order", "join.interleaving", "join.blocks-until-child-ends"],
        probe="e = fork.Event(); t = time.monotonic(); e.wait(0.5); print(time.monotonic() - t > 0.3)")
def event_wait_returns_at_once(synchronize):
    """Event.wait(timeout) returns the flag at once instead of waiting for it."""
    replace(synchronize.Event, "wait", lambda self, timeout=None: self.is_set())


@mutant(FORK, claims=["example.is-alive-lags-terminate", "method.blocking-kinds"],
        probe="p = holding(fork, slow_to_die); p.terminate(); print(p.is_alive()); p.join()")
def terminate_joins(popen_fork):
    """terminate() waits for the process to end before it returns."""
    @around(popen_fork.Popen, "terminate")
    def terminate(original, self):
        original(self)
        self.wait()


@mutant(FORK, claims=["example.is-alive-lags-terminate", "method.blocking-kinds"],
        probe="p = holding(fork, slow_to_die); p.terminate(); print(p.is_alive(), p.exitcode)")
def terminate_marks_process_dead(popen_fork):
    """terminate() records the exit code -SIGTERM at once, before the process has ended."""
    import signal

    @around(popen_fork.Popen, "terminate")
    def terminate(original, self):
        original(self)
        if self.returncode is None:
            self.returncode = -signal.SIGTERM


# ---------------------------------------------------------------- 6: subclasses

@mutant(P, claims=["subclass.run-override", "subclass.target-via-super", "subclass.pid-in-run"],
        probe="r, w = spawn.Pipe(False); Carrier(w).start(); print(r.recv() if r.poll(10) else 'no report')")
def child_gets_only_private_state(process):
    """A pickled Process carries only its underscore attributes, so a subclass's own ones are lost."""
    add(process.BaseProcess, "__getstate__",
        lambda self: {k: v for k, v in self.__dict__.items() if k.startswith("_")})


@mutant(CTX, claims=["subclass.run-override"], program=True, probe="""
def fresh(conn):
    conn.send("probe_parent_marker" not in sys.modules)

if __name__ == "__main__":
    # fork unless it is the default: a fork child is no fresh interpreter, the others are
    mp.set_start_method("fork" if mp.get_start_method() != "fork" else "spawn", force=True)
    sys.modules["probe_parent_marker"] = sys
    print(mp.get_start_method(), ask(mp, fresh))
""")
def process_ignores_set_start_method(context):
    """multiprocessing.Process (and so every subclass of it) starts with the platform's default start method, whatever set_start_method() chose."""
    def _Popen(process_obj):
        return context._default_context._default_context.Process._Popen(process_obj)
    replace(context.Process, "_Popen", staticmethod(_Popen))


# ---------------------------------------------------------------- 8: stdin

@mutant(U, claims=["stdin.input-eof", "socket.no-input-in-child"], probe="print(stdin_of_a_child())")
def stdin_not_replaced(util):
    """A child keeps its parent's sys.stdin instead of reading os.devnull."""
    replace(util, "_close_stdin", lambda: None)


@mutant(U, claims=["stdin.input-eof", "socket.no-input-in-child"], probe="print(stdin_of_a_child())")
def stdin_set_to_none(util):
    """A child's sys.stdin is closed and set to None (input() raises RuntimeError)."""
    def _close_stdin():
        if sys.stdin is not None:
            try:
                sys.stdin.close()
            except (OSError, ValueError):
                pass
            sys.stdin = None
    replace(util, "_close_stdin", _close_stdin)


@mutant(U, claims=["stdin.input-eof"], probe="print(stdin_of_a_child())")
def stdin_replaced_by_stringio(util):
    """A child's sys.stdin becomes an empty io.StringIO instead of a reader of os.devnull."""
    import io

    @around(util, "_close_stdin")
    def _close_stdin(original):
        original()
        sys.stdin = io.StringIO()


@mutant(U, claims=["stdin.input-eof", "socket.no-input-in-child"], probe="print(stdin_of_a_child())")
def stdin_devnull_opened_by_name(util):
    """A child's sys.stdin is open(os.devnull), named by its path and owning its descriptor."""
    @around(util, "_close_stdin")
    def _close_stdin(original):
        original()
        if sys.stdin is not None:
            sys.stdin = open(os.devnull, encoding="utf-8")


@mutant(U, claims=["stdin.input-eof"], program=True, probe="""
def closed_in_child(conn, stream):
    conn.send(stream.closed)

if __name__ == "__main__":
    sys.stdin = io.StringIO("a line for input()\\n")
    r, w = fork.Pipe(duplex=False)
    p = started(fork, closed_in_child, w, sys.stdin)
    print(r.recv() if r.poll(10) else "no report")
    p.join()
""")
def stdin_replaced_not_closed(util):
    """A child's sys.stdin is replaced by a reader of os.devnull without the old one being closed first."""
    def _close_stdin():
        if sys.stdin is None:
            return
        try:
            fd = os.open(os.devnull, os.O_RDONLY)
            try:
                sys.stdin = open(fd, encoding="utf-8", closefd=False)
            except BaseException:
                os.close(fd)
                raise
        except (OSError, ValueError):
            pass
    replace(util, "_close_stdin", _close_stdin)


@mutant(U, claims=["stdin.input-eof"], probe="print(fd0_of_a_child())")
def stdin_fd0_redirected_to_devnull(util):
    """A child also points its file descriptor 0 at os.devnull."""
    @around(util, "_close_stdin")
    def _close_stdin(original):
        original()
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)


# ---------------------------------------------------------------- 9: zombies and orphans

@mutant(P, claims=["zombie.every-child-passes-zombie", "socket.close-ends-session"],
        probe="p = started(fork, nothing); exited(p); print(len(mp.active_children()), state(p.pid))")
def active_children_does_not_reap(process):
    """active_children() and start() no longer collect the children that have ended."""
    replace(process, "_cleanup", lambda: None)


@mutant(P, claims=["zombie.every-child-passes-zombie", "zombie.init-reaps-after-parent-exit"],
        probe="""
release = fork.Event()
p = started(fork, release.wait, 10)  # ends only once start() has recorded it
release.set()
deadline = time.monotonic() + 10
while state(p.pid) == "running" and time.monotonic() < deadline:
    time.sleep(0.01)
time.sleep(0.1)  # a handler runs between bytecodes: give it the moment
print(state(p.pid))
""")
def sigchld_collects_children(process):
    """start() installs a SIGCHLD handler that collects every ended child at once."""
    import signal
    import threading

    @around(process.BaseProcess, "start")
    def start(original, self):
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGCHLD) in (signal.SIG_DFL, None)):
            signal.signal(signal.SIGCHLD, lambda signum, frame: process._cleanup())
        original(self)


@mutant(P, claims=["summary.main-waits-for-children", "daemon.non-daemon-outlives-main-code",
                   "daemon.ends-after-main-code", "zombie.every-child-passes-zombie"],
        probe="report_at_exit()")
def start_forgets_child(process):
    """start() does not record the child, so active_children() and the exit handler never see it."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        original(self)
        process._children.discard(self)


# ---------------------------------------------------------------- beyond the tutorial

@mutant(CTX, claims=["beyond.default-start-method"], platforms=("linux",),
        probe="print(mp.get_start_method())")
def default_start_method_spawn(context):
    """The default start method is spawn, as on macOS."""
    context._default_context._default_context = context._concrete_contexts["spawn"]


@mutant(CTX, claims=["beyond.default-start-method"], platforms=("linux",), until=(3, 14),
        probe="print(mp.get_start_method())")
def default_start_method_forkserver_early(context):
    """The default start method is already forkserver (3.14's default) on older Pythons."""
    context._default_context._default_context = context._concrete_contexts["forkserver"]


@mutant(CTX, claims=["beyond.default-start-method"], platforms=("linux",), since=(3, 14),
        probe="print(mp.get_start_method())")
def default_start_method_fork_kept(context):
    """The default start method stays fork from 3.14 on."""
    context._default_context._default_context = context._concrete_contexts["fork"]


@mutant(SPAWN_POPEN, claims=["beyond.fork-with-threads-warns"], probe="print(warnings_of_start(spawn))")
def spawn_warns_about_threads(popen_spawn_posix):
    """spawn warns that forking a multi-threaded process may deadlock, as fork does."""
    _warn_when_threaded(popen_spawn_posix.Popen)


def _warn_when_threaded(popen_class):
    """Make ``popen_class._launch`` give 3.12's fork-with-threads warning itself."""
    @around(popen_class, "_launch")
    def _launch(original, self, process_obj):
        import threading
        import warnings
        if threading.active_count() > 1:
            warnings.warn(f"This process (pid={os.getpid()}) is multi-threaded, use of fork() may "
                          "lead to deadlocks in the child.", DeprecationWarning, stacklevel=2)
        return original(self, process_obj)


@mutant(FORK, claims=["beyond.fork-with-threads-warns"], until=(3, 12), probe="print(warnings_of_start(fork))")
def fork_warning_backported(popen_fork):
    """fork warns about other threads before 3.12, as it does from 3.12 on."""
    _warn_when_threaded(popen_fork.Popen)


@mutant(FORK, claims=["beyond.fork-with-threads-warns"], since=(3, 12), probe="print(warnings_of_start(fork))")
def fork_warning_silenced(popen_fork):
    """fork no longer warns about other threads (the warning is filtered out around the fork)."""
    @around(popen_fork.Popen, "_launch")
    def _launch(original, self, process_obj):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return original(self, process_obj)


@mutant(FORK, claims=["beyond.fork-with-threads-warns"], since=(3, 12), probe="""
import os.path, threading, warnings
gate = threading.Event()
other = threading.Thread(target=gate.wait, args=(5,))
other.start()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    p = started(fork, nothing)
gate.set()
other.join()
p.join()
print(sorted({os.path.basename(w.filename) for w in caught if "multi-threaded" in str(w.message)}))
""")
def fork_warning_blames_the_caller(popen_fork):
    """The fork-with-threads warning is attributed to the code that called start(), not to
    multiprocessing's own module, so the default filters no longer hide it."""
    import warnings
    real_os = popen_fork.os

    class ForkElsewhere:
        def __getattr__(self, name):
            return getattr(real_os, name)

        def fork(self):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                pid = real_os.fork()
            if pid:
                for w in caught:
                    warnings.warn(w.message, w.category, stacklevel=6)
            return pid
    popen_fork.os = ForkElsewhere()


@mutant(CTX, claims=["beyond.default-start-method"],
        probe="mp.set_start_method('spawn'); print(mp.get_start_method())")
def set_start_method_ignored(context):
    """set_start_method() accepts a method but the default context keeps its own."""
    def set_start_method(self, method, force=False):
        self.get_context(method)  # still refuses an unknown method
    replace(context.DefaultContext, "set_start_method", set_start_method)


@mutant("multiprocessing", claims=["beyond.spawn-main-is-mp-main"],
        probe="print(sys.modules.get('__mp_main__') is sys.modules['__main__'])")
def mp_main_alias_not_made(multiprocessing):
    """import multiprocessing no longer makes __mp_main__ an alias of the parent's __main__."""
    if sys.modules.get("__mp_main__") is not sys.modules.get("__main__"):
        raise Broken("__mp_main__ is not an alias of __main__ to begin with")
    del sys.modules["__mp_main__"]


@mutant(P, claims=["beyond.start-twice"],
        probe="p = started(fork, nothing); p.join(); print(outcome(p.start)); p.join()")
def start_twice_allowed_after_end(process):
    """A Process that has ended can be started again."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        if self._popen is None:
            self._mpspec_work = (self._target, self._args, self._kwargs)  # start() deletes them
        elif self._popen.poll() is not None:
            self._popen = None
            self._target, self._args, self._kwargs = self._mpspec_work
        original(self)


@mutant(P, claims=["beyond.start-twice", "beyond.optimize-strips-checks"],
        probe="p = started(fork, nothing); p.join(); print(outcome(p.start))")
def start_twice_raises_runtimeerror(process):
    """A second start() raises RuntimeError, as threading does, not AssertionError."""
    @around(process.BaseProcess, "start")
    def start(original, self):
        if self._popen is not None:
            raise RuntimeError("cannot start a process twice")
        original(self)


@mutant(FORK, claims=["beyond.close-and-kill"],
        probe="p = holding(fork, ignore_term); p.kill(); p.join(1); print(p.exitcode); p._popen.kill(); p.join()")
def kill_sends_sigterm(popen_fork):
    """kill() sends SIGTERM, like terminate(), instead of SIGKILL."""
    send_instead(popen_fork.Popen, "kill", "SIGTERM")


@mutant(P, claims=["beyond.close-and-kill"],
        probe="p = started(fork, sleep, 0.3); print(outcome(p.close))")
def close_allowed_while_running(process):
    """close() on a running process closes the object and leaves the process running."""
    def close(self):
        if self._popen is not None:
            self._popen.close()
            self._popen = None
            del self._sentinel
            process._children.discard(self)
        self._closed = True
    replace(process.BaseProcess, "close", close)


@mutant(P, claims=["beyond.close-and-kill"],
        probe="p = started(fork, nothing); p.join(); p.close(); print(outcome(p.is_alive))")
def closed_object_still_usable(process):
    """A closed Process object can still be used (no 'process object is closed' ValueError)."""
    replace(process.BaseProcess, "_check_closed", lambda self: None)


@mutant(P, claims=["beyond.close-and-kill"],
        probe="p = started(fork, nothing); p.join(); p.close(); print(outcome(lambda: p.name))")
def closed_process_hides_its_name(process):
    """A closed Process's name can no longer be read (ValueError like its other attributes)."""
    getter = process.BaseProcess.name.fget

    def name(self):
        self._check_closed()
        return getter(self)
    property_getter(process.BaseProcess, "name", name)


@mutant(P, claims=["beyond.parent-process"], probe="print(parent_seen_by_a_child())")
def parent_is_alive_inverted(process):
    """In a child, parent_process().is_alive() is False while the parent lives."""
    @around(process._ParentProcess, "is_alive")
    def is_alive(original, self):
        return not original(self)


@mutant(P, claims=["beyond.parent-process"], probe="print(parent_seen_by_a_child())")
def parent_sentinel_not_passed(process):
    """A child gets no sentinel of its parent, so parent_process().is_alive() cannot answer."""
    @around(process.BaseProcess, "_bootstrap")
    def _bootstrap(original, self, parent_sentinel=None, **kwargs):
        return original(self, None, **kwargs)


@mutant(P, claims=["beyond.parent-process"], probe="print(parent_seen_by_a_child())")
def parent_process_name_lost(process):
    """A child does not learn its parent's name: parent_process().name is None."""
    @around(process._ParentProcess, "__init__")
    def __init__(original, self, name, pid, sentinel):
        original(self, None, pid, sentinel)


@mutant(CONN, claims=["beyond.sentinel", "socket.close-ends-session"], probe="print(len(two_ready()))")
def wait_reports_one_object(connection):
    """connection.wait() returns at most one ready object, however many are ready."""
    @around(connection, "wait")
    def wait(original, object_list, timeout=None):
        return original(object_list, timeout)[:1]


@mutant(CONN, claims=["beyond.sentinel"], probe="print(len(one_of_two_ready()))")
def wait_returns_every_object(connection):
    """connection.wait() returns every object it was given as soon as one is ready."""
    @around(connection, "wait")
    def wait(original, object_list, timeout=None):
        ready = original(object_list, timeout)
        return list(object_list) if ready else ready


@mutant(CONN, claims=["beyond.sentinel"], probe="print(zero_timeout_wait_blocks())")
def wait_zero_timeout_blocks(connection):
    """connection.wait(timeout=0) waits without a timeout (0 is taken for "none given")."""
    @around(connection, "wait")
    def wait(original, object_list, timeout=None):
        return original(object_list, timeout or None)


@mutant(P, claims=["beyond.interrupt"], until=(3, 14), probe="print(hasattr(mp.Process, 'interrupt'))")
def interrupt_backported(process):
    """Process.interrupt() (SIGINT) exists before 3.14."""
    import signal
    add(process.BaseProcess, "interrupt", lambda self: self._popen._send_signal(signal.SIGINT))


@mutant(FORK, claims=["beyond.interrupt"], since=(3, 14),
        probe="p = holding(fork); p.interrupt(); p.join(); print(p.exitcode)")
def interrupt_sends_sigterm(popen_fork):
    """Process.interrupt() sends SIGTERM instead of SIGINT."""
    send_instead(popen_fork.Popen, "interrupt", "SIGTERM")


# ---------------------------------------------------------------- 12: the chat server's sockets

@mutant("socket", claims=["socket.empty-input-not-sent"], probe="""
import socket
a, b = socket.socketpair()
print(a.send(b""), a.send(b"x"), b.recv(10))
""")
def empty_send_puts_a_byte_on_the_wire(socket):
    """send(b"") still reports 0 bytes sent but puts a newline on the wire, as if an empty
    message were an empty line."""
    @around(socket.socket, "send")
    def send(original, self, data, *args):
        if not data:
            original(self, b"\n", *args)
            return 0
        return original(self, data, *args)
