"""Run a fixture program as its own ``__main__``, the way a reader would run it by hand.

``python fixtures/<name>.py <start-method> [args...]``: each program prints one line per
observation, ``observed: key=value``, which the runner parses into ``result.observed``.

Output goes to files, not pipes, so a grandchild that inherits stdout can never make the
runner hang. The program gets a session (process group) of its own; when it is done, every
process still in that session is reported as a survivor and, unless the spec takes charge
of them, killed.
"""

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import psutil

from harness import FIXTURES_DIR, START_METHODS, leaks

OBSERVED_PREFIX = "observed: "
WINDOWS = sys.platform == "win32"


class ProgramError(Exception):
    """The program could not be run as asked, or did not finish in time."""


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

    @property
    def observed(self) -> Dict[str, str]:
        """``observed: key=value`` lines as a dict (the last value of a repeated key wins)."""
        found = {}
        for line in self.stdout.splitlines():
            if line.startswith(OBSERVED_PREFIX):
                key, _, value = line[len(OBSERVED_PREFIX):].partition("=")
                found[key.strip()] = value.strip()
        return found

    def observations(self, key) -> List[str]:
        """Every value printed for ``key``, in order."""
        return [v for k, v in (
            line[len(OBSERVED_PREFIX):].partition("=")[::2]
            for line in self.stdout.splitlines() if line.startswith(OBSERVED_PREFIX))
            if k.strip() == key]

    def explain(self) -> str:
        return (f"{' '.join(self.argv)}\n  exit code {self.returncode} after {self.duration:.2f}s"
                f"\n--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


def script_path(name: str) -> Path:
    path = FIXTURES_DIR / (name if name.endswith(".py") else name + ".py")
    if not path.is_file():
        available = sorted(p.stem for p in FIXTURES_DIR.glob("*.py") if not p.stem.startswith("_"))
        raise ProgramError(f"no fixture program {path} (available: {', '.join(available)})")
    return path


def _dead(proc: psutil.Process) -> bool:
    """Gone, or a zombie: dead already, nothing left to kill (its adopter collects it)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def _settling(proc: psutil.Process) -> bool:
    """A multiprocessing helper (it ends by itself once the program is gone), or a process
    already on its way out (the kernel has dropped its command line)."""
    try:
        cmd = proc.cmdline()
    except psutil.Error:
        return True
    return not cmd or any(fragment in " ".join(cmd) for fragment in leaks.HELPERS.values())


HELPER_GRACE = 1.0  # seconds multiprocessing's helpers get to end after the program has exited


def _survivors(pid: int) -> List[psutil.Process]:
    """Live session members once the program's forkserver / resource tracker, which end by
    themselves when the program is gone, have had a bounded moment to do so."""
    deadline = time.monotonic() + HELPER_GRACE
    members = session_members(pid)
    while any(_settling(p) for p in members) and time.monotonic() < deadline:
        time.sleep(0.02)  # polling process states, bounded by HELPER_GRACE
        members = session_members(pid)
    return members


def session_members(pid: int) -> List[psutil.Process]:
    """Live processes that belong to the program's session, wherever they were re-parented.

    Zombies are left out: they are dead, cannot be killed, and are collected by whoever
    adopted them (waiting for init to do that would only slow the run down)."""
    members = []
    if WINDOWS:
        # No sessions: follow parent links, which Windows keeps even after a parent dies.
        by_parent = {}
        for p in psutil.process_iter(["ppid"]):
            by_parent.setdefault(p.info["ppid"], []).append(p)
        todo = [pid]
        while todo:
            for child in by_parent.get(todo.pop(), []):
                members.append(child)
                todo.append(child.pid)
        return members
    for p in psutil.process_iter():
        try:
            if p.pid != pid and os.getsid(p.pid) == pid and not _dead(p):
                members.append(p)
        except OSError:
            continue
    return members


def _end_session(pid: int, members: Sequence[psutil.Process]) -> None:
    if not WINDOWS:
        try:
            os.killpg(pid, 9)
        except OSError:
            pass
    leaks.kill_and_reap(list(members))


def run_program(name: str, start_method: str, *args: str, python: Optional[str] = None,
                python_args: Sequence[str] = (), timeout: float = 10.0,
                cwd=None, env: Optional[dict] = None, stdin: Optional[str] = None,
                keep_survivors: bool = False) -> ProgramResult:
    """Run ``fixtures/<name>.py <start_method> *args`` and return what it did.

    ``keep_survivors``: leave processes that outlive the program running and hand them to
    the caller in ``result.survivors`` (the caller must end them; the pytest fixture does
    so at teardown). Otherwise survivors are killed and the result still lists them.
    """
    if start_method not in START_METHODS:
        raise ProgramError(f"unknown start method {start_method!r}; choose from {', '.join(START_METHODS)}")
    path = script_path(name)
    argv = [python or sys.executable, *python_args, str(path), start_method, *map(str, args)]
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    full_env.pop("PYTEST_XDIST_WORKER", None)
    full_env.update(env or {})
    flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if WINDOWS else {"start_new_session": True}
    with tempfile.TemporaryDirectory(prefix="mpspec-") as tmp:
        out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.monotonic()
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                    stdout=out, stderr=err, cwd=cwd, env=full_env, **flags)
            try:
                if stdin is not None:
                    try:
                        proc.stdin.write(stdin.encode("utf-8"))
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
                returncode = proc.wait(timeout=timeout)
            except BaseException as exc:
                _end_session(proc.pid, session_members(proc.pid))
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
    survivors = _survivors(proc.pid)
    if survivors and not keep_survivors:
        _end_session(proc.pid, survivors)
    return ProgramResult(name, start_method, argv, returncode, stdout, stderr, duration,
                         proc.pid, survivors)
