"""The implementation axis: one spec, judged against other multiprocessing implementations.

``--mp-impl=stdlib|multiprocess|billiard`` chooses the implementation the specs use (PyPy's
multiprocessing is chosen by running under PyPy). CPython's own multiprocessing is the
reference: the spec states what it does. Another implementation is put in force by
``harness/impl_site`` (see its sitecustomize.py and mpspec_impl.py): the plugin re-runs
pytest with that folder first on PYTHONPATH and MPSPEC_MP_IMPL naming the implementation,
so every process of the run imports the implementation as ``multiprocessing``.

Where an implementation is known to differ, its file ``specs/expectations/<name>.json``
says so (``pypy.json`` for PyPy's standard library, ``multiprocess.json``,
``billiard.json``; CPython has none). Each entry::

    {"test": "specs/test_02_methods.py::test_name[fork]"   # a node id, parametrization optional
       (or "claim": "method.terminate-orphans-children"),   # every test of that claim
     "start_methods": ["fork"], "python": ">=3.10,<3.13", "os": ["Linux"],   # optional filters
     "kind": "behaviour" | "wording" | "absent",
     "what": "...",                                         # wording only, optional: which check
     "reason": "one line", "source": "file/function of the implementation, or a doc URL"}

A ``behaviour`` or ``absent`` entry makes its tests expected failures (strict: a test that
passes fails, "no longer occurs"), except a behaviour entry with ``"sometimes": true``: a
difference that scheduling decides, shown in some runs only, so a run may see it or not; a ``wording`` entry lists a message text the
implementation words differently, checked by ``harness.wording`` at the end of the test.
"""

import ast
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from harness import PLATFORM_NAMES, ROOT, SPECS_DIR

STDLIB = "stdlib"
# name -> the package to import and the distribution pip installs
PACKAGES = {"multiprocess": "multiprocess", "billiard": "billiard"}
CHOICES = (STDLIB,) + tuple(PACKAGES)
ENV = "MPSPEC_MP_IMPL"
RERUN_ENV = "MPSPEC_MP_IMPL_RERUN"  # what the re-run was for, so it never re-runs for it again
SITE_DIR = Path(__file__).resolve().parent / "impl_site"
EXPECTATIONS_DIR = SPECS_DIR / "expectations"
KINDS = ("behaviour", "wording", "absent")
FIELDS = {"test", "claim", "start_methods", "python", "os", "kind", "what", "reason", "source", "sometimes"}


# ---------------------------------------------------------------- which implementation

def in_force():
    """The implementation ``import multiprocessing`` gives in this interpreter."""
    import multiprocessing
    name = multiprocessing.__name__
    return STDLIB if name == "multiprocessing" else name


def requested(config):
    """What this run asks for: --mp-impl, else the standard library (so a pytest run started
    inside another implementation's run, without the option, is a default run)."""
    return config.getoption("--mp-impl", default=None) or STDLIB


def label(name=None):
    """``stdlib``, or the package's name and version (``billiard 4.3.2``)."""
    name = name or in_force()
    if name == STDLIB:
        return STDLIB
    try:
        from importlib.metadata import version
        return f"{name} {version(PACKAGES.get(name, name))}"
    except Exception:  # noqa: BLE001 -- an unusual install: the name alone
        return name


def is_reference():
    """CPython's own multiprocessing: the one the spec states."""
    return in_force() == STDLIB and platform.python_implementation() == "CPython"


def expectation_key():
    """The name of the expectations file of what is in force, or None for the reference."""
    name = in_force()
    if name != STDLIB:
        return name
    if platform.python_implementation() == "PyPy":
        return "pypy"
    return None


def choice(name):
    """--mp-impl's value: stdlib, or the name of a package that mirrors multiprocessing's
    layout (NAME.context, NAME.process, NAME.connection, ...): the known ones, or your own."""
    import argparse
    if name != STDLIB and not all(part.isidentifier() for part in name.split(".")):
        raise argparse.ArgumentTypeError(f"{name!r} is neither stdlib nor a package name "
                                         f"(known: {', '.join(CHOICES)})")
    return name


def pip_command(name):
    return f"{sys.executable} -m pip install {PACKAGES.get(name, name)}"


def rerun(config, wanted):
    """Run the same pytest command with ``wanted`` in force in every process; its exit status."""
    from _pytest.config import UsageError  # pytest.UsageError, without importing pytest here
    if wanted != STDLIB and importlib.util.find_spec(wanted) is None:
        raise UsageError(f"--mp-impl={wanted}: {wanted} is not installed for {sys.executable}; "
                         f"install it with: {pip_command(wanted)}")
    if os.environ.get(RERUN_ENV) == wanted:
        raise UsageError(f"--mp-impl={wanted}: could not put {wanted} in force as multiprocessing "
                         f"(in force: {in_force()}); see the message above, if any")
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
             if p and os.path.abspath(p) != str(SITE_DIR)]
    if wanted == STDLIB:
        env.pop(ENV, None)
    else:
        env[ENV] = wanted
        paths.insert(0, str(SITE_DIR))
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    env[RERUN_ENV] = wanted
    argv = [sys.executable, *subprocess._args_from_interpreter_flags(), "-m", "pytest",
            *config.invocation_params.args]
    proc = subprocess.Popen(argv, cwd=str(config.invocation_params.dir), env=env)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue  # the child got it too: let it end its run and report


# ---------------------------------------------------------------- expectation files

class Problem(Exception):
    """An expectations file is wrong (the message names the file and the entry)."""


def _version_matches(spec, version=None):
    version = version or sys.version_info[:3]
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(>=|<=|==|<|>)\s*(\d+(?:\.\d+){0,2})\s*", part)
        if not m:
            raise ValueError(f"bad version range {spec!r} (e.g. \">=3.10,<3.13\")")
        op, number = m.groups()
        wanted = tuple(int(n) for n in number.split("."))
        have = tuple(version[:len(wanted)])
        ok = {">=": have >= wanted, "<=": have <= wanted, "==": have == wanted,
              "<": have < wanted, ">": have > wanted}[op]
        if not ok:
            return False
    return True


def _test_functions(path):
    """Names of the test functions in a spec file (``test_x`` and ``Class::test_x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(f"{node.name}::{sub.name}")
    return names


def check_entry(entry, where, known_claims, files_cache):
    def bad(message):
        raise Problem(f"{where}: {message}")
    if not isinstance(entry, dict):
        bad("expected an object")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        bad(f"unknown field(s) {', '.join(unknown)} (fields: {', '.join(sorted(FIELDS))})")
    if ("test" in entry) == ("claim" in entry):
        bad('name either a "test" (node id) or a "claim", not both or neither')
    if "test" in entry:
        test = entry["test"]
        if not isinstance(test, str):
            bad('"test" must be a node id string')
        m = re.fullmatch(r"([^:\[\]]+\.py)::([^\[\]]+)(\[[^\]]+\])?", test)
        if not m:
            bad(f"test {test!r} is not a node id (specs/test_x.py::test_name, optionally [params])")
        path = ROOT / m.group(1)
        if not path.is_file():
            bad(f"test {test!r}: no file {m.group(1)}")
        if path not in files_cache:
            files_cache[path] = _test_functions(path)
        if m.group(2) not in files_cache[path]:
            bad(f"test {test!r}: {m.group(1)} has no test {m.group(2)}")
    else:
        if entry["claim"] not in known_claims:
            bad(f"unknown claim {entry['claim']!r} (see specs/claims.json)")
    if entry.get("kind") not in KINDS:
        bad(f"kind {entry.get('kind')!r} is not one of {', '.join(KINDS)}")
    for key in ("reason", "source"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            bad(f'"{key}" must be a one-line, non-empty string')
    if "sometimes" in entry and (entry["sometimes"] is not True or entry["kind"] != "behaviour"):
        bad('"sometimes" is true or absent, and belongs to a behaviour entry only')
    if "what" in entry and (entry["kind"] != "wording" or not isinstance(entry["what"], str)):
        bad('"what" (a string) belongs to a wording entry only')
    methods = entry.get("start_methods")
    from fixtures.facts import START_METHODS
    if methods is not None and (not isinstance(methods, list) or not methods
                                or any(m not in START_METHODS for m in methods)):
        bad(f'"start_methods" must be a non-empty list of {", ".join(START_METHODS)}')
    if "python" in entry:
        try:
            if not isinstance(entry["python"], str):
                raise ValueError("must be a string such as \">=3.10,<3.13\"")
            _version_matches(entry["python"])
        except ValueError as exc:
            bad(f'"python": {exc}')
    oses = entry.get("os")
    names = sorted(set(PLATFORM_NAMES.values()))
    if oses is not None and (not isinstance(oses, list) or not oses or any(o not in names for o in oses)):
        bad(f'"os" must be a non-empty list of {", ".join(names)}')


def load(key, known_claims):
    """The entries of ``specs/expectations/<key>.json`` (validated), or [] without a key."""
    if key is None:
        return []
    path = EXPECTATIONS_DIR / f"{key}.json"
    if not path.is_file():
        return []
    rel = path.relative_to(ROOT)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise Problem(f"{rel}: not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise Problem(f"{rel}: expected a JSON list of entries")
    cache = {}
    for n, entry in enumerate(data):
        name = entry.get("test") or entry.get("claim") if isinstance(entry, dict) else None
        check_entry(entry, f"{rel}: entry {n}" + (f" ({name})" if name else ""), known_claims, cache)
    return data


def applies(entry, nodeid, claims, start_method):
    """Whether ``entry`` is about this test in this configuration."""
    if "test" in entry:
        wanted = entry["test"]
        if "[" in wanted:
            if nodeid != wanted:
                return False
        elif nodeid.split("[", 1)[0] != wanted:
            return False
    elif entry["claim"] not in claims:
        return False
    if entry.get("start_methods") is not None and start_method not in entry["start_methods"]:
        return False
    if entry.get("python") is not None and not _version_matches(entry["python"]):
        return False
    if entry.get("os") is not None:
        from harness import PLATFORM_NAME
        if PLATFORM_NAME not in entry["os"]:
            return False
    return True
