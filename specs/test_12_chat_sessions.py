"""Section 12 of the tutorial: how a chat session ends, and what becomes of its process.

When a client closes, the serving process's ``recv`` returns b"" and the process ends. The
server, fixtures/programs/chat_server.py, is started as a program and talked to with plain
sockets (specs/_chat.py); ``--naive`` runs the tutorial's own accept loop instead of the
server's, to show what that loop leaves behind.
"""

import pytest

from fixtures import chat, facts
from fixtures.programs import _program
from harness.lifecycle import poll_states
from specs._chat import chat_server, connect, fork_servers, serving_pid  # noqa: F401 (a fixture)

# An ended child nobody has collected yet, as _program.state shows it: a zombie where the
# process that started it must collect it (facts.starter_collects_its_child), gone where the
# fork server collects it at once.
UNCOLLECTED = {True: "zombie", False: "gone"}

# Connections made one burst after another, per start method: (bursts, clients per burst).
# Fewer under spawn, where every serving process is a whole new interpreter.
BURSTS = {"fork": (3, 10), "forkserver": (3, 10), "spawn": (2, 4)}

NO_ZOMBIES_ON_WINDOWS = pytest.mark.skipif(facts.WINDOWS, reason="Windows has no zombie processes: an "
                                           "ended process is removed once the last handle to it is closed")


def zombies_under(server):
    """The zombie children of the server and of any fork server it started."""
    return [z for pid in [server.pid, *fork_servers(server.pid)] for z in _program.zombie_children(pid)]


@pytest.mark.claim("socket.close-ends-session")
def test_a_client_that_closes_ends_its_session_and_its_process(start_method, chat_server, verdict):
    """When the client closes, the serving process's recv returns b"" and the process ends.

    An orderly close sends the server a FIN; a blocked ``recv`` then returns an empty bytes
    object (a message is never empty, so b"" can only mean the end). The serving process
    leaves its loop and exits 0, and this server collects it at once: after the server's
    "reaped" line the process no longer exists at all, not even as a zombie. Under
    forkserver it is the fork server that collects it and passes the exit code on.
    """
    server = chat_server(start_method)
    client = connect(server.port)
    try:
        assert chat.shout(client, b"bye soon") == b"BYE SOON"
        pid = serving_pid(server, client)
        (process,) = _program.processes([pid])
    finally:
        client.close()
    closed = server.wait_for("session", "the session to end", state="closed", pid=pid)
    reaped = server.wait_for("reaped", "the serving process to be collected", pid=pid)
    verdict.expect({"session ended by": closed["reason"], "bytes": closed["bytes"], "exit code": reaped["exitcode"],
                    "once collected": _program.state(process)},
                   python={"session ended by": "eof", "bytes": 8, "exit code": 0, "once collected": "gone"},
                   tutorial={"session ended by": "eof", "exit code": 0}, what="the client's close")


@pytest.mark.claim("socket.close-ends-session")
@NO_ZOMBIES_ON_WINDOWS
def test_the_server_collects_every_ended_child_so_no_zombies_pile_up(start_method, chat_server, verdict):
    """Over many connections, the server leaves no zombie: it joins each child as it ends.

    Bursts of clients connect, are answered, and close together. After each burst, once
    the server has logged every child as collected, none of the server's children (nor the
    fork server's, under forkserver) is a zombie, and no serving process of a finished
    session is left. How: the server waits on the listening socket and on each child's
    sentinel together (see fixtures/programs/chat_server.py).
    """
    server = chat_server(start_method)
    bursts, size = BURSTS[start_method]
    served, processes, zombies = [], [], []
    for _ in range(bursts):
        clients = [connect(server.port) for _ in range(size)]
        try:
            assert [chat.shout(c, b"in and out") for c in clients] == [b"IN AND OUT"] * size
            pids = [serving_pid(server, c) for c in clients]
            processes += _program.processes(pids)
            served += pids
        finally:
            for c in clients:
                c.close()
        server.wait_for_all("reaped", len(served), f"{len(served)} children to be collected")
        zombies += zombies_under(server)
    closed = server.observations("session", state="closed")
    assert sorted(e["pid"] for e in closed) == sorted(served), (closed, served)
    verdict.expect({"sessions ended by": sorted({e["reason"] for e in closed}), "zombies": zombies,
                    "processes still there": [p.pid for p in processes if _program.state(p) != "gone"]},
                   python={"sessions ended by": ["eof"], "zombies": [], "processes still there": []},
                   tutorial={"sessions ended by": ["eof"]}, what=f"{len(served)} sessions in {bursts} bursts")


@pytest.mark.claim("socket.close-ends-session")
@NO_ZOMBIES_ON_WINDOWS
def test_the_tutorials_loop_leaves_ended_children_as_zombies_until_the_next_start(start_method, chat_server, verdict):
    """The tutorial's accept loop never waits for its children, so ended ones linger as zombies.

    ``--naive`` runs the tutorial's parent loop: accept, start a process, accept again. The
    sessions end as promised -- recv returns b"" and each serving process exits -- but where
    the server forked them (fork, spawn) an exited child stays in the process table as a
    zombie of the server, since nobody waits for it, until the next ``Process.start()`` runs
    multiprocessing's cleanup, which collects the children that have ended: after one more
    client is served, the zombies are gone. Under forkserver there are no zombies at all:
    the fork server collects each serving process as it ends.
    """
    server = chat_server(start_method, "--naive")
    clients = [connect(server.port) for _ in range(4)]
    late = None
    lingers = facts.starter_collects_its_child(start_method)
    try:
        assert [chat.shout(c, b"leaving") for c in clients] == [b"LEAVING"] * 4
        pids = [serving_pid(server, c) for c in clients]
        processes = _program.processes(pids)
        for c in clients:
            c.close()
        for pid in pids:
            server.wait_for("session", f"the session of {pid} to end", state="closed", pid=pid)
        poll_states(lambda p: _program.state(p) == UNCOLLECTED[lingers], processes,
                    f"the ended children to be {UNCOLLECTED[lingers]}")
        once_ended = [_program.state(p) for p in processes]
        zombies = zombies_under(server)
        late = connect(server.port)
        assert chat.shout(late, b"next!") == b"NEXT!"  # the server has run start() for it
        after_next_start = [_program.state(p) for p in processes]
    finally:
        for c in clients + [late]:
            if c is not None:
                c.close()
    reasons = [server.observations("session", state="closed", pid=pid)[0]["reason"] for pid in pids]
    verdict.expect({"sessions ended by": reasons, "once ended": once_ended,
                    "zombies of the server": [pid in zombies for pid in pids],
                    "other zombies": [z for z in zombies if z not in pids], "after the next start()": after_next_start},
                   python={"sessions ended by": ["eof"] * 4, "once ended": [UNCOLLECTED[lingers]] * 4,
                           "zombies of the server": [lingers] * 4, "other zombies": [],
                           "after the next start()": ["gone"] * 4},
                   tutorial={"sessions ended by": ["eof"] * 4}, what="four sessions under the tutorial's loop")
