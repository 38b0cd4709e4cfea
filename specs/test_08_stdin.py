"""Section 8 of the tutorial: input() in a child process."""

import io
import os
import sys

import pytest

from fixtures import examples
from harness.lifecycle import receive, running

POSIX = sys.platform != "win32"


def fstat_of_fd0():
    """os.fstat(0) of this process, or None where it cannot be compared (closed, Windows)."""
    if not POSIX:
        return None
    try:
        return os.fstat(0)
    except OSError:
        return None


@pytest.mark.claim("stdin.input-eof")
def test_input_in_a_child_reads_end_of_file_because_multiprocessing_swaps_its_stdin(
        ctx, start_method, verdict, monkeypatch):
    """input() in a child raises EOFError -- but not because the child "has no console".
    When a child starts, multiprocessing closes its sys.stdin and puts in its place a text
    reader of os.devnull (opened as a bare file descriptor, so its ``name`` is that number).
    Reading it gives end-of-file at once.

    To make the point, the parent's own sys.stdin holds a line ready to be read: a fork
    child starts with a copy of that object, yet input() still hits end-of-file. And on
    POSIX the child's file descriptor 0 is still open on the parent's standard input
    (checked by comparing the files; under forkserver it is the stdin the server inherited
    when it started); only the Python-level sys.stdin was swapped.

    Tutorial (stdin.input-eof): the EOFError holds on every start method; the reason given
    does not.
    """
    monkeypatch.setattr(sys, "stdin", io.StringIO("a line waiting for input()\n"))
    parent_fd0 = fstat_of_fd0()
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.describe_stdin_and_read, args=(send_end, parent_fd0))) as p:
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["input"] == "EOFError: EOF when reading a line", seen
    assert seen["type"] == "TextIOWrapper" and seen["closefd"] is False, seen
    assert isinstance(seen["fileno"], int) and seen["name"] == seen["fileno"], seen
    if POSIX:
        assert seen["is_devnull"] is True, seen
        if parent_fd0 is not None and start_method != "forkserver":
            assert seen["fd0_is_parents"] is True, seen
        elif parent_fd0 is not None:
            # A forkserver child inherits fd 0 from the server, i.e. the parent's stdin at the
            # moment the server was started (usually, but not necessarily, the same file).
            assert isinstance(seen["fd0_is_parents"], bool), seen
    eof = seen["input"].startswith("EOFError")
    swapped = seen["type"] == "TextIOWrapper" and isinstance(seen["name"], int)
    observed = (f"input() -> {seen['input']}; sys.stdin in the child is a {seen['type']} on fd "
                f"{seen['fileno']}" + (" (os.devnull)" if seen.get("is_devnull") else "")
                + ("; fd 0 is still the parent's stdin" if seen.get("fd0_is_parents") is True else ""))
    if eof and swapped:
        verdict.partly("EOFError as predicted, but because multiprocessing replaced sys.stdin, "
                       "not for want of a console: " + observed)
    else:
        verdict.record(eof, observed=observed)
