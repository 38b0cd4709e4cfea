"""Section 5 of the tutorial: its worked examples, each turned into a claim.

(The whole-program examples -- ``example.guard-locals-invisible``, and the name the
tutorial's subclass gets in a fresh program -- are in ``test_05_examples_whole_program.py``.)
"""

import multiprocessing
import signal

import pytest

from fixtures import children, examples, subclasses
from harness import POSIX, WINDOWS
from harness.lifecycle import collect, join_all, receive, running, running_all, wait_for


@pytest.mark.claim("example.append-same-file")
def test_ten_processes_appending_to_one_file_each_land_their_record(ctx, verdict, tmp_path):
    """Ten processes append one record each to the same file: every record lands whole,
    once, and each writer's file position is its own.

    The writers are made as concurrent as possible: all of them open the file, then meet at
    a Barrier, then write. So every writer sees position 0 when it opens the file -- the
    position printed at open time is only a snapshot. On POSIX the file is opened with
    O_APPEND (each writer's descriptor carries the flag), so each write goes to the end of
    the file *as it is at that write*: nothing is overwritten, and afterwards each writer's
    own offset is the end of its own record.

    On Windows appending from several processes is not atomic (the C runtime seeks to the
    end, then writes), so there the spec holds a Lock around each write and cannot say
    whether unlocked writes would collide.

    Tutorial (example.append-same-file): holds on POSIX for every start method.
    """
    n = 10
    path = tmp_path / "shared.txt"
    records = [f"record {i:02d}\n".encode() for i in range(n)]
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    lock = ctx.Lock() if WINDOWS else None
    procs = [ctx.Process(target=examples.append_record,
                         args=(str(path), records[i], barrier, queue, i, lock)) for i in range(n)]
    with running_all(procs, barrier):
        reports = {index: (at_open, after_write, appends)
                   for index, at_open, after_write, appends in collect(queue, n, what="writers' reports")}
        late = join_all(procs)
    assert not late, f"{len(late)} writers still running after the deadline (the barrier was then aborted)"
    content = path.read_bytes()
    size = len(records[0])
    assert [p.exitcode for p in procs] == [0] * n
    assert sorted(content[k:k + size] for k in range(0, len(content), size)) == records, content
    assert {at_open for at_open, _, _ in reports.values()} == {0}, f"positions at open: {reports}"
    assert {appends for _, _, appends in reports.values()} == ({None} if WINDOWS else {True}), reports
    for i, (_, after_write, _) in reports.items():
        assert content[after_write - size:after_write] == records[i], (
            f"writer {i}'s offset after writing ({after_write}) is not the end of its own record")
    observed = (f"{n} records of {n} landed whole; every writer saw position 0 at open; each "
                f"writer's offset afterwards ended its own record")
    if WINDOWS:
        verdict.not_assertable("on Windows appends from several processes are not atomic; the "
                               "spec serialised the writes with a Lock. " + observed)
    else:
        verdict.record(len(content) == n * size, observed=observed)


@pytest.mark.claim("example.create-many-files")
def test_several_processes_each_create_a_file_of_their_own_at_the_same_time(ctx, verdict, tmp_path):
    """Several processes, released together by a Barrier, each create their own file; all
    the files exist afterwards with the right contents.

    Tutorial (example.create-many-files): holds for every start method.
    """
    n = 5
    barrier = ctx.Barrier(n)
    paths = [tmp_path / f"file-{i}.txt" for i in range(n)]
    procs = [ctx.Process(target=examples.create_own_file, args=(str(paths[i]), f"written by child {i}", barrier))
             for i in range(n)]
    with running_all(procs, barrier):
        late = join_all(procs)
    codes = [p.exitcode for p in procs]
    assert not late and codes == [0] * n, f"exit codes {codes}: 4 means a child waited at the barrier in vain"
    contents = [path.read_text(encoding="utf-8") if path.exists() else None for path in paths]
    assert contents == [f"written by child {i}" for i in range(n)]
    verdict.record(all(c is not None for c in contents), observed=f"{n} files created, one per process")


@pytest.mark.claim("example.is-alive-lags-terminate")
def test_a_terminated_process_can_still_be_alive_until_it_has_actually_ended(ctx, verdict):
    """terminate() only asks the OS to end the process: it returns at once, and is_alive()
    stays True until the process has really gone. join() is the way to wait for that --
    afterwards is_alive() is False and exitcode is -SIGTERM.

    On POSIX terminate() sends SIGTERM, and this child handles it by lingering until the
    parent releases it, so "terminated but still alive" is a state the spec holds on
    purpose, not a race it might lose. On Windows terminate() is TerminateProcess, which no
    handler can delay; whether is_alive() is still True right after it is luck there, and
    multiprocessing reports the exit code as -SIGTERM all the same. (The next spec
    terminates a child that does not linger, the tutorial's own case.)

    Tutorial (example.is-alive-lags-terminate): holds on POSIX for every start method.
    """
    started, got_term, release = ctx.Event(), ctx.Event(), ctx.Event()
    # No release passed to running(): this child is terminated, and an Event must never be
    # set after its waiter may have been killed (see harness.lifecycle).
    with running(ctx.Process(target=children.linger_on_sigterm, args=(started, got_term, release))) as p:
        wait_for(started, what="the child to install its SIGTERM handler")
        p.terminate()
        alive_right_after = p.is_alive()
        if POSIX:
            wait_for(got_term, what="the child's SIGTERM handler to run")
            alive_while_lingering = p.is_alive()
            assert alive_while_lingering, "the child died before its handler let it"
            release.set()  # the waiter is alive, lingering in release.wait()
        p.join(10)
    alive_after_join = p.is_alive()
    assert not alive_after_join and p.exitcode == -signal.SIGTERM, f"exitcode {p.exitcode}"
    if WINDOWS:
        verdict.not_assertable(f"TerminateProcess cannot be delayed; this run is_alive() right after "
                               f"terminate() was {alive_right_after}, False after join()")
        return
    assert alive_right_after
    verdict.record(alive_right_after and not alive_after_join,
                   observed=f"is_alive() right after terminate(): {alive_right_after}; after join(): "
                            f"{alive_after_join}; exitcode {p.exitcode}")


@pytest.mark.claim("example.is-alive-lags-terminate")
def test_whether_a_plainly_terminated_child_is_still_alive_at_once_is_luck(ctx, verdict):
    """The tutorial's own case: a child with no SIGTERM handler, terminated and asked
    is_alive() at once. The signal (or TerminateProcess) and the parent's next line race, so
    either answer can come; the spec records which one this run saw. After join() it is
    always False, exitcode -SIGTERM.

    Tutorial (example.is-alive-lags-terminate): not assertable for a plain child, on every
    start method.
    """
    started, release = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=children.signal_then_wait, args=(started, release))) as p:
        wait_for(started, what="the child to start waiting")
        p.terminate()
        alive_right_after = p.is_alive()
        p.join(10)
    assert not p.is_alive() and p.exitcode == -signal.SIGTERM, f"exitcode {p.exitcode}"
    verdict.not_assertable(f"plain child: is_alive() right after terminate() = {alive_right_after}; "
                           f"after join() False, exitcode {p.exitcode}")


@pytest.mark.claim("example.name-overwritten-by-init")
def test_a_name_set_before_super_init_is_replaced_by_the_default_one_set_after_stays(
        start_method, verdict):
    """Process.__init__ gives every process a name, ``<ClassName>-<n>`` with n counting the
    Process objects made so far by this process (the first of a fresh program is number 1:
    see ``test_05_examples_whole_program.py``), so here the next number after a plain
    Process made just before. A subclass that sets self.name *before* calling super().__init__() loses it to that
    default; one that sets it *after* keeps it. The child sees the same name as the parent.

    Tutorial (example.name-overwritten-by-init): holds for every start method.
    """
    counted_before = int(multiprocessing.Process().name.rsplit("-", 1)[1])
    early_conn_r, early_conn_w = multiprocessing.Pipe(duplex=False)
    late_conn_r, late_conn_w = multiprocessing.Pipe(duplex=False)
    early = subclasses.NameSetTooEarly("chosen-name", early_conn_w)
    late = subclasses.NameSetAfterInit("chosen-name", late_conn_w)
    default = f"NameSetTooEarly-{counted_before + 1}"
    assert early.name == default
    assert late.name == "chosen-name"
    with subclasses.default_start_method(start_method), running_all([early, late]):
        seen_in_child = (receive(early_conn_r)["name"], receive(late_conn_r)["name"])
    assert seen_in_child == (default, "chosen-name")
    verdict.record(early.name == default and late.name == "chosen-name",
                   observed=f"set before super().__init__(): {early.name!r}; set after: {late.name!r}")


@pytest.mark.claim("example.pid-after-start")
def test_the_pid_is_known_as_soon_as_start_returns_before_the_child_has_run(ctx, verdict):
    """p.pid can be read the moment start() returns, before the child has done anything of
    its own: start() itself learns the pid from the OS. Here the child is held on an Event
    before its first line, so the parent reads p.pid while the target provably has not run;
    released, the child reports os.getpid(), the same number. (attr.pid covers the rest:
    None before start(), still readable after join().)

    Tutorial (example.pid-after-start): holds for every start method.
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
    assert pid_right_after == child_says, (pid_right_after, child_says)
    verdict.record(pid_right_after == child_says,
                   observed=f"p.pid right after start(), before the target ran = {pid_right_after}; "
                            f"the child's os.getpid() = {child_says}")
