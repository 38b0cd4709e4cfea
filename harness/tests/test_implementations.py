"""The implementation axis (harness/implementations.py, harness/impl_site, harness/wording.py)."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from harness import ROOT, catalog, implementations, programs, wording

PROBE_ENV = "MPSPEC_IMPL_PROBE"


def _put_module(queue):
    import multiprocessing
    queue.put([multiprocessing.__name__, multiprocessing.__file__])


def test_probe_of_the_implementation_in_force():
    """Run by the test below, in a pytest run with --mp-impl: writes which multiprocessing
    this process, its children under each start method and a fixture program import."""
    out = os.environ.get(PROBE_ENV)
    if not out:
        pytest.skip("a probe: runs inside test_with_an_implementation_every_process_imports_it")
    import multiprocessing
    seen = {"pytest": [multiprocessing.__name__, multiprocessing.__file__]}
    for method in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context(method)
        queue = ctx.Queue()
        child = ctx.Process(target=_put_module, args=(queue,))
        child.start()
        seen[method] = queue.get(timeout=20)
        child.join(10)
    result = programs.run_program("_selftest_program", "spawn", "module", timeout=20)
    assert result.returncode == 0, result.explain()
    seen["program"] = result.observed["module"]
    seen["program's spawn child"] = result.observed["child_module"]
    with open(out, "w", encoding="utf-8") as f:
        json.dump(seen, f)


@pytest.mark.parametrize("impl", [n for n in implementations.CHOICES if n != implementations.STDLIB])
def test_with_an_implementation_every_process_imports_it(impl, tmp_path):
    """--mp-impl re-runs pytest with the implementation in force in every process: the
    pytest process, fork, spawn and forkserver children, a fixture program and its child."""
    if importlib.util.find_spec(implementations.PACKAGES[impl]) is None:
        pytest.skip(f"{impl} is not installed for this Python ({implementations.pip_command(impl)})")
    out = tmp_path / "seen.json"
    env = dict(os.environ, **{PROBE_ENV: str(out)})
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist", "--no-matrix",
         "--claims-report=none", f"--mp-impl={impl}",
         "harness/tests/test_implementations.py::test_probe_of_the_implementation_in_force"],
        cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert {"pytest", "program", "program's spawn child", "spawn"} <= set(seen)
    package_dir = os.path.dirname(importlib.util.find_spec(impl).origin)
    for where, (name, path) in seen.items():
        assert name == impl, f"{where} imported {name} as multiprocessing"
        assert os.path.dirname(path) == package_dir, f"{where}: {path}"


def test_an_implementation_that_is_not_installed_is_a_usage_error_naming_pip():
    missing = [n for n, pkg in implementations.PACKAGES.items() if importlib.util.find_spec(pkg) is None]
    if not missing:
        pytest.skip("every implementation is installed here")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--mp-impl={missing[0]}",
         "--claims-report=none", "harness/tests/test_implementations.py::test_probe_of_the_implementation_in_force"],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    text = proc.stdout.decode(errors="replace")
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, text
    assert f"-m pip install {implementations.PACKAGES[missing[0]]}" in text, text


def test_any_package_name_may_be_asked_for_and_anything_else_is_refused():
    """--mp-impl takes stdlib, the known packages, or a package of your own (its differences
    then belong in specs/expectations/<name>.json); a value that cannot name a package is
    refused at once."""
    import argparse
    for name in ("stdlib", "billiard", "my_fork", "vendor.mp"):
        assert implementations.choice(name) == name
    for bad in ("a b", "", "3mp", "mp-fork"):
        with pytest.raises(argparse.ArgumentTypeError, match="neither stdlib nor a package name"):
            implementations.choice(bad)


# ---------------------------------------------------------------- expectation files

def test_every_expectations_file_is_valid():
    known = catalog.load()
    for key in ("pypy",) + tuple(implementations.PACKAGES):
        assert (implementations.EXPECTATIONS_DIR / f"{key}.json").is_file(), key
        implementations.load(key, known)  # raises Problem naming the entry


GOOD = {"test": "harness/tests/test_implementations.py::test_every_expectations_file_is_valid",
        "kind": "behaviour", "reason": "a reason", "source": "somewhere.py: f"}


@pytest.mark.parametrize("change, message", [
    ({"kind": "other"}, "kind 'other'"),
    ({"reason": ""}, '"reason" must be'),
    ({"source": "two\nlines"}, '"source" must be'),
    ({"test": "specs/nope.py::test_x"}, "no file specs/nope.py"),
    ({"test": "harness/tests/test_implementations.py::test_nothing"}, "has no test test_nothing"),
    ({"test": "not a node id"}, "is not a node id"),
    ({"claim": "create.start-runs-target-in-child"}, "not both"),
    ({"start_methods": ["thread"]}, '"start_methods"'),
    ({"python": "3.10+"}, '"python"'),
    ({"os": ["Plan 9"]}, '"os"'),
    ({"what": "x"}, '"what"'),
    ({"colour": "red"}, "unknown field(s) colour"),
    ({"sometimes": "often"}, '"sometimes" is true or absent'),
    ({"kind": "absent", "sometimes": True}, "belongs to a behaviour entry only"),
])
def test_a_bad_entry_is_named(change, message):
    entry = dict(GOOD, **change)
    with pytest.raises(implementations.Problem, match="entry 3") as exc:
        implementations.check_entry(entry, "x.json: entry 3", catalog.load(), {})
    assert message in str(exc.value)


def test_an_unknown_claim_is_named():
    entry = {k: v for k, v in GOOD.items() if k != "test"}
    with pytest.raises(implementations.Problem, match="unknown claim 'no.such'"):
        implementations.check_entry(dict(entry, claim="no.such"), "x.json: entry 0", catalog.load(), {})


def test_entries_apply_by_test_parametrization_claim_and_configuration():
    node = "specs/test_x.py::test_y"
    applies = implementations.applies
    assert applies({"test": node}, node + "[fork]", [], "fork")
    assert applies({"test": node + "[fork]"}, node + "[fork]", [], "fork")
    assert not applies({"test": node + "[spawn]"}, node + "[fork]", [], "fork")
    assert applies({"claim": "a.b"}, node, ["a.b"], None)
    assert not applies({"claim": "a.b"}, node, ["a.c"], None)
    assert not applies({"test": node, "start_methods": ["spawn"]}, node + "[fork]", [], "fork")
    here = "%d.%d" % sys.version_info[:2]
    assert applies({"test": node, "python": f">={here}"}, node, [], None)
    assert not applies({"test": node, "python": f"<{here}"}, node, [], None)


# ---------------------------------------------------------------- wording

def test_wording_asserts_under_the_reference_and_records_elsewhere(monkeypatch):
    wording.begin()
    assert wording.wording("Can't pickle local object", "local object", what="w")
    monkeypatch.setattr(implementations, "is_reference", lambda: True)
    with pytest.raises(AssertionError, match="does not say 'bootstrapping'"):
        wording.wording("something else", "bootstrapping", what="w")
    monkeypatch.setattr(implementations, "is_reference", lambda: False)
    assert not wording.wording("something else", "bootstrapping", what="w")
    listed = {"kind": "wording", "reason": "says it otherwise", "what": "w"}
    assert wording.problems([listed]) == []
    assert "something else" in wording.problems([])[0]  # unlisted: the text is named
    wording.begin()
    assert "no longer occurs" in wording.problems([listed])[0]


def test_a_difference_that_shows_only_sometimes_is_a_non_strict_expected_failure():
    """A listed behaviour difference makes its test a strict expected failure (passing fails:
    "no longer occurs"); one that scheduling decides ("sometimes": true) is not strict, since
    a run may or may not see it."""
    from harness import plugin

    class Item:
        nodeid = GOOD["test"]

        def __init__(self):
            self.markers = []

        def add_marker(self, marker):
            self.markers.append(marker)

    class Config:
        _mpspec_expected = []

    for sometimes, strict in ((False, True), (True, False)):
        Config._mpspec_expected = [dict(GOOD, **({"sometimes": True} if sometimes else {}))]
        item = Item()
        found = plugin._expect_differences(Config, item, [], None)
        assert found == {"kind": "behaviour", "reason": "a reason"}
        (marker,) = item.markers
        assert marker.mark.name == "xfail" and marker.mark.kwargs["strict"] is strict
