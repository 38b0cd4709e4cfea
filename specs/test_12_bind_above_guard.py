"""Section 12 of the tutorial: a server socket bound above the main guard, and SO_REUSEADDR.

The tutorial binds its listening socket at the top of its module and says that a child
runs that bind again (on Windows), so SO_REUSEADDR must be set. What the option allows is
shown first with plain sockets; then fixtures/programs/bind_above_guard.py, which binds at
its top level and starts one child, is run under each start method, without and with the
option.
"""

import errno
import socket

import pytest

from fixtures import chat, facts
from harness.verdicts import NOT_APPLICABLE

IN_USE = {"EADDRINUSE", "WSAEADDRINUSE"}
REUSE = {"without SO_REUSEADDR": False, "with SO_REUSEADDR": True}
BOUND = {True: "bound", False: "in use"}  # a bind's outcome, from whether it may share the port


def bind_outcome(sock, port):
    """Bind ``sock`` to ``port``: "bound", "in use" (EADDRINUSE), or another error's errno name."""
    try:
        sock.bind((chat.HOST, port))
    except OSError as exc:
        name = errno.errorcode.get(exc.errno, str(exc.errno))
        return "in use" if name in IN_USE else name
    return "bound"


def second_binds(port):
    """Bind a new socket to ``port``, once without and once with SO_REUSEADDR."""
    outcome = {}
    for label, reuse in REUSE.items():
        with socket.socket() as second:
            second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, int(reuse))
            outcome[label] = bind_outcome(second, port)
    return outcome


def rebinding_a_port_with_lingering_connections():
    """Close a server (its connection first) and bind its port again, without and with SO_REUSEADDR."""
    old = socket.create_server((chat.HOST, 0))  # SO_REUSEADDR on POSIX
    port = old.getsockname()[1]
    client = chat.connect(port, facts.SHORT)
    conn, _ = old.accept()
    conn.close()  # the server closes first: its end lingers in FIN_WAIT_2, then TIME_WAIT
    client.close()
    old.close()
    return second_binds(port)


@pytest.mark.claim("socket.bind-before-guard-needs-reuseaddr")
def test_so_reuseaddr_does_not_let_a_second_socket_bind_a_port_that_is_listening(verdict):
    """What SO_REUSEADDR allows and what it does not (plain sockets, no processes).

    A socket listens on a port. A second socket binding the same address and port fails
    with EADDRINUSE without SO_REUSEADDR; with it on both sockets, the second bind fails
    too on Linux and macOS, and succeeds on Windows, which then has two sockets on one port. What the option is for on Linux: a
    restarted server binding a port whose old connections still linger (FIN_WAIT/TIME_WAIT
    after the server closed them first) -- refused without it, allowed with it.
    """
    first = socket.socket()
    first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    first.bind((chat.HOST, 0))
    first.listen()
    try:
        outcome = second_binds(first.getsockname()[1])
    finally:
        first.close()
    if facts.LINUX:  # asserted where it was observed; macOS keeps TIME_WAIT rules of its own
        assert rebinding_a_port_with_lingering_connections() == {"without SO_REUSEADDR": "in use",
                                                                 "with SO_REUSEADDR": "bound"}
    verdict.expect(outcome, python={"without SO_REUSEADDR": "in use",
                                    "with SO_REUSEADDR": BOUND[facts.REUSEADDR_SHARES_A_LISTENING_PORT]},
                   tutorial={"with SO_REUSEADDR": "bound"}, what="a second bind of a listening port")


# What each fate of the child (facts.bind_above_the_guard) shows in the program's observations.
SIGNS = {
    "not re-run": {"child_bind": None, "target_ran": True, "child_exitcode": 0},
    "failed": {"child_bind": "in use", "target_ran": None, "child_exitcode": 1},
    "ok": {"child_bind": "bound", "target_ran": True},
    "no child": {"child_bind": None, "target_ran": None, "start_failed": "the fork server is dead"},
}
# The fork server's own bind: it fails where the server imports the main file; else there is none.
FORK_SERVER_BIND = {True: "EADDRINUSE", False: None}
DEAD_FORK_SERVER = facts.DEAD_FORK_SERVER_ERRORS  # what start() raises when it asks a dead fork server
TUTORIAL = {"without SO_REUSEADDR": "failed", "with SO_REUSEADDR": "ok"}


def fate(seen):
    """What became of the child, in facts.bind_above_the_guard's words, from what the program saw."""
    if "start_failed" in seen:
        return "no child"
    if "child_bind" not in seen:
        return "not re-run"
    return "ok" if seen["child_bind"] == "ok" else "failed"


def signs(seen, fate):
    """The observations SIGNS names for ``fate``, as the program made them."""
    bind = seen.get("child_bind")
    found = {"child_bind": "bound" if bind == "ok" else "in use" if bind in IN_USE else bind,
             "target_ran": seen.get("target_ran"), "child_exitcode": seen.get("child_exitcode"),
             "start_failed": ("the fork server is dead" if seen.get("start_failed") in DEAD_FORK_SERVER
                              else seen.get("start_failed"))}
    return {key: found[key] for key in SIGNS[fate]}


def tutorials_prediction(method):
    """The tutorial speaks of Windows, whose children do not start as copies of their parent:
    such a child runs the bind again, and it fails unless SO_REUSEADDR is set. A fork child
    is a copy (facts.copies_parent_memory): another configuration than the tutorial's."""
    return NOT_APPLICABLE if facts.copies_parent_memory(method) else TUTORIAL


@pytest.mark.claim("socket.bind-before-guard-needs-reuseaddr")
def test_a_bind_above_the_main_guard_runs_again_in_children_that_reimport_the_main_module(
        start_method, run_program, verdict):
    """A listening socket made above the main guard is made again by spawn-like children.

    fixtures/programs/bind_above_guard.py binds at its top level, then starts one child, once
    without and once with SO_REUSEADDR. Under fork the child is a copy of the parent made
    inside the guard: the top level does not run again and the child just works. A child
    that imports the main file (spawn; forkserver before 3.13.8/3.14.1) runs the top level
    again, its bind of the parent's port fails, and it dies before its target runs (exit
    code 1); SO_REUSEADDR does not rescue it on Linux or macOS (the port is listening), on
    Windows it does. A fork server that preloads the main file fails that bind first: up to
    3.14 it dies and the parent's start() raises; from 3.15 it lives on and the child fails
    its own bind as under spawn.
    """
    fates = {}
    for label, reuse in REUSE.items():
        result = run_program("bind_above_guard", start_method, *(["--reuseaddr"] * reuse), timeout=facts.LONG)
        seen = result.observed
        assert result.returncode == 0 and seen.get("parent_bind") == "ok", result.explain()
        assert seen.get("fork_server_bind") == FORK_SERVER_BIND[facts.server_imports_main(start_method)], \
            result.explain()
        fates[label] = fate(seen)
        assert signs(seen, fates[label]) == SIGNS[fates[label]], result.explain()
    verdict.expect(fates, python={label: facts.bind_above_the_guard(start_method, reuse) for label, reuse in REUSE.items()},
                   tutorial=tutorials_prediction(start_method), what="what became of the child")
