"""Section 12 of the tutorial: the chat server's console client, and every way it ends.

The client, fixtures/programs/chat_client.py, is run as a program (harness/live.py) with its
standard input fed by the spec, against the real server (specs/_chat.py) or a stand-in in a
thread that fails on purpose. Its last line, ``observed: ending={...}``, says how many lines
it sent and skipped and how it ended; its exit codes are fixtures/chat.py's EXIT. The
README's "Try the chat server by hand" is checked here too, line for line.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from fixtures import chat, facts
from fixtures.programs import _program
from harness import ROOT, programs
from specs._chat import chat_server, connect, serving_pid  # noqa: F401 (a fixture)


def run_client(live_program, port, text, *args):
    """Run the client with ``text`` (str or bytes) as its whole standard input, to its end
    (its exit code in ``returncode``, its run time in ``duration``)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    client = live_program("chat_client", "--port", port, *args, stdin=data)
    assert client.wait(facts.LONG) is not None, f"the client did not end\n{client.explain()}"
    return client


def ending(**how):
    """The client's last line, as it prints it."""
    return _program.observation("ending", how)


# ---------------------------------------------------------------- socket.empty-input-not-sent

@pytest.mark.claim("socket.empty-input-not-sent")
def test_the_client_skips_empty_lines_and_closes_cleanly_at_the_end_of_its_input(
        start_method, chat_server, live_program, verdict):
    """The console client sends only lines with something in them, then closes cleanly.

    Its standard input: two real lines around three blank ones (empty, spaces, a tab). It
    prints two replies -- ``wörld`` comes back as ``WöRLD``: the server upper-cases bytes,
    and only ASCII letters have an upper case there -- and the serving process received
    exactly the bytes of those two lines (5 + 6), so no blank line reached it. At the end of
    input the client shuts down its sending side; the serving process sees recv return b"",
    ends, and the client exits 0.
    """
    server = chat_server(start_method)
    client = run_client(live_program, server.port, "hello\n\n   \n\t\nwörld\n")
    assert client.returncode == 0, client.explain()
    assert client.lines == ["HELLO", "WöRLD", ending(sent=2, skipped=3, closed="clean")], client.explain()
    closed = server.wait_for("session", "the client's session to end", state="closed")
    assert closed["reason"] == "eof", closed
    verdict.expect(closed["bytes"] - len(b"hello") - len("wörld".encode()), python=0, tutorial=0,
                   what="bytes of the blank lines that reached the server")


@pytest.mark.claim("socket.empty-input-not-sent")
def test_sending_an_empty_message_puts_nothing_on_the_wire(start_method, chat_server, verdict):
    """Why the client must skip empty input: an empty send is no message at all.

    ``send(b"")`` returns 0 and transmits nothing, so the server never sees it and never
    answers; a client that then waited for a reply would wait for ever. The next real
    message is answered alone, and the server counts one byte received in all.
    """
    server = chat_server(start_method)
    client = connect(server.port)
    try:
        nothing = client.send(b"")
        assert chat.shout(client, b"x") == b"X"
        pid = serving_pid(server, client)
    finally:
        client.close()
    closed = server.wait_for("session", "the session to end", state="closed", pid=pid)
    wire = {"send(b'') returned": nothing, "bytes the server received": closed["bytes"]}
    verdict.expect(wire, python={"send(b'') returned": 0, "bytes the server received": 1},
                   tutorial={"send(b'') returned": 0, "bytes the server received": 1}, what="an empty send, then b'x'")


class StandInServer:
    """A stand-in for the chat server, in a thread: it accepts one connection on 127.0.0.1,
    reads one message of ``size`` bytes, then ``then``: "close" the connection before
    answering, "reset" it, stay "silent" until the client leaves, or "shout" back and go
    on shouting until the client closes. ``done()`` waits for it (bounded) and returns every
    byte it was sent."""

    def __init__(self, then, size):
        self.then, self.size = then, size
        self.listener = socket.create_server((chat.HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.received = b""
        self.errors = []
        self.thread = threading.Thread(target=self._serve, name=f"stand-in server ({then})", daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.listener.settimeout(facts.LONG)
            conn, _ = self.listener.accept()
            conn.settimeout(facts.LONG)
            with conn:
                while len(self.received) < self.size:
                    part = conn.recv(self.size - len(self.received))
                    if not part:
                        return
                    self.received += part
                if self.then == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, chat.LINGER_ZERO)
                elif self.then == "shout":
                    conn.sendall(self.received.upper())
                if self.then in ("silent", "shout"):
                    while True:  # until the client closes or goes away (bounded by the timeout)
                        part = conn.recv(chat.CHUNK)
                        if not part:
                            break
                        self.received += part
                        conn.sendall(part.upper())
        except OSError as exc:
            self.errors.append(exc)
        finally:
            self.listener.close()

    def done(self):
        self.thread.join(facts.LONG)
        assert not self.thread.is_alive(), "the stand-in server did not finish"
        assert not self.errors, self.errors
        return self.received


@pytest.mark.claim("socket.empty-input-not-sent")
@pytest.mark.parametrize("then, code, closed, why", [
    ("close", 4, "by-server", "the server closed the connection after 0 of 5 bytes of a reply"),
    ("reset", 4, "reset", "the server reset the connection ("),
    ("silent", 5, "timeout", "no reply from the server within 0.5 s"),
])
def test_a_server_that_closes_resets_or_stays_silent_ends_the_client_with_one_line(
        then, code, closed, why, live_program, verdict):
    """However the server fails it, the client ends at once, with one line and its exit code.

    A stand-in server reads the client's one message and then closes the connection without
    answering (exit 4, ``by-server``), resets it (exit 4, ``reset``, naming the exception),
    or stays silent past the client's ``--timeout`` of 0.5 s (exit 5, ``timeout``). No
    traceback: stderr stays empty. The blank lines before the message were skipped, and the
    stand-in received exactly the 5 bytes of ``hello``.
    """
    stand_in = StandInServer(then, size=5)
    client = run_client(live_program, stand_in.port, "\n   \nhello\nnever sent\n", "--timeout", "0.5")
    received = stand_in.done()
    assert client.returncode == code, client.explain()
    (last,) = client.observations("ending")
    assert len(client.lines) == 1 and last["why"].startswith(why), client.explain()
    assert {k: last[k] for k in ("sent", "skipped", "closed")} == {"sent": 1, "skipped": 2, "closed": closed}, last
    if then == "reset":
        assert last["why"].rsplit("(", 1)[1] in ("ConnectionResetError)", "ConnectionAbortedError)"), last
    assert client.stderr == "", client.explain()
    assert client.duration < facts.SHORT, client.explain()
    assert received.endswith(b"hello"), received
    verdict.expect(len(received) - len(b"hello"), python=0, tutorial=0,
                   what="bytes of the blank lines that reached the server")


@pytest.mark.claim("socket.empty-input-not-sent")
@pytest.mark.skipif(facts.WINDOWS, reason="Windows has no SIGINT to send to one process: a Ctrl-C console "
                    "event reaches every process attached to the console")
def test_ctrl_c_ends_the_client_with_one_line_and_exit_code_130(live_program, verdict):
    """Ctrl-C (SIGINT) while the client waits for input ends it with one line, exit 130.

    The client is fed a blank line and ``hi`` through a pipe that stays open, so after the
    reply it waits for more input; SIGINT then ends it with ``"closed": "interrupted"``, no
    traceback. It starts with SIGINT at its default disposition, as at a terminal, whatever
    the test process inherited (harness/live.py). The blank line was skipped: the stand-in
    server received only ``hi``.
    """
    stand_in = StandInServer("shout", size=2)
    client = live_program("chat_client", "--port", stand_in.port, stdin=b"\nhi\n", keep_stdin_open=True)
    client.wait_until(lambda: client.lines, "the client's reply")
    assert client.lines == ["HI"], client.explain()
    client.send_signal(signal.SIGINT)
    code = client.wait(facts.SHORT)
    client.close_stdin()
    received = stand_in.done()
    assert (code, client.lines, client.stderr) == (
        facts.SIGINT_EXIT, ["HI", ending(sent=1, skipped=1, closed="interrupted", why="Ctrl-C")], ""), client.explain()
    assert received.endswith(b"hi"), received
    verdict.expect(len(received) - len(b"hi"), python=0, tutorial=0,
                   what="bytes of the blank line that reached the server")


# ---------------------------------------------------------------- the client against the real server

@pytest.mark.claim("socket.close-ends-session")
def test_against_the_tutorials_loop_the_clients_end_of_input_ends_its_session_but_not_its_connection(
        start_method, chat_server, live_program, verdict):
    """The tutorial's loop keeps its copy of each accepted socket, so a client never sees it close.

    With ``--naive`` the server's parent keeps every accepted socket open. At the end of its
    input the client shuts down its sending side: the serving process's recv returns b"" and
    it ends, closing its copy, yet the connection stays open through the parent's. The
    client waits ``--close-wait`` seconds (0.5 here) for the server's close, then says the
    server kept the connection open, in one line, and exits 6: neither a hang nor a traceback.
    """
    server = chat_server(start_method, "--naive")
    client = run_client(live_program, server.port, "hello\n", "--close-wait", "0.5")
    assert client.returncode == 6, client.explain()
    assert client.lines == ["HELLO", ending(
        sent=1, skipped=0, closed="kept-open", why="the server kept the connection open 0.5 s after this client "
                                                   "closed its side (chat_server.py --naive keeps a copy of it)")], \
        client.explain()
    assert client.stderr == "", client.explain()
    assert 0.5 <= client.duration < facts.SHORT, client.explain()
    closed = server.wait_for("session", "the client's session to end", state="closed")
    verdict.expect({"session ended by": closed["reason"], "bytes": closed["bytes"]},
                   python={"session ended by": "eof", "bytes": 5}, tutorial={"session ended by": "eof"},
                   what="the client's end of input, under the tutorial's loop")


@pytest.mark.claim("socket.process-per-connection")
def test_a_client_of_a_server_that_has_stopped_says_it_was_refused_and_exits_3(
        start_method, chat_server, live_program, verdict):
    """Once the server has stopped, nothing listens on its port: a client says so in one line.

    A first client is served (by a process of its own) and ends cleanly. The server is then
    stopped (SIGTERM), and its port is held by a socket that is bound but not listening, so
    no other program can take it meanwhile. A second client is refused: it prints
    ``"closed": "refused"`` and that nothing listens on 127.0.0.1:PORT, nothing on stderr,
    and exits 3.
    """
    server = chat_server(start_method)
    first = run_client(live_program, server.port, "hi\n")
    assert (first.returncode, first.lines) == (0, ["HI", ending(sent=1, skipped=0, closed="clean")]), first.explain()
    served_by = server.wait_for("session", "the first session to end", state="closed")["pid"]
    assert server.stop(signal.SIGTERM, facts.LONG) == facts.exit_after_sigterm(0), server.explain()
    with socket.socket() as hold:
        # Where SO_REUSEADDR never shares a listening port (POSIX), it lets the holder bind a
        # port whose old connections linger; where it would share one (Windows), it stays off.
        hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, int(not facts.REUSEADDR_SHARES_A_LISTENING_PORT))
        hold.bind((chat.HOST, server.port))
        second = run_client(live_program, server.port, "hi\n")
    assert second.returncode == 3, second.explain()
    assert second.lines == [ending(sent=0, skipped=0, closed="refused",
                                   why=f"nothing listens on {chat.HOST}:{server.port}")], second.explain()
    assert second.stderr == "", second.explain()
    verdict.expect(served_by != server.pid, python=True, tutorial=True,
                   what=f"the first client served by process {served_by}, not the server ({server.pid})")


@pytest.mark.claim("socket.many-clients")
def test_the_client_passes_a_100_kb_line_and_bytes_that_are_not_utf8_through_in_full(
        start_method, chat_server, live_program, verdict):
    """The console client sends any line whole and prints the reply as the bytes it is.

    Its input: a line of 100 000 letters, one with bytes that are not UTF-8 (\\xff \\xfe
    \\xe9), and ``héllo``. Each reply comes back whole, with only the ASCII letters
    upper-cased (``héllo`` becomes ``HéLLO``, as bytes.upper() does), every other byte as it
    was sent; the serving process counted every byte, and the client ends cleanly (exit 0).
    """
    server = chat_server(start_method)
    long_line, odd = b"abcde" * 20_000, b"\xff\xfe caf\xe9"
    client = run_client(live_program, server.port, b"%s\n%s\nh\xc3\xa9llo\n" % (long_line, odd))
    assert client.returncode == 0, client.explain()[-2000:]
    closed = server.wait_for("session", "the client's session to end", state="closed")
    total = len(long_line) + len(odd) + len(b"h\xc3\xa9llo")
    assert (closed["reason"], closed["bytes"]) == ("eof", total), closed
    expected = (long_line.upper() + b"\n\xff\xfe CAF\xe9\nH\xc3\xa9LLO\n"
                + ending(sent=3, skipped=0, closed="clean").encode() + b"\n")
    verdict.expect(client.stdout == expected, python=True, tutorial=True,
                   what=f"a {len(long_line)}-byte line, non-UTF-8 bytes and 'héllo', through the client",
                   detail=client.explain()[-2000:])


# ---------------------------------------------------------------- the README's session, as printed

README_SECTION = "Try the chat server by hand (tutorial section 12)"
NUMBERS = re.compile(r'(pid |"pid": |127\.0\.0\.1:|port=)\d+')  # what differs from run to run


def masked(line):
    return NUMBERS.sub(r"\1N", line.rstrip())


def readme_section(title):
    """The text of a README section and its ```sh blocks, each as a list of lines."""
    text = (ROOT / "README.md").read_text("utf-8")
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return body, [block.splitlines() for block in re.findall(r"```sh\n(.*?)```", body, re.S)]


def run_in_a_terminal(argv, typed, timeout=facts.LONG):
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
                data = os.read(controller, chat.CHUNK)
            except OSError:  # EIO (Linux): the program has ended and closed the terminal
                break
            if not data:
                break
            shown += data
        code = proc.wait(max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(facts.SHORT)
        os.close(controller)
    return code, shown.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.claim("socket.process-per-connection")
@pytest.mark.skipif(facts.WINDOWS, reason="the client's terminal is a pseudo-terminal (pty), which Windows lacks")
def test_the_readme_session_is_what_the_server_and_a_client_at_a_terminal_print(chat_server, verdict):
    """The README's "Try the chat server by hand" shows what the programs really print.

    Its commands are run as written (the server under spawn, with ``--verbose``; the client at
    a terminal, a pseudo-terminal here, typing what the README shows and Ctrl-D at the last
    prompt): the server's start-up lines, the client's whole terminal, and the server's log
    of the session are the README's, line for line, pids and ports aside. Ctrl-D at a
    terminal leaves the client's last line on a line of its own. The table of endings
    names the client's own exit codes and defaults.
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

    reaped = server.wait_for("reaped", "the session's process to be collected")
    logged = server.lines[len(startup):]
    assert [masked(line) for line in logged] == [masked(line[len("# "):]) for line in log_block], server.explain()

    endings = {how: int(code) for how, code in re.findall(r"^\|[^|\n]*\| `([a-z-]+)` \| (\d+) \|$", body, re.M)}
    assert endings == {how: code for how, code in chat.EXIT.items() if how != "error"}, endings
    assert f"`--timeout` seconds (default {chat.CLIENT_TIMEOUT:g})" in body, body
    assert f"`--close-wait` seconds (default {chat.CLOSE_WAIT:g})" in body, body
    verdict.expect(reaped["pid"] != server.pid, python=True, tutorial=True,
                   what=f"the README's session, served by process {reaped['pid']} (the server: {server.pid})")
