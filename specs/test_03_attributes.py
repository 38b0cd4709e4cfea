"""Section 3 of the tutorial: the attributes of a Process.

daemon, name, pid, exitcode and authkey. What a daemon does when its parent's code ends is
a whole-program matter: see ``test_03_attributes_whole_program.py``. The numbers in default
names, and the authkey a program draws, are read from fresh interpreters: a program of
their own (``fixtures/programs/process_names.py``) and ``python -c``.
"""

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from multiprocessing.process import AuthenticationString

import pytest

from fixtures import children
from harness import WINDOWS
from harness.lifecycle import raised, receive, running, wait_for


@pytest.mark.claim("attr.daemon-default")
def test_daemon_defaults_to_the_creators_flag_which_is_false_in_the_main_process(ctx, verdict):
    """A new Process is not a daemon unless asked -- because its creator is not one.

    The default is copied from the process that constructs the object. In the main process
    that is False, as the tutorial says. Inside a daemon child, a freshly constructed
    Process object reports daemon=True (though a daemon may not start it). (attr.daemon-default:
    holds for processes made by the main process; every start method.)
    """
    made_by_main = ctx.Process(target=children.noop).daemon
    assert made_by_main is False
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.report_process_defaults, args=(sender,), daemon=True)):
        inside_daemon = receive(receiver)
    assert inside_daemon["daemon"] is True
    assert inside_daemon["new_daemon"] is True, inside_daemon
    verdict.record(made_by_main is False, observed=f"a Process made by the main process has daemon={made_by_main}")
    verdict.record(inside_daemon["new_daemon"] is False,
                   observed=f"a Process made inside a daemon has daemon={inside_daemon['new_daemon']}")


@pytest.mark.claim("attr.daemon-no-children")
def test_a_daemon_may_not_start_children(ctx, verdict):
    """start() inside a daemon fails with AssertionError and no grandchild is created.

    The check is an assert statement in start(), so it disappears under python -O (see
    beyond.optimize-strips-checks). (attr.daemon-no-children; every start method.)
    """
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.try_to_start_a_child, args=(sender,), daemon=True)) as p:
        outcome, detail, os_children = receive(receiver)
    assert p.exitcode == 0
    assert (outcome, detail) == ("AssertionError", "daemonic processes are not allowed to have children")
    assert os_children == [], f"the daemon has OS children after the refused start(): {os_children}"
    verdict.record(outcome == "AssertionError", observed=f"{outcome}: {detail}")


@pytest.mark.claim("attr.daemon-before-start")
def test_daemon_cannot_be_changed_after_start(ctx, verdict):
    """Setting daemon on a started process fails with AssertionError("process has already
    started"); set before start(), it takes effect in the child. (attr.daemon-before-start;
    an assert statement, stripped by python -O; every start method.)
    """
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=children.report_process_defaults, args=(sender,))
    p.daemon = True
    with running(p):
        assert receive(receiver)["daemon"] is True
        refusal = raised(setattr, p, "daemon", False)
    assert isinstance(refusal, AssertionError) and str(refusal) == "process has already started", refusal
    assert p.daemon is True
    verdict.record(refusal is not None, observed=f"daemon set after start() raised {refusal!r}")


@pytest.mark.claim("attr.name")
def test_name_has_a_class_based_default_and_can_be_set(ctx, verdict):
    """Each Process gets a default name in __init__: its class name, a dash and a counter.

    The class is the context's Process class, so the default reads ForkProcess-N,
    SpawnProcess-N or ForkServerProcess-N (plain multiprocessing.Process gives Process-N).
    A plain multiprocessing.Process made inside a child gets a nested counter, such as
    "Process-3:1" (the child's own number, then its own count). A name given to the
    constructor, or assigned before start(), is what the child sees as its own name. Only a
    string can be assigned: anything else fails with AssertionError("name must be a
    string"), an assert statement that python -O strips. (attr.name; every start method.)
    """
    p = ctx.Process(target=children.noop)
    prefix, _, number = p.name.rpartition("-")
    assert prefix == type(p).__name__ and number.isdigit(), p.name
    refusal = raised(setattr, p, "name", 5)
    if sys.flags.optimize:
        assert refusal is None and p.name == 5
    else:
        assert isinstance(refusal, AssertionError) and str(refusal) == "name must be a string", refusal
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
    assert {how: s["name"] for how, s in seen.items()} == {how: how for how in seen}, seen
    for s in seen.values():
        nested = s["new_name"]
        assert nested.startswith("Process-") and ":" in nested, nested
    verdict.record(all(s["name"] == how for how, s in seen.items()),
                   observed=f"default {p.name!r}; the children saw their names {[s['name'] for s in seen.values()]}")


@pytest.mark.claim("attr.name")
def test_a_fresh_program_numbers_its_processes_from_one_and_a_childs_from_its_own_number(
        start_method, observe_program, verdict):
    """The counter in a default name counts the Process objects made by the process that
    makes them, from 1, started or not and whatever their class; a child counts afresh,
    after its own number and a colon.

    Only a fresh program shows the numbers themselves, so the spec runs one
    (fixtures/programs/process_names.py): its first four objects are named Piao-1 (a subclass),
    ForkProcess-2 (SpawnProcess-2, ForkServerProcess-2: the one it starts), Process-3 and
    ForkProcess-4. The child started as number 2 names the objects it makes Process-2:1 and
    Piao-2:2, whatever its parent had counted. (attr.name; every start method.)
    """
    seen = observe_program("process_names", start_method)
    cls = multiprocessing.get_context(start_method).Process.__name__
    names = [seen[key] for key in ("piao", "started", "plain", "last", "child_own", "child_made")]
    expected = ["Piao-1", f"{cls}-2", "Process-3", f"{cls}-4", f"{cls}-2", "Process-2:1,Piao-2:2"]
    assert names == expected, seen
    verdict.record(names == expected, observed=f"a fresh program's processes: {', '.join(names[:4])}; "
                                               f"its child's: {names[5]}")


@pytest.mark.claim("attr.pid")
def test_pid_is_none_until_start_and_then_the_childs_own_pid(ctx, verdict):
    """pid is None before start(); afterwards it is the child's process id, the same number
    os.getpid() returns inside the child, and it stays readable after join().
    (attr.pid; every start method.)
    """
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=children.send_ids, args=(sender,))
    assert p.pid is None
    with running(p):
        inside = receive(receiver)["pid"]
    assert p.pid == inside != os.getpid()
    verdict.record(p.pid == inside, observed=f"p.pid {p.pid}, os.getpid() in the child {inside}")


@pytest.mark.claim("attr.exitcode")
def test_exitcode_is_none_while_running_and_tells_how_the_process_ended(ctx, verdict):
    """exitcode is None before start() and while the process runs. Afterwards it is 0 for a
    normal end, n for sys.exit(n), 1 for an uncaught exception, and -N for a process ended
    by signal N (terminate() gives -SIGTERM on every OS; kill() gives -SIGKILL on POSIX, and
on Windows, where it is terminate() again, -SIGTERM).
    (attr.exitcode; every start method.)
    """
    started, release = ctx.Event(), ctx.Event()  # release is never set: the child is terminated
    p = ctx.Process(target=children.signal_then_wait, args=(started, release))
    assert p.exitcode is None
    with running(p):
        wait_for(started)
        while_running = p.exitcode
        p.terminate()
        p.join(10)
    assert while_running is None and p.exitcode == -signal.SIGTERM

    started, release = ctx.Event(), ctx.Event()  # released never: the child is killed
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release))) as killed:
        wait_for(started)
        killed.kill()
        killed.join(10)
    assert killed.exitcode == (-signal.SIGTERM if WINDOWS else -signal.SIGKILL), killed.exitcode

    ends = {}
    for label, target, args in [("normal", children.noop, ()), ("sys.exit(7)", children.exit_with, (7,)),
                                ("exception", children.raise_error, ())]:
        with running(ctx.Process(target=target, args=args)) as q:
            pass
        ends[label] = q.exitcode
    assert ends == {"normal": 0, "sys.exit(7)": 7, "exception": 1}
    verdict.record(while_running is None and p.exitcode == -signal.SIGTERM,
                   observed=f"None while running, {p.exitcode} after terminate(), {killed.exitcode} after "
                            f"kill(), others {ends}")


# A fresh interpreter whose os.urandom hands out bytes(range(n)): which sizes were asked
# for while multiprocessing was imported, and whether the main process's key is those bytes.
DRAWN_AT_IMPORT = """
import os
asked = []
real_urandom, os.urandom = os.urandom, lambda n: asked.append(n) or bytes(range(n))
import multiprocessing
os.urandom = real_urandom
print(asked, bytes(multiprocessing.current_process().authkey) == bytes(range(32)))
"""


@pytest.mark.claim("attr.authkey")
def test_authkey_is_32_random_bytes_shared_by_the_whole_program(ctx, verdict):
    """authkey is 32 bytes, not a 32-character string, and it is not made per process.

    The main process draws it from os.urandom(32) once, when multiprocessing is imported: a
    fresh interpreter whose os.urandom is replaced before that import gets the replacement's
    32 bytes as its key. Every child inherits it, so the parent's key, the Process object's
    key and the key the child sees are all the same. (attr.authkey: "random" and "32" hold,
    "string" does not -- it is an AuthenticationString, a bytes subclass that refuses to be
    pickled except for spawning; every start method.)
    """
    fresh = subprocess.run([sys.executable, "-c", DRAWN_AT_IMPORT], capture_output=True, text=True,
                           timeout=20)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.split("\n")[0] == "[32] True", fresh.stdout

    key = multiprocessing.current_process().authkey
    p = ctx.Process(target=children.noop)
    assert type(key) is AuthenticationString and isinstance(key, bytes) and len(key) == 32, repr(key)
    assert p.authkey == key
    receiver, sender = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=children.report_authkey, args=(sender,))):
        child = receive(receiver)
    assert child["key"] == bytes(key) and child["authentication_string"], child
    verdict.record(isinstance(key, str), observed=f"authkey is {type(key).__name__} of {len(key)} bytes")
    verdict.record(child["key"] == bytes(key) and len(key) == 32,
                   observed="32 random bytes drawn once in the main process; the child inherited them")


@pytest.mark.claim("attr.authkey")
def test_authkey_refuses_pickling_and_a_key_set_before_start_is_the_childs(ctx, start_method, verdict):
    """An AuthenticationString refuses to be pickled, with TypeError("Pickling an
    AuthenticationString object is disallowed for security reasons"), so a key cannot leak
    into a pipe or a file by accident; only while a process is being started does it let
    itself be pickled, which is how spawn and forkserver children receive it (as an
    AuthenticationString again, which refuses in the child too).

    The key is per Process object, shared only by default: bytes assigned to ``authkey``
    are stored as an AuthenticationString, and a key assigned before start() is the child's
    key, while the parent keeps its own. (attr.authkey: a string it is not; every start
    method.)
    """
    key = multiprocessing.current_process().authkey
    refusal = raised(pickle.dumps, key)
    assert isinstance(refusal, TypeError), refusal
    assert str(refusal) == "Pickling an AuthenticationString object is disallowed for security reasons"

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
    assert child["pickling"] == f"TypeError: {refusal}", child
    verdict.record(isinstance(key, str), observed=f"an {type(key).__name__}, which refused pickling "
                                                  f"({refusal}); a key set before start() was the child's")


@pytest.mark.claim("attr.authkey")
def test_connections_succeed_only_between_processes_with_the_same_key(ctx, verdict):
    """multiprocessing.connection authenticates both ends with the authkey (an HMAC
    challenge). The child listens with the key it inherited:
    the parent connects with its own key and succeeds; with a different key both ends fail
    with AuthenticationError. (attr.authkey: this part holds; every start method.)
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
            outcomes[label] = (client_side, receive(receiver))
    assert outcomes["same key"] == ("received 'hello'", "accepted"), outcomes
    assert outcomes["other key"][0] == "AuthenticationError", outcomes
    assert outcomes["other key"][1].startswith("AuthenticationError"), outcomes
    verdict.record(outcomes["same key"][1] == "accepted" and outcomes["other key"][0] == "AuthenticationError",
                   observed=f"{outcomes}")
