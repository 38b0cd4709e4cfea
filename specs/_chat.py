"""What the chat-server spec files share (specs/test_12_chat_*.py): the server, run as the
program fixtures/programs/chat_server.py through the live runner (harness/live.py), and a
client socket's view of it.

The server prints one ``observed: key=<JSON>`` line per event -- a session opened or closed
in a serving child, a child collected -- which the specs wait for, with a deadline, to learn
which process served which client. Run it by hand::

    python fixtures/programs/chat_server.py spawn --port 0        # prints "observed: port=N"
    python fixtures/programs/chat_client.py --port N              # in two other terminals
"""

import pytest

from fixtures import chat, facts
from fixtures.programs import _program


@pytest.fixture
def chat_server(live_program):
    """``chat_server(start_method, *args, env=None)``: the server, listening on a free port
    (``.port``) once it has said which; teardown ends it and everything in its session."""
    def start(start_method, *args, env=None):
        server = live_program("chat_server", start_method, "--port", "0", *args, env=env)
        server.port = server.wait_for("port", "the server to print its port")
        return server

    return start


def connect(port):
    """A client socket. Every later call on it waits at most facts.LONG: the serving process
    may be a spawn child, a whole new interpreter, still starting."""
    return chat.connect(port, facts.LONG)


def serving_pid(server, client):
    """The pid of the process serving ``client`` (a connected socket), from the server's log."""
    peer = "%s:%d" % client.getsockname()[:2]
    return server.wait_for("session", f"the session of {peer} to open", state="open", peer=peer)["pid"]


def sees_the_end(sock):
    """True when the peer has closed: recv returns b"" (within the socket's timeout)."""
    try:
        return sock.recv(1) == b""
    except ConnectionError:  # reset (POSIX), or aborted (Windows)
        return True


def fork_servers(pid):
    """The children of ``pid`` that run multiprocessing's fork server (none unless forkserver)."""
    return [c for c in _program.os_children(pid) if _program.role_of(c, {}) == "forkserver"]


def os_parents(server, pids):
    """Who forked each of ``pids``, in facts.os_parent's words: "starter" (the server) or
    "forkserver" (a fork server the server started); any other parent by its pid."""
    names = {server.pid: "starter", **{f: "forkserver" for f in fork_servers(server.pid)}}
    return [names.get(_program.parent_pid(pid), f"pid {_program.parent_pid(pid)}") for pid in pids]
