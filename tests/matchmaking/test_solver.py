"""The solver: every constraint, the objective's order, pinned pairs, the greedy start, the bound."""

import threading
import time
from collections import Counter

import pytest

from bench.matchmaking import generate_session
from matchmaking.pairs import PairRequest
from matchmaking.solver import (
    PROGRESS_EVERY_S,
    Pair,
    Party,
    Problem,
    Progress,
    assign_tables,
    greedy,
    idle_gaps,
    solve,
)

SLOTS = (1, 2, 3, 4)


def problem(pairs, *, slots=SLOTS, tables=10, free=None, caps=None, time_limit_s=5.0, workers=1):
    """A problem of (key, seller, buyer, weight[, fixed[, current]]) pairs; everybody free, no cap."""
    free, caps = free or {}, caps or {}
    pairs = tuple(Pair(*pair) if isinstance(pair, tuple) else pair for pair in pairs)
    keys = {side for pair in pairs for side in (pair.seller, pair.buyer)} | set(free) | set(caps)
    parties = {
        key: Party(key=key, free_slots=frozenset(free.get(key, slots)), cap=caps.get(key)) for key in keys
    }
    return Problem(
        slots=slots, tables=tables, parties=parties, pairs=pairs, time_limit_s=time_limit_s, workers=workers
    )


def weight(*priorities):
    """A pair's weight as the app computes it: weight("must") one-sided, weight("could", "could") mutual."""
    return PairRequest(1, 2, *priorities).weight


def assert_valid(problem, placed):
    """Every constraint holds for pair key → (slot, table)."""
    pairs = {pair.key: pair for pair in problem.pairs}
    seats, people, meetings = Counter(), Counter(), Counter()
    for key, (slot, table) in placed.items():
        pair = pairs[key]
        assert slot in problem.slots and 1 <= table <= problem.tables
        if pair.fixed:
            assert (slot, table) == pair.fixed
        else:
            for side in (pair.seller, pair.buyer):
                assert slot in problem.parties[side].free_slots, f"pair {key} in slot {slot}, {side} is busy"
        seats[slot, table] += 1
        people[pair.seller, slot] += 1
        people[pair.buyer, slot] += 1
        meetings[pair.seller] += 1
        meetings[pair.buyer] += 1
    assert max(seats.values(), default=0) <= 1, "two meetings at one table"
    assert max(people.values(), default=0) <= 1, "somebody in two places at once"
    for party, count in meetings.items():
        cap = problem.parties[party].cap
        assert cap is None or count <= cap, f"{party} has {count} meetings, over its cap of {cap}"


def test_nobody_is_in_two_places_at_once():
    # One slot: seller 10 meets 20 or 21, and 21 meets 10 or 11.
    p = problem([(1, 10, 20, 3), (2, 10, 21, 5), (3, 11, 21, 4)], slots=(1,))
    plan = solve(p)
    assert set(plan.placed) == {1, 3}
    assert plan.bound == plan.weight == 7 and plan.optimal
    assert_valid(p, plan.placed)


def test_a_slot_has_no_more_meetings_than_tables():
    plan = solve(problem([(1, 10, 20, 3), (2, 11, 21, 3), (3, 12, 22, 3)], slots=(1,), tables=2))
    assert len(plan.placed) == 2
    assert sorted(table for _slot, table in plan.placed.values()) == [1, 2]


def test_a_cap_keeps_the_heaviest_pairs():
    pairs = [(1, 10, 20, 1), (2, 10, 21, 9), (3, 10, 22, 3), (4, 10, 23, 9)]
    p = problem(pairs, caps={10: 2})
    plan = solve(p)
    assert set(plan.placed) == {2, 4}
    assert_valid(p, plan.placed)


def test_pairs_meet_only_when_both_sides_are_free():
    pairs = [(1, 10, 20, 3), (2, 11, 21, 9)]
    plan = solve(problem(pairs, free={10: {1, 2}, 20: {2, 3}, 11: {1}, 21: {4}}))
    assert plan.placed == {1: (2, 1)}  # 11 and 21 have no slot in common
    assert plan.bound == 3


def test_pinned_pairs_keep_their_slot_and_table_and_count_towards_caps():
    pairs = [
        Pair(1, 10, 20, 1, fixed=(3, 2)),  # the buyer is not free in slot 3 any more: pinned all the same
        Pair(2, 10, 21, 9),
        Pair(3, 10, 22, 9),
        Pair(4, 11, 23, 9),
    ]
    p = problem(pairs, free={20: {1, 2}}, caps={10: 2}, tables=2)
    plan = solve(p)
    assert plan.placed[1] == (3, 2)
    assert len([key for key in plan.placed if key in (1, 2, 3)]) == 2  # the pin uses one of 10's two
    assert plan.weight == 1 + 9 + 9 and plan.bound == plan.weight
    assert_valid(p, plan.placed)
    assert greedy(p)[1] == 3


def test_a_pinned_pair_takes_its_table_from_the_others():
    pairs = [Pair(1, 10, 20, 1, fixed=(1, 1)), Pair(2, 11, 21, 9), Pair(3, 12, 22, 9)]
    plan = solve(problem(pairs, slots=(1,), tables=2))
    assert plan.placed[1] == (1, 1)
    assert len(plan.placed) == 2 and plan.weight == 10


def test_pins_that_cannot_both_hold_are_refused_in_words():
    with pytest.raises(ValueError, match="share slot 1, table 1"):
        solve(problem([Pair(1, 10, 20, 3, fixed=(1, 1)), Pair(2, 11, 21, 3, fixed=(1, 1))]))
    with pytest.raises(ValueError, match="10 has two pinned meetings in slot 2"):
        solve(problem([Pair(1, 10, 20, 3, fixed=(2, 1)), Pair(2, 10, 21, 3, fixed=(2, 2))]))
    with pytest.raises(ValueError, match="slot 9, which the session does not have"):
        solve(problem([Pair(1, 10, 20, 3, fixed=(9, 1))]))
    with pytest.raises(ValueError, match="table 3; the session has tables 1 to 2"):
        solve(problem([Pair(1, 10, 20, 3, fixed=(1, 3))], tables=2))


def test_a_mutual_pair_beats_two_coulds():
    mutual, could = weight("could", "could"), weight("could")
    assert (mutual, could) == (22, 1)
    # One slot: 10 meets 20 (mutual), or 10 meets 21 and 11 meets 20 (two coulds), not both.
    pairs = [(1, 10, 20, mutual), (2, 10, 21, could), (3, 11, 20, could)]
    p = problem(pairs, slots=(1,))
    plan = solve(p)
    assert set(plan.placed) == {1}
    assert plan.weight == 22 and plan.optimal


def test_the_weight_comes_before_compact_days():
    # Seller 10 may meet two buyers: the two "must"s leave a gap, the compact pair weighs less.
    pairs = [(1, 10, 20, weight("must")), (2, 10, 21, weight("must")), (3, 10, 22, weight("want"))]
    p = problem(pairs, slots=(1, 2, 3), free={20: {1}, 21: {3}, 22: {2}}, caps={10: 2})
    plan = solve(p)
    assert set(plan.placed) == {1, 2}
    assert plan.idle_gaps == 1


def test_of_two_plans_of_the_same_weight_the_compact_one_is_returned():
    # Seller 10 meets buyers 20 (free in slots 1 and 4) and 21; 21 also meets seller 11 (free in
    # slot 4 only). Greedy: 11-21 in 4, 10-20 in 1, 10-21 in 2, so 21 waits in slot 3. Moving one
    # meeting at a time cannot mend it; the compact plan has 10 meet 21, then 20, in slots 3 and 4.
    pairs = [(1, 10, 20, 3), (2, 10, 21, 3), (3, 11, 21, 3)]
    p = problem(pairs, free={20: {1, 4}, 11: {4}})
    start = greedy(p)
    assert start == {3: 4, 1: 1, 2: 2} and idle_gaps(p, start) == 1
    plan = solve(p)
    assert plan.weight == 9
    assert plan.idle_gaps == 0
    assert {key: slot for key, (slot, _table) in plan.placed.items()} == {1: 4, 2: 3, 3: 4}


def test_a_fair_spread_serves_two_participants_once_rather_than_one_twice():
    # Two slots at one table: 10 could meet 20 and 21, or 10 meets 21 and 11 meets 20: same weight,
    # no gaps either way, but only the second gives everybody a meeting.
    pairs = [(1, 10, 20, 3), (2, 10, 21, 3), (3, 11, 20, 3)]
    p = problem(pairs, slots=(1, 2), tables=1)
    assert set(greedy(p)) == {1, 2}  # greedy leaves 11 out
    plan = solve(p)
    assert set(plan.placed) == {2, 3}
    assert plan.stats["unserved"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_sessions_keep_every_constraint_and_never_do_worse_than_greedy(seed):
    p = generate_session(buyers=40, sellers=10, slots=8, tables=6, requests=160, cap=4, seed=seed)
    start = greedy(p)
    fixed, seats = {}, Counter()
    for pair in p.pairs[:30:3]:  # pin a few of greedy's meetings
        slot = start.get(pair.key)
        if slot and seats[slot] < p.tables:
            seats[slot] += 1
            fixed[pair.key] = (slot, seats[slot])
    pairs = tuple(
        Pair(pair.key, pair.seller, pair.buyer, pair.weight, fixed=fixed.get(pair.key)) for pair in p.pairs
    )
    p = Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=pairs, time_limit_s=3, workers=1)
    plan = solve(p)
    assert_valid(p, plan.placed)
    assert all(plan.placed[key] == where for key, where in fixed.items())
    weights = {pair.key: pair.weight for pair in p.pairs}
    assert plan.weight >= plan.greedy_weight == sum(weights[key] for key in greedy(p))
    assert plan.bound >= plan.weight
    assert plan.weight == sum(pair.weight for pair in p.pairs if pair.key in plan.placed)
    assert plan.idle_gaps == idle_gaps(p, plan.placed)
    assert_valid(p, assign_tables(p, greedy(p)))


def test_cp_sat_proves_what_the_linear_relaxation_cannot():
    # One table, caps of one: 10-20 (slot 1 only), 10-21 and 11-21 (slot 1 only) pairwise exclude
    # each other, but half of each fits the relaxation: it bounds the weight by 3, not 2.
    pairs = [(1, 10, 20, 2), (2, 10, 21, 2), (3, 11, 21, 2)]
    p = problem(pairs, slots=(1, 2), tables=1, free={20: {1}, 11: {1}}, caps={10: 1, 21: 1})
    plan = solve(p)
    assert plan.weight == plan.bound == 2 and plan.optimal
    assert plan.stats["bound_from"] == "CP-SAT"


def test_with_no_time_to_search_the_plan_is_greedys():
    p = generate_session(buyers=60, sellers=12, slots=10, tables=8, requests=300, cap=5, seed=4)
    p = Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=p.pairs, time_limit_s=0.01)
    plan = solve(p)
    assert_valid(p, plan.placed)
    assert plan.weight >= plan.greedy_weight
    assert plan.bound >= plan.weight


def test_the_bound_is_proven_and_reached_on_a_small_session():
    p = generate_session(buyers=20, sellers=5, slots=6, tables=4, requests=60, cap=4, seed=5)
    plan = solve(Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=p.pairs, time_limit_s=5))
    assert plan.optimal and plan.status == "optimal"
    assert plan.bound == plan.weight and plan.gap == 0


def test_progress_is_reported_in_the_callers_thread():
    p = generate_session(buyers=20, sellers=5, slots=6, tables=4, requests=60, cap=4, seed=6)
    seen = []

    def report(progress):
        assert threading.current_thread() is threading.main_thread()
        seen.append(progress)

    p = Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=p.pairs, time_limit_s=3)
    plan = solve(p, on_progress=report)
    assert seen and all(isinstance(progress, Progress) for progress in seen)
    assert len(seen) <= plan.wall_s / PROGRESS_EVERY_S + 2  # about once a second, and the end
    assert seen[-1].weight == plan.weight and seen[-1].bound == plan.bound
    assert all(progress.bound >= progress.weight for progress in seen)


def test_an_error_in_the_progress_report_stops_the_search_and_goes_up():
    p = generate_session(buyers=100, sellers=20, slots=12, tables=12, requests=600, cap=6, seed=7)
    p = Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=p.pairs, time_limit_s=60)

    def report(progress):
        raise RuntimeError("the database went away")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="went away"):
        solve(p, on_progress=report)
    assert time.monotonic() - started < 20  # the first report stopped it, not the time limit


def test_a_re_solve_leaves_a_good_plan_where_it_is():
    p = generate_session(buyers=30, sellers=6, slots=8, tables=5, requests=90, cap=4, seed=8)
    p = Problem(slots=p.slots, tables=p.tables, parties=p.parties, pairs=p.pairs, time_limit_s=4, workers=1)
    first = solve(p)
    again = Problem(
        slots=p.slots,
        tables=p.tables,
        parties=p.parties,
        pairs=tuple(
            Pair(pair.key, pair.seller, pair.buyer, pair.weight, current=first.placed.get(pair.key))
            for pair in p.pairs
        ),
        time_limit_s=4,
        workers=1,
    )
    second = solve(again)
    assert second.weight == first.weight
    moved = [key for key in first.placed if second.placed.get(key, (None,))[0] != first.placed[key][0]]
    assert len(moved) <= len(first.placed) // 10


@pytest.mark.parametrize(
    "p",
    [
        problem([]),
        problem([(1, 10, 20, 3)], slots=()),
        problem([(1, 10, 20, 3)], tables=0),
        problem([(1, 10, 20, 3)], free={10: set()}),
    ],
    ids=["no pairs", "no slots", "no tables", "nobody free"],
)
def test_nothing_to_place_gives_an_empty_plan(p):
    seen = []
    plan = solve(p, on_progress=seen.append)
    assert plan.placed == {} and plan.weight == plan.bound == plan.greedy_weight == 0
    assert plan.optimal and plan.idle_gaps == 0 and plan.gap == 0
    assert len(seen) == 1


def test_greedy_places_the_heaviest_first_each_in_its_earliest_slot():
    pairs = [(1, 10, 20, 1), (2, 10, 21, 9), (3, 11, 21, 3), (4, 12, 22, 3)]
    p = problem(pairs, free={22: {2, 3}})
    # 10-21 first; then, of the 3s, 12-22 (two slots it can use) before 11-21 (four).
    assert greedy(p) == {2: 1, 4: 2, 3: 2, 1: 2}


def test_greedy_gives_pairs_with_fewer_chances_their_slot_first():
    # Same weight: 11-20 can only meet in slot 1, so it goes before 10-20, which takes slot 2.
    p = problem([(1, 10, 20, 3), (2, 11, 20, 3)], slots=(1, 2), free={11: {1}})
    assert greedy(p) == {2: 1, 1: 2}


def test_idle_gaps_count_runs_of_empty_slots_between_meetings():
    pairs = [(1, 10, 20, 1), (2, 10, 21, 1), (3, 10, 22, 1), (4, 10, 23, 1)]
    p = problem(pairs, slots=tuple(range(1, 8)))
    assert idle_gaps(p, {1: 1, 2: 2, 3: 5, 4: 7}) == 2
    assert idle_gaps(p, {1: (1, 4), 2: (2, 4)}) == 0
    assert idle_gaps(p, {}) == 0


def test_sellers_stay_at_their_table_and_buyers_move():
    # Three sellers over three slots at three tables, each seller with a meeting in every slot.
    pairs = [
        (10 * seller + slot, seller, 100 + 10 * seller + slot, 1) for seller in (1, 2, 3) for slot in SLOTS
    ]
    p = problem(pairs, tables=3)
    tables = assign_tables(p, {key: key % 10 for key, *_ in pairs})
    assert_valid(p, tables)
    for seller in (1, 2, 3):
        assert len({tables[key][1] for key, s, *_ in pairs if s == seller}) == 1


def test_a_seller_with_a_pinned_meeting_stays_at_its_table():
    pairs = [Pair(1, 10, 20, 1, fixed=(1, 3)), Pair(2, 10, 21, 1), Pair(3, 11, 22, 1)]
    p = problem(pairs, slots=(1, 2), tables=3)
    tables = assign_tables(p, {1: 1, 2: 2, 3: 1})
    assert tables == {1: (1, 3), 2: (2, 3), 3: (1, 1)}


def test_tables_follow_a_seller_across_slots_where_it_shares_one():
    # Sellers 1 and 2 alternate, seller 3 is in every slot, at two tables: 1 and 2 share a table.
    pairs = [(1, 1, 21, 1), (2, 2, 22, 1), (3, 1, 23, 1), (4, 3, 24, 1), (5, 3, 25, 1), (6, 3, 26, 1)]
    p = problem(pairs, slots=(1, 2, 3), tables=2)
    tables = assign_tables(p, {1: 1, 2: 2, 3: 3, 4: 1, 5: 2, 6: 3})
    assert {tables[key][1] for key in (4, 5, 6)} == {1}
    assert {tables[key][1] for key in (1, 2, 3)} == {2}
