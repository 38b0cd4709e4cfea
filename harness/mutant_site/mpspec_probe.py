"""What the mutants' probes (mpspec_mutants.py) share: targets, small observations.

A probe is a program ``from mpspec_probe import *`` plus a few lines, run by
``python -m harness.mutants`` in a fresh interpreter with its mutant on and again with it
off; what it prints must differ. The targets live here so that spawn and forkserver
children can import them. Nothing here imports ``multiprocessing.util`` at import time:
probes that watch the exit handler register theirs first, so that it runs after it.

POSIX only; the process states come from os.waitid and /proc (Linux).
"""

import atexit
import io
import os
import signal
import sys
import time

import multiprocessing as mp

fork, spawn, forkserver = (mp.get_context(m) for m in ("fork", "spawn", "forkserver"))

FLAG = "as imported"
collected = []


# ---------------------------------------------------------------- targets

def nothing():
    pass


def sleep(seconds):
    time.sleep(seconds)


def exit_with(code):
    sys.exit(code)


def raise_error():
    raise ValueError("raised by a probe")


def record(*args, **kwargs):
    collected.append((args, kwargs))


def set_flag(value):
    global FLAG
    FLAG = value


def touch_later(path, seconds):
    time.sleep(seconds)
    open(path, "w").close()


def set_then_sleep(event, seconds=10):
    event.set()
    time.sleep(seconds)


def slow_to_die(event):
    """On SIGTERM, take half a second, then exit 0."""
    def linger(signum, frame):
        time.sleep(0.5)
        sys.exit(0)
    signal.signal(signal.SIGTERM, linger)
    set_then_sleep(event)


def ignore_term(event):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    set_then_sleep(event)


def hold_lock(lock, event):
    lock.acquire()
    set_then_sleep(event)


def finalizer_touches(path):
    """Register an exit finalizer that creates ``path``. (A file, not a print: where the
    child's exit handler runs after its last flush of stdout, a finalizer's print can be
    lost, as with Debian's 3.13.18, 3.14.10 and 3.15.2 when stdout is a pipe.)"""
    from multiprocessing import util
    util.Finalize(None, lambda: open(path, "w").close(), exitpriority=10)


def send_flag(conn):
    conn.send(FLAG)


def send_ppid(conn):
    conn.send(os.getppid())


def send_parent(conn):
    parent = mp.parent_process()
    conn.send(None if parent is None else (parent.pid, parent.name, parent.is_alive()))


def send_me(conn):
    me = mp.current_process()
    conn.send((me.name, me.daemon, me.pid == os.getpid(), bytes(me.authkey)))


def send_new_process(conn):
    made = mp.Process(target=nothing)
    conn.send((made.name, made.daemon))


def send_main_name(conn):
    conn.send(sys.modules["__main__"].__name__)


def send_sys_path(conn):
    conn.send(sys.path)


def send_argv(conn):
    conn.send(sys.argv)


def send_stdin(conn):
    stdin = sys.stdin
    try:
        line = repr(input())
    except Exception as exc:  # noqa: BLE001 -- which exception is the observation
        line = type(exc).__name__
    conn.send((type(stdin).__name__, type(getattr(stdin, "name", None)).__name__, line))


def send_fd0(conn):
    import select
    ready, _, _ = select.select([0], [], [], 0)
    conn.send(os.read(0, 64) if ready else None)


def try_child(conn):
    try:
        p = mp.Process(target=nothing)
        p.start()
        p.join()
        conn.send("started")
    except Exception as exc:  # noqa: BLE001
        conn.send(type(exc).__name__)


def dial(address, key):
    from multiprocessing.connection import Client
    try:
        Client(address, authkey=key).close()
    except Exception:  # noqa: BLE001 -- the listener's side is the observation
        pass


class OwnRun(fork.Process):
    def __init__(self, conn):
        super().__init__()
        self.conn = conn

    def run(self):
        self.conn.send("the subclass's run()")


class NamedEarly(fork.Process):
    def __init__(self):
        self.name = "set before __init__"
        super().__init__()


class Carrier(spawn.Process):
    def __init__(self, conn):
        super().__init__()
        self.conn = conn

    def run(self):
        self.conn.send("ran")


# ---------------------------------------------------------------- in the probe's own process

def outcome(action, *args, **kwargs):
    """'ok', or the name of the exception ``action`` raised."""
    try:
        action(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return "ok"


def started(ctx, target, *args, **kwargs):
    p = ctx.Process(target=target, args=args, **kwargs)
    p.start()
    return p


def ask(ctx, target, **kwargs):
    """Start ``target(conn)`` and return what it sends (or 'no report')."""
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=target, args=(sender,), **kwargs)
    p.start()
    sender.close()
    try:
        value = receiver.recv() if receiver.poll(10) else "no report"
    except EOFError:  # the child ended without sending
        value = "no report"
    p.join(10)
    return value


def holding(ctx, target=set_then_sleep):
    """A started child that has signalled it runs ``target(event)`` (by default: sleeps 10 s)."""
    event = ctx.Event()
    p = started(ctx, target, event)
    event.wait(10)
    return p


def exited(p):
    """Wait until the child ``p`` has exited, without collecting it."""
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)


def state(pid):
    """'running', 'zombie' or 'collected', for a child of this process."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return "collected"
    return "running" if info is None else "zombie"


def running(pid):
    """Any process: alive and not a zombie (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def parent_seen_by_a_child():
    """(is it this process, its name, alive) as a fork child's parent_process() says, or None."""
    seen = ask(fork, send_parent)
    return seen if seen in (None, "no report") else (seen[0] == os.getpid(), seen[1], seen[2])


def check_daemon_then_end(daemon_pid, seconds):
    time.sleep(seconds)
    print("daemon still running when the worker ended:", running(daemon_pid), flush=True)


def report_at_exit(worker_seconds=0.5, daemon_seconds=3):
    """Start a daemon and a worker and let the main code end: after multiprocessing's exit
    handler, print what it left of each (exit code it collected, state), then end them."""
    def report():
        for label, p in (("daemon", daemon), ("worker", worker)):
            print(label, p._popen.returncode, state(p.pid), flush=True)
        for p in (daemon, worker):
            if state(p.pid) != "collected":
                os.kill(p.pid, signal.SIGKILL)
                os.waitpid(p.pid, 0)
    atexit.register(report)  # before multiprocessing.util exists: runs after its handler
    daemon = started(fork, sleep, daemon_seconds, daemon=True)
    worker = started(fork, check_daemon_then_end, daemon.pid, worker_seconds)


def stdin_of_a_child():
    sys.stdin = io.StringIO("a line for input()\n")
    return ask(fork, send_stdin)


def fd0_of_a_child():
    r, w = os.pipe()
    os.write(w, b"waiting on fd 0\n")
    saved = os.dup(0)
    os.dup2(r, 0)
    try:
        return ask(fork, send_fd0)
    finally:
        os.dup2(saved, 0)
        for fd in (saved, r, w):
            os.close(fd)


def _middle(path):
    started(fork, touch_later, path, 0.5)
    time.sleep(10)


def outlives_a_killed_parent():
    """Does a grandchild finish its work after its parent was killed?"""
    middle = started(fork, _middle, "orphan-finished")
    time.sleep(0.2)
    middle.kill()
    middle.join()
    time.sleep(1.0)
    return os.path.exists("orphan-finished")


def _parent_of_one(ready, path):
    grandchild = started(fork, touch_later, path, 0.5)
    with open(path + ".pid", "w") as f:
        f.write(str(grandchild.pid))
    set_then_sleep(ready)


def _ended(pid):
    """The process is gone, or a zombie (it has ended; its new parent has yet to collect it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def grandchild_after_terminate():
    """Does a grandchild finish its work after its parent was terminated? (Waits for the
    grandchild to end, within 20 s, rather than for a time: a busy machine may be slow.)"""
    ready = fork.Event()
    middle = started(fork, _parent_of_one, ready, "grandchild-finished")
    ready.wait(5)
    middle.terminate()
    middle.join()
    with open("grandchild-finished.pid") as f:
        pid = int(f.read())
    deadline = time.monotonic() + 20
    while not _ended(pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a process's state, bounded by the deadline
    return os.path.exists("grandchild-finished")


def connect_with_wrong_key():
    from multiprocessing.connection import Listener
    with Listener(("127.0.0.1", 0), authkey=b"the right key") as listener:
        p = started(fork, dial, listener.address, b"a wrong key")
        try:
            listener.accept().close()
            result = "accepted"
        except mp.AuthenticationError:
            result = "refused"
        p.join(5)
    return result


def warnings_of_start(ctx):
    """How many fork-with-threads warnings start() gives while another thread runs."""
    import threading
    import warnings
    gate = threading.Event()
    other = threading.Thread(target=gate.wait, args=(5,))
    other.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = started(ctx, nothing)
    finally:
        gate.set()
        other.join()
    p.join()
    return sum("multi-threaded" in str(w.message) for w in caught)


def _pipes(count):
    return [fork.Pipe(duplex=False) for _ in range(count)]


def two_ready():
    from multiprocessing.connection import wait
    (r1, w1), (r2, w2) = _pipes(2)
    w1.send(1)
    w2.send(2)
    return wait([r1, r2], 1)


def one_of_two_ready():
    from multiprocessing.connection import wait
    (r1, w1), (r2, w2) = _pipes(2)
    w1.send(1)
    return wait([r1, r2], 1)


def zero_timeout_wait_blocks():
    import threading
    from multiprocessing.connection import wait
    (r, w), = _pipes(1)
    threading.Timer(1.0, w.send, ("late",)).start()
    t0 = time.monotonic()
    wait([r], 0)
    return time.monotonic() - t0 > 0.5
