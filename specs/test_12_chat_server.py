"""Section 12 of the tutorial: a multi-client chat server over sockets.

The tutorial's server accepts TCP connections and starts one process per connection; each
process sends every message back upper-cased. Here that server is a real program,
``fixtures/programs/chat_server.py`` (its docstring says how it differs from the tutorial's and
why), with a console client, ``fixtures/programs/chat_client.py``. The specs start the server as a
separate program in a session of its own, with the start method under test, and talk to it
over 127.0.0.1 with plain sockets (or with the client program). The server prints one
``observed: ...`` line per event -- a session opened or closed in a serving child, a child
collected by the server -- which the specs read, with a deadline, to learn which process
served which client.

Run it by hand::

    python fixtures/programs/chat_server.py spawn --port 0        # prints "observed: port=N"
    python fixtures/programs/chat_client.py --port N              # in two other terminals
"""

import errno
import json
import multiprocessing
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import psutil
import pytest

from fixtures import chat_children
from fixtures.programs import _program, chat_client
from harness import FORKSERVER_PRELOADS_MAIN, FORKSERVER_SURVIVES_FAILED_PRELOAD, ROOT, WINDOWS, leaks, programs
from harness.lifecycle import poll_until

HOST = "127.0.0.1"
WAIT = 10.0  # seconds: the bound of every wait here; nothing waits on luck, only on progress
SERVER = programs.script_path("chat_server")
CLIENT = programs.script_path("chat_client")
OBSERVED = re.compile(r"^observed: (.*)$")
PAIR = re.compile(r"(\w+)=(\S+)")

# SO_LINGER on, with a zero timeout: close() resets the connection (struct linger; u_short on Windows).
LINGER_ZERO = struct.pack("HH" if WINDOWS else "ii", 1, 0)


# ---------------------------------------------------------------- the server, as a program

class ChatServer:
    """One run of fixtures/programs/chat_server.py, with its output read as it comes.

    Started with harness.programs' environment and session of its own, but not through
    run_program: that waits for the program to end, and this server must be talked to
    while it runs.
    """

    def __init__(self, start_method, args, workdir, env=None):
        self.start_method = start_method
        self.stderr_path = workdir / "server.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), start_method, "--port", "0", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=workdir, env=programs.program_env(env), **programs.NEW_SESSION)
        self.lines = []
        self._eof = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="chat-server-output", daemon=True)
        self._reader.start()
        self.pid = self.proc.pid
        self.port = None

    def wait_ready(self):
        """Wait (bounded) for the line that gives the port the server listens on."""
        self.port = int(self.wait_for_event("port", "the server to print its port")["port"])
        return self

    def _read(self):
        for raw in self.proc.stdout:
            with self._changed:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    # -- what the server said
    def events(self, key=None, **match):
        """The ``observed:`` lines as dicts, optionally those with ``key`` and matching values."""
        found = []
        with self._changed:
            lines = list(self.lines)
        for line in lines:
            m = OBSERVED.match(line)
            if not m:
                continue
            event = dict(PAIR.findall(m.group(1)))
            if (key is None or key in event) and all(event.get(k) == str(v) for k, v in match.items()):
                found.append(event)
        return found

    def wait_until(self, condition, what, timeout=WAIT):
        """Wait (bounded) until ``condition()`` is truthy after some output; return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._eof:
                    raise AssertionError(f"gave up waiting for {what} "
                                         f"({'the server ended' if self._eof else f'{timeout}s'})\n"
                                         + self.explain())
                self._changed.wait(remaining)

    def wait_for_event(self, key, what=None, **match):
        return self.wait_until(lambda: (self.events(key, **match) or [None])[-1],
                               what or f"'observed: {key}=...' {match or ''}")

    def wait_for_events(self, key, count, what=None, timeout=WAIT, **match):
        return self.wait_until(lambda: len(self.events(key, **match)) >= count and self.events(key, **match),
                               what or f"{count} 'observed: {key}=...' lines {match or ''}", timeout)

    def serving_pid(self, client):
        """The pid of the process serving ``client`` (a connected socket)."""
        peer = "%s:%d" % client.getsockname()[:2]
        return int(self.wait_for_event("session", f"the session of {peer} to open",
                                       session="open", peer=peer)["pid"])

    def explain(self):
        with self._changed:
            out = "\n".join(self.lines[-40:])
        err = self.stderr_path.read_text("utf-8", "replace")[-3000:]
        return f"--- server stdout (last lines) ---\n{out}\n--- server stderr ---\n{err}"

    # -- ending it
    def stop(self, signum=None, whole_group=False, timeout=WAIT):
        """Ask the server to stop and wait for it; return its exit code (None: still running).

        POSIX: ``signum`` to the server, or to its whole process group (as a terminal's
        Ctrl-C does). Windows: only the group form exists -- a Ctrl-Break console event
        (CTRL_BREAK_EVENT) to the process group the server leads.
        """
        if self.proc.poll() is None:
            if whole_group and WINDOWS:
                os.kill(self.proc.pid, signal.CTRL_BREAK_EVENT)  # the group whose id is the server's pid
            elif whole_group:
                os.killpg(self.proc.pid, signum or signal.SIGTERM)
            else:
                self.proc.send_signal(signum or signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def leftovers(self, timeout=3.0):
        """Live processes of the server's session still there after ``timeout`` (bounded wait).

        A process that has ended but whose parent (the server) is gone is a zombie of the
        init process until init collects it; it is dead, so it does not count.
        """
        members = programs.session_members(self.proc.pid)
        try:
            wait_for_states(is_gone_or_zombie, [p.pid for p in members], "the server's session to end", timeout)
        except AssertionError:
            pass
        return [p for p in members if is_live(p)]

    def close(self):
        """Teardown: stop the server, end anything left in its session, release the pipes.

        On Windows the server is killed outright, with whatever it started (TerminateProcess
        ends just the one process): a console control event would need the test to share a
        console with it, which teardown does not count on.
        """
        if WINDOWS:
            left = programs.session_members(self.proc.pid)
            self.proc.kill()
            self.proc.wait(WAIT)
        else:
            if self.stop() is None:
                self.proc.kill()
                self.proc.wait(WAIT)
            left = self.leftovers()
        for p in left:
            try:
                p.kill()
            except psutil.Error:
                pass
        try:
            wait_for_states(is_gone_or_zombie, [p.pid for p in left], "leftovers to die")
        finally:
            self._reader.join(WAIT)
            self.proc.stdout.close()
            self._stderr.close()


@pytest.fixture
def chat_server(tmp_path):
    """``chat_server(start_method, *args)`` starts the server; teardown ends all of it."""
    started = []

    def start(start_method, *args, env=None):
        server = ChatServer(start_method, args, tmp_path, env)
        started.append(server)  # ended at teardown even if it never gets ready
        return server.wait_ready()

    yield start
    for server in started:
        server.close()


# ---------------------------------------------------------------- clients: plain sockets

def connect(port):
    return socket.create_connection((HOST, port), timeout=WAIT)


def receive_exactly(sock, size):
    parts, got = [], 0
    while got < size:
        part = sock.recv(min(1 << 20, size - got))
        if not part:
            raise AssertionError(f"the connection closed after {got} of {size} bytes")
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def shout(sock, message):
    """Send ``message`` and return the reply (as long as the message: see chat_server.py)."""
    sock.sendall(message)
    return receive_exactly(sock, len(message))


def sees_the_end(sock):
    """True when the peer has closed: recv returns b"" (within the socket's timeout)."""
    try:
        return sock.recv(1) == b""
    except ConnectionError:  # reset (POSIX), or aborted (Windows)
        return True


def is_gone_or_zombie(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def is_live(process):
    """A psutil.Process that still runs: not gone (nor replaced by a reused pid), not a zombie."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def is_zombie(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_states(check, pids, what, timeout=WAIT):
    """Poll process states (bounded) until ``check(pid)`` holds for every pid; on failure,
    say what each pid showed."""
    try:
        poll_until(lambda: all(check(pid) for pid in pids), timeout, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {[(pid, check(pid)) for pid in pids]}") from None


def zombies_of(pid):
    try:
        return [p.pid for p in psutil.Process(pid).children() if p.status() == psutil.STATUS_ZOMBIE]
    except psutil.NoSuchProcess:
        return []


def process_is(pid, created):
    """True while the process ``pid`` made at ``created`` still exists (pids get reused)."""
    try:
        return psutil.Process(pid).create_time() == created
    except psutil.NoSuchProcess:
        return False


def parent_of_children(server, start_method):
    """Which process the serving children hang under: the server, or its fork server."""
    if start_method != "forkserver":
        return server.pid
    (fork_server,) = [p.pid for p in psutil.Process(server.pid).children()
                      if "forkserver" in " ".join(p.cmdline())]
    return fork_server


# ---------------------------------------------------------------- socket.process-per-connection

@pytest.mark.claim("socket.process-per-connection")
def test_each_connection_is_served_by_a_process_of_its_own(start_method, chat_server, verdict):
    """The server starts one new process per accepted connection, which shouts back.

    Three clients connect; each message comes back with its ASCII letters upper-cased, and
    the server's log names the serving process of each connection: three different pids,
    none of them the server. Under fork and spawn they are the server's children; under
    forkserver they are children of the fork server (itself a child of the server). Under
    spawn and forkserver the accepted socket reaches the child pickled as a duplicated
    descriptor, and it works just as the inherited one does under fork.
    (socket.process-per-connection: holds for every start method.)
    """
    server = chat_server(start_method)
    clients = [connect(server.port) for _ in range(3)]
    try:
        replies = [shout(c, b"hello from client %d" % i) for i, c in enumerate(clients)]
        assert replies == [b"HELLO FROM CLIENT %d" % i for i in range(3)]
        pids = [server.serving_pid(c) for c in clients]
        assert len(set(pids)) == 3 and server.pid not in pids, pids
        parent = parent_of_children(server, start_method)
        parents = [psutil.Process(pid).ppid() for pid in pids]
        assert parents == [parent] * 3, f"serving pids {pids} have parents {parents}, expected {parent}"
    finally:
        for c in clients:
            c.close()
    verdict.record(len(set(pids)) == 3 and replies == [b"HELLO FROM CLIENT %d" % i for i in range(3)],
                   observed=f"3 connections served by 3 processes {pids} under parent {parent}")


def has_a_console():
    """Windows: whether this process is attached to a console (console events need one)."""
    import ctypes
    return ctypes.windll.kernel32.GetConsoleProcessList((ctypes.c_uint32 * 1)(), 1) > 0


@pytest.mark.claim("socket.process-per-connection")
@pytest.mark.parametrize("how", ["SIGTERM to the server", "an interrupt to its process group"])
def test_stopping_the_server_ends_every_session_and_leaves_no_process(start_method, how, chat_server, verdict):
    """A request to stop ends the server, which ends its serving children first; nothing stays.

    The tutorial's server loops for ever and never says how it stops. This one treats SIGTERM
    (what ``kill`` and service managers send) and an interrupt alike: it closes the listening
    socket, terminates each serving child, joins them, and exits 0. The interrupt goes to the
    server's whole process group, as a terminal's Ctrl-C does: SIGINT on POSIX; on Windows a
    Ctrl-Break console event (CTRL_BREAK_EVENT, which Python sees as SIGBREAK; Ctrl-C events
    are disabled in a process group of its own, and the server runs in one). Serving
    children ignore the interrupt, so it does not cut sessions short behind the server's
    back; the fork server and the resource tracker (forkserver) ignore SIGINT too, and end
    on their own once the server has gone. Every client sees its connection close (recv
    returns b""), and no process of the server's session is left. Windows has no SIGTERM
    to deliver: os.kill(pid, SIGTERM) there is TerminateProcess, which no handler sees.
    (socket.process-per-connection: one process per connection, each ended by the server;
    same for every start method.)
    """
    by_sigterm = how.startswith("SIGTERM")
    if WINDOWS and by_sigterm:
        pytest.skip("Windows has no SIGTERM to deliver: os.kill(pid, SIGTERM) is TerminateProcess, "
                    "which ends the server without running any handler")
    if WINDOWS and not has_a_console():
        pytest.skip("this Windows process has no console: a console control event (CTRL_BREAK_EVENT) "
                    "reaches only processes attached to the sender's console")
    server = chat_server(start_method)
    clients = [connect(server.port) for _ in range(3)]
    try:
        assert [shout(c, b"still there?") for c in clients] == [b"STILL THERE?"] * 3
        pids = [server.serving_pid(c) for c in clients]
        if by_sigterm:
            code, signame = server.stop(signal.SIGTERM), "SIGTERM"
        else:
            code = server.stop(signal.SIGINT, whole_group=True)
            signame = "SIGBREAK" if WINDOWS else "SIGINT"
        assert code == 0, f"the server exited with {code}\n{server.explain()}"
        shutdown = server.wait_for_event("shutdown", "the server's last line")
        assert shutdown == {"shutdown": signame, "children_ended": "3"}, server.explain()
        assert all(sees_the_end(c) for c in clients), "a client's connection stayed open"
    finally:
        for c in clients:
            c.close()
    left = server.leftovers()
    assert not left, f"left behind: {leaks.describe(left)}"
    verdict.record(len(set(pids)) == 3, observed=f"3 sessions in 3 processes {pids}, all ended by the server")


# ---------------------------------------------------------------- socket.many-clients

# Clients connected at once: fifty under every start method. Each spawn child is a fresh
# interpreter, so the spawn run is the slowest spec of the suite (about 3.5 s on two idle
# cores on Linux, well under 10 s with both cores kept busy; Windows starts processes
# several times slower). So the serving processes get a startup deadline of their own, and
# the replies are then waited for against one overall budget, not per recv: neither a slow
# start nor slow rounds can add up past their bound, and both together stay well below the
# spec's pytest-timeout (whose "thread" method on Windows would end the whole worker).
CLIENTS = 50
ROUNDS = 3
STARTUP = 30.0  # seconds for every serving process to be up and to have said so
BUDGET = 20.0  # seconds for every reply of every round, once they are all up
MANY_CLIENTS_TIMEOUT = STARTUP + BUDGET + 2 * WAIT  # the server's start and teardown too

# Windows's wait() takes fewer than 63 objects before Python 3.13, and the server waits on
# two per client (fixtures/programs/chat_server.py): MPSPEC_WAIT_LIMIT imposes that limit on any OS.
WINDOWS_WAIT_LIMIT = {_program.WAIT_LIMIT_ENV: "63"}


def receive_by(sock, size, deadline, what):
    """receive_exactly, waiting no later than ``deadline`` (time.monotonic()) in all."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AssertionError(f"the {BUDGET:.0f} s budget ran out before {what}")
    sock.settimeout(remaining)
    try:
        return receive_exactly(sock, size)
    except socket.timeout:
        raise AssertionError(f"the {BUDGET:.0f} s budget ran out waiting for {what}") from None


def serve_fifty_clients(server, verdict):
    """Connect CLIENTS clients, let each send ROUNDS messages, check every reply and that
    every client had a serving process of its own, all alive at once; record the verdict."""
    count = CLIENTS
    clients = []
    try:
        clients = [connect(server.port) for _ in range(count)]
        server.wait_for_events("session", count, f"all {count} serving processes to start",
                               timeout=STARTUP, session="open")
        deadline = time.monotonic() + BUDGET
        wrong = []
        for rnd in range(ROUNDS):
            messages = [b"client %02d round %d: hello" % (i, rnd) for i in range(count)]
            for c, m in zip(clients, messages):
                c.sendall(m)
            for i, (c, m) in enumerate(zip(clients, messages)):
                reply = receive_by(c, len(m), deadline, f"client {i}'s reply in round {rnd}")
                if reply != m.upper():
                    wrong.append((i, rnd, reply))
            if rnd == 0:
                pids = [server.serving_pid(c) for c in clients]
                alive = [pid for pid in pids if not is_gone_or_zombie(pid)]
        assert not wrong, f"replies that are not the client's own message upper-cased: {wrong[:5]}"
        assert len(set(pids)) == count, f"{len(set(pids))} distinct serving pids for {count} clients"
        assert len(alive) == count, f"only {len(alive)} of {count} serving processes alive at once"
    finally:
        for c in clients:
            c.close()
    server.wait_for_events("reaped", count, f"all {count} serving children to be collected")
    verdict.record(not wrong and len(set(alive)) == count,
                   observed=f"{count} clients x {ROUNDS} messages, all answered, "
                            f"{len(set(alive))} serving processes alive at once")


@pytest.mark.claim("socket.many-clients")
@pytest.mark.timeout(MANY_CLIENTS_TIMEOUT)
def test_fifty_clients_connected_at_once_are_all_served_at_the_same_time(start_method, chat_server, verdict):
    """Fifty clients stay connected together and each gets its own replies, from its own process.

    Every client connects before any sends, and all fifty serving processes are up before
    the first message; then, for three rounds, all send a message that names the client and
    the round, and each reads its reply. No client closes until every client has had every
    reply, so a server that served one connection at a time could not answer the second
    client at all: the replies prove the sessions run concurrently. The server's log shows
    fifty distinct serving pids, all alive at once, and every reply belongs to the client
    that asked. (socket.many-clients: holds for every start method.)
    """
    serve_fifty_clients(chat_server(start_method), verdict)


@pytest.mark.claim("socket.many-clients")
@pytest.mark.timeout(MANY_CLIENTS_TIMEOUT)
def test_fifty_clients_are_served_with_windows_limit_on_waited_objects_in_force(chat_server, verdict):
    """The fifty clients again, with the server's wait() refusing 63 objects or more.

    That is multiprocessing.connection.wait() on Windows before Python 3.13 (its
    WaitForMultipleObjects takes at most 62 handles), and the server waits on a report pipe
    and a sentinel per client: a server handing them all to one wait() fails with
    ValueError at about the thirtieth client (the 31st on POSIX, where the listening and
    wake-up sockets are in that wait too; the 32nd on Windows, whose loop watches those two
    with select). This one waits through fixtures/programs/_program.py's wait_many(), which splits
    them into batches. The limit is imposed through
    MPSPEC_WAIT_LIMIT, so every OS runs the Windows-sized path; the platform's default start
    method serves. (socket.many-clients: holds.)
    """
    method = multiprocessing.get_all_start_methods()[0]  # the platform's default comes first
    serve_fifty_clients(chat_server(method, env=WINDOWS_WAIT_LIMIT), verdict)


def _send_in_background(sock, data):
    """sendall in a thread, so the caller can read the reply while the message goes out."""
    errors = []

    def send():
        try:
            sock.sendall(data)
        except OSError as exc:
            errors.append(exc)

    t = threading.Thread(target=send, name="sender", daemon=True)
    t.start()
    return t, errors


@pytest.mark.claim("socket.many-clients")
def test_bytes_that_are_not_utf8_and_a_megabyte_message_are_served_like_any_other(start_method, chat_server, verdict):
    """The serving process works on bytes: any byte value, any length, one TCP stream.

    The server upper-cases with ``bytes.upper()``: ASCII letters change, every other byte
    (invalid UTF-8 included) passes through, so nothing can fail to decode. A 1 MiB message
    arrives in many ``recv`` chunks and goes back in as many; TCP keeps no message
    boundaries, so the client reads until it has as many bytes as it sent (the tutorial's
    ``recv(1024)`` would get only the start). While the client is still sending, the
    server's replies fill the connection's buffers: the client must read while it sends
    (a thread here), or both sides block. A client connected all along is served before,
    during and after. (socket.many-clients; same for every start method.)
    """
    server = chat_server(start_method)
    steady, odd, big = (connect(server.port) for _ in range(3))
    try:
        assert shout(steady, b"before") == b"BEFORE"
        raw = b"\xff\xfe caf\xe9 \x80\x00 abc"
        assert shout(odd, raw) == b"\xff\xfe CAF\xe9 \x80\x00 ABC"
        payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
        sender, errors = _send_in_background(big, payload)
        assert shout(steady, b"during") == b"DURING"
        reply = receive_exactly(big, len(payload))
        sender.join(WAIT)
        assert not sender.is_alive() and not errors, errors
        assert reply == payload.upper()
        assert shout(steady, b"after") == b"AFTER"
    finally:
        for c in (steady, odd, big):
            c.close()
    verdict.record(reply == payload.upper(), observed="non-UTF-8 bytes and a 1 MiB message answered; "
                                                      "the other client served throughout")


@pytest.mark.claim("socket.many-clients")
def test_a_vanishing_client_or_a_killed_child_disturbs_no_other_session(start_method, chat_server, verdict):
    """A session that fails ends alone: the other clients and new ones are still served.

    One client sends half a message and resets the connection (it vanishes mid-message);
    its serving process sees the reset or the end, logs it and exits. The serving process
    of another client is killed outright (SIGKILL on POSIX, TerminateProcess on Windows):
    because the server closed its own copy of the accepted socket, that client sees its
    connection close instead of waiting for ever, and the server collects the dead child
    (exit code -9 on POSIX). A client connected all along, and one that connects afterwards,
    are served as usual. (socket.many-clients; same for every start method.)
    """
    server = chat_server(start_method)
    steady, vanishing, victim = (connect(server.port) for _ in range(3))
    late = None
    try:
        assert [shout(c, b"hi") for c in (steady, vanishing, victim)] == [b"HI"] * 3
        vanishing_pid, victim_pid = server.serving_pid(vanishing), server.serving_pid(victim)

        vanishing.sendall(b"half a messa")
        vanishing.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ZERO)
        vanishing.close()  # linger 0: the close sends a reset
        ended = server.wait_for_event("session", "the vanished client's session to end",
                                      session="closed", pid=vanishing_pid)

        psutil.Process(victim_pid).kill()
        assert sees_the_end(victim), "the killed child's client did not see the connection close"
        reaped = server.wait_for_event("reaped", "the killed child to be collected", reaped=victim_pid)
        if not WINDOWS:
            assert reaped["exitcode"] == str(-signal.SIGKILL), reaped

        still_served = shout(steady, b"still here") == b"STILL HERE"
        late = connect(server.port)
        late_served = shout(late, b"new client") == b"NEW CLIENT"
        assert still_served and late_served
    finally:
        for c in (steady, vanishing, victim, late):
            if c is not None:
                c.close()
    # "reset": any ConnectionError (ECONNRESET, EPIPE; WSAECONNRESET/WSAECONNABORTED on
    # Windows) or macOS's EPROTOTYPE; "eof" should a platform report the reset as an end.
    assert ended["reason"] in ("eof", "reset"), ended
    verdict.record(still_served and late_served, observed=f"vanished client's session ended ({ended['reason']}: "
                                  f"{ended['error']}), killed child "
                                  f"collected ({reaped['exitcode']}); the others were served")


# ---------------------------------------------------------------- socket.close-ends-session

@pytest.mark.claim("socket.close-ends-session")
def test_a_client_that_closes_ends_its_session_and_its_process(start_method, chat_server, verdict):
    """When the client closes, the serving process's recv returns b"" and the process ends.

    An orderly close sends the server a FIN; a blocked ``recv`` then returns an empty bytes
    object (a message is never empty, so b"" can only mean the end). The serving process
    leaves its loop and exits 0, and this server collects it at once: after the server's
    "reaped" line the process no longer exists at all, not even as a zombie. Under
    forkserver it is the fork server that collects it and passes the exit code on.
    (socket.close-ends-session: holds for every start method.)
    """
    server = chat_server(start_method)
    client = connect(server.port)
    try:
        assert shout(client, b"bye soon") == b"BYE SOON"
        pid = server.serving_pid(client)
        created = psutil.Process(pid).create_time()
    finally:
        client.close()
    closed = server.wait_for_event("session", "the session to end", session="closed", pid=pid)
    reaped = server.wait_for_event("reaped", "the serving process to be collected", reaped=pid)
    assert (closed["reason"], closed["bytes"], reaped["exitcode"]) == ("eof", "8", "0"), (closed, reaped)
    assert not process_is(pid, created), f"pid {pid} still exists after the server collected it"
    verdict.record(closed["reason"] == "eof" and reaped["exitcode"] == "0",
                   observed=f"recv returned b'' (reason={closed['reason']}), the process exited "
                            f"{reaped['exitcode']} and was collected")


# Connections made one burst after another, per start method: (bursts, clients per burst).
# Fewer under spawn, where every serving process is a whole new interpreter.
BURSTS = {"fork": (3, 10), "forkserver": (3, 10), "spawn": (2, 4)}


@pytest.mark.claim("socket.close-ends-session")
@pytest.mark.skipif(WINDOWS, reason="Windows has no zombie processes: an ended process is "
                    "removed once the last handle to it is closed")
def test_the_server_collects_every_ended_child_so_no_zombies_pile_up(start_method, chat_server, verdict):
    """Over many connections, the server leaves no zombie: it joins each child as it ends.

    Bursts of clients connect, are answered, and close together. After each burst, once
    the server has logged every child as collected, none of the server's children (nor the
    fork server's, under forkserver) is a zombie, and no serving process of a finished
    session is left. How: the server waits on the listening socket and on each child's
    sentinel together (see fixtures/programs/chat_server.py). (socket.close-ends-session; every start
    method. Windows: see the skip reason.)
    """
    server = chat_server(start_method)
    bursts, size = BURSTS[start_method]
    served, created = [], {}
    for _ in range(bursts):
        clients = [connect(server.port) for _ in range(size)]
        try:
            assert [shout(c, b"in and out") for c in clients] == [b"IN AND OUT"] * size
            pids = [server.serving_pid(c) for c in clients]
            created.update((pid, psutil.Process(pid).create_time()) for pid in pids)
            served += pids
        finally:
            for c in clients:
                c.close()
        server.wait_for_events("reaped", len(served), f"{len(served)} children to be collected")
        parent = parent_of_children(server, start_method)
        assert zombies_of(server.pid) == [] and zombies_of(parent) == [], \
            f"zombies: {zombies_of(server.pid)} {zombies_of(parent)}"
    closed = server.events("session", session="closed")
    assert sorted(int(e["pid"]) for e in closed) == sorted(served)
    still_there = [pid for pid in served if process_is(pid, created[pid])]
    assert not still_there, still_there
    verdict.record(all(e["reason"] == "eof" for e in closed) and not still_there,
                   observed=f"{len(served)} sessions ended at recv()==b'', every process collected, no zombie")


@pytest.mark.claim("socket.close-ends-session")
@pytest.mark.skipif(WINDOWS, reason="Windows has no zombie processes: an ended process is "
                    "removed once the last handle to it is closed")
def test_the_tutorials_loop_leaves_ended_children_as_zombies_until_the_next_start(start_method, chat_server, verdict):
    """The tutorial's accept loop never waits for its children, so ended ones linger as zombies.

    ``--naive`` runs the tutorial's parent loop: accept, start a process, accept again. The
    sessions end as promised -- recv returns b"" and each serving process exits -- but under
    fork and spawn an exited child stays in the process table as a zombie of the server,
    since nobody waits for it, until the next ``Process.start()`` runs multiprocessing's
    cleanup, which collects the children that have ended: after one more client is served,
    the zombies are gone. Under forkserver there are no zombies at all: the serving
    processes are children of the fork server, which collects each one as it ends.
    (socket.close-ends-session: holds for every start method; the zombies are what differ.)
    """
    server = chat_server(start_method, "--naive")
    clients = [connect(server.port) for _ in range(4)]
    late = None
    try:
        assert [shout(c, b"leaving") for c in clients] == [b"LEAVING"] * 4
        pids = [server.serving_pid(c) for c in clients]
        created = {pid: psutil.Process(pid).create_time() for pid in pids}
        for c in clients:
            c.close()
        for pid in pids:
            server.wait_for_event("session", f"the session of {pid} to end", session="closed", pid=pid)
        if start_method == "forkserver":
            wait_for_states(lambda pid: not process_is(pid, created[pid]), pids,
                            "the fork server to collect its ended children")
            zombies = zombies_of(server.pid) + zombies_of(parent_of_children(server, start_method))
            assert zombies == [], zombies
        else:
            wait_for_states(is_zombie, pids, "the ended children to become zombies")
            zombies = zombies_of(server.pid)
            assert sorted(zombies) == sorted(pids), (zombies, pids)
        late = connect(server.port)
        assert shout(late, b"next!") == b"NEXT!"  # the server has run start() for it
        left = [pid for pid in pids if process_is(pid, created[pid])]
        assert left == [], f"still in the process table after the next start(): {left}"
    finally:
        for c in clients + [late]:
            if c is not None:
                c.close()
    closed = [server.events("session", session="closed", pid=pid)[0] for pid in pids]
    verdict.record(all(e["reason"] == "eof" for e in closed),
                   observed=f"4 sessions ended at recv()==b''; zombies until the next start(): {sorted(zombies)}")


# ---------------------------------------------------------------- socket.empty-input-not-sent

def run_client(port, text, *args):
    """Run fixtures/programs/chat_client.py with ``text`` (str or bytes) as its standard input; the
    result has its run time in seconds as ``duration``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(CLIENT), "--port", str(port), *args], input=data,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT,
                            env=programs.program_env())
    result.duration = time.monotonic() - started
    return result


@pytest.mark.claim("socket.empty-input-not-sent")
def test_the_client_skips_empty_lines_and_closes_cleanly_at_the_end_of_its_input(start_method, chat_server, verdict):
    """The console client sends only lines with something in them, then closes cleanly.

    Its standard input is fed from a string: two real lines around three blank ones (empty,
    spaces, a tab). It prints two replies -- note ``wörld`` comes back as ``WöRLD``: the
    server upper-cases bytes, and only ASCII letters have an upper case there -- and the
    server's serving process received exactly the bytes of those two lines (5 + 6), so no
    blank line reached it. At the end of input the client shuts down its sending side; the
    serving process sees recv return b"", ends, and the client exits 0.
    (socket.empty-input-not-sent: holds; the server's start method does not matter.)
    """
    server = chat_server(start_method)
    result = run_client(server.port, "hello\n\n   \n\t\nwörld\n")
    out = result.stdout.decode("utf-8", "replace").splitlines()
    assert result.returncode == 0, (result.returncode, out, result.stderr.decode("utf-8", "replace"))
    assert out == ["HELLO", "WöRLD", "observed: sent=2 skipped=3 closed=clean"], out
    closed = server.wait_for_event("session", "the client's session to end", session="closed")
    assert (closed["reason"], closed["bytes"]) == ("eof", str(len("hello") + len("wörld".encode()))), closed
    verdict.compare(predicted=0, observed=int(closed["bytes"]) - len(b"hello") - len("wörld".encode()),
                    what="bytes of the blank lines that reached the server")


@pytest.mark.claim("socket.empty-input-not-sent")
def test_sending_an_empty_message_puts_nothing_on_the_wire(start_method, chat_server, verdict):
    """Why the client must skip empty input: an empty send is no message at all.

    ``send(b"")`` returns 0 and transmits nothing, so the server never sees it and never
    answers; a client that then waited for a reply would wait for ever (the tutorial's
    client would block in recv). The next real message is answered alone, and the server
    counts one byte received in all. (socket.empty-input-not-sent: the skip is needed; same
    for every start method.)
    """
    server = chat_server(start_method)
    client = connect(server.port)
    try:
        nothing = client.send(b"")
        assert nothing == 0
        assert shout(client, b"x") == b"X"
        pid = server.serving_pid(client)
    finally:
        client.close()
    closed = server.wait_for_event("session", "the session to end", session="closed", pid=pid)
    assert closed["bytes"] == "1", closed
    verdict.record(nothing == 0 and closed["bytes"] == "1",
                   observed="send(b'') sent 0 bytes; the server received only the 1 byte sent after it")


# ---------------------------------------------------------------- socket.bind-before-guard-needs-reuseaddr

def bind_error(sock, port):
    """Bind ``sock`` to ``port``: None on success, else the error's errno name."""
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    return None


IN_USE = {"EADDRINUSE", "WSAEADDRINUSE"}


@pytest.mark.claim("socket.bind-before-guard-needs-reuseaddr")
def test_so_reuseaddr_does_not_let_a_second_socket_bind_a_port_that_is_listening(verdict):
    """What SO_REUSEADDR allows and what it does not (plain sockets, no processes).

    A socket listens on a port. A second socket binding the same address and port fails with
    EADDRINUSE on Linux and macOS with or without SO_REUSEADDR on both: it never lets two
    sockets share a listening port there (that is SO_REUSEPORT). On Windows SO_REUSEADDR on
    the second socket does let it bind -- and steal connections -- which is why servers there
    use SO_EXCLUSIVEADDRUSE instead. What SO_REUSEADDR is for on POSIX: a restarted server
    binding a port whose old connections still linger (FIN_WAIT/TIME_WAIT after the server
    closed them first) -- refused without it, allowed with it (asserted on Linux).
    (socket.bind-before-guard-needs-reuseaddr: the tutorial expects the option to make the
    second bind work; on Linux and macOS it does not.)
    """
    first = socket.socket()
    first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    first.bind((HOST, 0))
    first.listen()
    port = first.getsockname()[1]
    outcome = {}
    try:
        for reuse in (False, True):
            with socket.socket() as second:
                if reuse:
                    second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                outcome[reuse] = bind_error(second, port)
    finally:
        first.close()
    assert outcome[False] in IN_USE, outcome
    if WINDOWS:
        assert outcome[True] is None, outcome
    else:
        assert outcome[True] in IN_USE, outcome
    if sys.platform.startswith("linux"):  # observed on Linux; macOS keeps its own TIME_WAIT rules
        assert _rebinding_a_port_with_lingering_connections() == {False: "EADDRINUSE", True: None}
    verdict.record(outcome[True] is None,
                   observed=f"second bind of a listening port: {outcome[False]} without SO_REUSEADDR, "
                            f"{outcome[True] or 'ok'} with it")


def _rebinding_a_port_with_lingering_connections():
    """Close a server (connection first) and bind its port again, with and without SO_REUSEADDR."""
    old = socket.create_server((HOST, 0))  # SO_REUSEADDR on POSIX
    port = old.getsockname()[1]
    client = connect(port)
    conn, _ = old.accept()
    conn.close()  # the server closes first: its end lingers in FIN_WAIT_2, then TIME_WAIT
    client.close()
    old.close()
    outcome = {}
    for reuse in (False, True):
        with socket.socket() as new:
            if reuse:
                new.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            outcome[reuse] = bind_error(new, port)
    return outcome


def fate_of_the_childs_bind(seen):
    """What became of the child, from the program's observations: its top level was "not
    re-run" (and its target ran), its bind of the parent's port was "ok" or "failed"."""
    if "child_bind" not in seen:
        return "not re-run" if seen.get("target_ran") == "True" else f"target did not run ({seen})"
    return "ok" if seen["child_bind"] == "ok" else "failed"


@pytest.mark.claim("socket.bind-before-guard-needs-reuseaddr")
def test_a_bind_above_the_main_guard_runs_again_in_children_that_reimport_the_main_module(start_method, run_program, verdict):
    """A listening socket made above the main guard is made again by spawn-like children.

    fixtures/programs/bind_above_guard.py binds at its top level, then starts one child, once without
    and once with SO_REUSEADDR. Under fork the child is a copy of the parent made inside the
    guard: the top level does not run again and the child just works. Under spawn (and under
    forkserver while its children re-import the main module: Python before 3.13.8/3.14.1)
    the child runs the top level again, its bind of the parent's port fails, and the child
    dies before its target runs (exit code 1). SO_REUSEADDR does not rescue it on Linux or
    macOS (the port is listening); on Windows it does, leaving two sockets on one port.
    From 3.13.8/3.14.1 the fork server preloads the main module, so its bind fails first: up
    to 3.14 the server dies and the parent's start() raises; from 3.15 the server lives on
    and the child fails its own bind as under spawn.
    (socket.bind-before-guard-needs-reuseaddr: the re-run holds; "SO_REUSEADDR fixes it"
    holds on Windows only -- a platform difference.)
    """
    preloads = start_method == "forkserver" and FORKSERVER_PRELOADS_MAIN
    reruns = start_method == "spawn" or (start_method == "forkserver" and
                                         (not preloads or FORKSERVER_SURVIVES_FAILED_PRELOAD))
    for reuse in (False, True):
        result = run_program("bind_above_guard", start_method, *(["--reuseaddr"] if reuse else []), timeout=WAIT)
        seen = result.observed
        assert result.returncode == 0 and seen.get("parent_bind") == "ok", result.explain()
        fate = fate_of_the_childs_bind(seen)
        if preloads:  # the fork server ran the top level and its bind failed
            assert seen.get("fork_server_bind", "").startswith("failed"), result.explain()
        else:
            assert "fork_server_bind" not in seen, result.explain()
        if start_method == "fork":
            assert "child_bind" not in seen and seen.get("target_ran") == "True", result.explain()
            assert seen.get("child_exitcode") == "0", result.explain()
            assert fate == "not re-run"
        elif reruns:
            if reuse and WINDOWS:
                assert seen.get("child_bind") == "ok" and seen.get("target_ran") == "True", result.explain()
                assert fate == "ok"
            else:
                assert seen.get("child_bind", "").startswith("failed"), result.explain()
                assert seen["child_bind"].split("(")[1].rstrip(")") in IN_USE, result.explain()
                assert "target_ran" not in seen and seen.get("child_exitcode") == "1", result.explain()
                assert fate == "failed"
        else:  # the fork server died of its preload: no child was ever made
            assert "child_bind" not in seen and "target_ran" not in seen, result.explain()
            assert seen.get("start_failed") in ("EOFError", "ConnectionResetError", "BrokenPipeError"), \
                result.explain()
        predicted = "not re-run" if start_method == "fork" else ("ok" if reuse else "failed")
        verdict.compare(predicted=predicted, observed=fate,
                        what=f"the child's bind {'with' if reuse else 'without'} SO_REUSEADDR")


# ---------------------------------------------------------------- socket.no-input-in-child

@pytest.mark.claim("socket.no-input-in-child")
def test_a_child_serving_a_connection_has_no_console_to_read(ctx, verdict):
    """In a serving child, input() fails at once with EOFError: its stdin is os.devnull.

    A connection accepted here is handed to a child (as the server does) whose target calls
    ``input()`` and reports over the socket what happened. multiprocessing's bootstrap
    closes the child's ``sys.stdin`` and replaces it with a reader of ``os.devnull``, so
    that parent and children never compete for one terminal: ``input()`` reads end of file
    and raises EOFError. It is not that a console "cannot be shown"; on POSIX the child even
    keeps the inherited file descriptor 0, only ``sys.stdin`` no longer uses it.
    (socket.no-input-in-child: holds for every start method.)
    """
    listener = socket.create_server((HOST, 0))
    client = connect(listener.getsockname()[1])
    conn, _ = listener.accept()
    p = ctx.Process(target=chat_children.try_console_input, args=(conn,))
    try:
        p.start()
        conn.close()
        data = b""
        while True:
            part = client.recv(65536)
            if not part:
                break
            data += part
    finally:
        p.join(WAIT)
        if p.is_alive():
            p.kill()
            p.join(WAIT)
        client.close()
        listener.close()
    report = json.loads(data)
    assert p.exitcode == 0
    assert (report["error"], report["message"]) == ("EOFError", "EOF when reading a line"), report
    if not WINDOWS:
        assert report["stdin_is_devnull"] is True, report
    verdict.record(report["error"] is not None,
                   observed=f"input() raised {report['error']}: {report['message']}; "
                            f"sys.stdin is os.devnull: {report['stdin_is_devnull']}")


# ---------------------------------------------------------------- the console client: every way it ends

def lines_of(result):
    return result.stdout.decode("utf-8", "replace").splitlines()


def client_explain(result):
    return (f"exit code {result.returncode} after {result.duration:.2f}s\n--- stdout ---\n"
            f"{result.stdout.decode('utf-8', 'replace')}--- stderr ---\n{result.stderr.decode('utf-8', 'replace')}")


class StandInServer:
    """A stand-in for the chat server, in a thread: it accepts one connection on 127.0.0.1,
    reads one message of ``size`` bytes, then ``then``: "close" the connection before
    answering, "reset" it, stay "silent" until the client leaves, or "shout" back and go
    on shouting until the client closes. ``done()`` waits for it (bounded) and returns every
    byte it was sent."""

    def __init__(self, then, size):
        self.then, self.size = then, size
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.received = b""
        self.errors = []
        self.thread = threading.Thread(target=self._serve, name=f"stand-in server ({then})", daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.listener.settimeout(WAIT)
            conn, _ = self.listener.accept()
            conn.settimeout(WAIT)
            with conn:
                while len(self.received) < self.size:
                    part = conn.recv(self.size - len(self.received))
                    if not part:
                        return
                    self.received += part
                if self.then == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ZERO)
                elif self.then == "shout":
                    conn.sendall(self.received.upper())
                if self.then in ("silent", "shout"):
                    while True:  # until the client closes or goes away (bounded by the timeout)
                        part = conn.recv(65536)
                        if not part:
                            break
                        self.received += part
                        conn.sendall(part.upper())
        except OSError as exc:
            self.errors.append(exc)
        finally:
            self.listener.close()

    def done(self):
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the stand-in server did not finish"
        assert not self.errors, self.errors
        return self.received


@pytest.mark.claim("socket.close-ends-session")
def test_against_the_tutorials_loop_the_clients_end_of_input_ends_its_session_but_not_its_connection(
        start_method, chat_server, verdict):
    """The tutorial's loop keeps its copy of each accepted socket, so a client never sees it close.

    With ``--naive`` the server's parent keeps every accepted socket open. At the end of its
    input the client shuts down its sending side: the serving process's recv returns b"" and
    it ends, closing its copy, yet the connection stays open through the parent's. The
    client waits ``--close-wait`` seconds (0.5 here) for the server's close, then says the
    server kept the connection open, in one line, and exits 6: neither a hang nor a traceback.
    (socket.close-ends-session: the session ends; the connection is what the parent keeps.)
    """
    server = chat_server(start_method, "--naive")
    result = run_client(server.port, "hello\n", "--close-wait", "0.5")
    assert result.returncode == 6, client_explain(result)
    assert lines_of(result) == [
        "HELLO", "observed: sent=1 skipped=0 closed=kept-open -- the server kept the connection open "
                 "0.5 s after this client closed its side (chat_server.py --naive keeps a copy of it)"], \
        client_explain(result)
    assert result.stderr == b"", client_explain(result)
    assert 0.5 <= result.duration < WAIT / 2, client_explain(result)
    closed = server.wait_for_event("session", "the client's session to end", session="closed")
    assert (closed["reason"], closed["bytes"]) == ("eof", "5"), closed
    verdict.record(closed["reason"] == "eof",
                   observed="the serving process's recv returned b'' and it ended; the client saw no close "
                            "within 0.5 s (the parent kept its copy) and exited 6")


@pytest.mark.claim("socket.process-per-connection")
def test_a_client_of_a_server_that_has_stopped_says_it_was_refused_and_exits_3(start_method, chat_server, verdict):
    """Once the server has stopped, nothing listens on its port: a client says so in one line.

    A first client is served (by a process of its own) and ends cleanly. The server is then
    stopped (SIGTERM; killed outright on Windows, where nothing delivers SIGTERM), and its
    port is held by a socket that is bound but not listening, so no other program can take
    it meanwhile. A second client is refused: it prints ``closed=refused -- nothing listens on
    127.0.0.1:PORT``, nothing on stderr, and exits 3. (socket.process-per-connection: the
    first client was served by its own process; every start method.)
    """
    server = chat_server(start_method)
    first = run_client(server.port, "hi\n")
    assert (first.returncode, lines_of(first)) == (0, ["HI", "observed: sent=1 skipped=0 closed=clean"]), \
        client_explain(first)
    served_by = int(server.wait_for_event("session", "the first session to end", session="closed")["pid"])
    if WINDOWS:
        server.proc.kill()
        server.proc.wait(WAIT)
    else:
        assert server.stop(signal.SIGTERM) == 0, server.explain()
    with socket.socket() as hold:
        if not WINDOWS:
            hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # never lets a listening port be bound
        hold.bind((HOST, server.port))
        second = run_client(server.port, "hi\n")
    assert second.returncode == 3, client_explain(second)
    assert lines_of(second) == [f"observed: sent=0 skipped=0 closed=refused -- nothing listens on "
                                f"{HOST}:{server.port}"], client_explain(second)
    assert second.stderr == b"", client_explain(second)
    verdict.record(served_by != server.pid,
                   observed=f"the first client was served by process {served_by} (the server: {server.pid}); "
                            "after the server stopped the next one was refused (exit 3)")


@pytest.mark.claim("socket.empty-input-not-sent")
@pytest.mark.parametrize("then, code, ending", [
    ("close", 4, "closed=by-server -- the server closed the connection after 0 of 5 bytes of a reply"),
    ("reset", 4, "closed=reset -- the server reset the connection ("),
    ("silent", 5, "closed=timeout -- no reply from the server within 0.5 s"),
])
def test_a_server_that_closes_resets_or_stays_silent_ends_the_client_with_one_line(then, code, ending, verdict):
    """However the server fails it, the client ends at once, with one line and its exit code.

    A stand-in server reads the client's one message and then closes the connection without
    answering (exit 4, ``closed=by-server``), resets it (exit 4, ``closed=reset``, naming the
    exception), or stays silent past the client's ``--timeout`` of 0.5 s (exit 5,
    ``closed=timeout``). No traceback: stderr stays empty. The blank line before the message
    was skipped, and the stand-in received exactly the 5 bytes of ``hello``.
    (socket.empty-input-not-sent: the blank line never reached the server.)
    """
    stand_in = StandInServer(then, size=5)
    result = run_client(stand_in.port, "\n   \nhello\nnever sent\n", "--timeout", "0.5")
    received = stand_in.done()
    out = lines_of(result)
    assert result.returncode == code, client_explain(result)
    assert len(out) == 1 and out[0].startswith(f"observed: sent=1 skipped=2 {ending}"), client_explain(result)
    if then == "reset":
        assert out[0].rsplit("(", 1)[1] in ("ConnectionResetError)", "ConnectionAbortedError)"), out
    assert result.stderr == b"", client_explain(result)
    assert result.duration < WAIT / 2, client_explain(result)
    assert received == b"hello", received
    verdict.compare(predicted=0, observed=len(received) - len(b"hello"),
                    what="bytes of the blank lines that reached the server")


@pytest.mark.claim("socket.empty-input-not-sent")
@pytest.mark.skipif(WINDOWS, reason="Windows has no SIGINT to send to one process: a Ctrl-C console event "
                    "reaches every process attached to the console")
def test_ctrl_c_ends_the_client_with_one_line_and_exit_code_130(verdict):
    """Ctrl-C (SIGINT) while the client waits for input ends it with one line, exit 130.

    The client is fed a blank line and ``hi`` through a pipe that stays open, so after the
    reply it waits for more input; SIGINT then ends it: ``closed=interrupted -- Ctrl-C``, no
    traceback. (socket.empty-input-not-sent: the blank line was skipped, and the stand-in
    server received only ``hi``.)
    """
    import select
    stand_in = StandInServer("shout", size=2)
    client = subprocess.Popen([sys.executable, str(CLIENT), "--port", str(stand_in.port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=programs.program_env())
    try:
        client.stdin.write(b"\nhi\n")
        client.stdin.flush()
        ready, _, _ = select.select([client.stdout], [], [], WAIT)
        assert ready, "no reply from the client"
        assert client.stdout.readline() == b"HI\n"
        client.send_signal(signal.SIGINT)
        code = client.wait(WAIT)
        rest, err = client.stdout.read(), client.stderr.read()
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(WAIT)
        for stream in (client.stdin, client.stdout, client.stderr):
            stream.close()
    received = stand_in.done()
    assert (code, rest, err) == (130, b"observed: sent=1 skipped=1 closed=interrupted -- Ctrl-C\n", b""), \
        (code, rest, err)
    assert received == b"hi", received
    verdict.compare(predicted=0, observed=len(received) - len(b"hi"),
                    what="bytes of the blank line that reached the server")


@pytest.mark.claim("socket.many-clients")
def test_the_client_passes_a_100_kb_line_and_bytes_that_are_not_utf8_through_in_full(start_method, chat_server, verdict):
    """The console client sends any line whole and prints the reply as the bytes it is.

    Its input: a line of 100 000 letters, one with bytes that are not UTF-8 (\\xff \\xfe
    \\xe9), and ``héllo``. Each reply comes back whole, with only the ASCII letters
    upper-cased (``héllo`` becomes ``HéLLO``, as bytes.upper() does), every other byte as it
    was sent; the serving process counted every byte, and the client ends cleanly (exit 0).
    (socket.many-clients: the server holds under such input; every start method.)
    """
    server = chat_server(start_method)
    long_line, odd = b"abcde" * 20_000, b"\xff\xfe caf\xe9"
    result = run_client(server.port, b"%s\n%s\nh\xc3\xa9llo\n" % (long_line, odd))
    assert result.returncode == 0, client_explain(result)[-2000:]
    expected = (long_line.upper() + b"\n\xff\xfe CAF\xe9\nH\xc3\xa9LLO\n"
                + b"observed: sent=3 skipped=0 closed=clean\n")
    assert result.stdout == expected, client_explain(result)[-2000:]
    closed = server.wait_for_event("session", "the client's session to end", session="closed")
    total = len(long_line) + len(odd) + len(b"h\xc3\xa9llo")
    assert (closed["reason"], closed["bytes"]) == ("eof", str(total)), closed
    verdict.record(result.stdout == expected,
                   observed=f"a {len(long_line)}-byte line, non-UTF-8 bytes and 'héllo' sent through the client "
                            f"and answered in full ({total} bytes)")


# ---------------------------------------------------------------- the README's session, as printed

README_SECTION = "Try the chat server by hand (tutorial section 12)"
NUMBERS = re.compile(r"(pid[ =]|127\.0\.0\.1:|port=|reaped=)\d+")  # what differs from run to run


def masked(line):
    return NUMBERS.sub(r"\1N", line.rstrip())


def readme_section(title):
    """The text of a README section and its ```sh blocks, each as a list of lines."""
    text = (ROOT / "README.md").read_text("utf-8")
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return body, [block.splitlines() for block in re.findall(r"```sh\n(.*?)```", body, re.S)]


def run_in_a_terminal(argv, typed, timeout=WAIT):
    """Run ``argv`` with a pseudo-terminal as its stdin, stdout and stderr; at each ``>>: ``
    prompt type the next of ``typed`` and Enter (an empty one: Ctrl-D). Return the exit code
    and everything the terminal showed, its line ends made ``\\n``."""
    import pty
    import select
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, cwd=ROOT,
                            env=programs.program_env(), start_new_session=True)
    os.close(terminal)
    shown, pending, deadline = b"", list(typed), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if pending and shown.count(b">>: ") == len(typed) - len(pending) + 1:
                text = pending.pop(0)
                os.write(controller, text.encode("utf-8") + b"\n" if text else b"\x04")
            ready, _, _ = select.select([controller], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO (Linux): the program has ended and closed the terminal
                break
            if not data:
                break
            shown += data
        code = proc.wait(max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)
        os.close(controller)
    return code, shown.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.claim("socket.process-per-connection")
@pytest.mark.skipif(WINDOWS, reason="the client's terminal is a pseudo-terminal (pty), which Windows lacks")
def test_the_readme_session_is_what_the_server_and_a_client_at_a_terminal_print(chat_server, verdict):
    """The README's "Try the chat server by hand" shows what the programs really print.

    Its commands are run as written (the server under spawn, with ``--verbose``; the client at
    a terminal, a pseudo-terminal here, typing what the README shows and Ctrl-D at the last
    prompt): the server's start-up lines, the client's whole terminal, and the server's log
    of the session are the README's, line for line, pids and ports aside. Ctrl-D at a
    terminal leaves the client's last line on a line of its own. The table of endings
    names the client's own exit codes and bounds. (socket.process-per-connection: the
    session is served by a process other than the server.)
    """
    body, (server_block, client_block, log_block) = readme_section(README_SECTION)
    command = shlex.split(server_block[0])
    assert command[:5] == ["python", "fixtures/programs/chat_server.py", "spawn", "--port", "0"], command
    server = chat_server("spawn", *command[5:])
    startup = [line[len("# "):] for line in server_block[1:]]
    assert [masked(line) for line in server.lines[:len(startup)]] == [masked(line) for line in startup]

    command = shlex.split(client_block[0])
    assert command[:3] == ["python", "fixtures/programs/chat_client.py", "--port"], command
    typed = [line[len(">>:"):].strip() for line in client_block[1:] if line.startswith(">>:")]
    code, shown = run_in_a_terminal([sys.executable, command[1], "--port", str(server.port)], typed)
    assert code == 0, shown
    assert [masked(line) for line in shown.splitlines()] == [masked(line) for line in client_block[1:]], shown

    reaped = server.wait_for_event("reaped", "the session's process to be collected")
    logged = server.lines[len(startup):]
    assert [masked(line) for line in logged] == [masked(line[len("# "):]) for line in log_block], server.explain()

    endings = dict(re.findall(r"^\|[^|\n]*\| `([a-z-]+)` \| (\d+) \|$", body, re.M))
    assert endings == {how: str(code) for how, code in chat_client.EXIT.items() if how != "error"}, endings
    assert f"`--timeout` seconds (default {chat_client.TIMEOUT:g})" in body, body
    assert f"`--close-wait` seconds (default {chat_client.CLOSE_WAIT:g})" in body, body
    verdict.record(int(reaped["reaped"]) != server.pid,
                   observed=f"the README's session, served by process {reaped['reaped']} (server {server.pid})")
