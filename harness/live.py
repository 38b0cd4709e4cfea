"""Talk to a fixture program while it runs: a server, a console client.

``harness.programs.run_program`` runs a program to its end, then reads what it printed. A
server must be talked to while it runs, and a console client may have to be interrupted
mid-session: ``LiveProgram`` (the ``live_program`` fixture of harness/plugin.py) starts
``fixtures/programs/<name>.py`` the way run_program does -- in the environment of
``programs.program_env``, in a session (process group) of its own -- and reads its standard
output in a thread as it comes, so a spec can wait, within a deadline, for an
``observed: key=<JSON>`` line (the format of harness.programs, read by its parser).

Deadlines are fixtures/facts.py's: LONG for a line that needs a process to start, SHORT to
stop. ``close()``, which the fixture calls at teardown, stops the program, ends whatever is
left in its session and releases its pipes.

Ctrl-C: a process that starts with SIGINT ignored (SIG_IGN, as a background job of a
non-interactive shell does, and as every process it starts then inherits) gets no
KeyboardInterrupt from Python, which installs its handler only over the default
disposition. So on POSIX, when this process has SIGINT ignored, a program starts through a
launcher that puts SIGINT back to its default (SIG_DFL) and then executes the program in the
same process: a spec about Ctrl-C sees what a person at a terminal sees, however pytest
itself was started. (Otherwise the program inherits the default and starts directly.)
"""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from fixtures import facts
from fixtures.programs import _program
from harness import WINDOWS, programs

# Run as ``python -c LAUNCHER program.py args...``: SIGINT back to its default, then the
# program itself, by exec, keeping the pid, the session and the pipes.
SIGINT_LAUNCHER = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "os.execv(sys.executable, [sys.executable] + sys.argv[1:])")
# The signal a group interrupt (interrupt_group) delivers, as the program names it.
INTERRUPT = "SIGBREAK" if WINDOWS else "SIGINT"


def can_interrupt_group():
    """Whether interrupt_group can reach a program: always on POSIX; on Windows only when
    this process has a console (a console control event reaches the sender's console only)."""
    if not WINDOWS:
        return True
    import ctypes
    return ctypes.windll.kernel32.GetConsoleProcessList((ctypes.c_uint32 * 1)(), 1) > 0


class LiveProgram:
    """One run of ``fixtures/programs/<name>.py *args``, read as it prints.

    ``stdin``: None (os.devnull), or bytes written to the program's standard input by a
    thread of their own, after which the input is closed unless ``keep_stdin_open`` (then
    ``send`` writes more, and ``close_stdin`` ends it).
    """

    def __init__(self, name, *args, cwd, env=None, stdin=None, keep_stdin_open=False):
        self.name = name
        ignored = not WINDOWS and signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        launcher = ("-c", SIGINT_LAUNCHER) if ignored else ()
        self.argv = [sys.executable, *launcher, str(programs.script_path(name)), *map(str, args)]
        fd, self.stderr_path = tempfile.mkstemp(prefix=f"{name}-", suffix=".stderr", dir=cwd)
        self._stderr = os.fdopen(fd, "wb")
        piped = stdin is not None or keep_stdin_open
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self._stderr, cwd=cwd, env=programs.program_env(env),
            **programs.NEW_SESSION)
        self.pid = self.proc.pid
        self._started = time.monotonic()
        self.duration = None  # seconds from the start to the end, once wait() has seen it end
        self._raw = []  # stdout, line by line, as bytes (a reply need not be UTF-8)
        self._eof = False
        self._changed = threading.Condition()
        self._threads = [threading.Thread(target=self._read, name=f"{name} output", daemon=True)]
        if stdin is not None:
            self._threads.append(threading.Thread(target=self._feed, args=(stdin, not keep_stdin_open),
                                                  name=f"{name} input", daemon=True))
        for thread in self._threads:
            thread.start()

    # -- input and output
    def _read(self):
        for raw in self.proc.stdout:
            with self._changed:
                self._raw.append(raw)
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _feed(self, data, then_close):
        self.send(data)
        if then_close:
            self.close_stdin()

    def send(self, data):
        """Write ``data`` to the program's standard input (ignored once the program is gone)."""
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    @property
    def stdout(self):
        """Everything the program has printed so far, as bytes."""
        with self._changed:
            return b"".join(self._raw)

    @property
    def lines(self):
        """The lines printed so far, decoded (UTF-8, undecodable bytes replaced), without line ends."""
        with self._changed:
            raw = list(self._raw)
        return [line.decode("utf-8", "replace").rstrip("\r\n") for line in raw]

    @property
    def stderr(self):
        """What the program has written to its standard error so far (a file, never a pipe)."""
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def observations(self, key, **match):
        """The values of the ``observed: key=<JSON>`` lines so far, in order; with ``match``,
        only the dict values whose items include those."""
        found = []
        for n, line in enumerate(self.lines, 1):
            try:
                pair = programs.parse_observation(line)
            except ValueError:
                raise programs.ProgramError(f"{self.name}: stdout line {n} is not an observation "
                                            f"(key=<JSON>): {line!r}\n{self.explain()}") from None
            if pair is None or pair[0] != key:
                continue
            value = pair[1]
            if not match or (isinstance(value, dict) and all(value.get(k) == v for k, v in match.items())):
                found.append(value)
        return found

    def explain(self):
        out = "\n".join(self.lines[-40:])
        code = self.proc.poll()
        return (f"{' '.join(self.argv)}\n  {'still running' if code is None else f'exit code {code}'}"
                f"\n--- stdout (last lines) ---\n{out}\n--- stderr ---\n{self.stderr[-3000:]}")

    # -- waiting for output
    def wait_until(self, condition, what, timeout=facts.LONG):
        """Wait until ``condition()`` is truthy, looking again at each new line; return its
        value. Fails the spec when ``timeout`` passes or the output ends first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._eof:
                    why = "the program's output ended" if self._eof else f"{timeout:g}s"
                    raise AssertionError(f"gave up waiting for {what} ({why})\n{self.explain()}")
                self._changed.wait(remaining)

    def wait_for(self, key, what=None, timeout=facts.LONG, **match):
        """The latest value of ``observed: key=...`` (matching ``match``), once there is one."""
        return self.wait_until(lambda: (self.observations(key, **match) or [None])[-1],
                               what or f"'observed: {key}=...' {match or ''}", timeout)

    def wait_for_all(self, key, count, what=None, timeout=facts.LONG, **match):
        """Every value of ``observed: key=...`` (matching ``match``), once there are ``count``."""
        def enough():
            found = self.observations(key, **match)
            return found if len(found) >= count else None
        return self.wait_until(enough, what or f"{count} 'observed: {key}=...' lines {match or ''}", timeout)

    # -- ending it
    def send_signal(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def interrupt_group(self):
        """Interrupt the program's whole process group, as a terminal's Ctrl-C does: SIGINT on
        POSIX; on Windows a Ctrl-Break console event (CTRL_BREAK_EVENT, which Python sees as
        SIGBREAK: Ctrl-C events are disabled in a process group of its own). Returns the name
        of the signal the program sees (INTERRUPT)."""
        if self.proc.poll() is None:
            if WINDOWS:
                os.kill(self.pid, signal.CTRL_BREAK_EVENT)  # the group whose id is the program's pid
            else:
                os.killpg(self.pid, signal.SIGINT)
        return INTERRUPT

    def wait(self, timeout=facts.SHORT):
        """The exit code, once the program has ended and its output has been read to the end
        (bounded by ``timeout`` too); None if it is still running at ``timeout``."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._threads[0].join(timeout)  # the reader: the last lines, up to the end of the output
        if self.duration is None:
            self.duration = time.monotonic() - self._started
        return code

    @property
    def returncode(self):
        """The exit code, once the program has ended and been waited for; else None."""
        return self.proc.returncode

    def stop(self, signum=signal.SIGTERM, timeout=facts.SHORT):
        """Send ``signum`` (on Windows, SIGTERM is TerminateProcess) and wait (see ``wait``)."""
        self.send_signal(signum)
        return self.wait(timeout)

    def leftovers(self, timeout=facts.SHORT):
        """The live processes of the program's session still there after ``timeout``.

        A process that has ended but whose parent is gone is a zombie of the init process
        until init collects it; it is dead, so it does not count.
        """
        members = programs.session_members(self.pid)
        _program.wait_until(lambda: all(_program.dead(p) for p in members), timeout)
        return [p for p in members if not _program.dead(p)]

    def close(self):
        """Stop the program (SIGTERM, then SIGKILL), kill what is left in its session, and
        release the pipes. On Windows the program is killed outright, with whatever it
        started: a console control event would need a console shared with it, which
        teardown does not count on."""
        left = programs.session_members(self.pid) if WINDOWS else []
        if WINDOWS or self.stop() is None:
            self.proc.kill()
            self.proc.wait(facts.SHORT)
        if not WINDOWS:
            left = self.leftovers()
        for p in left:
            try:
                p.kill()
            except Exception:  # noqa: BLE001 -- gone meanwhile, or not ours to kill
                pass
        try:
            if not _program.wait_until(lambda: all(_program.dead(p) for p in left), facts.SHORT):
                raise AssertionError(f"{self.name}: processes of its session would not die: "
                                     f"{[(p.pid, _program.state(p)) for p in left]}")
        finally:
            if self.proc.stdin is not None:
                self.close_stdin()
            for thread in self._threads:
                thread.join(facts.SHORT)
            self.proc.stdout.close()
            self._stderr.close()
