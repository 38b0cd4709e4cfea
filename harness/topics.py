"""The topic index: the claims about terminate(), join(), daemons, the main guard, ... with
their tests and the fixture programs those tests run (``specs/TOPICS.md``).

Which claims a topic covers is said here, in ``TOPICS``, and nowhere else. The tests and
programs are found in ``specs/`` without running anything: a test belongs to the claims of
its ``claim(...)`` markers (on the function, its class or the module's ``pytestmark``), and
runs the fixture programs named by a call of ``run_program``, ``observe_program``,
``script_path`` or another ``*program*`` callable with the program's name first, in its own
body or in whatever module-level function, class, constant or fixture it uses, however
indirectly: of its own file, of specs/conftest.py, or of a module of this repository it
imports (``from specs._chat import chat_server``, ``from fixtures import chat``). A string
that holds a program's path (``fixtures/programs/chat_client.py``) names it too.

Command line::

    python -m harness.topics           # write specs/TOPICS.md
    python -m harness.topics --check   # exit 1 if specs/TOPICS.md is not what it would write
"""

import argparse
import ast
import re
import sys
from collections import OrderedDict
from pathlib import Path

from harness import PROGRAMS_DIR, ROOT, SPECS_DIR, catalog

TOPICS_PATH = SPECS_DIR / "TOPICS.md"

# topic -> (what it is about, its claims). A claim may belong to several topics.
TOPICS = OrderedDict([
    ("start methods", ("what differs between fork, spawn and forkserver, and which one is the default", (
        "beyond.default-start-method", "create.windows-no-fork", "create.start-runs-target-in-child",
        "create.child-reimports-main", "beyond.spawn-main-is-mp-main", "beyond.fork-with-threads-warns",
        "concept.no-shared-state", "subclass.run-override"))),
    ("creating and starting", ("Process(...), its arguments, start() and run()", (
        "create.not-started", "create.keyword-args", "create.args-tuple", "create.kwargs",
        "create.target-uncalled", "create.start-runs-target-in-child", "create.async-with-parent",
        "method.start-calls-run", "method.run-calls-target", "beyond.start-twice"))),
    ("main guard", ("the main module imported again in the child, and the if __name__ == '__main__' guard", (
        "create.child-reimports-main", "create.module-level-runs-twice", "create.main-guard-required",
        "create.windows-no-fork", "example.guard-locals-invisible", "beyond.spawn-main-is-mp-main",
        "socket.bind-before-guard-needs-reuseaddr"))),
    ("pickling", ("what reaches a spawn or forkserver child as a pickle, and what cannot", (
        "concept.no-shared-state", "create.args-tuple", "isolation.globals-not-shared", "attr.authkey",
        "subclass.run-override"))),
    ("shared state", ("what a child's changes do to the parent's memory and files", (
        "concept.no-shared-state", "isolation.globals-not-shared", "example.guard-locals-invisible",
        "example.append-same-file", "example.create-many-files"))),
    ("subclassing", ("subclasses of Process: run(), start(), __init__", (
        "subclass.run-override", "subclass.pid-in-run", "subclass.direct-run-in-parent",
        "subclass.start-override", "subclass.target-via-super", "method.run-calls-target",
        "example.name-overwritten-by-init"))),
    ("join", ("join(), with and without a timeout, and waiting for many processes", (
        "method.join-waits", "method.join-only-started", "method.blocking-kinds",
        "join.blocks-until-child-ends", "join.many-after-loop", "join.inside-loop-serializes",
        "join.last-only-insufficient", "join.order-not-start-order", "join.interleaving",
        "beyond.sentinel"))),
    ("terminate", ("terminate(), kill(), interrupt() and close(), and what they leave behind", (
        "method.terminate-forceful", "method.terminate-orphans-children", "method.terminate-keeps-lock",
        "method.blocking-kinds", "example.is-alive-lags-terminate", "beyond.close-and-kill",
        "beyond.interrupt"))),
    ("exit codes", ("exitcode: 0, the code of sys.exit, 1 after an exception, -N after signal N", (
        "attr.exitcode", "method.terminate-forceful", "beyond.close-and-kill", "beyond.interrupt",
        "create.main-guard-required", "daemon.ends-after-main-code", "daemon.may-never-run"))),
    ("is_alive", ("is_alive() while a process runs, after it ends and after terminate()", (
        "method.is-alive", "example.is-alive-lags-terminate"))),
    ("names", ("Process.name: its default, the constructor's name= and assignment", (
        "attr.name", "example.name-overwritten-by-init"))),
    ("pids and parents", ("pid, os.getppid() and parent_process(): who is whose parent", (
        "attr.pid", "example.pid-after-start", "subclass.pid-in-run", "subclass.direct-run-in-parent",
        "create.start-runs-target-in-child", "beyond.parent-process", "orphan.adopted-by-init"))),
    ("authkey", ("Process.authkey: where it comes from, who shares it, what refuses to pickle it", (
        "attr.authkey",))),
    ("daemon", ("daemon processes: the flag, their end, their children", (
        "attr.daemon-default", "attr.daemon-ends-with-parent-code", "attr.daemon-no-children",
        "attr.daemon-before-start", "daemon.non-daemon-outlives-main-code", "daemon.ends-after-main-code",
        "daemon.children-assertion", "daemon.may-never-run", "summary.main-reaps-daemons"))),
    ("interpreter exit", ("what the main process does with its children once its code has ended", (
        "create.child-outlives-parent", "attr.daemon-ends-with-parent-code",
        "daemon.non-daemon-outlives-main-code", "daemon.ends-after-main-code", "daemon.may-never-run",
        "summary.main-waits-for-children", "summary.main-reaps-daemons"))),
    ("zombies and orphans", ("ended children not yet collected, and children whose parent died", (
        "zombie.every-child-passes-zombie", "zombie.init-reaps-after-parent-exit", "orphan.adopted-by-init",
        "orphan.harmless", "method.terminate-orphans-children", "method.is-alive",
        "create.child-outlives-parent", "socket.close-ends-session"))),
    ("stdin", ("input() and sys.stdin in a child", ("stdin.input-eof", "socket.no-input-in-child"))),
    ("sockets", ("a server that starts one process per connection, and its client", (
        "socket.process-per-connection", "socket.many-clients", "socket.close-ends-session",
        "socket.empty-input-not-sent", "socket.bind-before-guard-needs-reuseaddr",
        "socket.no-input-in-child"))),
    ("python -O", ("the misuse checks written as assert statements, which -O removes", (
        "beyond.optimize-strips-checks", "daemon.children-assertion", "attr.daemon-no-children"))),
    ("scheduling", ("claims where the scheduler decides (the matrix's luck)", (
        "join.order-not-start-order", "join.interleaving", "create.async-with-parent",
        "daemon.may-never-run", "example.is-alive-lags-terminate"))),
])

PROGRAM_CALLS = ("run_program", "observe_program", "script_path")  # and any *program* callable
PROGRAM_PATH = re.compile(r"fixtures/programs/(\w+)\.py")  # a program named by its path, in a string


# ---------------------------------------------------------------- reading specs/

def _call_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _claims_of(decorators):
    found = []
    for d in decorators:
        if isinstance(d, ast.Call) and _call_name(d) == "claim" and d.args \
                and isinstance(d.args[0], ast.Constant) and isinstance(d.args[0].value, str):
            found.append(d.args[0].value)
    return found


def _module_claims(tree):
    """The claims of a module-level ``pytestmark`` (one mark or a list of them)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                for t in node.targets):
            value = node.value
            return _claims_of(value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value])
    return []


class _Module:
    """One file of specs/ (or a module of this repository it imports from): its top-level
    names, and the programs and names each one uses."""

    def __init__(self, path, programs, root):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.known_programs = programs
        self.strings = {}  # NAME = "a string" at module level
        self.defs = OrderedDict()  # top-level name -> node
        self.imported = {}  # name -> (module file, name there, or None for the module itself)
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.defs[name.id] = node
                            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                                self.strings[name.id] = node.value.value
            elif isinstance(node, ast.ImportFrom):
                base = _base(node.level, path, root)
                module = base.joinpath(*node.module.split(".")) if node.module else base
                for alias in node.names:
                    submodule = _module_file(module / alias.name)
                    if submodule is not None:
                        self.imported[alias.asname or alias.name] = (submodule, None)
                    elif _module_file(module) is not None:
                        self.imported[alias.asname or alias.name] = (_module_file(module), alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    found = _module_file(root.joinpath(*alias.name.split(".")))
                    if found is not None and alias.asname:
                        self.imported[alias.asname] = (found, None)

    def direct(self, node):
        """(programs named in ``node``, names it uses, (name, attribute) pairs it uses)."""
        programs, names, attributes = set(), set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and sub.args:
                callee = _call_name(sub)
                if callee in PROGRAM_CALLS or "program" in callee.lower():
                    first = sub.args[0]
                    value = (first.value if isinstance(first, ast.Constant)
                             else self.strings.get(first.id) if isinstance(first, ast.Name) else None)
                    if isinstance(value, str) and value in self.known_programs:
                        programs.add(value)
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                programs |= {name for name in PROGRAM_PATH.findall(sub.value) if name in self.known_programs}
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                names.add(sub.id)
            elif isinstance(sub, ast.arg):
                names.add(sub.arg)  # a fixture taken by name
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                attributes.add((sub.value.id, sub.attr))
        return programs, names - {getattr(node, "name", None)}, attributes


def _base(level, path, root):
    """Where a dotted name starts: the repository, or (``from .x``) the importing file's package."""
    base = path.parent if level else root
    for _ in range(max(level - 1, 0)):
        base = base.parent
    return base


def _module_file(target):
    """The file of a module of this repository (``target`` without its suffix), or None (the
    standard library, pytest, a name that is not a module)."""
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class SpecIndex:
    """What specs/ holds: each claim's tests, and each test's fixture programs."""

    def __init__(self, specs_dir=SPECS_DIR, programs_dir=PROGRAMS_DIR):
        self.programs_available = {p.stem for p in programs_dir.glob("*.py") if not p.stem.startswith("_")}
        self.specs_dir = specs_dir
        self.root = specs_dir.parent  # where dotted module names start (the repository)
        self.modules = {}
        conftest = specs_dir / "conftest.py"
        self.conftest = self._module(conftest) if conftest.is_file() else None  # fixtures by name
        self.tests = OrderedDict()  # "specs/test_x.py::test_y" -> (claims, programs)
        for path in sorted(specs_dir.glob("test_*.py")):
            self._collect(path)

    def _module(self, path):
        if path not in self.modules:
            self.modules[path] = _Module(path, self.programs_available, self.root)
        return self.modules[path]

    def programs_of(self, module, node, seen=None):
        """The programs ``node`` runs, itself or through the module-level names it uses."""
        seen = set() if seen is None else seen
        if (module.path, id(node)) in seen:
            return set()
        seen.add((module.path, id(node)))
        programs, names, attributes = module.direct(node)
        uses = []  # (module, name there)
        for name in names:
            if name in module.defs:
                uses.append((module, name))
            elif name in module.imported and module.imported[name][1] is not None:
                path, there = module.imported[name]
                uses.append((self._module(path), there))
            elif self.conftest is not None and name in self.conftest.defs:
                uses.append((self.conftest, name))
        for name, attribute in attributes:
            if name in module.imported and module.imported[name][1] is None:
                uses.append((self._module(module.imported[name][0]), attribute))
        for other, name in uses:
            if name in other.defs and other.defs[name] is not node:
                programs |= self.programs_of(other, other.defs[name], seen)
        return programs

    def _collect(self, path):
        module = self._module(path)
        where = path.relative_to(self.specs_dir.parent).as_posix()
        module_claims = _module_claims(module.tree)
        for node in module.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                self._add(f"{where}::{node.name}", module_claims + _claims_of(node.decorator_list), module, node)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                class_claims = module_claims + _claims_of(node.decorator_list)
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                        self._add(f"{where}::{node.name}::{item.name}",
                                  class_claims + _claims_of(item.decorator_list), module, item)

    def _add(self, test_id, claims, module, node):
        self.tests[test_id] = (list(OrderedDict.fromkeys(claims)), sorted(self.programs_of(module, node)))

    def tests_of(self, cid):
        return [test for test, (claims, _) in self.tests.items() if cid in claims]

    def programs_of_claim(self, cid):
        return sorted({p for test, (claims, programs) in self.tests.items() if cid in claims for p in programs})


# ---------------------------------------------------------------- the page

def topics_of(cid):
    return [topic for topic, (_about, claims) in TOPICS.items() if cid in claims]


def _anchor(topic):
    return "".join(c for c in topic.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def render(claims=None, index=None):
    """The text of specs/TOPICS.md."""
    claims = catalog.load() if claims is None else claims
    index = SpecIndex() if index is None else index
    out = ["# Topics", "",
           "The claims of the tutorial by topic, each with the tests that check it and the fixture "
           "programs (`fixtures/programs/`) those tests run. Generated by `python -m harness.topics`: "
           "the topics are chosen in `harness/topics.py`, the tests and programs are read from `specs/`. "
           "What the matrix's words mean: [INTERPRETING.md](INTERPRETING.md).", "",
           " · ".join(f"[{topic}](#{_anchor(topic)})" for topic in TOPICS), ""]
    for topic, (about, cids) in TOPICS.items():
        out += [f"## {topic}", "", about[0].upper() + about[1:] + ".", "",
                "| claim | tests | programs |", "|---|---|---|"]
        for cid in cids:
            statement = claims[cid].statement if cid in claims else "(not in the catalog)"
            tests = "<br>".join(_test_link(t) for t in index.tests_of(cid)) or "none"
            programs = ", ".join(f"[`{p}`](../fixtures/programs/{p}.py)" for p in index.programs_of_claim(cid)) or "—"
            out.append(f"| `{cid}`: {_md(statement)} | {tests} | {programs} |")
        out.append("")
    return "\n".join(out)


def _test_link(test):
    """`test_name` ([test_file.py](test_file.py)), for a page in specs/."""
    path, name = test.split("::", 1)
    file = path.split("/")[-1]
    return f"`{name}` ([{file}]({file}))"


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def problems(claims=None):
    """Claims with no topic, and topic entries naming no catalog claim."""
    claims = catalog.load() if claims is None else claims
    found = [f"{cid}: in no topic of harness/topics.py" for cid in claims if not topics_of(cid)]
    found += [f"topic {topic!r}: {cid} is not in the catalog"
              for topic, (_about, cids) in TOPICS.items() for cid in cids if cid not in claims]
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m harness.topics", description="Write specs/TOPICS.md.")
    parser.add_argument("--check", action="store_true", help="exit 1 if specs/TOPICS.md is stale; write nothing")
    args = parser.parse_args(argv)
    for line in problems():
        print(f"error: {line}", file=sys.stderr)
    text = render()
    if args.check:
        current = TOPICS_PATH.read_text(encoding="utf-8") if TOPICS_PATH.is_file() else None
        if current != text:
            print(f"{TOPICS_PATH.relative_to(ROOT)} is stale: run python -m harness.topics", file=sys.stderr)
            return 1
        return 1 if problems() else 0
    Path(TOPICS_PATH).write_text(text, encoding="utf-8")
    print(f"wrote {TOPICS_PATH.relative_to(ROOT)}")
    return 1 if problems() else 0


if __name__ == "__main__":
    sys.exit(main())
