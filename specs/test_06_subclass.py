"""Section 6 of the tutorial: creating a process by subclassing Process.

Each subclass (``fixtures/subclasses.py``) is written once and run under every start method
through ``fixtures.children.subclass_for``: ``subclass_for(Worker, ctx)`` is Worker derived
from ``ctx.Process``, ``subclass_for(Worker)`` Worker derived from ``multiprocessing.Process``,
as a reader of the tutorial writes it.
"""

import multiprocessing
import os
import pickle
import sys
from contextlib import contextmanager

import psutil
import pytest

from fixtures import facts, subclasses
from fixtures.children import subclass_for
from fixtures.subclasses import StartCallsRun, TargetThroughSuper, Worker
from harness.lifecycle import end_all, raised, receive, running, running_all
from harness.verdicts import NOT_APPLICABLE
from harness.wording import wording


@pytest.mark.claim("subclass.run-override")
def test_a_subclass_overrides_run_and_takes_its_parameters_through_init(ctx, verdict):
    """Subclass Process, call super().__init__() first in __init__, keep your own parameters
    as attributes, and override run(): start() then runs your run() in the child, which
    sees the attributes the parent set.
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = subclass_for(Worker, ctx)(send_end, "sorting")
    with running(p):
        seen = receive(receive_end)
    assert p.exitcode == 0
    expected = {"run() said": "sorting: done", "run() ran in the child": True}
    verdict.expect({"run() said": seen["said"], "run() ran in the child": seen["getpid"] == p.pid != os.getpid()},
                   python=expected, tutorial=expected, what="the subclass's run()", detail=f"child's report: {seen}")


@contextmanager
def default_start_method(method):
    """Make ``method`` the default start method inside the block, then restore the old one."""
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(method, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)


def os_parent(ppid):
    """Who forked a child whose OS parent is ``ppid``, in facts.os_parent's words: "starter"
    (this process), "forkserver" (multiprocessing's fork server), else its command line."""
    if ppid == os.getpid():
        return "starter"
    command_line = " ".join(psutil.Process(ppid).cmdline())
    server = f"{multiprocessing.__name__}.forkserver"  # the package in force (--mp-impl)
    return "forkserver" if server in command_line else command_line


def how_it_began(seen):
    """What a child's report (subclasses.where_am_i) shows of its start method: whether it is
    a copy of the parent's memory, which sees the parent's change to subclasses.MARK, and who
    forked it."""
    return {"a copy of the parent's memory": seen["mark"] == subclasses.MARK, "OS parent": os_parent(seen["ppid"])}


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
    fork server.
    """
    monkeypatch.setattr(subclasses, "MARK", "changed by the parent")
    others = [m for m in multiprocessing.get_all_start_methods() if m != start_method]
    other = (others + [start_method])[0]  # Windows has spawn only
    said, began = [], {}
    for label, cls, default in [("Worker(multiprocessing.Process)", subclass_for(Worker), start_method),
                                (f"Worker(get_context({start_method!r}).Process)",
                                 subclass_for(Worker, multiprocessing.get_context(start_method)), other)]:
        receive_end, send_end = multiprocessing.Pipe(duplex=False)
        with default_start_method(default), running(cls(send_end, "sorting")) as p:
            seen = receive(receive_end)
        assert p.exitcode == 0, seen
        said.append(seen["said"])
        began[f"{label} with default {default}"] = how_it_began(seen)
    expected = {"a copy of the parent's memory": facts.copies_parent_memory(start_method),
                "OS parent": facts.os_parent(start_method)}
    verdict.expect(dict(began, **{"run() said": said}),
                   python=dict({label: expected for label in began}, **{"run() said": ["sorting: done"] * 2}),
                   tutorial={"run() said": ["sorting: done"] * 2}, what="how each child began")


@pytest.mark.claim("subclass.run-override")
def test_what_init_stores_reaches_a_spawned_child_pickled_so_it_must_be_picklable(ctx, verdict):
    """Under spawn and forkserver the Process object, with every attribute __init__ stored,
    is pickled to the child: an attribute that cannot be pickled (here a lambda) makes
    start() fail in the parent, and no child is made. Under fork the child inherits the
    object as it is, so the same subclass works.
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = subclass_for(Worker, ctx)(send_end, lambda: "a job that cannot be pickled")
    failure = raised(p.start)
    try:
        said = receive(receive_end)["said"] if failure is None else None
    finally:
        end_all([p])
    if failure is None:
        assert said.endswith(": done"), said
    else:
        assert isinstance(failure, (AttributeError, pickle.PicklingError)), failure
        wording(failure, "lambda", what="a lambda attribute: the pickling error's message")
        assert p.pid is None
    # The tutorial's pattern says nothing of attributes that do not pickle.
    verdict.expect({"start() refused the lambda attribute": failure is not None},
                   python={"start() refused the lambda attribute": facts.pickles_the_process(ctx.get_start_method())},
                   tutorial=NOT_APPLICABLE, what="a subclass with a lambda attribute", detail=repr(failure))


@pytest.mark.claim("subclass.pid-in-run")
def test_inside_run_in_the_child_os_getpid_equals_self_pid(ctx, verdict):
    """In the child, self.pid is the child's own pid: inside run(), os.getpid() and
    self.pid agree, and both equal p.pid as the parent sees it. Each child has its own.
    """
    pipes = [ctx.Pipe(duplex=False) for _ in range(3)]
    procs = [subclass_for(Worker, ctx)(send_end, job)
             for (_, send_end), job in zip(pipes, ("sorting", "counting", "copying"))]
    with running_all(procs):
        seen = [receive(receive_end) for receive_end, _ in pipes]
    triples = [(s["getpid"], s["self_pid"], p.pid) for s, p in zip(seen, procs)]
    expected = {"os.getpid() == self.pid inside run()": [True] * 3, "== p.pid in the parent": [True] * 3}
    verdict.expect({"os.getpid() == self.pid inside run()": [a == b for a, b, _ in triples],
                    "== p.pid in the parent": [a == c for a, _, c in triples]},
                   python=expected, tutorial=expected, what="each child's pids", detail=f"triples: {triples}")
    assert len({a for a, _, _ in triples}) == 3, triples


@pytest.mark.claim("subclass.direct-run-in-parent")
def test_calling_run_directly_runs_it_in_the_calling_process_with_no_pid(verdict):
    """p.run() is an ordinary method call: it runs right here, in the calling process. No
    child exists, so inside run() os.getpid() is the caller's pid and self.pid is None, and
    afterwards the process object still counts as never started.
    """
    receive_end, send_end = multiprocessing.Pipe(duplex=False)
    p = subclass_for(Worker)(send_end, "sorting")
    p.run()
    seen = receive(receive_end)
    assert seen["said"] == "sorting: done"
    assert p.pid is None and not p.is_alive() and p.exitcode is None
    verdict.expect((seen["getpid"], seen["self_pid"]), python=(os.getpid(), None), tutorial=(os.getpid(), None),
                   what="(os.getpid(), self.pid) inside run()")


@pytest.mark.claim("subclass.start-override")
def test_a_start_override_that_calls_run_does_the_work_in_the_parent(verdict):
    """Overriding start() replaces the method that would have created the child. A start()
    that just calls self.run() therefore runs the work in the parent, like a direct run()
    call: no child, self.pid None, is_alive() False -- and join() then refuses, because in
    multiprocessing's eyes the process was never started.
    """
    receive_end, send_end = multiprocessing.Pipe(duplex=False)
    p = subclass_for(StartCallsRun)(send_end, "counting")
    p.start()
    seen = receive(receive_end)
    assert seen["self_pid"] is None
    assert not p.is_alive() and p.exitcode is None
    if not sys.flags.optimize:  # the check below is an assert inside multiprocessing
        with pytest.raises(AssertionError) as refusal:
            p.join()
        wording(refusal.value, "can only join a started process", what="join() of a never-started subclass: the refusal's message")
    verdict.expect(seen["getpid"], python=os.getpid(), tutorial=os.getpid(), what="the pid the work ran in")


@pytest.mark.claim("subclass.target-via-super")
def test_a_subclass_can_hand_target_and_args_to_super_init_instead_of_overriding_run(ctx, verdict):
    """A subclass need not override run(): it can pass target= and args= to
    super().__init__(), and the inherited run() calls them in the child. Here the target is
    a bound method of the process object itself, and in the child it is bound to the child's
    own Process object (its self.pid is the child's pid).
    """
    receive_end, send_end = ctx.Pipe(duplex=False)
    p = subclass_for(TargetThroughSuper, ctx)(send_end, "hello")
    with running(p):
        seen = receive(receive_end)
    assert p.exitcode == 0
    expected = {"the target returned": "HELLO", "it ran in the child": True, "its self.pid is the child's pid": True}
    verdict.expect({"the target returned": seen["said"], "it ran in the child": seen["getpid"] == p.pid != os.getpid(),
                    "its self.pid is the child's pid": seen["self_pid"] == seen["getpid"]},
                   python=expected, tutorial={k: expected[k] for k in ("the target returned", "it ran in the child")},
                   what="the target handed to super().__init__()", detail=f"child's report: {seen}")
