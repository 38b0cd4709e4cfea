"""Section 4 of the tutorial: join(), and starting many processes.

Children write lines to a shared log (``fixtures.joining.SharedLog``) instead of printing;
the order of its lines is the order in which the processes wrote them. Every ordering the
specs assert is forced with Events and Barriers, never hoped for from the scheduler; where
the scheduler decides, the spec lists every outcome it allows.
"""

import itertools
import threading

import pytest

from fixtures import children, facts, joining
from harness.lifecycle import join_all, running, running_all, wait_for
from harness.verdicts import either


WORK_TIME = 1.5  # seconds the child is held after join() is called: well past a second


@pytest.mark.claim("join.blocks-until-child-ends")
def test_join_waits_for_the_child_while_code_before_join_runs_alongside_it(ctx, verdict, tmp_path):
    """The parent's code between start() and join() runs while the child is still running;
    join() itself returns only once the child has ended, however long it works.

    The child announces that it runs and then waits for a go-ahead, so when the parent
    writes its line the child is provably alive. Then the parent calls join() as the
    tutorial does, without a timeout, and a timer thread of the parent gives the go-ahead
    1.5 s later: the claim is about waiting, so the timer stands in for long work. join()
    returns with the child ended (exit code 0 right after the call), and the child's line
    comes before the parent's line after join().
    """
    log = joining.SharedLog(tmp_path / "log", ctx.Lock())
    started, go = ctx.Event(), ctx.Event()
    with running(ctx.Process(target=joining.work_when_told, args=(log, started, go)), go) as p:
        wait_for(started, what="the child to say it was running")
        child_alive_before_join = p.is_alive()
        log.write("parent: before join")
        go_ahead = threading.Timer(WORK_TIME, go.set)
        go_ahead.start()
        try:
            p.join()
            exitcode_right_after_join = p.exitcode
        finally:
            go_ahead.cancel()
            go_ahead.join()
        log.write("parent: after join")
    expected = {"child alive while the parent's own code ran": True,
                "exit code right after join()": 0,
                "log": ["parent: before join", "child: work done", "parent: after join"]}
    verdict.expect({"child alive while the parent's own code ran": child_alive_before_join,
                    "exit code right after join()": exitcode_right_after_join, "log": log.lines()},
                   python=expected, tutorial=expected, what="the child and the parent's join()")


@pytest.mark.claim("join.many-after-loop")
def test_processes_joined_after_the_loop_run_together_and_all_end_before_the_parent_goes_on(
        ctx, verdict, tmp_path):
    """Start every child in a loop, then join them all in a second loop: the children run at
    the same time, and the parent passes the joins only when every one has ended.

    "At the same time" is proven, not timed: each child waits at a Barrier for all the
    others, which only opens when all of them are alive at once (a child that waited in vain
    would exit with facts.EXIT_BARRIER_BROKEN). The parent joins them all within one
    deadline; should it pass, the barrier is aborted, so a broken run ends with that
    message, not a hang.
    """
    n = 4
    log = joining.SharedLog(tmp_path / "log", ctx.Lock())
    barrier = ctx.Barrier(n)
    procs = [ctx.Process(target=joining.meet_the_others, args=(log, barrier, f"child {i}"))
             for i in range(n)]
    with running_all(procs, barrier):  # on leaving, the barrier is aborted: stragglers go at once
        late = join_all(procs)
        log.write("parent: past the joins")
    lines = log.lines()
    assert not late, f"{len(late)} children still running at the deadline; the barrier was aborted"
    assert sorted(lines[:-1]) == sorted(f"child {i}: {w}" for i in range(n) for w in ("started", "finished"))
    expected = {"exit codes": [facts.EXIT_OK] * n,  # EXIT_BARRIER_BROKEN: one waited at the barrier in vain
                "every child started before any finished": True,  # the barrier held them all
                "the parent's line came last": True}
    verdict.expect({"exit codes": [p.exitcode for p in procs],
                    "every child started before any finished": all(line.endswith("started") for line in lines[:n]),
                    "the parent's line came last": lines[-1] == "parent: past the joins"},
                   python=expected, tutorial=expected, what=f"{n} children joined after the loop",
                   detail=f"log: {lines}")


@pytest.mark.parametrize("timeout", [None, facts.LONG], ids=["join()", "join(timeout)"])
@pytest.mark.claim("join.inside-loop-serializes")
def test_join_inside_the_start_loop_runs_the_children_one_after_another(ctx, verdict, tmp_path, timeout):
    """With join() right after each start(), the loop cannot start child i+1 before child i
    has ended, so the children run strictly one after another.

    The join is the tutorial's, without a timeout, or one with a timeout the child never
    comes near (facts.LONG); either way each child has ended when it returns (exit code 0
    right after the call). The recorded order proves the rest: each child's start line
    comes after the previous child's finish line.
    """
    n = 3
    log = joining.SharedLog(tmp_path / "log", ctx.Lock())
    for i in range(n):
        with running(ctx.Process(target=joining.start_then_finish, args=(log, f"child {i}"))) as p:
            p.join(timeout)  # the join inside the loop: the next child is not started before this returns
            exitcode_right_after_join = p.exitcode
        assert exitcode_right_after_join == 0, f"child {i}: exit code {exitcode_right_after_join} after join"
    expected = [f"child {i}: {w}" for i in range(n) for w in ("started", "finished")]
    verdict.expect(log.lines(), python=expected, tutorial=expected, what="log")


@pytest.mark.claim("join.last-only-insufficient")
def test_joining_only_the_last_process_does_not_wait_for_the_others(ctx, verdict):
    """join() waits for one process only. Joining just the last one started lets the
    parent carry on while earlier children still run.

    The earlier children are held on an Event; the last one runs free. After the parent's
    single join() they are provably still alive.
    """
    release = ctx.Event()
    started = [ctx.Event(), ctx.Event()]
    held = [ctx.Process(target=children.signal_then_wait, args=(s, release)) for s in started]
    last = ctx.Process(target=children.noop)
    with running_all(held + [last], release):
        for s in started:
            wait_for(s, what="the held children to start")
        last.join(facts.LONG)
        assert last.exitcode == 0
        still_running = [p.is_alive() for p in held]
    assert [p.exitcode for p in held] == [0, 0]
    verdict.expect(still_running, python=[True, True], tutorial=[True, True],
                   what="after joining only the last child, the earlier ones alive")


def started(n):
    """The names of n children, in the order they are started."""
    return [f"child {i}" for i in range(n)]


def finishing_order_when_each_waits_for_the_next(ctx, tmp_path, n):
    """Start n children, each of which can finish only after the one started after it has."""
    log = joining.SharedLog(tmp_path / "log-waiting", ctx.Lock())
    done = [ctx.Event() for _ in range(n)]
    procs = [ctx.Process(target=joining.finish_after,
                         args=(log, f"child {i}", done[i + 1] if i + 1 < n else None, done[i]))
             for i in range(n)]
    with running_all(procs, *done):
        late = join_all(procs)
    assert not late, f"{len(late)} children still running at the deadline"
    assert [p.exitcode for p in procs] == [0] * n
    return [line.split(":")[0] for line in log.lines()]


def lines_of_free_writers(ctx, path, target, words, n):
    """Run n children that each log two lines, ``words``, with nothing to order them; check
    that every child ended and every line landed once, and return the log's lines."""
    log = joining.SharedLog(path, ctx.Lock())
    procs = [ctx.Process(target=target, args=(log, f"child {i}")) for i in range(n)]
    with running_all(procs):
        join_all(procs)
    lines = log.lines()
    assert [p.exitcode for p in procs] == [0] * n
    assert sorted(lines) == sorted(f"child {i}: {w}" for i in range(n) for w in words)
    return lines


def finishing_order_with_equal_work(ctx, tmp_path, n):
    """Start n children with the same work and nothing to order them; each runs once."""
    lines = lines_of_free_writers(ctx, tmp_path / "log-equal", joining.start_then_finish, ("started", "finished"), n)
    return [line.split(":")[0] for line in lines if line.endswith("finished")]


@pytest.mark.claim("join.order-not-start-order")
def test_start_order_does_not_decide_the_finishing_order(ctx, verdict, tmp_path):
    """Children do not necessarily finish in the order they were started.

    When their work makes each child wait until the child started after it has finished,
    they end in exactly the reverse of their start order. With equal work and nothing to
    order them, every child finishes once, in whatever order the scheduler gives them the
    CPU: the start order or any other.
    """
    waiting = finishing_order_when_each_waits_for_the_next(ctx, tmp_path, 3)
    equal = finishing_order_with_equal_work(ctx, tmp_path, 4)

    def outcome(waiting_order, equal_order):
        return {"each waiting for the next: finishing order": list(waiting_order),
                "each waiting for the next: in start order": list(waiting_order) == started(3),
                "equal work: finishing order": list(equal_order),
                "equal work: in start order": list(equal_order) == started(4)}

    verdict.expect(outcome(waiting, equal),
                   python=either(*(outcome(started(3)[::-1], order) for order in itertools.permutations(started(4)))),
                   tutorial={"each waiting for the next: in start order": False,
                             "equal work: in start order": False},
                   what="finishing orders")


@pytest.mark.claim("join.interleaving")
def test_a_slow_child_lets_others_write_between_its_lines_and_without_a_pause_the_switches_fall_by_luck(
        ctx, verdict, tmp_path):
    """Output from processes interleaves when one of them is slow between two writes, and
    without a pause each child's two lines come out together only when the OS happens not
    to switch between them.

    Child A writes its first line and then pauses (held on an Event), child B writes both
    of its lines, and only then does A write its second: the switch is forced, so it always
    shows. Then four children write two lines each, back to back: each child's lines come
    out in its own order and every line lands once, and any number of the four pairs, none
    to all, may come out together.
    """
    log = joining.SharedLog(tmp_path / "log-held", ctx.Lock())
    paused, resume = ctx.Event(), ctx.Event()
    a = ctx.Process(target=joining.two_lines, args=(log, "A", paused, resume))
    b = ctx.Process(target=joining.two_lines, args=(log, "B"))
    with running(a, resume):
        wait_for(paused, what="A to reach its pause")
        with running(b):
            pass  # leaving the block joins B
        resume.set()
    held = log.lines()
    assert (a.exitcode, b.exitcode) == (0, 0)
    assert held == ["A: first", "B: first", "B: second", "A: second"], held

    n = 4
    lines = lines_of_free_writers(ctx, tmp_path / "log-free", joining.two_lines, ("first", "second"), n)
    for i in range(n):
        assert lines.index(f"child {i}: first") < lines.index(f"child {i}: second"), lines
    together = sum(lines.index(f"child {i}: second") == lines.index(f"child {i}: first") + 1
                   for i in range(n))

    def outcome(switch_shown, pairs_together):
        return {"with A held: another child's line between A's two": switch_shown,
                "without a pause: children whose two lines came out together": pairs_together}

    verdict.expect(outcome(held.index("A: second") > held.index("A: first") + 1, together),
                   python=either(*(outcome(True, k) for k in range(n + 1))),
                   tutorial=outcome(True, n), what="interleaving", detail=f"log: {lines}")
