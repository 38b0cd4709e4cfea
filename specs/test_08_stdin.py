"""Section 8 of the tutorial: input() in a child process."""

import io
import os
import sys

import pytest

from fixtures import children, examples
from harness import POSIX
from harness.lifecycle import receive, running

LINE = b"a line on the parent's file descriptor 0\n"


@pytest.mark.claim("stdin.input-eof")
def test_input_in_a_child_reads_end_of_file_because_multiprocessing_swaps_its_stdin(
        ctx, start_method, verdict, monkeypatch):
    """input() in a child raises EOFError -- but not because the child "has no console".
    When a child starts, multiprocessing closes its sys.stdin and puts in its place a text
    reader of os.devnull (opened as a bare file descriptor, so its ``name`` is that number).
    Reading it gives end-of-file at once. To make the point, the parent's own sys.stdin holds
    a line ready to be read: a fork child starts with a copy of that object, yet input()
    still hits end-of-file; by the time the target runs, that copy is closed and sys.stdin
    is no longer it (the parent's own stays open).

    Windows is expected to be no different: a spawn child is created without handle
    inheritance (popen_spawn_win32.py), but a console program started so gets duplicates of
    its parent's standard handles from Windows itself, so its sys.stdin is a real file,
    which multiprocessing swaps for os.devnull as on POSIX. (Read from CPython's source and
    CreateProcess's rules, not yet run on Windows: were the child to start with sys.stdin
    None, multiprocessing would leave it None and input() would raise RuntimeError('input():
    lost sys.stdin'), and this spec would fail saying so.)

    Tutorial (stdin.input-eof): the EOFError holds on every start method; the reason given
    does not.
    """
    monkeypatch.setattr(sys, "stdin", io.StringIO("a line waiting for input()\n"))
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.describe_stdin_and_read, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["input"] == "EOFError: EOF when reading a line", seen
    assert seen["type"] == "TextIOWrapper" and seen["closefd"] is False, seen
    assert isinstance(seen["fileno"], int) and seen["name"] == seen["fileno"], seen
    if POSIX:
        assert seen["is_devnull"] is True, seen
    if start_method == "fork":
        receive_end, send_end = ctx.Pipe(duplex=False)
        with running(ctx.Process(target=children.send_whether_closed, args=(send_end, sys.stdin))):
            copy = receive(receive_end)
        assert copy == {"closed": True, "still_stdin": False}, copy
        assert not sys.stdin.closed
    eof = seen["input"].startswith("EOFError")
    swapped = seen["type"] == "TextIOWrapper" and isinstance(seen.get("name"), int)
    observed = (f"input() -> {seen['input']}; sys.stdin in the child is a {seen['type']}"
                + (f" on fd {seen['fileno']}" if "fileno" in seen else "")
                + (" (os.devnull)" if seen.get("is_devnull") else ""))
    if eof and swapped:
        verdict.partly("EOFError as predicted, but because multiprocessing replaced sys.stdin, "
                       "not for want of a console: " + observed)
    else:
        verdict.compare(predicted="EOFError", observed=seen["input"].split(":")[0], what="input() raised")


@pytest.fixture
def line_on_fd0():
    """Make this process's file descriptor 0 a pipe holding one line (pytest and xdist have
    put /dev/null there); restore the old fd 0 afterwards."""
    saved = os.dup(0)
    r, w = os.pipe()
    try:
        os.write(w, LINE)
        os.dup2(r, 0)
        yield os.fstat(0)
    finally:
        os.dup2(saved, 0)
        for fd in (saved, r, w):
            os.close(fd)


@pytest.mark.skipif(not POSIX, reason="inherited file descriptors are POSIX: a Windows spawn child "
                                      "inherits no descriptors (only copies of the standard handles), "
                                      "and Windows's select() cannot poll a pipe")
@pytest.mark.claim("stdin.input-eof")
def test_the_child_can_still_read_the_parents_file_descriptor_0(ctx, start_method, verdict, request):
    """Only sys.stdin is swapped: the child's file descriptor 0 is the one it inherited.

    The parent's fd 0 is made a pipe with a line waiting in it. A fork or spawn child
    inherits that fd 0: its input() still raises EOFError (sys.stdin reads os.devnull), but
    os.read(0, ...) returns the line -- so the child is not cut off from the parent's
    standard input at all. Its fd 1 and 2 are the parent's too. A forkserver child is forked
    by the fork server and inherits the *server's* descriptors, not the parent's: here the
    server is started before fd 0 is changed, so the child's fd 0 is not that pipe and it
    does not see the line.

    Tutorial (stdin.input-eof, the reason "the child has no console"): does not hold under
    fork and spawn; under forkserver what the child can read depends on the server.
    """
    if start_method == "forkserver":
        from multiprocessing import forkserver
        forkserver.ensure_running()  # the server's fd 0 is the parent's before the change below
    parent_fds = request.getfixturevalue("line_on_fd0")
    fd_stats = {0: parent_fds, 1: os.fstat(1), 2: os.fstat(2)}
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.describe_stdin_and_read, args=(send_end, fd_stats))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["input"] == "EOFError: EOF when reading a line", seen
    assert seen["is_devnull"] is True and seen["fileno"] != 0, seen
    if start_method == "forkserver":
        assert seen["same_file"][0] is False and seen["fd0_read"] != LINE, seen
        verdict.not_assertable(f"a forkserver child's fd 0 is the server's; this run it read {seen['fd0_read']!r}")
    else:
        assert seen["same_file"] == {0: True, 1: True, 2: True}, seen
        assert seen["fd0_read"] == LINE, seen
        verdict.record(seen["fd0_read"] != LINE,
                       observed=f"input() raised EOFError, yet os.read(0) in the child returned {seen['fd0_read']!r}")
