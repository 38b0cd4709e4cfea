"""Section 12 of the tutorial: a chat server that starts one process per accepted connection.

The tutorial's server accepts TCP connections and starts one process per connection; each
process sends every message back upper-cased. Here that server is the program
fixtures/programs/chat_server.py (its docstring says how it differs from the tutorial's and
why), started with the start method under test and talked to over 127.0.0.1 with plain
sockets (specs/_chat.py). How a session ends: test_12_chat_sessions.py; the console client:
test_12_chat_client.py; a socket bound above the main guard: test_12_bind_above_guard.py.
"""

import json
import signal
import socket
import threading
import time

import psutil
import pytest

from fixtures import chat, chat_children, facts
from fixtures.programs import _program
from harness import live
from harness.lifecycle import running
from harness.wording import wording
from specs._chat import chat_server, connect, os_parents, sees_the_end, serving_pid  # noqa: F401 (a fixture)

# ---------------------------------------------------------------- socket.process-per-connection


@pytest.mark.claim("socket.process-per-connection")
def test_each_connection_is_served_by_a_process_of_its_own(start_method, chat_server, verdict):
    """The server starts one new process per accepted connection, which shouts back.

    Three clients connect; each message comes back with its ASCII letters upper-cased, and
    the server's log names the serving process of each connection: three different pids,
    none of them the server. Under fork and spawn the server forked them; under forkserver
    its fork server did. Under spawn and forkserver the accepted socket reaches the child
    pickled as a duplicated descriptor, and works as the inherited one does under fork.
    """
    server = chat_server(start_method)
    clients = [connect(server.port) for _ in range(3)]
    try:
        replies = [chat.shout(c, b"hello from client %d" % i) for i, c in enumerate(clients)]
        pids = [serving_pid(server, c) for c in clients]
        parents = os_parents(server, pids)
    finally:
        for c in clients:
            c.close()
    shouted = [b"HELLO FROM CLIENT %d" % i for i in range(3)]
    verdict.expect({"replies": replies, "serving processes": len(set(pids) - {server.pid}), "forked by": parents},
                   python={"replies": shouted, "serving processes": 3,
                           "forked by": [facts.os_parent(start_method)] * 3},
                   tutorial={"replies": shouted, "serving processes": 3},
                   what=f"three clients, served by {pids} (the server: {server.pid})")


@pytest.mark.claim("socket.process-per-connection")
@pytest.mark.parametrize("how", ["SIGTERM to the server", "an interrupt to its process group"])
def test_stopping_the_server_ends_every_session_and_leaves_no_process(start_method, how, chat_server, verdict):
    """A request to stop ends the server, which ends its serving children first; nothing stays.

    The tutorial's server loops for ever. This one treats SIGTERM and an interrupt alike: it
    closes the listening socket, terminates each serving child, joins them, and exits 0. The
    interrupt goes to the server's whole process group, as a terminal's Ctrl-C does (SIGINT
    on POSIX, a Ctrl-Break event on Windows: see harness/live.py's interrupt_group). Serving
    children ignore it, so it does not cut sessions short behind the server's back; the fork
    server and the resource tracker end on their own once the server has gone. Every client
    sees its connection close, and no process of the server's session is left.
    """
    by_sigterm = how.startswith("SIGTERM")
    if by_sigterm and facts.WINDOWS:
        pytest.skip("Windows has no SIGTERM to deliver: os.kill(pid, SIGTERM) is TerminateProcess, "
                    "which ends the server without running any handler")
    if not by_sigterm and not live.can_interrupt_group():
        pytest.skip("this Windows process has no console: a console control event (CTRL_BREAK_EVENT) "
                    "reaches only processes attached to the sender's console")
    server = chat_server(start_method)
    clients = [connect(server.port) for _ in range(3)]
    try:
        assert [chat.shout(c, b"still there?") for c in clients] == [b"STILL THERE?"] * 3
        pids = [serving_pid(server, c) for c in clients]
        if by_sigterm:
            signame, code = "SIGTERM", server.stop(signal.SIGTERM, facts.LONG)
        else:
            signame = server.interrupt_group()
            code = server.wait(facts.LONG)
        assert code == 0, f"the server exited with {code}\n{server.explain()}"
        shutdown = server.wait_for("shutdown", "the server's last line")
        ended = [sees_the_end(c) for c in clients]
    finally:
        for c in clients:
            c.close()
    left = server.leftovers()
    verdict.expect({"serving processes": len(set(pids) - {server.pid}), "shutdown": shutdown,
                    "clients that saw the end": ended.count(True), "left behind": [p.pid for p in left]},
                   python={"serving processes": 3, "shutdown": {"signal": signame, "children_ended": 3},
                           "clients that saw the end": 3, "left behind": []},
                   tutorial={"serving processes": 3}, what=f"three sessions, then {how}",
                   detail=server.explain())


# ---------------------------------------------------------------- socket.many-clients

# Clients connected at once: fifty under every start method. Each spawn child is a fresh
# interpreter, so the spawn run is the slowest spec of the suite (about 3.5 s on two idle
# cores on Linux; Windows starts processes several times slower). So the serving processes
# get a startup deadline of their own, and the replies are then waited for against one
# overall budget, not per recv: neither a slow start nor slow rounds can add up past their
# bound, and both together stay below the spec's pytest-timeout (whose "thread" method on
# Windows would end the whole worker).
CLIENTS = 50
ROUNDS = 3
STARTUP = 1.5 * facts.LONG  # for every serving process to be up and to have said so
BUDGET = facts.LONG  # for every reply of every round, once they are all up
MANY_CLIENTS_TIMEOUT = STARTUP + BUDGET + facts.LONG  # the server's start and teardown too

# Windows's wait() takes fewer than 63 objects before Python 3.13, and the server waits on
# two per client (fixtures/programs/chat_server.py): MPSPEC_WAIT_LIMIT imposes that limit on any OS.
WINDOWS_WAIT_LIMIT = {_program.WAIT_LIMIT_ENV: "63"}


def receive_by(sock, size, deadline, what):
    """chat.receive_exactly, waiting no later than ``deadline`` (time.monotonic()) in all."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AssertionError(f"the {BUDGET:.0f} s budget ran out before {what}")
    sock.settimeout(remaining)
    try:
        return chat.receive_exactly(sock, size)
    except socket.timeout:
        raise AssertionError(f"the {BUDGET:.0f} s budget ran out waiting for {what}") from None


def serve_fifty_clients(server, verdict):
    """Connect CLIENTS clients, let each send ROUNDS messages, check every reply and that
    every client had a serving process of its own, all alive at once; record the verdict."""
    clients = []
    try:
        clients = [connect(server.port) for _ in range(CLIENTS)]
        server.wait_for_all("session", CLIENTS, f"all {CLIENTS} serving processes to start",
                            timeout=STARTUP, state="open")
        deadline = time.monotonic() + BUDGET
        wrong = []
        for rnd in range(ROUNDS):
            messages = [b"client %02d round %d: hello" % (i, rnd) for i in range(CLIENTS)]
            for c, m in zip(clients, messages):
                c.sendall(m)
            for i, (c, m) in enumerate(zip(clients, messages)):
                reply = receive_by(c, len(m), deadline, f"client {i}'s reply in round {rnd}")
                if reply != m.upper():
                    wrong.append((i, rnd, reply))
            if rnd == 0:
                pids = [serving_pid(server, c) for c in clients]
                alive = [pid for pid in pids if not _program.dead(pid)]
    finally:
        for c in clients:
            c.close()
    assert not wrong, f"replies that are not the client's own message upper-cased: {wrong[:5]}"
    server.wait_for_all("reaped", CLIENTS, f"all {CLIENTS} serving children to be collected")
    served = {"wrong replies": len(wrong), "distinct serving processes": len(set(pids)),
              "alive at once": len(set(alive))}
    verdict.expect(served, python={"wrong replies": 0, "distinct serving processes": CLIENTS, "alive at once": CLIENTS},
                   tutorial={"wrong replies": 0, "distinct serving processes": CLIENTS},
                   what=f"{CLIENTS} clients x {ROUNDS} messages")


@pytest.mark.claim("socket.many-clients")
@pytest.mark.timeout(MANY_CLIENTS_TIMEOUT)
def test_fifty_clients_connected_at_once_are_all_served_at_the_same_time(start_method, chat_server, verdict):
    """Fifty clients stay connected together and each gets its own replies, from its own process.

    Every client connects before any sends, and all fifty serving processes are up before
    the first message; then, for three rounds, all send a message that names the client and
    the round, and each reads its reply. No client closes until every client has had every
    reply, so a server that served one connection at a time could not answer the second
    client at all: the replies show the sessions run concurrently. The server's log shows
    fifty distinct serving pids, all alive at once, and every reply belongs to the client
    that asked.
    """
    serve_fifty_clients(chat_server(start_method), verdict)


@pytest.mark.claim("socket.many-clients")
@pytest.mark.timeout(MANY_CLIENTS_TIMEOUT)
def test_fifty_clients_are_served_with_windows_limit_on_waited_objects_in_force(chat_server, verdict):
    """The fifty clients again, with the server's wait() refusing 63 objects or more.

    That is multiprocessing.connection.wait() on Windows before Python 3.13 (its
    WaitForMultipleObjects takes at most 62 handles), and the server waits on a report pipe
    and a sentinel per client: a server handing them all to one wait() would fail with
    ValueError at about the thirtieth client. This one waits through
    fixtures/programs/_program.py's wait_many(), which splits them into batches. The limit
    is imposed through MPSPEC_WAIT_LIMIT, so every OS runs the Windows-sized path; the
    platform's default start method serves.
    """
    serve_fifty_clients(chat_server(facts.default_start_method(), env=WINDOWS_WAIT_LIMIT), verdict)


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
    boundaries, so the client reads until it has as many bytes as it sent. While the client
    is still sending, the server's replies fill the connection's buffers: the client reads
    while it sends (a thread here). A client connected all along is served before, during
    and after.
    """
    server = chat_server(start_method)
    steady, odd, big = (connect(server.port) for _ in range(3))
    try:
        steady_replies = [chat.shout(steady, b"before")]
        odd_reply = chat.shout(odd, b"\xff\xfe caf\xe9 \x80\x00 abc")
        payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
        sender, errors = _send_in_background(big, payload)
        steady_replies.append(chat.shout(steady, b"during"))
        reply = chat.receive_exactly(big, len(payload))
        sender.join(facts.LONG)
        assert not sender.is_alive() and not errors, errors
        steady_replies.append(chat.shout(steady, b"after"))
    finally:
        for c in (steady, odd, big):
            c.close()
    served = {"bytes that are not UTF-8": odd_reply, "1 MiB message upper-cased": reply == payload.upper(),
              "the other client": steady_replies}
    expected = {"bytes that are not UTF-8": b"\xff\xfe CAF\xe9 \x80\x00 ABC", "1 MiB message upper-cased": True,
                "the other client": [b"BEFORE", b"DURING", b"AFTER"]}
    verdict.expect(served, python=expected, tutorial=expected, what="odd bytes and a 1 MiB message")


@pytest.mark.claim("socket.many-clients")
def test_a_vanishing_client_or_a_killed_child_disturbs_no_other_session(start_method, chat_server, verdict):
    """A session that fails ends alone: the other clients and new ones are still served.

    One client sends half a message and resets the connection (it vanishes mid-message);
    its serving process sees the reset or the end, logs it and exits. The serving process
    of another client is killed outright (psutil's kill()): because the server closed its
    own copy of the accepted socket, that client sees its connection close instead of
    waiting for ever, and the server collects the dead child. A client connected all along,
    and one that connects afterwards, are served as usual.
    """
    server = chat_server(start_method)
    steady, vanishing, victim = (connect(server.port) for _ in range(3))
    late = None
    try:
        assert [chat.shout(c, b"hi") for c in (steady, vanishing, victim)] == [b"HI"] * 3
        vanishing_pid, victim_pid = serving_pid(server, vanishing), serving_pid(server, victim)

        vanishing.sendall(b"half a messa")
        vanishing.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, chat.LINGER_ZERO)
        vanishing.close()  # linger 0: the close sends a reset
        ended = server.wait_for("session", "the vanished client's session to end",
                                state="closed", pid=vanishing_pid)

        psutil.Process(victim_pid).kill()
        assert sees_the_end(victim), "the killed child's client did not see the connection close"
        reaped = server.wait_for("reaped", "the killed child to be collected", pid=victim_pid)

        still_served = chat.shout(steady, b"still here") == b"STILL HERE"
        late = connect(server.port)
        late_served = chat.shout(late, b"new client") == b"NEW CLIENT"
    finally:
        for c in (steady, vanishing, victim, late):
            if c is not None:
                c.close()
    # "reset": any ConnectionError (ECONNRESET, EPIPE; WSAECONNRESET/WSAECONNABORTED on
    # Windows) or macOS's EPROTOTYPE; "eof" should a platform report the reset as an end.
    assert ended["reason"] in ("eof", "reset"), ended
    verdict.expect({"killed child's exit code": reaped["exitcode"], "steady client served": still_served,
                    "late client served": late_served},
                   python={"killed child's exit code": facts.KILLED_FROM_OUTSIDE_EXITCODE,
                           "steady client served": True, "late client served": True},
                   tutorial={"steady client served": True, "late client served": True},
                   what=f"after a vanished client ({ended['reason']}: {ended['error']}) and a killed child")


# ---------------------------------------------------------------- socket.no-input-in-child


def read_to_the_end(sock):
    data = b""
    while True:
        part = sock.recv(chat.CHUNK)
        if not part:
            return data
        data += part


@pytest.mark.claim("socket.no-input-in-child")
def test_a_child_serving_a_connection_has_no_console_to_read(ctx, verdict):
    """In a serving child, input() fails at once with EOFError: its stdin is os.devnull.

    A connection accepted here is handed to a child (as the server does) whose target calls
    ``input()`` and reports over the socket what happened. multiprocessing's bootstrap
    closes the child's ``sys.stdin`` and replaces it with a reader of ``os.devnull``, so
    that parent and children never compete for one terminal: ``input()`` reads end of file
    and raises EOFError. On POSIX the child's ``sys.stdin`` is shown to read os.devnull
    (the child compares devices there only).
    """
    listener = socket.create_server((chat.HOST, 0))
    client = connect(listener.getsockname()[1])
    conn, _ = listener.accept()
    p = ctx.Process(target=chat_children.try_console_input, args=(conn,))
    try:
        with running(p):
            conn.close()
            report = json.loads(read_to_the_end(client))
    finally:
        client.close()
        listener.close()
    assert p.exitcode == 0, p.exitcode
    wording(report["message"], "EOF when reading a line", whole=True, what="input() in a serving child: the EOFError's message")
    verdict.expect({"input() fails": report["error"] is not None, "error": report["error"],
                    "sys.stdin reads os.devnull": report["stdin_is_devnull"]},
                   python={"input() fails": True, "error": "EOFError",
                           "sys.stdin reads os.devnull": facts.POSIX or None},  # None: not compared on Windows
                   tutorial={"input() fails": True}, what="input() in a serving child")
