"""Section 1 of the tutorial: creating a process with ``Process(...)``.

What the constructor takes, what ``start()`` does, and who the child's parent is. The
claims about whole programs (re-importing the main module, the main guard, children that
outlive their parent) are in ``test_01_create_whole_program.py``.
"""

import os
import pickle
import sys

import psutil
import pytest

from fixtures import children, examples, facts
from harness import leaks
from harness.lifecycle import raised, receive, running, wait_for
from harness.wording import wording


def child_pids():
    """Pids of this process's descendants (multiprocessing's long-lived helpers excepted)."""
    return {p.pid for p in leaks.descendants()}


@pytest.mark.claim("create.not-started")
def test_constructing_a_process_starts_nothing(ctx, verdict):
    """Making a Process object only describes the work; start() makes the process.

    Before start() there is no pid, no exit code, nothing alive and no new process in the
    OS's process table; the target has not run (it would have set the event). After start()
    the child exists and runs the target.
    """
    ran = ctx.Event()
    before = child_pids()
    p = ctx.Process(target=ran.set)
    nothing = {"pid": None, "exitcode": None, "alive": False, "target_ran": False, "new_processes": []}
    verdict.expect({"pid": p.pid, "exitcode": p.exitcode, "alive": p.is_alive(), "target_ran": ran.is_set(),
                    "new_processes": sorted(child_pids() - before)},
                   python=nothing, tutorial=nothing, what="a Process object before start()")
    with running(p):
        wait_for(ran, what="the target to run after start()")
    assert p.exitcode == 0


@pytest.mark.claim("create.keyword-args")
def test_positional_arguments_follow_the_signature_and_the_first_one_is_group(ctx, verdict):
    """Keywords are advice, not a rule.

    The signature is Process(group, target, name, args, kwargs, *, daemon): positional
    arguments are accepted in that order. The trap is the first one, ``group``, which must
    be None: Process(func) binds the function to ``group`` and fails with AssertionError
    (an assert statement: under python -O the check is gone and the process silently gets
    no target). ``daemon`` is keyword-only.
    """
    receiver, sender = ctx.Pipe(duplex=False)
    in_order = ctx.Process(None, children.send_args, "given-by-position", (sender, 1), {"k": 2})
    assert in_order.name == "given-by-position"
    with running(in_order):
        received = receive(receiver)
    positional_ok = received == ((1,), {"k": 2})
    assert positional_ok, received

    ran = []
    target_first = raised(lambda: ctx.Process(ran.append, args=("the target ran",)).run())
    if sys.flags.optimize:  # python -O strips the assert: ran.append went to group, silently
        assert target_first is None, target_first
    else:
        assert isinstance(target_first, AssertionError), target_first
        wording(target_first, "group argument must be None", what="a function given first: the refusal's message")
    with pytest.raises(TypeError):
        ctx.Process(None, children.noop, None, (), {}, True)  # daemon cannot be positional

    # The tutorial: keywords are needed, so arguments by position do not work.
    verdict.expect({"positional_in_signature_order": positional_ok, "function_first_is_the_target": ran != []},
                   python={"positional_in_signature_order": True, "function_first_is_the_target": False},
                   tutorial={"positional_in_signature_order": False, "function_first_is_the_target": False},
                   what="arguments given by position")


@pytest.mark.claim("create.args-tuple")
def test_args_are_unpacked_as_a_tuple_and_the_one_element_comma_matters(ctx, verdict):
    """``args`` is turned into a tuple and unpacked into the target's positional parameters.

    A one-element tuple needs its comma: without it (5) is the int 5 and the constructor
    fails at once with TypeError, while ("abc") is a string that tuple() splits into three
    arguments. Any iterable is accepted, a list included, so "must be a tuple" is stricter
    than Python.
    """
    received = {}
    for label, args in [("tuple", (7,)), ("list", [7]), ("string without comma", ("abc"))]:
        receiver, sender = ctx.Pipe(duplex=False)
        p = ctx.Process(target=children.send_args, args=(sender, *args))
        with running(p):
            received[label] = receive(receiver)[0]
        assert p.exitcode == 0
    assert received == {"tuple": (7,), "list": (7,), "string without comma": ("a", "b", "c")}
    no_comma = raised(ctx.Process, target=children.noop, args=(5))  # the missing comma: 5 is no tuple
    assert isinstance(no_comma, TypeError), no_comma
    wording(no_comma, "not iterable", what="args=(5): the TypeError's message")

    comma_matters = no_comma is not None and received["string without comma"] != ("abc",)
    verdict.expect({"comma_matters": comma_matters, "a_list_works": received["list"] == (7,)},
                   python={"comma_matters": True, "a_list_works": True},
                   tutorial={"comma_matters": True, "a_list_works": False}, what="args without a tuple")


@pytest.mark.claim("create.args-tuple")
def test_arguments_are_pickled_for_spawn_and_forkserver_but_inherited_under_fork(ctx, start_method, verdict):
    """How ``args`` reach the child differs by start method.

    Under fork the child inherits the parent's memory, so any object works as an argument,
    even a function defined inside the test. Under spawn and forkserver the Process object
    and its args are pickled to a fresh interpreter: an unpicklable argument makes start()
    fail in the parent. On POSIX that happens before any child exists (the pickling comes
    first); on Windows CreateProcess comes first, so a child does start, finds its pipe
    closed half-way through the data, and exits on its own with an error. Either way the
    Process object has no pid.
    """
    def local_function():
        """Not importable from any module, so it cannot be pickled."""

    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=children.call_and_report, args=(sender, local_function))
    before = child_pids()
    failure = raised(p.start)
    try:
        delivered = failure is None and receiver.poll(facts.LONG) and receiver.recv() == "local_function"
    finally:
        if failure is None:
            p.join(facts.LONG)
    orphans = [proc for proc in leaks.descendants() if proc.pid not in before]
    assert facts.CHILD_MADE_BEFORE_PICKLING or not orphans, \
        f"a child is left although start() failed or was joined: {orphans}"
    # A half-fed child must end by itself (bounded), not be left to the leak guard.
    _, still_running = psutil.wait_procs(orphans, timeout=facts.LONG)
    assert not still_running, f"the child started before pickling failed did not exit: {still_running}"
    refused = isinstance(failure, (AttributeError, pickle.PicklingError))
    if refused:
        wording(failure, "local object", what="an unpicklable argument: the pickling error's message")
    inherited = facts.copies_parent_memory(start_method)
    verdict.expect({"delivered": delivered, "refused_to_pickle": refused, "has_a_pid": p.pid is not None},
                   python={"delivered": inherited, "refused_to_pickle": not inherited, "has_a_pid": inherited},
                   tutorial={"delivered": True}, what="an unpicklable argument", detail=f"start() raised {failure!r}")


@pytest.mark.claim("create.kwargs")
def test_kwargs_reach_the_target_as_keyword_arguments(ctx, verdict):
    """``kwargs`` is a dict whose items the target receives as keyword arguments."""
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_args, args=(sender,),
                             kwargs={"first": "one", "second": 2})) as p:
        args, kwargs = receive(receiver)
    assert p.exitcode == 0
    given = {"args": (), "kwargs": {"first": "one", "second": 2}}
    verdict.expect({"args": args, "kwargs": kwargs}, python=given, tutorial=given, what="the target's arguments")


@pytest.mark.claim("create.target-uncalled")
def test_target_with_parentheses_runs_at_once_in_the_parent(ctx, verdict, tmp_path):
    """``target=f()`` calls f right away, in the parent, and passes on its return value.

    Here f records the pid it ran in and returns None, so the Process receives
    target=None: the child starts, runs nothing, and exits 0. Had f returned something
    that is not callable (here: 5), the child would fail calling it -- TypeError, a
    traceback on its stderr after a line naming the process, exit code 1. Written without
    parentheses, the function runs later, in the child.
    """
    ran_in = []

    def work():
        ran_in.append(os.getpid())

    p = ctx.Process(target=work())  # the mistake: work runs here and now
    assert ran_in == [os.getpid()], "work() did not run in the parent at construction"
    with running(p):
        pass
    assert p.exitcode == 0 and ran_in == [os.getpid()]

    stderr = tmp_path / "child-stderr.txt"  # the child's standard error (see examples.StderrToFile)
    with running(examples.stderr_to_file(ctx)(str(stderr), target=(lambda: 5)())) as returned_five:  # target=5
        pass
    assert returned_five.exitcode == 1, returned_five.exitcode
    printed = stderr.read_text(encoding="utf-8")
    assert printed.startswith(f"Process {returned_five.name}:\nTraceback (most recent call last):\n"), printed
    assert printed.rstrip("\n").endswith("TypeError: 'int' object is not callable"), printed

    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_ids, args=(sender,))):
        child_pid = receive(receiver)["pid"]
    observed = {"f()_ran_in_the_parent": ran_in == [os.getpid()], "f_ran_in_a_child": child_pid != os.getpid(),
                "exitcode_with_None": p.exitcode, "exitcode_with_5": returned_five.exitcode}
    verdict.expect(observed, python={"f()_ran_in_the_parent": True, "f_ran_in_a_child": True,
                                     "exitcode_with_None": 0, "exitcode_with_5": 1},
                   tutorial={"f()_ran_in_the_parent": True, "f_ran_in_a_child": True},
                   what="where target=f() and target=f run f")


@pytest.mark.claim("create.start-runs-target-in-child")
def test_the_child_runs_the_target_and_its_parent_is_the_creator_except_under_forkserver(ctx, start_method, verdict):
    """start() makes a new process that runs the target; the creator is its parent.

    Under fork and spawn the child's os.getppid() is the creator's pid. Under forkserver
    it is not: the child is forked by the fork server, so its OS
    parent is the server process. multiprocessing.parent_process() names the creator under
    every method.
    """
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.send_lineage, args=(sender,))):
        seen = receive(receiver)
    assert seen["pid"] != os.getpid()
    os_parent = psutil.Process(seen["ppid"])
    fork_server = os_parent.ppid() == os.getpid() and "forkserver" in " ".join(os_parent.cmdline())
    observed = {"os_parent_is_the_creator": seen["ppid"] == os.getpid(), "os_parent_is_the_fork_server": fork_server,
                "parent_process_is_the_creator": seen["parent_process_pid"] == os.getpid()}
    creator = facts.os_parent_is_the_parent(start_method)
    verdict.expect(observed, python={"os_parent_is_the_creator": creator, "os_parent_is_the_fork_server": not creator,
                                     "parent_process_is_the_creator": True},
                   tutorial={"os_parent_is_the_creator": True}, what="the child's parent", detail=seen)


@pytest.mark.claim("create.async-with-parent")
def test_the_parent_keeps_running_while_the_child_runs(ctx, verdict):
    """After start() the parent goes on at once, concurrently with the child.

    The child signals that it is inside its target and then waits to be released. start()
    has already returned, and the parent keeps executing -- it sees the child alive and
    busy, and releases it. Had start() waited for the target, this would deadlock.
    """
    started, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    with running(p, release):
        wait_for(started, what="the child to enter its target")
        parent_ran_meanwhile = p.is_alive() and not release.is_set()
        release.set()
    assert p.exitcode == 0
    verdict.expect(parent_ran_meanwhile, python=True, tutorial=True,
                   what="the parent ran on while the child was inside its target")
