"""Section 3 of the tutorial: the attributes of a Process.

daemon, name, pid, exitcode and authkey. What a daemon does when its parent's code ends is
a whole-program matter: see ``test_03_attributes_whole_program.py``. The numbers in default
names, and the authkey a program draws, are read from fresh interpreters: a program of
their own (``fixtures/programs/process_names.py``) and ``python -c``.
"""

import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from multiprocessing.process import AuthenticationString

import pytest

from fixtures import children, facts
from harness import implementations
from harness.lifecycle import raised, receive, running, wait_for


def refusal_text(exc):
    """What an attempt raised, as "Type: message" (None when it raised nothing)."""
    return None if exc is None else f"{type(exc).__name__}: {exc}"


@pytest.mark.claim("attr.daemon-default")
def test_daemon_defaults_to_the_creators_flag_which_is_false_in_the_main_process(ctx, verdict):
    """A new Process is not a daemon unless asked, because its creator is not one.

    The default is copied from the process that constructs the object. In the main process
    that is False. Inside a daemon child, a freshly constructed Process object reports
    daemon=True.
    """
    made_by_main = ctx.Process(target=children.noop).daemon
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.report_process_defaults, args=(sender,), daemon=True)):
        inside_daemon = receive(receiver)
    assert inside_daemon["daemon"] is True, inside_daemon
    verdict.expect({"made by the main process": made_by_main, "made inside a daemon": inside_daemon["new_daemon"]},
                   python={"made by the main process": False, "made inside a daemon": True},
                   tutorial={"made by the main process": False, "made inside a daemon": False},
                   what="the daemon flag of a new Process")


@pytest.mark.claim("attr.daemon-no-children")
def test_a_daemon_may_not_start_children(ctx, verdict):
    """start() inside a daemon fails with AssertionError("daemonic processes are not allowed
    to have children"), and no grandchild is created."""
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.try_to_start_a_child, args=(sender,), daemon=True)) as p:
        outcome, detail, os_children = receive(receiver)
    assert p.exitcode == 0
    verdict.expect({"start() refused": outcome != "started", "raised": f"{outcome}: {detail}",
                    "OS children": os_children},
                   python={"start() refused": True, "OS children": [],
                           "raised": "AssertionError: daemonic processes are not allowed to have children"},
                   tutorial={"start() refused": True, "OS children": []}, what="start() inside a daemon")


@pytest.mark.claim("attr.daemon-before-start")
def test_daemon_cannot_be_changed_after_start(ctx, verdict):
    """Setting daemon on a started process fails with AssertionError("process has already
    started"); set before start(), it takes effect in the child."""
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=children.report_process_defaults, args=(sender,))
    p.daemon = True
    with running(p):
        in_the_child = receive(receiver)["daemon"]
        refusal = raised(setattr, p, "daemon", False)
    assert p.daemon is True
    verdict.expect({"set before start(), in the child": in_the_child, "set after start() refused": refusal is not None,
                    "raised": refusal_text(refusal)},
                   python={"set before start(), in the child": True, "set after start() refused": True,
                           "raised": "AssertionError: process has already started"},
                   tutorial={"set before start(), in the child": True, "set after start() refused": True},
                   what="daemon set before and after start()")


@pytest.mark.claim("attr.name")
def test_name_has_a_class_based_default_and_can_be_set(ctx, verdict):
    """Each Process gets a default name in __init__: its class name, a dash and a counter.

    The class is the context's Process class, so the default reads ForkProcess-N,
    SpawnProcess-N or ForkServerProcess-N. A plain multiprocessing.Process made inside a
    child gets a nested counter, such as "Process-3:1" (the child's own number, then its own
    count). A name given to the constructor, or assigned before start(), is what the child
    sees as its own name. Only a string can be assigned: anything else fails with
    AssertionError("name must be a string"), an assert statement that python -O strips.
    """
    p = ctx.Process(target=children.noop)
    prefix, _, number = p.name.rpartition("-")
    assert prefix == type(p).__name__ and number.isdigit(), p.name
    refusal = raised(setattr, p, "name", 5)
    if sys.flags.optimize:  # the assert statement is gone: the int is stored
        assert refusal is None and p.name == 5
    else:
        assert refusal_text(refusal) == "AssertionError: name must be a string", refusal
        assert p.name == f"{prefix}-{number}"

    seen = {}
    for how in ("given to the constructor", "assigned before start()"):
        receiver, sender = ctx.Pipe(duplex=False)
        if how == "given to the constructor":
            q = ctx.Process(target=children.report_process_defaults, args=(sender,), name=how)
        else:
            q = ctx.Process(target=children.report_process_defaults, args=(sender,))
            q.name = how
        with running(q):
            seen[how] = receive(receiver)
        assert q.name == how
    for s in seen.values():
        nested = s["new_name"]
        assert nested.startswith("Process-") and ":" in nested, nested
    as_set = {how: how for how in seen}
    verdict.expect({how: s["name"] for how, s in seen.items()}, python=as_set, tutorial=as_set,
                   what="the name the child saw as its own", detail=f"the default name: {p.name!r}")


@pytest.mark.claim("attr.name")
def test_a_fresh_program_numbers_its_processes_from_one_and_a_childs_from_its_own_number(
        start_method, observe_program, verdict):
    """The counter in a default name counts the Process objects made by the process that
    makes them, from 1, started or not and whatever their class; a child counts afresh,
    after its own number and a colon.

    Only a fresh program shows the numbers themselves, so the spec runs one
    (fixtures/programs/process_names.py): its first four objects are named Piao-1 (a subclass
    that set a name of its own before calling Process.__init__, which replaced it),
    ForkProcess-2 (SpawnProcess-2, ForkServerProcess-2: the one it starts), Process-3 and
    ForkProcess-4. The child started as number 2 names the objects it makes Process-2:1 and
    Piao-2:2, whatever its parent had counted.
    """
    seen = observe_program("process_names", start_method)
    cls = multiprocessing.get_context(start_method).Process.__name__
    keys = ("piao", "started", "plain", "last", "child_own")
    names = dict({key: seen[key] for key in keys}, child_made=seen["child_made"].split(","))
    expected = {"piao": "Piao-1", "started": f"{cls}-2", "plain": "Process-3", "last": f"{cls}-4",
                "child_own": f"{cls}-2", "child_made": ["Process-2:1", "Piao-2:2"]}
    verdict.expect(names, python=expected, tutorial={"piao": "Piao-1"},
                   what="the default names in a fresh program and its child", detail=seen)


@pytest.mark.claim("attr.pid")
def test_pid_is_none_until_start_and_then_the_childs_own_pid(ctx, verdict):
    """pid is None before start(); afterwards it is the child's process id, the same number
    os.getpid() returns inside the child, and it stays readable after join().
    """
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=children.send_ids, args=(sender,))
    before = p.pid
    with running(p):
        inside = receive(receiver)["pid"]
    assert inside != os.getpid()
    verdict.expect({"before start()": before, "after join(), os.getpid() in the child": p.pid == inside},
                   python={"before start()": None, "after join(), os.getpid() in the child": True},
                   tutorial={"after join(), os.getpid() in the child": True},
                   what="pid", detail=f"p.pid {p.pid}, os.getpid() in the child {inside}")


@pytest.mark.claim("attr.exitcode")
def test_exitcode_is_none_while_running_and_tells_how_the_process_ended(ctx, verdict):
    """exitcode is None before start() and while the process runs. Afterwards it is 0 for a
    normal end, n for sys.exit(n), 1 for an uncaught exception, and -N for a process ended
    by signal N (terminate() gives -SIGTERM on every OS; kill() gives -SIGKILL on POSIX, and
    on Windows, where it is terminate() again, -SIGTERM).
    """
    codes = {}
    for how, end in (("terminate()", lambda p: p.terminate()), ("kill()", lambda p: p.kill())):
        started, release = ctx.Event(), ctx.Event()  # release is never set: the child is ended
        p = ctx.Process(target=children.signal_then_wait, args=(started, release))
        codes["before start()"] = p.exitcode
        with running(p):
            wait_for(started)
            codes["while running"] = p.exitcode
            end(p)
            p.join(facts.SHORT)
        codes[f"after {how}"] = p.exitcode
    for how, target, args in [("normal end", children.noop, ()), ("sys.exit(7)", children.exit_with, (7,)),
                              ("uncaught exception", children.raise_error, ())]:
        with running(ctx.Process(target=target, args=args)) as q:
            pass
        codes[how] = q.exitcode
    verdict.expect(codes, python={"before start()": None, "while running": None,
                                  "after terminate()": facts.TERMINATE_EXITCODE, "after kill()": facts.KILL_EXITCODE,
                                  "normal end": 0, "sys.exit(7)": 7, "uncaught exception": facts.EXIT_FAILED},
                   tutorial={"while running": None, "after terminate()": -signal.SIGTERM},
                   what="exitcode")


# A fresh interpreter whose os.urandom hands out bytes(range(n)): which sizes were asked
# for while multiprocessing was imported, and whether the main process's key is those bytes.
DRAWN_AT_IMPORT = """
import json, os, sys
asked = []
real_urandom, os.urandom = os.urandom, lambda n: asked.append(n) or bytes(range(n))
if sys.argv[1:]:  # another implementation, put in force here rather than at start-up
    import mpspec_impl; mpspec_impl.install(sys.argv[1])
import multiprocessing
os.urandom = real_urandom
print(json.dumps([asked, bytes(multiprocessing.current_process().authkey) == bytes(range(32))]))
"""


@pytest.mark.claim("attr.authkey")
def test_authkey_is_32_random_bytes_shared_by_the_whole_program(ctx, verdict):
    """authkey is 32 bytes, not a 32-character string, and it is not made per process.

    The main process draws it from os.urandom(32) once, when multiprocessing is imported: a
    fresh interpreter whose os.urandom is replaced before that import gets the replacement's
    32 bytes as its key. Every child inherits it, so the parent's key, the Process object's
    key and the key the child sees are all the same. It is an AuthenticationString, a bytes
    subclass.
    """
    # Under --mp-impl the start-up hook would import the implementation before the script
    # runs: the fresh interpreter goes without it, and the script puts it in force itself.
    impl = implementations.in_force()
    env = {k: v for k, v in os.environ.items() if k != implementations.ENV}
    fresh = subprocess.run([sys.executable, "-c", DRAWN_AT_IMPORT]
                           + ([] if impl == implementations.STDLIB else [impl]),
                           capture_output=True, text=True, timeout=facts.LONG, env=env)
    assert fresh.returncode == 0, fresh.stderr
    asked, key_is_the_drawn_bytes = json.loads(fresh.stdout.split("\n")[0])

    key = multiprocessing.current_process().authkey
    p = ctx.Process(target=children.noop)
    assert isinstance(key, bytes) and p.authkey == key, repr(key)
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.report_authkey, args=(sender,))):
        child = receive(receiver)
    assert child["authentication_string"], child
    verdict.expect({"drawn by os.urandom() at import": (asked, key_is_the_drawn_bytes), "length": len(key),
                    "type": type(key).__name__, "the child's key is the parent's": child["key"] == bytes(key)},
                   python={"drawn by os.urandom() at import": ([32], True), "length": 32,
                           "type": AuthenticationString.__name__, "the child's key is the parent's": True},
                   tutorial={"drawn by os.urandom() at import": ([32], True), "length": 32, "type": "str"},
                   what="the main process's authkey")


@pytest.mark.claim("attr.authkey")
def test_authkey_refuses_pickling_and_a_key_set_before_start_is_the_childs(ctx, start_method, verdict):
    """An AuthenticationString refuses to be pickled, with TypeError("Pickling an
    AuthenticationString object is disallowed for security reasons"), so a key cannot leak
    into a pipe or a file by accident; only while a process is being started does it let
    itself be pickled, which is how spawn and forkserver children receive it (as an
    AuthenticationString again, which refuses in the child too).

    The key is per Process object, shared only by default: bytes assigned to ``authkey``
    are stored as an AuthenticationString, and a key assigned before start() is the child's
    key, while the parent keeps its own.
    """
    key = multiprocessing.current_process().authkey
    refusal = refusal_text(raised(pickle.dumps, key))
    chosen = os.urandom(32)
    receiver, sender = ctx.Pipe(duplex=False)
    q = ctx.Process(target=children.report_authkey, args=(sender,))
    q.authkey = chosen
    assert type(q.authkey) is AuthenticationString and q.authkey == chosen
    assert multiprocessing.current_process().authkey == key != chosen
    with running(q):
        child = receive(receiver)
    assert child["key"] == chosen, f"the child's key is not the one set before start() ({start_method})"
    assert child["authentication_string"], child
    refused = "TypeError: Pickling an AuthenticationString object is disallowed for security reasons"
    verdict.expect({"type": type(key).__name__, "pickling": refusal, "pickling in the child": child["pickling"]},
                   python={"type": AuthenticationString.__name__, "pickling": refused,
                           "pickling in the child": refused},
                   tutorial={"type": "str"}, what="the authkey's type and pickling")


@pytest.mark.claim("attr.authkey")
def test_connections_succeed_only_between_processes_with_the_same_key(ctx, verdict):
    """multiprocessing.connection authenticates both ends with the authkey (an HMAC
    challenge). The child listens with the key it inherited: the parent connects with its
    own key and succeeds; with a different key both ends fail with AuthenticationError.
    """
    from multiprocessing.connection import Client
    outcomes = {}
    for label, client_key in [("same key", bytes(multiprocessing.current_process().authkey)),
                              ("other key", os.urandom(32))]:
        receiver, sender = ctx.Pipe(duplex=False)
        with running(ctx.Process(target=children.connect_back, args=(sender, None))):
            address = receive(receiver, what="the child's listening address")
            try:
                with Client(address, authkey=client_key) as conn:
                    client_side = f"received {conn.recv()!r}"
            except multiprocessing.AuthenticationError:
                client_side = "AuthenticationError"
            outcomes[label] = (client_side, receive(receiver).split(":")[0])
    expected = {"same key": ("received 'hello'", "accepted"),
                "other key": ("AuthenticationError", "AuthenticationError")}
    verdict.expect(outcomes, python=expected, tutorial=expected, what="(client side, listener side)")
