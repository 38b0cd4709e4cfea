"""Checks of mpspec's own harness: the catalog, the markers, the verdicts, the leak guard
and the whole-program runner. These are not claims of the tutorial."""

import json
import re
import sys
from pathlib import Path

import pytest

from harness import CATALOG_PATH, ROOT, SPECS_DIR, catalog, leaks, programs, verdicts
from fixtures import children

CHECKLIST = ROOT.parent / "shared" / "claims-checklist.md"
MARKER = re.compile(r"""mark\.claim\(\s*["']([^"']+)["']""")


def cited_claims():
    cited = {}
    for path in sorted(SPECS_DIR.glob("test_*.py")):
        for cid in MARKER.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(cid, []).append(path.name)
    return cited


def test_every_catalog_claim_has_a_spec():
    missing = [cid for cid in catalog.load() if cid not in cited_claims()]
    assert not missing, f"catalog claims with no spec test: {missing}"


def test_every_cited_claim_is_in_the_catalog():
    known = catalog.load()
    unknown = {cid: files for cid, files in cited_claims().items() if cid not in known}
    assert not unknown, f"spec tests cite claims missing from {CATALOG_PATH.name}: {unknown}"


@pytest.mark.skipif(not CHECKLIST.is_file(), reason="the project's shared/ checklist is not beside this clone")
def test_the_catalog_carries_every_checklist_id():
    ids = re.findall(r"^- `([a-z0-9.-]+)`", CHECKLIST.read_text(encoding="utf-8"), re.M)
    known = catalog.load()
    missing = [i for i in ids if i not in known]
    assert ids and not missing, f"checklist IDs missing from the catalog: {missing}"
    strays = [c for c in known if c not in ids and not any(c.startswith(i + ".") for i in ids)]
    assert not strays, f"catalog IDs that neither are nor refine a checklist ID: {strays}"


def test_a_malformed_catalog_is_reported_with_its_place():
    with pytest.raises(catalog.CatalogError, match=r"claims\[0\].*missing \['statement_zh'\]"):
        catalog.parse(json.dumps({"claims": [{"id": "a.b", "section": "1", "statement": "s"}]}), "x.json")
    with pytest.raises(catalog.CatalogError, match="x.json: not valid JSON"):
        catalog.parse("{", "x.json")


@pytest.mark.parametrize("cells, expected", [
    ([verdicts.HOLDS, verdicts.HOLDS], verdicts.HOLDS),
    ([verdicts.HOLDS, verdicts.DOES_NOT_HOLD], verdicts.PARTLY),
    ([verdicts.NOT_ASSERTABLE, verdicts.DOES_NOT_HOLD], verdicts.DOES_NOT_HOLD),
    ([verdicts.SKIPPED, verdicts.HOLDS], verdicts.HOLDS),
    ([verdicts.SKIPPED], verdicts.SKIPPED),
    ([verdicts.HOLDS, verdicts.FAILED], verdicts.FAILED),
])
def test_cells_of_one_claim_fold_into_one_verdict(cells, expected):
    assert verdicts.combine(cells) == expected


def test_a_verdict_is_computed_not_declared():
    v = verdicts.Verdict(["a.b"])
    with pytest.raises(verdicts.VerdictError):
        v.record("yes", observed="x")
    v.compare(predicted=2, observed=1)
    assert v.records["a.b"]["verdict"] == verdicts.DOES_NOT_HOLD
    v.compare(predicted=1, observed=1)
    assert v.records["a.b"]["verdict"] == verdicts.PARTLY


def test_the_leak_guard_finds_kills_and_reports_a_stray_child(ctx):
    release = ctx.Event()
    p = ctx.Process(target=children.wait_for, args=(release,))
    p.start()
    report = leaks.check(grace=0.1)
    p.join(5)
    assert str(p.pid) in report and not p.is_alive()


def test_the_program_runner_parses_observations(run_program):
    result = run_program("_selftest_program", "spawn", "ok")
    assert result.returncode == 0, result.explain()
    assert result.observed == {"start_method": "spawn"}


def test_the_program_runner_rejects_an_unknown_start_method():
    with pytest.raises(programs.ProgramError, match="unknown start method 'thread'"):
        programs.run_program("_selftest_program", "thread")


def test_the_program_runner_names_a_missing_script():
    with pytest.raises(programs.ProgramError, match="no fixture program .*no_such_program.py"):
        programs.run_program("no_such_program", "spawn")


def test_a_hanging_program_is_killed_and_its_output_so_far_shown():
    with pytest.raises(programs.ProgramError) as info:
        programs.run_program("_selftest_program", "spawn", "hang", timeout=1.5)
    assert "did not finish within 1.5s" in str(info.value)
    assert "observed: about_to_hang=True" in str(info.value)


@pytest.mark.skipif(sys.platform == "win32", reason="fork does not exist on Windows")
def test_processes_a_program_leaves_behind_are_reported_and_ended():
    result = programs.run_program("_selftest_program", "fork", "orphan")
    assert result.observed.get("left_a_child") == "True", result.explain()
    assert len(result.survivors) == 1
    assert not any(p.is_running() and p.status() != "zombie" for p in result.survivors)


def test_an_unknown_start_method_on_the_command_line_is_a_usage_error():
    import subprocess
    done = subprocess.run([sys.executable, "-m", "pytest", "--start-methods", "fork,thread",
                           "--collect-only", "-q", "-p", "no:xdist", str(Path(__file__))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "unknown start method(s) thread; choose from fork, spawn, forkserver" in done.stderr
