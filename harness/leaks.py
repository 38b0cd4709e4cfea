"""The leak guard: no child, grandchild or zombie may outlive the test that made it.

multiprocessing keeps two long-lived helpers per parent process -- the forkserver server
and the resource tracker. They are started once and shared by every later test, so they are
named here and allowed; their own children are still checked.
"""

import multiprocessing
import os

import psutil

from fixtures.programs._program import dead, state, wait_until

# Command-line fragments that identify multiprocessing's own long-lived helpers (named by
# the package in force: another implementation's under --mp-impl, see harness/implementations.py).
_PACKAGE = multiprocessing.__name__
HELPERS = {
    "forkserver server": f"from {_PACKAGE}.forkserver import main",
    "resource tracker": f"from {_PACKAGE}.resource_tracker import main",
    "semaphore tracker": f"from {_PACKAGE}.semaphore_tracker import main",  # Python < 3.8, billiard
}

GRACE = 1.0  # seconds a just-ending process gets to disappear before it counts as a leak


def _cmdline(proc):
    try:
        return " ".join(proc.cmdline()) or proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "<gone or zombie>"


def helper_name(proc, parent_pid=None):
    """The helper's name if ``proc`` is one of multiprocessing's long-lived helpers.

    Only a direct child of ``parent_pid`` can be one: a process that the forkserver server
    forks for a spec shares the server's command line, and is no helper.
    """
    try:
        if proc.ppid() != (parent_pid or os.getpid()):
            return None
    except psutil.Error:
        return None
    cmd = _cmdline(proc)
    for name, fragment in HELPERS.items():
        if fragment in cmd:
            return name
    return None


def descendants(root_pid=None):
    """Every live or zombie descendant of ``root_pid`` that is not an allowed helper."""
    try:
        root = psutil.Process(root_pid or os.getpid())
        procs = root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    root_pid = root.pid
    return [p for p in procs if state(p) != "gone" and helper_name(p, root_pid) is None]


def describe(procs):
    lines = []
    for p in procs:
        try:
            ppid = p.ppid()
        except psutil.Error:
            ppid = "?"
        lines.append(f"  pid {p.pid} (parent {ppid}, {state(p)}): {_cmdline(p)}")
    return "\n".join(lines)


def reap(proc):
    """Collect ``proc`` if it is an ended child of ours; leave anything else alone.

    The one way that is right on every OS: psutil's ``wait(timeout=0)``. On POSIX it
    collects a zombie child (waitpid with WNOHANG, which Windows lacks) and returns at once
    for anything else; on Windows, where an ended process leaves no zombie, it only asks
    whether the process has ended. A pid that now names another process is not touched.
    """
    try:
        if proc.is_running():
            proc.wait(timeout=0)
    except (psutil.Error, OSError):  # still running (TimeoutExpired), gone, not ours
        pass


def _settled(proc):
    """True when ``proc`` is gone, or is a zombie of ours that only a wait would remove."""
    status = state(proc)
    if status == "gone":
        return True
    if status == "zombie":
        try:
            return proc.ppid() == os.getpid()
        except psutil.Error:
            return True
    return False


def settle(procs, grace=GRACE):
    """Watch process states (bounded by ``grace``) while ``procs`` finish ending.

    Returns the ones still there: alive, or zombies nobody collected. It never waits on a
    process itself, since waiting would collect a zombie and hide the leak.
    """
    wait_until(lambda: all(_settled(p) for p in procs), grace, interval=0.02)
    return [p for p in procs if state(p) != "gone"]


def kill_and_reap(procs):
    """Kill leaked processes (SIGKILL; TerminateProcess on Windows) and collect them.

    Children that multiprocessing tracks are collected through their Process object (join),
    so its bookkeeping stays right; any other zombie child of ours is collected directly.
    """
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    pids = {p.pid for p in procs}
    for child in multiprocessing.active_children():
        if child.pid in pids:
            child.join(3)
    # Dead is enough: a zombie is collected below if it is ours, by its parent (or init)
    # if not -- init may take seconds, which the guard need not wait for.
    wait_until(lambda: all(dead(p) for p in procs), 3, interval=0.02)
    for p in procs:
        reap(p)


def check(before_pids=(), grace=GRACE):
    """Return a description of leaked processes (empty when there are none) and clean up."""
    leaked = [p for p in descendants() if p.pid not in before_pids]
    if not leaked:
        return ""
    leaked = settle(leaked, grace)
    if not leaked:
        return ""
    text = describe(leaked)
    kill_and_reap(leaked)
    return text
