"""Small, bounded helpers for specs that start processes in the test process.

Every wait here has a deadline, so a spec that goes wrong fails with a message instead of
hanging, and every process a spec starts is ended and joined even when an assertion fails.
"""

from contextlib import contextmanager

WAIT = 10.0  # seconds; generous, since nothing here waits on luck, only on a child's progress


@contextmanager
def running(process, *releases, timeout=WAIT):
    """Start ``process``; on leaving, set ``releases`` (Events), join, and kill if need be.

    The releases are set only while the process is still alive: an Event whose waiter was
    terminated mid-wait is broken for good -- its set() waits for ever for the dead waiter
    to acknowledge the wake-up (multiprocessing's Condition counts its sleepers).
    """
    process.start()
    try:
        yield process
    finally:
        for event in releases:
            if process.is_alive():
                event.set()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)


def receive(conn, timeout=WAIT, what="a message from the child"):
    """conn.recv() with a deadline."""
    if not conn.poll(timeout):
        raise AssertionError(f"no {what} within {timeout}s")
    return conn.recv()


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
    """Join every started process (bounded) and kill any that will not end: for finally
    blocks of specs that start several processes."""
    for p in processes:
        if p.pid is None:
            continue
        p.join(timeout)
        if p.is_alive():
            p.kill()
            p.join(timeout)
