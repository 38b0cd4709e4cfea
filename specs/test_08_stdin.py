"""Section 8 of the tutorial: input() in a child process.

Both specs judge the same two aspects of the claim: that input() raises EOFError, and the
reason given for it, that the child has no console (no standard input of its own).
"""

import io
import os
import sys

import pytest

from fixtures import children, examples, facts
from harness.lifecycle import receive, running
from harness.wording import wording

LINE = b"a line on the parent's file descriptor 0\n"
EOF_ERROR = "EOFError: EOF when reading a line"


def aspects(seen, reason, value):
    """The claim's two aspects as observed: the exception of input(), and ``reason``."""
    return {"input() raises": seen["input"].split(":")[0], reason: value}


@pytest.mark.claim("stdin.input-eof")
def test_input_in_a_child_reads_end_of_file_because_multiprocessing_swaps_its_stdin(
        ctx, start_method, verdict, monkeypatch):
    """input() in a child raises EOFError -- but not because the child "has no console".
    When a child starts, multiprocessing closes its sys.stdin and puts in its place a text
    reader of os.devnull (opened as a bare file descriptor, so its ``name`` is that number).
    Reading it gives end-of-file at once. To make the point, the parent's own sys.stdin holds
    a line ready to be read. A fork child starts with a copy of that very object, and by the
    time its target runs, that copy is closed and sys.stdin is no longer it; a spawn or
    forkserver child gets a rebuilt copy (an argument is pickled), which stays open. The
    parent's own stays open. The spec asserts the same on Windows, where it has not yet run
    (there the descriptor is not compared with os.devnull).
    """
    monkeypatch.setattr(sys, "stdin", io.StringIO("a line waiting for input()\n"))
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.describe_stdin_and_read, args=(send_end,))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["input"].partition(":")[0] == "EOFError", seen
    wording(seen["input"], EOF_ERROR, whole=True, what="input() in the child: the error")
    # fixtures/examples.py compares the descriptor with os.devnull on POSIX only
    assert seen.get("is_devnull", not facts.POSIX) is True, seen
    swapped = (seen["type"] == "TextIOWrapper" and seen["closefd"] is False
               and isinstance(seen["fileno"], int) and seen["name"] == seen["fileno"])
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_whether_closed, args=(send_end, sys.stdin))):
        copy = receive(receive_end)
    assert copy == {"closed": facts.copies_parent_memory(start_method), "still_stdin": False}, copy
    assert not sys.stdin.closed
    reason = "sys.stdin is multiprocessing's reader of os.devnull"
    verdict.expect(aspects(seen, reason, swapped), python={"input() raises": "EOFError", reason: True},
                   tutorial={"input() raises": "EOFError", reason: False}, what=f"in the child: {seen}")


@pytest.fixture
def line_on_fd0():
    """Make this process's file descriptor 0 a pipe holding one line (pytest and xdist have
    put /dev/null there); restore the old fd 0 afterwards. Yields the stat of the old fd 0
    and of the pipe."""
    saved = os.dup(0)
    r, w = os.pipe()
    try:
        os.write(w, LINE)
        before = os.fstat(0)
        os.dup2(r, 0)
        yield before, os.fstat(0)
    finally:
        os.dup2(saved, 0)
        for fd in (saved, r, w):
            os.close(fd)


@pytest.mark.skipif(not facts.POSIX, reason="inherited file descriptors are POSIX: a Windows spawn child "
                                            "inherits no descriptors (only copies of the standard handles), "
                                            "and Windows's select() cannot poll a pipe")
@pytest.mark.claim("stdin.input-eof")
def test_the_child_inherits_the_file_descriptor_0_of_its_os_parent(ctx, start_method, verdict, request):
    """Only sys.stdin is swapped: the child's file descriptors 0, 1 and 2 are the ones it
    inherited from its OS parent.

    The parent's fd 0 is made a pipe with a line waiting in it. A fork or spawn child
    inherits that fd 0: its input() still raises EOFError (sys.stdin reads os.devnull), but
    os.read(0, ...) returns the line -- so the child is not cut off from the parent's
    standard input at all. A forkserver child is forked by the fork server and inherits the
    *server's* descriptors: here the server is started (by a first child) before fd 0 is
    changed, so the child's fd 0 is the parent's old one, and it does not see the line.
    """
    with running(ctx.Process(target=children.noop)):  # starts the fork server, if the method has one
        pass
    before, pipe = request.getfixturevalue("line_on_fd0")
    os_parent_fd0 = pipe if facts.os_parent_is_the_parent(start_method) else before
    fd_stats = {0: os_parent_fd0, 1: os.fstat(1), 2: os.fstat(2)}
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.describe_stdin_and_read, args=(send_end, fd_stats))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["input"].partition(":")[0] == "EOFError", seen
    wording(seen["input"], EOF_ERROR, whole=True, what="input() in the child: the error")
    assert seen["is_devnull"] is True and seen["fileno"] != 0, seen
    assert (seen["fd0_read"] == LINE) is facts.os_parent_is_the_parent(start_method), seen
    assert seen["same_file"][1] and seen["same_file"][2], seen
    reason = "fd 0 is its OS parent's"
    verdict.expect(aspects(seen, reason, seen["same_file"][0]),
                   python={"input() raises": "EOFError", reason: True},
                   tutorial={"input() raises": "EOFError", reason: False},
                   what=f"in the child, os.read(0) returned {seen['fd0_read']!r}")
