"""Run a fixture program as its own ``__main__``, the way a reader would run it by hand.

``python fixtures/programs/<name>.py <start-method> [args...]``: each program prints one line per
observation, ``observed: key=value``, which the runner parses into ``result.observed``.

Output goes to files, not pipes, so a grandchild that inherits stdout can never make the
runner hang. The program gets a session (process group) of its own; when it is done, every
process still in that session is reported as a survivor and, unless the spec takes charge
of them, killed. Its logs go to the directory the runner hands it in MPSPEC_LOGS (see
fixtures/programs/_program.py's log_dir and ``logs`` below), never to the working directory.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import psutil

from fixtures.programs import _program
from harness import PROGRAMS_DIR, START_METHODS, WINDOWS, leaks

OBSERVED_PREFIX = "observed: "


class ProgramError(Exception):
    """The program could not be run as asked, or did not finish in time."""


def parse_observation(line: str):
    """``(key, value)`` of an ``observed: key=<JSON>`` line, None for any other line; ValueError
    when a line that starts as an observation has no JSON value."""
    if not line.startswith(OBSERVED_PREFIX):
        return None
    key, _, value = line[len(OBSERVED_PREFIX):].partition("=")
    return key.strip(), json.loads(value)


@dataclass
class ProgramResult:
    script: str
    start_method: str
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str
    duration: float
    pid: int
    survivors: List[psutil.Process] = field(default_factory=list)
    logs: Optional[Path] = None  # the run's log directory, while the caller's to keep (see run_program)

    def _pairs(self):
        for n, line in enumerate(self.stdout.splitlines(), 1):
            try:
                pair = parse_observation(line)
            except ValueError:
                raise ProgramError(f"{self.script}: stdout line {n} is not an observation "
                                   f"(key=<JSON>): {line!r}\n{self.explain()}") from None
            if pair is not None:
                yield pair

    @property
    def observed(self) -> Dict[str, object]:
        """``observed: key=<JSON>`` lines as a dict of values (the last of a repeated key wins)."""
        return dict(self._pairs())

    def observations(self, key) -> List[object]:
        """Every value printed for ``key``, in order."""
        return [v for k, v in self._pairs() if k == key]

    def explain(self) -> str:
        return (f"{' '.join(self.argv)}\n  exit code {self.returncode} after {self.duration:.2f}s"
                f"\n--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


# Popen arguments that give a program a session (POSIX) or process group (Windows) of its own.
NEW_SESSION = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if WINDOWS
               else {"start_new_session": True})


def program_env(extra=None) -> dict:
    """The environment a fixture program runs in: ours, unbuffered UTF-8 output, not
    mistaken for an xdist worker, and the original process of a run of its own (no log
    directory chosen for it: see fixtures/programs/_program.py's log_dir)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    for name in ("PYTEST_XDIST_WORKER", _program.LOGS_ENV, _program.LOGS_OWNER_ENV):
        env.pop(name, None)
    env.update(extra or {})
    return env


def script_path(name: str) -> Path:
    path = PROGRAMS_DIR / (name if name.endswith(".py") else name + ".py")
    if not path.is_file():
        available = sorted(p.stem for p in PROGRAMS_DIR.glob("*.py") if not p.stem.startswith("_"))
        raise ProgramError(f"no fixture program {path} (available: {', '.join(available)})")
    return path


def _dead(proc: psutil.Process) -> bool:
    """Gone, or a zombie: dead already, nothing left to kill (its adopter collects it)."""
    return _program.dead(proc)


def _settling(proc: psutil.Process) -> bool:
    """A multiprocessing helper (it ends by itself once the program is gone), or a process
    already on its way out (the kernel has dropped its command line)."""
    try:
        cmd = proc.cmdline()
    except psutil.Error:
        return True
    return not cmd or any(fragment in " ".join(cmd) for fragment in leaks.HELPERS.values())


# Seconds multiprocessing's helpers get to end after the program has exited. Generous, for
# loaded machines; it is only spent while a helper lingers.
HELPER_GRACE = 3.0


def _survivors(pid: int, known=(), born=None) -> List[psutil.Process]:
    """Live session members once the program's forkserver / resource tracker, which end by
    themselves when the program is gone, have had a bounded moment to do so."""
    found = {}

    def settled():
        found["members"] = session_members(pid, known, born)
        return not any(_settling(p) for p in found["members"])

    _program.wait_until(settled, HELPER_GRACE, interval=0.02)
    return found["members"]


def _windows_members(pid: int, known: Sequence[psutil.Process], born: Optional[float]):
    """Windows has no sessions: follow parent links, which Windows keeps after a parent dies.

    The walk starts at the program and at every descendant recorded while it ran (so it gets
    past an intermediate that has died since), and only goes from a parent to a process
    created after it: a pid that Windows reused for an unrelated, older-linked process is
    never taken for a child.
    """
    alive = {p.pid: p for p in psutil.process_iter(["ppid", "create_time"])}
    by_parent = {}
    for p in alive.values():
        by_parent.setdefault(p.info["ppid"], []).append(p)

    def same(p: Optional[psutil.Process], when: Optional[float]) -> bool:
        return p is not None and when is not None and p.info["create_time"] is not None \
            and abs(p.info["create_time"] - when) < 0.01

    members, todo = {}, []
    for root, root_born in [(pid, born), *((p.pid, _created(p)) for p in known)]:
        now = alive.get(root)
        if now is not None and not same(now, root_born):
            continue  # the pid now names another process: nothing to follow from it
        if now is not None and root != pid:
            members[root] = now
        todo.append((root, root_born))
    while todo:
        parent, parent_born = todo.pop()
        for child in by_parent.get(parent, []):
            child_born = child.info["create_time"]
            if child.pid in members or child.pid == pid or child_born is None:
                continue
            if parent_born is not None and child_born < parent_born:
                continue  # older than its "parent": the parent's pid was reused
            members[child.pid] = child
            todo.append((child.pid, child_born))
    return list(members.values())


def _created(p: psutil.Process) -> Optional[float]:
    try:
        return p.create_time()  # remembered by psutil from when the process was seen alive
    except psutil.Error:
        return None


def session_members(pid: int, known: Sequence[psutil.Process] = (),
                    born: Optional[float] = None) -> List[psutil.Process]:
    """Live processes that belong to the program's session, wherever they were re-parented.

    ``known`` and ``born`` matter on Windows only: descendants recorded while the program
    ran, and the program's creation time (see _windows_members).

    Zombies are left out: they are dead, cannot be killed, and are collected by whoever
    adopted them (waiting for init to do that would only slow the run down)."""
    if WINDOWS:
        if born is None:
            try:
                born = psutil.Process(pid).create_time()
            except psutil.Error:
                pass
        return _windows_members(pid, known, born)
    members = []
    for p in psutil.process_iter():
        try:
            if p.pid != pid and os.getsid(p.pid) == pid and not _dead(p):
                members.append(p)
        except OSError:
            continue
    return members


def _wait_recording(proc: subprocess.Popen, timeout: float, known: dict) -> int:
    """``proc.wait(timeout)``; on Windows, meanwhile record the program's live descendants
    (psutil.Process objects, which later notice if their pid was reused)."""
    if not WINDOWS:
        return proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        root = None
    while True:
        if root is not None:
            try:
                for child in root.children(recursive=True):
                    known.setdefault(child.pid, child)
            except psutil.Error:
                root = None
        try:
            return proc.wait(timeout=max(0.0, min(0.05, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise


def _end_session(pid: int, members: Sequence[psutil.Process]) -> None:
    if not WINDOWS:
        try:
            os.killpg(pid, 9)
        except OSError:
            pass
    leaks.kill_and_reap(list(members))


def _discard(directory: str) -> None:
    """Remove the directory that held a program's output (and its logs), if the OS lets us.

    On Windows a file that a live process still holds open cannot be deleted
    (PermissionError): a survivor handed over to the caller keeps the program's stdout and
    stderr open. The directory is then left to the system's temporary files, rather than
    letting the failure replace the program's result or error.
    """
    try:
        for folder, subfolders, files in os.walk(directory, topdown=False):
            for name in files:
                os.remove(os.path.join(folder, name))
            for name in subfolders:
                os.rmdir(os.path.join(folder, name))
        os.rmdir(directory)
    except OSError:
        pass


def run_program(name: str, start_method: str, *args: str, python: Optional[str] = None,
                python_args: Sequence[str] = (), timeout: float = 10.0,
                cwd=None, env: Optional[dict] = None, stdin: Optional[str] = None,
                keep_survivors: bool = False, logs: Optional[Path] = None,
                hand_logs: bool = True) -> ProgramResult:
    """Run ``fixtures/programs/<name>.py <start_method> *args`` and return what it did.

    ``logs``: the log directory handed to the program (MPSPEC_LOGS), made if missing and
    left to the caller (``result.logs``); by default one inside the runner's own temporary
    directory, removed with it. ``hand_logs=False`` hands none, as when a person runs the
    program: it then makes its own and removes it at exit.

    ``keep_survivors``: leave processes that outlive the program running and hand them to
    the caller in ``result.survivors`` (the caller must end them; the pytest fixture does
    so at teardown). Otherwise survivors are killed and the result still lists them.

    The output files are removed only after survivors have been dealt with, and a failure
    to remove them never hides what happened (see _discard).
    """
    if start_method not in START_METHODS:
        raise ProgramError(f"unknown start method {start_method!r}; choose from {', '.join(START_METHODS)}")
    path = script_path(name)
    argv = [python or sys.executable, *python_args, str(path), start_method, *map(str, args)]
    tmp = tempfile.mkdtemp(prefix="mpspec-")
    kept = Path(logs) if logs is not None and hand_logs else None
    handed = {_program.LOGS_ENV: str(kept or Path(tmp, "logs"))} if hand_logs else {}
    full_env = program_env({**handed, **(env or {})})
    try:
        out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.monotonic()
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                    stdout=out, stderr=err, cwd=cwd, env=full_env, **NEW_SESSION)
        known, born = {}, None
        if WINDOWS:
            try:
                born = psutil.Process(proc.pid).create_time()
            except psutil.Error:
                pass
        try:
            if stdin is not None:
                try:
                    proc.stdin.write(stdin.encode("utf-8"))
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            returncode = _wait_recording(proc, timeout, known)
        except BaseException as exc:
            try:
                _end_session(proc.pid, session_members(proc.pid, list(known.values()), born))
            finally:
                proc.kill()
                proc.wait()
            so_far = out_path.read_text("utf-8", "replace"), err_path.read_text("utf-8", "replace")
            if isinstance(exc, subprocess.TimeoutExpired):
                raise ProgramError(
                    f"{' '.join(argv)} did not finish within {timeout}s and was killed with "
                    f"its whole process group\n--- stdout so far ---\n{so_far[0]}"
                    f"--- stderr so far ---\n{so_far[1]}") from None
            raise
        duration = time.monotonic() - started
        stdout = out_path.read_text("utf-8", "replace")
        stderr = err_path.read_text("utf-8", "replace")
        survivors = _survivors(proc.pid, list(known.values()), born)
        if survivors and not keep_survivors:
            _end_session(proc.pid, survivors)
    finally:
        _discard(tmp)
    return ProgramResult(name, start_method, argv, returncode, stdout, stderr, duration,
                         proc.pid, survivors, kept)
