"""Section 6 of the tutorial: creating a process by subclassing Process.

The subclasses (``fixtures/subclasses.py``) derive from ``multiprocessing.Process`` as a
reader would write them. Such a class starts with the *default* start method, so the specs
that start one make this run's method the default while they do
(``subclasses.default_start_method``).
"""

import multiprocessing
import os
import pickle
import sys

import psutil
import pytest

from fixtures import subclasses
from fixtures.subclasses import StartCallsRun, TargetThroughSuper, Worker
from harness.lifecycle import end_all, raised, receive, running, running_all


def how_it_began(seen):
    """The start method a child's report (subclasses.where_am_i) shows: a copy of the
    parent's memory, which sees the parent's change to subclasses.MARK (fork), or a fresh
    interpreter whose OS parent is the creator (spawn) or the fork server (forkserver)."""
    if seen["mark"] == subclasses.MARK:
        return "fork" if seen["ppid"] == os.getpid() else f"a copy of the parent made by pid {seen['ppid']}"
    if seen["ppid"] == os.getpid():
        return "spawn"
    return "forkserver" if "forkserver" in " ".join(psutil.Process(seen["ppid"]).cmdline()) else \
        f"a fresh interpreter made by pid {seen['ppid']}"


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


@pytest.mark.claim("subclass.run-override")
def test_a_subclass_starts_with_the_default_start_method_unless_it_derives_from_a_contexts_process(
        start_method, verdict, monkeypatch):
    """A subclass of multiprocessing.Process has no start method of its own: it starts with
    the default one, which set_start_method() chooses. To choose per class, derive from a
    context's Process instead (``get_context(method).Process``): that class starts with its
    context's method whatever the default is.

    How each child began shows the method: a fork child sees a module global as the parent
    had changed it (a copy of the parent's memory); a spawn or forkserver child sees it as
    the source wrote it (a fresh interpreter), and a forkserver child's OS parent is the
    fork server. (subclass.run-override: holds for every start method.)
    """
    monkeypatch.setattr(subclasses, "MARK", "changed by the parent")
    others = [m for m in multiprocessing.get_all_start_methods() if m != start_method]
    other = others[0] if others else start_method  # Windows has spawn only
    began = {}
    for label, cls, default in [("Worker(multiprocessing.Process)", Worker, start_method),
                                (f"Worker(get_context({start_method!r}).Process)",
                                 subclasses.worker_of(start_method), other)]:
        receive_end, send_end = multiprocessing.Pipe(duplex=False)
        with subclasses.default_start_method(default), running(cls(send_end, "sorting")) as p:
            seen = receive(receive_end)
        assert p.exitcode == 0 and seen["said"] == "sorting: done", seen
        began[f"{label} with default {default}"] = how_it_began(seen)
    assert list(began.values()) == [start_method, start_method], began
    verdict.record(list(began.values()) == [start_method, start_method],
                   observed=f"how each child began: {began}")


@pytest.mark.claim("subclass.run-override")
def test_what_init_stores_reaches_a_spawned_child_pickled_so_it_must_be_picklable(
        start_method, verdict):
    """Under spawn and forkserver the Process object, with every attribute __init__ stored,
    is pickled to the child: an attribute that cannot be pickled (here a lambda) makes
    start() fail in the parent, and no child is made. Under fork the child inherits the
    object as it is, so the same subclass works. (subclass.run-override: holds, for
    attributes that pickle.)
    """
    receive_end, send_end = multiprocessing.Pipe(duplex=False)
    p = Worker(send_end, lambda: "a job that cannot be pickled")
    with subclasses.default_start_method(start_method):
        failure = raised(p.start)
    try:
        said = receive(receive_end)["said"] if failure is None else None
    finally:
        end_all([p])
    if start_method == "fork":
        assert failure is None and said.endswith(": done"), (failure, said)
    else:
        assert isinstance(failure, (AttributeError, pickle.PicklingError)), failure
        assert "lambda" in str(failure), failure
        assert p.pid is None
    if failure is None:
        verdict.record(said is not None, observed=f"the subclass with a lambda attribute ran: {said!r}")
    else:
        verdict.not_assertable(f"the tutorial's pattern needs attributes that pickle under {start_method}; "
                               f"with a lambda, start() raised {failure!r}")


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
    a bound method of the process object itself, and in the child it is bound to the child's
    own Process object (its self.pid is the child's pid): under spawn and forkserver the
    method travels to the child pickled together with the object.

    Tutorial (subclass.target-via-super): holds for every start method.
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = TargetThroughSuper(send_end, "hello")
    with subclasses.default_start_method(start_method), running(p):
        seen = receive(receive_end)
    assert p.exitcode == 0
    assert seen["said"] == "HELLO" and seen["getpid"] == p.pid != os.getpid(), seen
    assert seen["self_pid"] == seen["getpid"], seen
    verdict.record(seen["said"] == "HELLO" and seen["getpid"] == p.pid,
                   observed=f"target ran in child {seen['getpid']} and returned {seen['said']!r}")
