"""Section 6 of the tutorial: creating a process by subclassing Process.

The subclasses (``fixtures/subclasses.py``) derive from ``multiprocessing.Process`` as a
reader would write them. Such a class starts with the *default* start method, so the specs
that start one make this run's method the default while they do
(``subclasses.default_start_method``).
"""

import os
import sys

import pytest

from fixtures import subclasses
from fixtures.subclasses import StartCallsRun, TargetThroughSuper, Worker
from harness.lifecycle import receive, running, running_all


@pytest.mark.claim("subclass.run-override")
def test_a_subclass_overrides_run_and_takes_its_parameters_through_init(ctx, start_method, verdict):
    """Subclass Process, call super().__init__() first in __init__, keep your own parameters
    as attributes, and override run(): start() then runs your run() in the child, which
    sees the attributes the parent set.

    Tutorial (subclass.run-override): holds for every start method.
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = Worker(send_end, "sorting")
    with subclasses.default_start_method(start_method), running(p):
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["said"] == "sorting: done"
    assert seen["getpid"] == p.pid != os.getpid(), seen
    verdict.record(seen["said"] == "sorting: done" and seen["getpid"] != os.getpid(),
                   observed=f"run() ran in child {seen['getpid']} with job='sorting'")


@pytest.mark.claim("subclass.pid-in-run")
def test_inside_run_in_the_child_os_getpid_equals_self_pid(ctx, start_method, verdict):
    """In the child, self.pid is the child's own pid: inside run(), os.getpid() and
    self.pid agree, and both equal p.pid as the parent sees it. Each child has its own.

    Tutorial (subclass.pid-in-run): holds for every start method.
    """
    pipes = [ctx.Pipe(duplex=False) for _ in range(3)]
    procs = [Worker(send_end, job) for (_, send_end), job in zip(pipes, ("sorting", "counting", "copying"))]
    with subclasses.default_start_method(start_method), running_all(procs):
        seen = [receive(receive_end) for receive_end, _ in pipes]
    triples = [(s["getpid"], s["self_pid"], p.pid) for s, p in zip(seen, procs)]
    assert all(a == b == c for a, b, c in triples), triples
    assert len({a for a, _, _ in triples}) == 3
    verdict.record(all(a == b for a, b, _ in triples),
                   observed=f"(os.getpid(), self.pid, p.pid) per child: {triples}")


@pytest.mark.claim("subclass.direct-run-in-parent")
def test_calling_run_directly_runs_it_in_the_calling_process_with_no_pid(verdict):
    """p.run() is an ordinary method call: it runs right here, in the calling process. No
    child exists, so inside run() os.getpid() is the caller's pid and self.pid is None, and
    afterwards the process object still counts as never started.

    Tutorial (subclass.direct-run-in-parent): holds everywhere (no process is started, so
    the start method plays no part).
    """
    import multiprocessing
    receive_end, send_end = multiprocessing.Pipe(duplex=False)
    p = Worker(send_end, "sorting")
    p.run()
    seen = receive(receive_end)
    assert seen["getpid"] == os.getpid()
    assert seen["self_pid"] is None
    assert seen["said"] == "sorting: done"
    assert p.pid is None and not p.is_alive() and p.exitcode is None
    verdict.compare(predicted=(os.getpid(), None), observed=(seen["getpid"], seen["self_pid"]),
                    what="(os.getpid(), self.pid) inside run()")


@pytest.mark.claim("subclass.start-override")
def test_a_start_override_that_calls_run_does_the_work_in_the_parent(verdict):
    """Overriding start() replaces the method that would have created the child. A start()
    that just calls self.run() therefore runs the work in the parent, like a direct run()
    call: no child, self.pid None, is_alive() False -- and join() then refuses, because in
    multiprocessing's eyes the process was never started.

    Tutorial (subclass.start-override): holds everywhere (no process is started).
    """
    import multiprocessing
    receive_end, send_end = multiprocessing.Pipe(duplex=False)
    p = StartCallsRun(send_end, "counting")
    p.start()
    seen = receive(receive_end)
    assert seen["getpid"] == os.getpid() and seen["self_pid"] is None
    assert not p.is_alive() and p.exitcode is None
    if not sys.flags.optimize:  # the check below is an assert inside multiprocessing
        with pytest.raises(AssertionError, match="can only join a started process"):
            p.join()
    verdict.record(seen["getpid"] == os.getpid(),
                   observed=f"the work ran in pid {seen['getpid']} (the parent is {os.getpid()})")


@pytest.mark.claim("subclass.target-via-super")
def test_a_subclass_can_hand_target_and_args_to_super_init_instead_of_overriding_run(
        ctx, start_method, verdict):
    """A subclass need not override run(): it can pass target= and args= to
    super().__init__(), and the inherited run() calls them in the child. Here the target is
    a bound method of the process object itself; under spawn and forkserver it travels to
    the child pickled together with the object.

    Tutorial (subclass.target-via-super): holds for every start method.
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = TargetThroughSuper(send_end, "hello")
    with subclasses.default_start_method(start_method), running(p):
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["said"] == "HELLO" and seen["getpid"] == p.pid != os.getpid(), seen
    verdict.record(seen["said"] == "HELLO" and seen["getpid"] == p.pid,
                   observed=f"target ran in child {seen['getpid']} and returned {seen['said']!r}")
