"""Section 5 of the tutorial: its worked examples, each turned into a claim.

(The whole-program examples -- ``example.guard-locals-invisible``, and the name the
tutorial's subclass gets in a fresh program -- are in ``test_05_examples_whole_program.py``.)
"""

import itertools
import multiprocessing

import pytest

from fixtures import children, examples, facts, subclasses
from harness.lifecycle import collect, join_all, poll_until, receive, running, running_all, wait_for
from harness.verdicts import NOT_APPLICABLE, either


@pytest.mark.claim("example.append-same-file")
def test_ten_processes_appending_to_one_file_each_land_their_record(ctx, verdict, tmp_path):
    """Ten processes append one record each to the same file: every record lands whole,
    once, and each writer's file position is its own.

    The writers are made as concurrent as possible: all of them open the file, then meet at
    a Barrier, then write. So every writer sees position 0 when it opens the file -- the
    position printed at open time is only a snapshot. On POSIX each writer's descriptor has
    O_APPEND, so each write goes to the end of the file *as it is at that write*: nothing
    is overwritten, and afterwards each writer's own offset is the end of its own record.

    On Windows an append is a seek to the end and then a write, so concurrent appends can
    collide (facts.APPENDS_IN_ONE_STEP): there the writers hold a Lock around each write,
    and the spec does not see what unlocked writes would do.
    """
    n = 10
    path = tmp_path / "shared.txt"
    records = [f"record {i:02d}\n".encode() for i in range(n)]
    barrier, queue, lock = ctx.Barrier(n), ctx.Queue(), ctx.Lock()  # the lock: see examples.append_record
    procs = [ctx.Process(target=examples.append_record,
                         args=(str(path), records[i], barrier, queue, i, lock)) for i in range(n)]
    with running_all(procs, barrier):
        reports = {index: (at_open, after_write, appends)
                   for index, at_open, after_write, appends in collect(queue, n, what="writers' reports")}
        late = join_all(procs)
    assert not late, f"{len(late)} writers still running after the deadline (the barrier was then aborted)"
    content = path.read_bytes()
    size = len(records[0])
    observed = {
        "exit codes": [p.exitcode for p in procs],
        "every record landed whole, once": sorted(content[k:k + size] for k in range(0, len(content), size)) == records,
        "positions at open": sorted({at_open for at_open, _, _ in reports.values()}),
        "each writer's offset after writing ends its own record": all(
            content[after_write - size:after_write] == records[i] for i, (_, after_write, _) in reports.items()),
        "every descriptor appends in one step": all(appends for _, _, appends in reports.values()),
    }
    expected = {"exit codes": [facts.EXIT_OK] * n, "every record landed whole, once": True, "positions at open": [0],
                "each writer's offset after writing ends its own record": True,
                "every descriptor appends in one step": facts.APPENDS_IN_ONE_STEP}
    tutorial = {k: expected[k] for k in ("every record landed whole, once",
                                         "each writer's offset after writing ends its own record")}
    verdict.expect(observed, python=expected, what=f"{n} appending writers",
                   detail=f"file: {content!r}; (index, position at open, after writing, one step): {reports}",
                   tutorial=tutorial if facts.APPENDS_IN_ONE_STEP else NOT_APPLICABLE)  # Windows: the spec locked


@pytest.mark.claim("example.create-many-files")
def test_several_processes_each_create_a_file_of_their_own_at_the_same_time(ctx, verdict, tmp_path):
    """Several processes, released together by a Barrier, each create their own file; all
    the files exist afterwards with the right contents.
    """
    n = 5
    barrier = ctx.Barrier(n)
    paths = [tmp_path / f"file-{i}.txt" for i in range(n)]
    procs = [ctx.Process(target=examples.create_own_file, args=(str(paths[i]), f"written by child {i}", barrier))
             for i in range(n)]
    with running_all(procs, barrier):
        late = join_all(procs)
    codes = [p.exitcode for p in procs]
    assert not late and codes == [facts.EXIT_OK] * n, (
        f"exit codes {codes}: {facts.EXIT_BARRIER_BROKEN} means a child waited at the barrier in vain")
    contents = [path.read_text(encoding="utf-8") if path.exists() else None for path in paths]
    expected = [f"written by child {i}" for i in range(n)]
    verdict.expect(contents, python=expected, tutorial=expected, what="the files' contents")


def terminate_a_lingering_child(ctx):
    """Terminate a child that handles SIGTERM by lingering until released; return whether it
    was alive right after terminate(), once its handler had run, and after join(), and its
    exit code."""
    started, got_term, release = ctx.Event(), ctx.Event(), ctx.Event()
    # No release passed to running(): this child is terminated, and an Event must never be
    # set after its waiter may have been killed (see harness.lifecycle).
    with running(ctx.Process(target=children.linger_on_sigterm, args=(started, got_term, release))) as p:
        wait_for(started, what="the child to install its SIGTERM handler")
        p.terminate()
        right_after = p.is_alive()
        poll_until(lambda: got_term.is_set() or not p.is_alive(), what="the child's handler to run, or its end")
        lingering = p.is_alive()
        if lingering:
            release.set()  # the waiter is alive, lingering in release.wait()
        p.join(facts.LONG)
    return right_after, lingering, p.is_alive(), p.exitcode


def terminate_a_plain_child(ctx):
    """Terminate a waiting child without a SIGTERM handler; return whether it was alive right
    after terminate() and after join(), and its exit code."""
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release))) as p:
        wait_for(started, what="the child to start waiting")
        p.terminate()
        right_after = p.is_alive()
        p.join(facts.LONG)
    return right_after, p.is_alive(), p.exitcode


@pytest.mark.claim("example.is-alive-lags-terminate")
def test_a_terminated_process_is_alive_until_it_has_actually_ended_and_join_waits_for_that(ctx, verdict):
    """terminate() only asks the OS to end the process: it returns at once, and is_alive()
    stays True until the process has really gone. join() is the way to wait for that --
    afterwards is_alive() is False and exitcode is -SIGTERM.

    On POSIX terminate() sends SIGTERM, and a child that handles it by lingering until the
    parent releases it is "terminated but still alive" for as long as the parent likes; on
    Windows terminate() is TerminateProcess, which no handler can delay
    (facts.TERMINATE_CAN_BE_DELAYED), so there that child is alive right after it or not, as
    the scheduler decides. The tutorial's own case, a child with no handler, races the
    parent's next line everywhere: is_alive() right after terminate() is True or False.
    """
    lingering_right_after, lingering, lingering_after_join, lingering_code = terminate_a_lingering_child(ctx)
    plain_right_after, plain_after_join, plain_code = terminate_a_plain_child(ctx)

    def outcome(lingering_right_after, plain_right_after):
        return {"handling child: alive right after terminate()": lingering_right_after,
                "handling child: alive once its handler ran": facts.TERMINATE_CAN_BE_DELAYED,
                "plain child: alive right after terminate()": plain_right_after,
                "alive after join()": [False, False],
                "exit codes": [facts.TERMINATE_EXITCODE] * 2}

    observed = dict(outcome(lingering_right_after, plain_right_after),
                    **{"handling child: alive once its handler ran": lingering,
                       "alive after join()": [lingering_after_join, plain_after_join],
                       "exit codes": [lingering_code, plain_code]})
    # Where the end can be delayed, the handling child is alive right after terminate() for sure.
    allowed = itertools.product({True, facts.TERMINATE_CAN_BE_DELAYED}, (True, False))
    verdict.expect(observed, python=either(*(outcome(*pair) for pair in allowed)),
                   tutorial={"handling child: alive right after terminate()": True,
                             "plain child: alive right after terminate()": True,
                             "alive after join()": [False, False]},
                   what="is_alive() around terminate()")


@pytest.mark.claim("example.name-overwritten-by-init")
def test_a_name_set_before_super_init_is_replaced_by_the_default_one_set_after_stays(ctx, verdict):
    """Process.__init__ gives every process a name, ``<ClassName>-<n>`` with n counting the
    Process objects made so far by this process, so here the next number after a plain
    Process made just before. A subclass that sets self.name *before* calling
    super().__init__() loses it to that default; one that sets it *after* keeps it. The
    child sees the same name as the parent.
    """
    counted_before = int(multiprocessing.Process().name.rsplit("-", 1)[1])
    early_conn_r, early_conn_w = ctx.Pipe(duplex=False)
    late_conn_r, late_conn_w = ctx.Pipe(duplex=False)
    early = children.subclass_for(subclasses.NameSetTooEarly, ctx)("chosen-name", early_conn_w)
    late = children.subclass_for(subclasses.NameSetAfterInit, ctx)("chosen-name", late_conn_w)
    names = {"set before super().__init__()": early.name, "set after it": late.name}
    with running_all([early, late]):
        seen_in_child = [receive(early_conn_r)["name"], receive(late_conn_r)["name"]]
    expected = {"set before super().__init__()": f"NameSetTooEarly-{counted_before + 1}",
                "set after it": "chosen-name"}
    verdict.expect(dict(names, **{"seen in the children": seen_in_child}),
                   python=dict(expected, **{"seen in the children": list(expected.values())}),
                   tutorial=expected, what="the names")


@pytest.mark.claim("example.pid-after-start")
def test_the_pid_is_known_as_soon_as_start_returns_before_the_child_has_run(ctx, verdict):
    """p.pid can be read the moment start() returns, before the child has done anything of
    its own: start() itself learns the pid from the OS. Here the child is held on an Event
    before its first line, so the parent reads p.pid while the target provably has not run;
    released, the child reports os.getpid(), the same number.
    """
    go = ctx.Event()
    receive_end, send_end = ctx.Pipe(duplex=False)
    with running(ctx.Process(target=examples.report_pid_when_told, args=(go, send_end)), go) as p:
        pid_right_after = p.pid
        child_has_run = receive_end.poll(0)
        go.set()
        child_says = receive(receive_end)
    assert p.exitcode == 0
    assert isinstance(pid_right_after, int) and not child_has_run
    verdict.expect(pid_right_after, python=child_says, tutorial=child_says,
                   what="p.pid right after start(), before the target ran (python: the child's os.getpid())")
