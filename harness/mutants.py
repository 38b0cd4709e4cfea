"""The mutation check: a Python whose multiprocessing behaves differently must fail loudly.

    python -m harness.mutants                     # every mutant that applies to this Python
    python -m harness.mutants --only NAME ...     # some of them
    python -m harness.mutants --list              # the catalog

The catalog is ``harness/mutant_site/mpspec_mutants.py``: each mutant is a small change to
multiprocessing and names the claims (specs/claims.json) whose specs must catch it. For
every mutant this runner

1. runs its probe in fresh interpreters, with the mutant off, on, and off again: unless
   the output with it on differs from the (twice the same) output without it, the mutant
   changes nothing observable and is rejected ("inert");
2. runs only the specs of its claims (``--claims=...``), with the mutant on in every
   process of the run: the folder ``harness/mutant_site`` goes first on PYTHONPATH, whose
   sitecustomize.py applies MPSPEC_MUTANT at each interpreter's start (pytest, spawn and
   forkserver children, the fork server, fixture programs); fork children inherit it;
3. sorts the outcome: **killed** (a spec failed: the first failing test is named),
   **survived** (every spec passed), **timed out**, **broken** (the patch could not be
   applied in some process, never applied at all, or the specs fail without it), or
   **inert**; a mutant for other Pythons or OSes is **not applicable**.

Before the mutants, a baseline run of the same specs goes through the same start-up with
nothing patched. Reports: ``reports/mutants.json`` and ``reports/mutants.md``, and a
table on stdout. The exit code is 0 only when every mutant that applies was killed.

Every process of a run carries MPSPEC_MUTANT_RUN=<token> in its environment; when the run
ends, whatever still carries it is killed (fixture programs live in sessions of their own,
so a process group is not enough). POSIX only.

Loaded as a pytest plugin (``-p harness.mutants``, which the runner passes), this module
writes each test's outcome and claims to the file named by MPSPEC_MUTANT_RESULTS.
"""

import argparse
import concurrent.futures
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from harness import PLATFORM_NAME, ROOT

SITE_DIR = Path(__file__).resolve().parent / "mutant_site"
ENV_MUTANT, ENV_LOG, ENV_RUN, ENV_RESULTS = ("MPSPEC_MUTANT", "MPSPEC_MUTANT_LOG",
                                             "MPSPEC_MUTANT_RUN", "MPSPEC_MUTANT_RESULTS")

KILLED, SURVIVED, TIMED_OUT, BROKEN, INERT, NOT_APPLICABLE = (
    "killed", "survived", "timed out", "broken", "inert", "not applicable")
STATUSES = (KILLED, SURVIVED, TIMED_OUT, BROKEN, INERT, NOT_APPLICABLE)

# Every run: stop at the first failure, no report files, no matrix, no xdist.
PYTEST_ARGS = ("-x", "-q", "-p", "no:randomly", "-p", "harness.mutants",
               "--claims-report=none", "--no-matrix")
PROBE_TIMEOUT = 30.0
SETTLE = 3.0  # seconds the processes of an ended run get to go before they are killed


# ================================================================ the pytest side

_outcomes = {}  # nodeid -> {"claims", "outcome", "when", "message"}, in the order tests report


def _message(report):
    text = getattr(report, "longreprtext", "") or str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return ((errors or lines or [""])[0])[:400]


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {"claims": [], "outcome": "passed", "when": None,
                                                 "message": None})
    record = dict(report.user_properties).get("mpspec") or {}
    entry["claims"] = list(record.get("claims") or entry["claims"])
    if report.failed and entry["outcome"] != "failed":
        entry.update(outcome="failed", when=report.when, message=_message(report))
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get(ENV_RESULTS)
    if not path or hasattr(session.config, "workerinput"):
        return
    tests = [dict(nodeid=nodeid, **entry) for nodeid, entry in _outcomes.items()]
    Path(path).write_text(json.dumps({"exitstatus": int(exitstatus), "tests": tests}), encoding="utf-8")


# ================================================================ the catalog

def load_catalog():
    """The mutant catalog module, loaded from its file (not from sys.path)."""
    spec = importlib.util.spec_from_file_location("mpspec_mutants", SITE_DIR / "mpspec_mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_catalog(mutants, known_claims):
    problems = []
    for m in mutants.values():
        for cid in m.claims:
            if cid not in known_claims:
                problems.append(f"{m.name}: unknown claim {cid!r}")
    return problems


def probe_source(m):
    body = m.probe if m.program else 'if __name__ == "__main__":\n' + "".join(
        f"    {line}\n" for line in m.probe.splitlines())
    return "from mpspec_probe import *  # noqa: F401,F403\n\n" + body + "\n"


# ================================================================ running processes

class Runs:
    """The process groups and run tokens in flight, so that nothing outlives the check."""

    def __init__(self):
        self.lock = threading.Lock()
        self.groups, self.tokens = set(), set()

    def start(self, argv, env, cwd, out, token, err=subprocess.STDOUT):
        with self.lock:
            self.tokens.add(token)
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
            self.groups.add(proc.pid)
        return proc

    def finish(self, proc, token, timeout):
        """Wait for ``proc`` (True if it ended in time); then end its group and everything
        that carries ``token``."""
        try:
            proc.wait(timeout)
            ended = True
        except subprocess.TimeoutExpired:
            ended = False
        _killpg(proc.pid)
        if not ended:
            proc.wait()
        sweep(token, grace=SETTLE if ended else 0)
        with self.lock:
            self.groups.discard(proc.pid)
            self.tokens.discard(token)
        return ended

    def end_all(self):
        with self.lock:
            groups, tokens = list(self.groups), list(self.tokens)
        for pgid in groups:
            _killpg(pgid)
        for token in tokens:
            sweep(token, grace=0)


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _carriers(token):
    import psutil
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(ENV_RUN) == token and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            continue
    return found


def sweep(token, grace=SETTLE):
    """Kill every live process whose environment carries ``token``, after ``grace`` seconds
    in which they may end by themselves (multiprocessing's helpers do)."""
    import psutil
    deadline = time.monotonic() + grace
    left = _carriers(token)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)  # polling process states, bounded by grace
        left = _carriers(token)
    for p in left:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(left, timeout=5)


def run_env(mutant, token, log, results=None):
    env = dict(os.environ)
    for name in (ENV_MUTANT, ENV_RESULTS, "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(SITE_DIR)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update({ENV_RUN: token, ENV_LOG: str(log), "PYTHONDONTWRITEBYTECODE": "1"})
    if mutant:
        env[ENV_MUTANT] = mutant
    if results:
        env[ENV_RESULTS] = str(results)
    return env


def read_log(path):
    """(the processes that applied the mutant: {pid: command line}, why it broke) from a run's log."""
    applied, broken = {}, []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        kind, pid, _name, detail, argv = (line.split("\t") + [""] * 5)[:5]
        if kind == "applied":
            applied[pid] = argv
        elif kind == "broken":
            broken.append(f"pid {pid}: {detail}")
    return applied, broken


def kinds(applied):
    """How many processes of each kind applied the mutant (fork children inherit it instead)."""
    counts = {}
    for argv in applied.values():
        kind = ("fork server" if "multiprocessing.forkserver import main" in argv
                else "resource tracker" if "resource_tracker import main" in argv
                else "spawned child" if "--multiprocessing-fork" in argv
                else "xdist worker" if "execnet" in argv or "sys.stdin.readline" in argv
                else "pytest" if "pytest" in argv
                else "fixture program" if "/fixtures/" in argv or "\\fixtures\\" in argv
                else "other")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def tail(path, lines=25):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# ================================================================ one mutant

class Check:
    def __init__(self, runs, python, workdir, timeout):
        self.runs, self.python, self.workdir, self.timeout = runs, python, Path(workdir), timeout

    def _dir(self, label):
        path = self.workdir / f"{label}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        return path

    def probe(self, m, on):
        """Run the probe once: {returncode (or 'timeout'), stdout, stderr}, and its log."""
        where = self._dir(f"probe-{m.name}-{'on' if on else 'off'}")
        (where / "probe.py").write_text(probe_source(m), encoding="utf-8")
        token, log = uuid.uuid4().hex, where / "mutant.log"
        with open(where / "stdout", "wb") as out, open(where / "stderr", "wb") as err:
            proc = self.runs.start([self.python, "probe.py"], run_env(m.name if on else None, token, log),
                                   where, out, token, err)
        ended = self.runs.finish(proc, token, PROBE_TIMEOUT)
        return ({"returncode": proc.returncode if ended else "timeout",
                 "stdout": (where / "stdout").read_text(encoding="utf-8", errors="replace"),
                 "stderr": tail(where / "stderr", 12)}, log)

    def specs(self, mutant_name, claims, parallel=None):
        """Run the specs of ``claims``; (ended in time, returncode, results or None, output, log, seconds)."""
        where = self._dir(f"run-{mutant_name}")
        token, log, results = uuid.uuid4().hex, where / "mutant.log", where / "results.json"
        argv = [self.python, "-m", "pytest", *PYTEST_ARGS, f"--claims={','.join(sorted(claims))}",
                f"--basetemp={where / 'tmp'}"]
        if parallel:
            argv = [a for a in argv if a != "-x"] + ["-n", str(parallel)]
        started = time.monotonic()
        with open(where / "output", "wb") as out:
            proc = self.runs.start(argv, run_env(mutant_name, token, log, results), ROOT, out, token)
        ended = self.runs.finish(proc, token, self.timeout)
        seconds = time.monotonic() - started
        data = json.loads(results.read_text(encoding="utf-8")) if results.exists() else None
        return ended, proc.returncode, data, where / "output", log, seconds

    def run(self, m, baseline_failures):
        result = {"name": m.name, "claims": list(m.claims), "does": m.doc, "status": None,
                  "first_failure": None, "detail": None, "tests": None, "processes": {},
                  "seconds": 0.0, "probe": None}
        why_not = m.applies()
        if why_not:
            return dict(result, status=NOT_APPLICABLE, detail=why_not)
        failing = sorted({t for c in m.claims for t in baseline_failures.get(c, ())})
        if failing:
            return dict(result, status=BROKEN, detail="the specs of its claims fail without any mutant: "
                                                      + ", ".join(failing[:3]))
        started = time.monotonic()
        off, _ = self.probe(m, on=False)
        on, on_log = self.probe(m, on=True)
        again, _ = self.probe(m, on=False)
        applied, broken = read_log(on_log)
        result["probe"] = {"off": off, "on": on}
        spent = {"seconds": time.monotonic() - started}
        if broken:
            return dict(result, status=BROKEN, detail="in the probe: " + "; ".join(broken[:3]), **spent)
        if off["returncode"] != 0:
            return dict(result, status=BROKEN, detail=f"the probe fails without the mutant "
                                                      f"(exit {off['returncode']}):\n{off['stderr']}", **spent)
        if (off["returncode"], off["stdout"]) != (again["returncode"], again["stdout"]):
            return dict(result, status=BROKEN, detail="the probe prints something else each time without the "
                                                      f"mutant: {off['stdout']!r}, then {again['stdout']!r}", **spent)
        if not applied:
            return dict(result, status=BROKEN, detail="the probe never applied the mutant", **spent)
        if (off["returncode"], off["stdout"]) == (on["returncode"], on["stdout"]):
            return dict(result, status=INERT, detail="the probe prints the same with the mutant on and off",
                        **spent)

        ended, code, data, output, log, _ = self.specs(m.name, m.claims)
        applied, broken = read_log(log)
        tests = (data or {}).get("tests", [])
        failed = [t for t in tests if t["outcome"] == "failed"]
        result.update(processes=kinds(applied), seconds=time.monotonic() - started,
                      tests={"ran": len(tests), "failed": len(failed),
                             "passed": sum(t["outcome"] == "passed" for t in tests),
                             "skipped": sum(t["outcome"] == "skipped" for t in tests)})
        if broken:
            return dict(result, status=BROKEN, detail="; ".join(broken[:3]))
        if not applied:
            return dict(result, status=BROKEN, detail="no process of the run applied the mutant")
        if failed:
            first = failed[0]
            note = "" if ended else f" (then the run hung and was killed after {self.timeout:.0f}s)"
            return dict(result, status=KILLED, detail=note.strip(" ()") or None,
                        first_failure={"test": first["nodeid"], "when": first["when"],
                                       "message": first["message"]})
        if not ended:
            return dict(result, status=TIMED_OUT, detail=f"no spec failed within {self.timeout:.0f}s:\n"
                                                         + tail(output, 15))
        if code == 0 and tests:
            return dict(result, status=SURVIVED)
        return dict(result, status=BROKEN, detail=f"pytest exit code {code}, {len(tests)} tests:\n"
                                                  + tail(output, 15))



# ================================================================ the whole check

def run_baseline(check, claims, jobs):
    """The specs of ``claims`` through the same start-up, nothing patched: {claim: [failing tests]}."""
    ended, code, data, output, log, seconds = check.specs("baseline", claims, parallel=jobs)
    applied, broken = read_log(log)
    if not ended or data is None or broken or not applied:
        why = ("did not finish in time" if not ended else "wrote no results" if data is None
               else "; ".join(broken) if broken else "never loaded the catalog")
        raise SystemExit(f"mpspec mutants: the baseline run {why} (exit code {code}):\n{tail(output)}")
    failures = {}
    for t in data["tests"]:
        if t["outcome"] == "failed":
            for cid in t["claims"]:
                failures.setdefault(cid, []).append(t["nodeid"])
    return {"seconds": round(seconds, 1), "tests": len(data["tests"]), "processes": kinds(applied),
            "failed": sorted({n for names in failures.values() for n in names}), "failures": failures}


def by_claim(results, known):
    claims = {}
    for r in results:
        for cid in r["claims"]:
            entry = claims.setdefault(cid, {"mutants": 0, "killed": 0, "not killed": []})
            if r["status"] == NOT_APPLICABLE:
                continue
            entry["mutants"] += 1
            if r["status"] == KILLED:
                entry["killed"] += 1
            else:
                entry["not killed"].append(f"{r['name']} ({r['status']})")
    return {cid: claims.get(cid, {"mutants": 0, "killed": 0, "not killed": []}) for cid in known}


def totals(results):
    counts = {s: 0 for s in STATUSES}
    for r in results:
        counts[r["status"]] += 1
    return counts


def _first_line(text):
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def outcome_text(r):
    if r["first_failure"]:
        f = r["first_failure"]
        return f"{f['test']} ({f['when']}): {f['message']}"
    return _first_line(r["detail"])


def table(results):
    width = max(len(r["name"]) for r in results) if results else 10
    lines = [f"{'mutant'.ljust(width)}  {'status'.ljust(14)}  {'s':>5}  first failing test / why",
             "-" * (width + 80)]
    for r in results:
        lines.append(f"{r['name'].ljust(width)}  {r['status'].ljust(14)}  {r['seconds']:5.1f}  "
                     f"{outcome_text(r)[:160]}")
    return lines


def markdown(report, known):
    out = [f"# mpspec mutation check: Python {report['python']} on {report['os']}", ""]
    t = report["totals"]
    applies = sum(v for k, v in t.items() if k != NOT_APPLICABLE)
    out.append(f"- **Mutants: {applies}** that apply here ({t[NOT_APPLICABLE]} for other Pythons or OSes) "
               f"· **killed {t[KILLED]}** · survived {t[SURVIVED]} · timed out {t[TIMED_OUT]} · "
               f"broken {t[BROKEN]} · inert {t[INERT]}")
    covered = sum(1 for c in report["claims"].values() if c["mutants"])
    out.append(f"- **Claims with a mutant: {covered}** of {len(known)}; with every mutant killed: "
               f"{sum(1 for c in report['claims'].values() if c['mutants'] and c['killed'] == c['mutants'])}")
    out.append(f"- Took {report['seconds']:.0f} s with {report['jobs']} runs at a time"
               + (f"; the baseline ran {report['baseline']['tests']} tests, "
                  f"{len(report['baseline']['failed'])} failed" if report["baseline"] else "; no baseline"))
    out.append("")
    bad = [r for r in report["mutants"] if r["status"] not in (KILLED, NOT_APPLICABLE)]
    if bad:
        out += ["## Not killed", "", "| mutant | status | claims | what it does | why |", "|---|---|---|---|---|"]
        for r in bad:
            out.append(f"| `{r['name']}` | {r['status']} | {', '.join(f'`{c}`' for c in r['claims'])} | "
                       f"{r['does']} | {_cell(_first_line(r['detail']) or 'every spec of its claims passed')} |")
        out.append("")
    out += ["## Mutants", "", "| mutant | status | claims | first failing test |", "|---|---|---|---|"]
    for r in report["mutants"]:
        out.append(f"| `{r['name']}` | {r['status']} | {', '.join(f'`{c}`' for c in r['claims'])} | "
                   f"{_cell(outcome_text(r))} |")
    out += ["", "## Claims", "", "| claim | mutants | killed | not killed |", "|---|--:|--:|---|"]
    for cid, c in report["claims"].items():
        out.append(f"| `{cid}` | {c['mutants']} | {c['killed']} | {', '.join(c['not killed'])} |")
    return "\n".join(out) + "\n"


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m harness.mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the catalog and exit")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutant runs at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=150.0,
                        help="seconds one mutant's spec run may take (default 150)")
    parser.add_argument("--json", default=str(ROOT / "reports" / "mutants.json"), metavar="PATH",
                        help="where the JSON report goes (default reports/mutants.json)")
    parser.add_argument("--markdown", default=str(ROOT / "reports" / "mutants.md"), metavar="PATH",
                        help="where the Markdown report goes (default reports/mutants.md)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without a mutant")
    parser.add_argument("--keep", action="store_true", help="keep every run's directory (printed at the end)")
    args = parser.parse_args(argv)

    from harness import catalog
    known = catalog.load()
    mutants = load_catalog().MUTANTS
    problems = check_catalog(mutants, known)
    if problems:
        print("mpspec mutants: the catalog is wrong:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if args.list:
        for m in mutants.values():
            why_not = m.applies()
            print(f"{m.name}{'  [' + why_not + ']' if why_not else ''}\n    {m.doc}\n    claims: {', '.join(m.claims)}")
        print(f"\n{len(mutants)} mutants, {sum(not m.applies() for m in mutants.values())} for this Python")
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in mutants]
        if unknown:
            print(f"mpspec mutants: no mutant named {', '.join(unknown)} (see --list)", file=sys.stderr)
            return 2
        chosen = [mutants[n] for n in args.only]
    else:
        chosen = list(mutants.values())

    workdir = tempfile.mkdtemp(prefix="mpspec-mutants-")
    runs = Runs()
    check = Check(runs, sys.executable, workdir, args.timeout)
    signal.signal(signal.SIGTERM, _interrupted)
    started = time.monotonic()
    results, baseline = {}, None
    try:
        applying = [m for m in chosen if not m.applies()]
        if not args.no_baseline and applying:
            claims = sorted({c for m in applying for c in m.claims})
            print(f"baseline: the specs of {len(claims)} claims, nothing patched ...", flush=True)
            baseline = run_baseline(check, claims, max(1, args.jobs))
            print(f"baseline: {baseline['tests']} tests, {len(baseline['failed'])} failed, "
                  f"{baseline['seconds']:.0f}s", flush=True)
            for nodeid in baseline["failed"]:
                print(f"  failed without a mutant: {nodeid}", flush=True)
        failures = baseline["failures"] if baseline else {}
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = {pool.submit(check.run, m, failures): m for m in chosen}
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                r = future.result()
                results[r["name"]] = r
                print(f"[{done}/{len(chosen)}] {r['name']}: {r['status']} ({r['seconds']:.1f}s)", flush=True)
    except KeyboardInterrupt:
        runs.end_all()
        print("mpspec mutants: interrupted; every process of the runs was ended", file=sys.stderr)
        return 130
    finally:
        runs.end_all()
        if args.keep:
            print(f"run directories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    ordered = [results[m.name] for m in chosen]
    for r in ordered:
        r["seconds"] = round(r["seconds"], 1)
    report = {"python": platform.python_version(), "os": PLATFORM_NAME, "executable": sys.executable,
              "jobs": args.jobs,
              "timeout": args.timeout, "seconds": round(time.monotonic() - started, 1),
              "baseline": baseline, "totals": totals(ordered), "claims": by_claim(ordered, known),
              "mutants": ordered}
    for path, text in ((args.json, json.dumps(report, indent=2, ensure_ascii=False) + "\n"),
                       (args.markdown, markdown(report, known))):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    print()
    for line in table(ordered):
        print(line)
    t = report["totals"]
    print(f"\n{t[KILLED]} killed, {t[SURVIVED]} survived, {t[TIMED_OUT]} timed out, {t[BROKEN]} broken, "
          f"{t[INERT]} inert, {t[NOT_APPLICABLE]} not applicable; {report['seconds']:.0f}s. "
          f"Reports: {args.json}, {args.markdown}")
    return 0 if all(r["status"] in (KILLED, NOT_APPLICABLE) for r in ordered) else 1


if __name__ == "__main__":
    sys.exit(main())
