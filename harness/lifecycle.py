"""Small, bounded helpers for specs that start processes in the test process.

Every wait here has a deadline, so a spec that goes wrong fails with a message instead of
hanging, and every process a spec starts is ended and joined even when an assertion fails.

Releasing children (setting an Event, aborting a Barrier) follows one rule, kept here: never
release after a waiter may have been killed. multiprocessing's Condition counts its sleepers,
so set() or abort() on a primitive whose waiter died mid-wait waits for ever for that dead
waiter to acknowledge the wake-up. A spec that terminates or kills a child therefore passes
no releases for it: its clean-up path kills instead.
"""

import time
from contextlib import contextmanager

from fixtures import facts
from fixtures.programs._program import kill, state, wait_many, wait_until

WAIT = 2 * facts.SHORT  # generous, since nothing here waits on luck, only on a child's progress


def _release(processes, releases):
    """Set each Event / abort each Barrier in ``releases`` unless one of ``processes`` was
    killed (exit code below 0: it may have died while waiting on one of them)."""
    for p in processes:
        if p.pid is not None:
            p.is_alive()  # collects an ended child, so its exitcode is current
    if any(p.exitcode is not None and p.exitcode < 0 for p in processes):
        return
    for release in releases:
        if hasattr(release, "abort"):
            release.abort()
        else:
            release.set()


@contextmanager
def running(process, *releases, timeout=WAIT):
    """Start ``process``; on leaving, release it (``releases``: Events or Barriers, see the
    module docstring), join it, and kill it if need be."""
    with running_all([process], *releases, timeout=timeout):
        yield process


@contextmanager
def running_all(processes, *releases, timeout=WAIT):
    """Start every process in order; on leaving, release them (Events are set, Barriers
    aborted, unless a process was killed), then end them all within one deadline."""
    try:
        for p in processes:
            p.start()
        yield processes
    finally:
        _release(processes, releases)
        end_all(processes, timeout)


def join_all(processes, timeout=WAIT):
    """Wait, within one deadline, for every started process to end; return the ones that
    are still running when it passes (nothing is killed here). Any number of processes:
    their sentinels are waited on through wait_many (Windows's wait limit, see
    fixtures/programs/_program.py). A process already collected is not waited on: its
    sentinel may be closed by then (billiard's join() closes it, keeping its number)."""
    deadline = time.monotonic() + timeout
    pending = {p.sentinel: p for p in processes if p.pid is not None and p.exitcode is None}
    while pending:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        for sentinel in wait_many(list(pending), remaining):
            pending.pop(sentinel).join(timeout)
    return [p for p in processes if p.pid is not None and p.is_alive()]


def receive(conn, timeout=WAIT, what="a message from the child"):
    """conn.recv() with a deadline."""
    if not conn.poll(timeout):
        raise AssertionError(f"no {what} within {timeout}s")
    return conn.recv()


def collect(queue, count, timeout=WAIT, what="reports from the children"):
    """``count`` items from a multiprocessing Queue, all within one deadline."""
    import queue as queue_module
    deadline = time.monotonic() + timeout
    items = []
    try:
        while len(items) < count:
            items.append(queue.get(timeout=max(0.0, deadline - time.monotonic())))
    except queue_module.Empty:
        raise AssertionError(f"only {len(items)} of {count} {what} within {timeout}s: {items}") from None
    return items


def poll_until(predicate, timeout=WAIT, what="a process state", explain=None):
    """Poll ``predicate`` (a cheap look at process states, e.g. through psutil) until it is
    true; fail the spec when ``timeout`` passes first, adding ``explain()`` to the message.
    Only for states no event announces, such as a child turning into a zombie. The polling
    itself is fixtures/programs/_program.py's wait_until, the one the programs use."""
    if not wait_until(predicate, timeout):
        raise AssertionError(f"gave up after {timeout}s waiting for {what}"
                             + (f": {explain()}" if explain else ""))


def poll_states(check, processes, what, timeout=WAIT):
    """poll_until ``check(process)`` holds for each of ``processes`` (pids, or psutil.Process
    handles taken while they ran); the failure names the state of each (_program.state)."""
    poll_until(lambda: all(check(p) for p in processes), timeout, what,
               explain=lambda: ", ".join(f"{getattr(p, 'pid', p)} {state(p)}" for p in processes))


def wait_for(event, timeout=WAIT, what="the child to signal"):
    """event.wait() with a deadline that fails the spec when it passes."""
    if not event.wait(timeout):
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def raised(action, *args, **kwargs):
    """Call ``action`` and return the exception it raised, or None: an observation a spec
    can both assert on and base its verdict on."""
    try:
        action(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 -- the point is to observe any exception
        return exc
    return None


def end_all(processes, timeout=WAIT):
    """Join every started process within one deadline, then kill and join any that will not
    end: for finally blocks of specs that start several processes (_program.kill: SIGKILL
    by hand where the implementation has no kill())."""
    for p in join_all(processes, timeout):
        kill(p)
        p.join(timeout)
