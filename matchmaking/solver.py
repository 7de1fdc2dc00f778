"""Place (seller, buyer) pairs into (slot, table): a pure function of plain data, no database.

Constraints: nobody in two places at once; a pair only in a slot both sides are free; at most
`tables` meetings per slot; at most a participant's cap of meetings; fixed (pinned) pairs stay at
their slot and table. Objective, in order: the weight of placed pairs; then compact days (fewest
idle gaps between a participant's meetings); then a fair spread (fewest participants with requests
but no meeting); then, on a re-solve, the fewest pairs moved from where they are now.

`solve` works in two phases inside the problem's time limit. Phase 1, the weight, starts from the
best of greedy, greedy after the linear relaxation's plan (GLOP) and, on a re-solve, greedy after the
current placements. This relaxation is nearly integral: when the start weighs as much as its bound,
the start is proven optimal and CP-SAT has nothing to search (the bench sessions, in about a second);
otherwise CP-SAT maximises the weight from that hint and the bound it proves is reported. Phase 2
holds that weight: simulated annealing (`_anneal`, moves and swaps of meetings) closes idle gaps,
then CP-SAT minimises gaps, then participants left without a meeting, then pairs moved, from there
(it proves small sessions optimal; on large ones the annealing does most of the work).

Tables are not variables: any table is as good as another, so the model only says which pair
meets in which slot, and `assign_tables` numbers the tables afterwards (sellers stay put, buyers
move).

Fixed pairs are constants, not variables: they take their party's slot, a table and a share of the
cap before anything else is placed, so the model is always feasible (placing nothing satisfies it).
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations, pairwise

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Party:
    """A participant as the solver sees it."""

    key: int
    free_slots: frozenset[int]  # slot numbers it may meet in
    cap: int | None = None  # most meetings; None = no cap


@dataclass(frozen=True)
class Pair:
    key: int
    seller: int  # Party keys
    buyer: int
    weight: int  # > 0; vetoed pairs are never given to the solver
    fixed: tuple[int, int] | None = None  # (slot, table) it must keep: a pinned meeting
    current: tuple[int, int] | None = None  # where it is now: a hint, so re-solves move little


@dataclass(frozen=True)
class Problem:
    slots: tuple[int, ...]  # slot numbers, in time order
    tables: int
    parties: dict[int, Party]
    pairs: tuple[Pair, ...]
    time_limit_s: float = 20.0
    workers: int = 0  # 0 = as many as the machine has
    seed: int = 2016  # CP-SAT's random seed: one worker and a given seed give the same plan each time


@dataclass
class Progress:
    """What the solver reports while it runs (to show staff)."""

    weight: int
    bound: int
    elapsed_s: float


@dataclass
class Plan:
    placed: dict[int, tuple[int, int]]  # pair key → (slot, table)
    weight: int  # placed weight
    bound: int  # best weight CP-SAT proves possible (≥ weight)
    optimal: bool
    greedy_weight: int
    idle_gaps: int
    wall_s: float
    status: str  # "optimal", "feasible", "greedy only", "nothing to place"
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return 0.0 if not self.bound else max(0.0, 1 - self.weight / self.bound)


PHASE_ONE_SHARE = 0.7  # of the time limit, for the weight; the compaction gets the rest
PROGRESS_EVERY_S = 1.0
ANNEAL_SHARE = 0.6  # of the compaction's time, at most, for `_anneal`; CP-SAT gets the rest
ANNEAL_STEPS_PER_PAIR = 10_000


class _Prepared:
    """What greedy and the model share: the fixed pairs as constants, and where every other pair may go."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.order = {slot: i for i, slot in enumerate(problem.slots)}
        self.pairs: dict[int, Pair] = {}
        for pair in problem.pairs:
            if pair.key in self.pairs:
                raise ValueError(f"Pair {pair.key} is given twice.")
            for side in (pair.seller, pair.buyer):
                if side not in problem.parties:
                    raise ValueError(f"Pair {pair.key} names participant {side}, who is not in the problem.")
            if pair.weight <= 0 and not pair.fixed:
                raise ValueError(f"Pair {pair.key} weighs {pair.weight}: only pairs worth meeting count.")
            self.pairs[pair.key] = pair

        self.fixed: dict[int, int] = {}  # pair key → slot
        self.busy: set[tuple[int, int]] = set()  # (party, slot) taken by a fixed pair
        self.used_tables: set[tuple[int, int]] = set()  # (slot, table)
        self.slot_load: Counter[int] = Counter()
        self.party_load: Counter[int] = Counter()
        for pair in self.pairs.values():
            if pair.fixed:
                self._fix(pair)
        self.fixed_weight = sum(self.pairs[key].weight for key in self.fixed)

        # Where each other pair may go: both sides free and not pinned elsewhere, a table left in
        # the slot, and room under both caps.
        self.room: dict[int, list[int]] = {}
        for pair in self.pairs.values():
            if pair.fixed or self.remaining_cap(pair.seller) <= 0 or self.remaining_cap(pair.buyer) <= 0:
                continue
            common = problem.parties[pair.seller].free_slots & problem.parties[pair.buyer].free_slots
            slots = [
                slot
                for slot in problem.slots
                if slot in common
                and (pair.seller, slot) not in self.busy
                and (pair.buyer, slot) not in self.busy
                and self.slot_load[slot] < problem.tables
            ]
            if slots:
                self.room[pair.key] = slots

    def _fix(self, pair: Pair) -> None:
        slot, table = pair.fixed
        where = f"slot {slot}, table {table}"
        if slot not in self.order:
            raise ValueError(f"Pinned pair {pair.key} is in slot {slot}, which the session does not have.")
        if not 1 <= table <= self.problem.tables:
            raise ValueError(
                f"Pinned pair {pair.key} is at table {table}; "
                f"the session has tables 1 to {self.problem.tables}."
            )
        if (slot, table) in self.used_tables:
            raise ValueError(f"Two pinned meetings share {where}.")
        for side in (pair.seller, pair.buyer):
            if (side, slot) in self.busy:
                raise ValueError(f"Participant {side} has two pinned meetings in slot {slot}.")
            self.busy.add((side, slot))
            self.party_load[side] += 1
        self.used_tables.add((slot, table))
        self.slot_load[slot] += 1
        self.fixed[pair.key] = slot

    def remaining_cap(self, party: int) -> int | float:
        cap = self.problem.parties[party].cap
        return math.inf if cap is None else cap - self.party_load[party]

    def weight(self, slot_by_pair: Mapping[int, int]) -> int:
        return sum(self.pairs[key].weight for key in slot_by_pair)

    def placeable_parties(self) -> set[int]:
        """Participants who could have at least one meeting: the ones a fair spread looks after."""
        parties = {side for key in self.fixed for side in (self.pairs[key].seller, self.pairs[key].buyer)}
        parties.update(side for key in self.room for side in (self.pairs[key].seller, self.pairs[key].buyer))
        return parties


def greedy(problem: Problem) -> dict[int, int]:
    """A quick plan, pair key → slot: the heaviest pairs first, each in its earliest possible slot.

    Fixed pairs come first, at their slot. Among pairs of equal weight, those with fewer common free
    slots go first (they have fewer chances later).
    """
    return _greedy(_Prepared(problem))


def _greedy(prep: _Prepared, start: Mapping[int, int] | None = None) -> dict[int, int]:
    """Greedy, optionally keeping the pairs of `start` (pair key → slot) where they are when they fit."""
    problem = prep.problem
    placed = dict(prep.fixed)
    busy = set(prep.busy)
    slot_load = Counter(prep.slot_load)
    party_load = Counter(prep.party_load)
    caps = {key: party.cap for key, party in problem.parties.items()}

    def fits(pair: Pair, slot: int) -> bool:
        return (
            slot_load[slot] < problem.tables
            and (pair.seller, slot) not in busy
            and (pair.buyer, slot) not in busy
            and all(caps[side] is None or party_load[side] < caps[side] for side in (pair.seller, pair.buyer))
        )

    def place(pair: Pair, slot: int) -> None:
        placed[pair.key] = slot
        busy.update(((pair.seller, slot), (pair.buyer, slot)))
        slot_load[slot] += 1
        party_load[pair.seller] += 1
        party_load[pair.buyer] += 1

    for key, slot in (start or {}).items():  # in the order given
        pair = prep.pairs.get(key)
        if pair and key not in placed and slot in prep.room.get(key, ()) and fits(pair, slot):
            place(pair, slot)
    queue = sorted(prep.room, key=lambda key: (-prep.pairs[key].weight, len(prep.room[key]), key))
    for key in queue:
        if key in placed:
            continue
        pair = prep.pairs[key]
        for slot in prep.room[key]:
            if fits(pair, slot):
                place(pair, slot)
                break
    return placed


def _blocks(mask: int) -> int:
    """Runs of busy slots in a bit mask of slot indexes."""
    return (mask & ~(mask << 1)).bit_count()


def _tidy(prep: _Prepared, slot_by_pair: Mapping[int, int]) -> dict[int, int]:
    """The same pairs with fewer idle gaps: move a meeting, or swap two of one participant's, while
    that closes a gap. Quick (hundredths of a second on the bench session) and a far better start
    for CP-SAT's compaction than the scattered plan the weight phase ends with.
    """
    problem, order, slots = prep.problem, prep.order, prep.problem.slots
    placed = dict(slot_by_pair)
    mask: dict[int, int] = defaultdict(int)  # party → bits of the slot indexes it meets in
    load = [0] * len(slots)
    for key, slot in placed.items():
        pair = prep.pairs[key]
        mask[pair.seller] |= 1 << order[slot]
        mask[pair.buyer] |= 1 << order[slot]
        load[order[slot]] += 1
    movable = {key: {order[slot] for slot in prep.room[key]} for key in placed if key not in prep.fixed}
    by_party: dict[int, list[int]] = defaultdict(list)
    for key in movable:
        by_party[prep.pairs[key].seller].append(key)
        by_party[prep.pairs[key].buyer].append(key)

    def move(key: int, to: int) -> None:
        pair, here = prep.pairs[key], order[placed[key]]
        for side in (pair.seller, pair.buyer):
            mask[side] = mask[side] & ~(1 << here) | (1 << to)
        load[here] -= 1
        load[to] += 1
        placed[key] = slots[to]

    improved = True
    while improved:
        improved = False
        for key, options in movable.items():
            seller, buyer = prep.pairs[key].seller, prep.pairs[key].buyer
            here = 1 << order[placed[key]]
            rest_s, rest_b = mask[seller] & ~here, mask[buyer] & ~here
            best, to = _blocks(mask[seller]) + _blocks(mask[buyer]), None
            for j in sorted(options):
                bit = 1 << j
                if load[j] < problem.tables and not (rest_s | rest_b) & bit:
                    score = _blocks(rest_s | bit) + _blocks(rest_b | bit)
                    if score < best:
                        best, to = score, j
            if to is not None:
                move(key, to)
                improved = True
        for party, keys in by_party.items():  # two meetings of one party trade slots
            for a, b in combinations(keys, 2):
                i, j = order[placed[a]], order[placed[b]]
                if j not in movable[a] or i not in movable[b]:
                    continue
                pa, pb = prep.pairs[a], prep.pairs[b]
                other_a = pa.buyer if pa.seller == party else pa.seller
                other_b = pb.buyer if pb.seller == party else pb.seller
                if mask[other_a] & (1 << j) or mask[other_b] & (1 << i):
                    continue
                new_a = mask[other_a] & ~(1 << i) | (1 << j)
                new_b = mask[other_b] & ~(1 << j) | (1 << i)
                if _blocks(new_a) + _blocks(new_b) < _blocks(mask[other_a]) + _blocks(mask[other_b]):
                    mask[other_a], mask[other_b] = new_a, new_b
                    placed[a], placed[b] = slots[j], slots[i]
                    improved = True
    return placed


def _anneal(
    prep: _Prepared,
    slot_by_pair: Mapping[int, int],
    *,
    seconds: float,
    seed: int,
    current: Mapping[int, int],
    tick: Callable[[], None] = lambda: None,
    steps_per_pair: int = ANNEAL_STEPS_PER_PAIR,
) -> dict[int, int]:
    """The same pairs with fewer idle gaps, by simulated annealing over `_tidy`'s moves.

    A move or swap that opens a gap is taken now and then (less often as it cools), which gets
    out of the dead ends where `_tidy` stops: on the bench session it takes the gaps from about
    115 to about 30 in a few seconds, far more than CP-SAT's compaction does in the same time. The
    number of steps grows with the pairs placed (small sessions take a fraction of a second) and
    stops at `seconds`. Ties go to the plan that moves fewer pairs from `current`. `tick` is called
    every thousand steps or so.
    """
    order, slots, tables = prep.order, prep.problem.slots, prep.problem.tables
    rng = random.Random(seed)
    placed = {key: order[slot] for key, slot in slot_by_pair.items()}
    mask: dict[int, int] = defaultdict(int)
    load = [0] * len(slots)
    for key, i in placed.items():
        pair = prep.pairs[key]
        mask[pair.seller] |= 1 << i
        mask[pair.buyer] |= 1 << i
        load[i] += 1
    movable = [key for key in placed if key not in prep.fixed]
    if not movable:
        return dict(slot_by_pair)
    options = {key: [order[slot] for slot in prep.room[key]] for key in movable}
    allowed = {key: set(indexes) for key, indexes in options.items()}
    by_party: dict[int, list[int]] = defaultdict(list)
    for key in movable:
        by_party[prep.pairs[key].seller].append(key)
        by_party[prep.pairs[key].buyer].append(key)
    busy_parties = [party for party, keys in by_party.items() if len(keys) > 1]
    home = {key: order[slot] for key, slot in current.items() if key in placed}
    nudge = 1 / (len(home) + 1)  # a moved pair costs less than any gap, even all of them moved

    def moved(key: int, to: int) -> float:
        return nudge * ((home.get(key, to) != to) - (home.get(key, placed[key]) != placed[key]))

    cost = sum(_blocks(bits) for bits in mask.values()) + nudge * sum(home[k] != placed[k] for k in home)
    best_cost, best = cost, dict(placed)
    steps = steps_per_pair * len(movable)
    hot, cold = 2.0, 0.05
    began = time.monotonic()
    for step in range(steps):
        if step % 1024 == 0:  # cool with the steps or the time, whichever runs out first
            done = max(step / steps, (time.monotonic() - began) / seconds) if seconds > 0 else 1
            if done >= 1 or best_cost < nudge / 2:
                break
            tick()
            temperature = hot * (cold / hot) ** done
        if busy_parties and rng.random() < 0.4:  # two meetings of one participant trade slots
            party = rng.choice(busy_parties)
            a, b = rng.sample(by_party[party], 2)
            i, j = placed[a], placed[b]
            if j not in allowed[a] or i not in allowed[b]:
                continue
            pa, pb = prep.pairs[a], prep.pairs[b]
            other_a = pa.buyer if pa.seller == party else pa.seller
            other_b = pb.buyer if pb.seller == party else pb.seller
            if mask[other_a] & (1 << j) or mask[other_b] & (1 << i):
                continue
            new_a = mask[other_a] & ~(1 << i) | (1 << j)
            new_b = mask[other_b] & ~(1 << j) | (1 << i)
            delta = _blocks(new_a) + _blocks(new_b) - _blocks(mask[other_a]) - _blocks(mask[other_b])
            delta += moved(a, j) + moved(b, i)
            if delta <= 0 or rng.random() < math.exp(-delta / temperature):
                mask[other_a], mask[other_b] = new_a, new_b
                placed[a], placed[b] = j, i
                cost += delta
        else:  # a meeting moves to another slot
            key = rng.choice(movable)
            pair, i, j = prep.pairs[key], placed[key], rng.choice(options[key])
            seller, buyer = mask[pair.seller], mask[pair.buyer]
            if j == i or load[j] >= tables or (seller | buyer) & (1 << j):
                continue
            new_seller = seller & ~(1 << i) | (1 << j)
            new_buyer = buyer & ~(1 << i) | (1 << j)
            delta = _blocks(new_seller) + _blocks(new_buyer) - _blocks(seller) - _blocks(buyer)
            delta += moved(key, j)
            if delta <= 0 or rng.random() < math.exp(-delta / temperature):
                mask[pair.seller], mask[pair.buyer] = new_seller, new_buyer
                load[i] -= 1
                load[j] += 1
                placed[key] = j
                cost += delta
        if cost < best_cost - 1e-9:
            best_cost, best = cost, dict(placed)
    return {key: slots[i] for key, i in best.items()}


def _served(prep: _Prepared, slot_by_pair: Mapping[int, int]) -> set[int]:
    return {side for key in slot_by_pair for side in (prep.pairs[key].seller, prep.pairs[key].buyer)}


def _relaxed(prep: _Prepared, seconds: float) -> tuple[dict[int, int], int | None]:
    """The linear relaxation: where it puts each pair (over half of it in one slot), surest first,
    and the weight bound it proves (None if GLOP ran out of time).

    The relaxation of this model is nearly integral: on the bench sessions its plan is optimal or
    within a few units of weight, where CP-SAT's search from greedy took tens of seconds to get.
    """
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return {}, None
    lp.SetTimeLimit(max(1, int(seconds * 1000)))
    infinity = lp.infinity()
    rows: dict[tuple, pywraplp.Constraint] = {}  # one per constraint of the model, made on first use

    def row(name: tuple, limit: float) -> pywraplp.Constraint:
        if name not in rows:
            rows[name] = lp.Constraint(-infinity, limit)
        return rows[name]

    objective = lp.Objective()
    objective.SetMaximization()
    x = {}
    tables = prep.problem.tables
    for key, slots in prep.room.items():
        pair = prep.pairs[key]
        caps = [(side, prep.remaining_cap(side)) for side in (pair.seller, pair.buyer)]
        for slot in slots:
            var = x[key, slot] = lp.NumVar(0, 1, "")
            objective.SetCoefficient(var, pair.weight)
            row(("pair", key), 1).SetCoefficient(var, 1)
            row(("busy", pair.seller, slot), 1).SetCoefficient(var, 1)
            row(("busy", pair.buyer, slot), 1).SetCoefficient(var, 1)
            row(("slot", slot), tables - prep.slot_load[slot]).SetCoefficient(var, 1)
            for side, cap in caps:
                if cap != math.inf:
                    row(("cap", side), cap).SetCoefficient(var, 1)
    status = lp.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return {}, None
    values = sorted(((var.solution_value(), key, slot) for (key, slot), var in x.items()), reverse=True)
    start = {key: slot for value, key, slot in values if value > 0.5}
    if status != pywraplp.Solver.OPTIMAL:
        return start, None
    # Integer weights: the best plan weighs at most the relaxation's optimum, rounded down (with
    # room for GLOP's tolerances, which only weakens the bound).
    value = objective.Value()
    return start, math.floor(value + 1e-6 * abs(value) + 1e-3) + prep.fixed_weight


def idle_gaps(problem: Problem, placed: Mapping[int, int | tuple[int, int]]) -> int:
    """Runs of empty slots between two of a participant's meetings, summed over participants.

    `placed` maps pair keys to a slot or to (slot, table). A day of meetings in slots 1, 2, 5 and 7
    has two gaps, however long they are.
    """
    order = {slot: i for i, slot in enumerate(problem.slots)}
    pairs = {pair.key: pair for pair in problem.pairs}
    by_party: dict[int, list[int]] = defaultdict(list)
    for key, where in placed.items():
        slot = where[0] if isinstance(where, tuple) else where
        for side in (pairs[key].seller, pairs[key].buyer):
            by_party[side].append(order[slot])
    gaps = 0
    for indexes in by_party.values():
        indexes.sort()
        gaps += sum(1 for a, b in pairwise(indexes) if b - a > 1)
    return gaps


def assign_tables(problem: Problem, slot_by_pair: Mapping[int, int]) -> dict[int, tuple[int, int]]:
    """Number the tables: pair key → (slot, table), tables 1…N.

    Fixed pairs keep their table. Sellers stay where they are and buyers move: each seller, busiest
    first, takes the table free in most of its slots (its pinned or current table when that is as
    good, else the lowest), then the same for the slots left over, so most sellers use one table.
    """
    pairs = {pair.key: pair for pair in problem.pairs}
    taken: dict[int, set[int]] = defaultdict(set)  # slot → tables in use
    result: dict[int, tuple[int, int]] = {}
    by_seller: dict[int, dict[int, int]] = defaultdict(dict)  # seller → slot → pair key
    liked: dict[int, Counter[int]] = defaultdict(Counter)  # seller → tables it has had
    for key, slot in slot_by_pair.items():
        pair = pairs[key]
        if pair.fixed:
            slot, table = pair.fixed
            result[key] = (slot, table)
            taken[slot].add(table)
            liked[pair.seller][table] += 2
            continue
        if pair.current:
            liked[pair.seller][pair.current[1]] += 1
        if slot in by_seller[pair.seller]:
            raise ValueError(f"Seller {pair.seller} has two meetings in slot {slot}.")
        by_seller[pair.seller][slot] = key
    for slot, keys in Counter(slot_by_pair.values()).items():
        if keys > problem.tables:
            raise ValueError(f"Slot {slot} has {keys} meetings for {problem.tables} tables.")

    tables = range(1, problem.tables + 1)
    for seller in sorted(by_seller, key=lambda s: (-len(by_seller[s]), s)):
        left = set(by_seller[seller])
        while left:
            table = min(
                tables,
                key=lambda t: (-sum(1 for slot in left if t not in taken[slot]), -liked[seller][t], t),
            )
            for slot in [slot for slot in left if table not in taken[slot]]:
                result[by_seller[seller][slot]] = (slot, table)
                taken[slot].add(table)
                left.discard(slot)
    return result


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Keeps CP-SAT's latest solution as Progress, for the caller's thread to pass on.

    CP-SAT calls this from its own threads; `on_progress` is called from the caller's (see
    `_Model.run`), where it may use the caller's database connection. Phase 1 reads the weight and
    its bound from the objective; phase 2, which holds the weight, reports `held`.
    """

    def __init__(
        self, started: float, offset: int, held: tuple[int, int] | None = None, enough: int | None = None
    ):
        super().__init__()
        self.started = started
        self.offset = offset  # the fixed pairs' weight, which the objective leaves out
        self.held = held
        self.enough = enough  # an objective known to be the best (the relaxation's bound): stop there
        self.latest: Progress | None = None
        self.lock = threading.Lock()

    def on_solution_callback(self) -> None:
        if self.held:
            weight, bound = self.held
        else:
            weight = round(self.objective_value) + self.offset
            bound = max(weight, math.floor(self.best_objective_bound + 1e-6) + self.offset)
        with self.lock:
            self.latest = Progress(weight=weight, bound=bound, elapsed_s=time.monotonic() - self.started)
        if self.enough is not None and self.objective_value >= self.enough - 1e-6:
            self.stop_search()

    def take(self) -> Progress | None:
        with self.lock:
            latest, self.latest = self.latest, None
        if latest and self.held:
            latest.elapsed_s = time.monotonic() - self.started
        return latest


def _solver(problem: Problem, seconds: float, *, presolve: bool = True) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = problem.workers or os.cpu_count() or 1
    solver.parameters.random_seed = problem.seed
    solver.parameters.cp_model_presolve = presolve
    return solver


class _Model:
    """The CP-SAT model: x[pair, slot] where both sides are free, and y[pair] = the pair meets.

    The caps and the objective read y, not the x's: with them on the x's, CP-SAT's linear relaxation
    proved a bound 3% above the optimum on the bench session and never closed it; on y it proves
    the optimum's bound within seconds (the relaxation of this formulation is nearly integral).
    """

    def __init__(self, prep: _Prepared):
        problem = prep.problem
        self.prep = prep
        self.model = model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[int, cp_model.IntVar] = {}
        by_party_slot: dict[tuple[int, int], list] = defaultdict(list)
        by_slot: dict[int, list] = defaultdict(list)
        by_party: dict[int, list] = defaultdict(list)
        for key, slots in prep.room.items():
            pair = prep.pairs[key]
            for slot in slots:
                var = self.x[key, slot] = model.new_bool_var(f"x{key}_{slot}")
                by_party_slot[pair.seller, slot].append(var)
                by_party_slot[pair.buyer, slot].append(var)
                by_slot[slot].append(var)
            if len(slots) == 1:
                self.y[key] = self.x[key, slots[0]]
            else:
                self.y[key] = model.new_bool_var(f"y{key}")
                model.add(sum(self.x[key, slot] for slot in slots) == self.y[key])
            by_party[pair.seller].append(self.y[key])
            by_party[pair.buyer].append(self.y[key])
        for group in by_party_slot.values():
            if len(group) > 1:
                model.add_at_most_one(group)
        for slot, group in by_slot.items():
            if len(group) > problem.tables - prep.slot_load[slot]:
                model.add(sum(group) <= problem.tables - prep.slot_load[slot])
        for party, group in by_party.items():
            cap = prep.remaining_cap(party)
            if cap < len(group):
                model.add(sum(group) <= cap)
        keys = list(self.y)
        self.weight = cp_model.LinearExpr.weighted_sum(
            [self.y[key] for key in keys], [prep.pairs[key].weight for key in keys]
        )
        self.busy = by_party_slot

    def hint(self, slot_by_pair: Mapping[int, int]) -> None:
        self.model.clear_hints()
        for (key, slot), var in self.x.items():
            self.model.add_hint(var, slot_by_pair.get(key) == slot)
        for key, var in self.y.items():
            if len(self.prep.room[key]) > 1:
                self.model.add_hint(var, key in slot_by_pair)

    def run(self, solver: cp_model.CpSolver, watcher: _Watcher, on_progress) -> tuple[int, dict | None]:
        """Solve, passing progress on about once a second; the status and the plan found, if any.

        CP-SAT searches in a thread of its own while this one reports, so `on_progress` runs in the
        caller's thread. If it raises, the search stops and the error goes up.
        """
        outcome: dict = {}

        def search() -> None:
            try:
                outcome["status"] = solver.solve(self.model, watcher)
            except BaseException as error:  # handed to the caller's thread below
                outcome["error"] = error

        thread = threading.Thread(target=search, name="cp-sat", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(PROGRESS_EVERY_S)
                progress = watcher.take()
                if on_progress and progress and thread.is_alive():
                    on_progress(progress)
        except BaseException:  # the report failed, or the process is being interrupted
            solver.stop_search()
            thread.join()
            raise
        if "error" in outcome:
            raise outcome["error"]
        status = outcome["status"]
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None
        found = {key: slot for (key, slot), var in self.x.items() if solver.boolean_value(var)}
        return status, found | self.prep.fixed


def solve(problem: Problem, *, on_progress: Callable[[Progress], None] | None = None) -> Plan:
    """The best plan CP-SAT finds within `problem.time_limit_s`, never worse than greedy's."""
    started = time.monotonic()
    prep = _Prepared(problem)
    greedy_slots = _greedy(prep)
    greedy_weight = prep.weight(greedy_slots)
    current = {p.key: p.current[0] for p in prep.pairs.values() if p.current and not p.fixed}
    # The start: greedy, or greedy from the relaxation's plan, or (on a re-solve) from where the
    # meetings are now, whichever weighs most; the current one if that is as good.
    relaxed, relaxed_bound = _relaxed(prep, problem.time_limit_s * 0.2) if prep.room else ({}, None)
    starts = [_greedy(prep, start=current)] if current else []
    starts += [_greedy(prep, start=relaxed), greedy_slots]
    hint = _tidy(prep, max(starts, key=prep.weight))
    stats: dict = {"pairs": len(prep.pairs), "fixed": len(prep.fixed), "placeable_pairs": len(prep.room)}
    stats["start_weight"] = prep.weight(hint)
    # Everything placeable, fixed or not, if nothing proves better.
    bound = prep.fixed_weight + sum(prep.pairs[key].weight for key in prep.room)
    stats["bound_from"] = "placeable pairs"
    if relaxed_bound is not None and relaxed_bound < bound:
        bound, stats["bound_from"] = relaxed_bound, "linear relaxation"

    def plan(slots: Mapping[int, int], bound: int, status: str) -> Plan:
        weight = prep.weight(slots)
        if weight >= bound and status == "feasible":  # the bound came from the relaxation
            status = "optimal"
        stats["unserved"] = len(prep.placeable_parties() - _served(prep, slots))
        result = Plan(
            placed=assign_tables(problem, slots),
            weight=weight,
            bound=max(bound, weight),
            optimal=weight >= bound,
            greedy_weight=greedy_weight,
            idle_gaps=idle_gaps(problem, slots),
            wall_s=time.monotonic() - started,
            status=status,
            stats=stats,
        )
        if on_progress:
            on_progress(Progress(weight=result.weight, bound=result.bound, elapsed_s=result.wall_s))
        return result

    if not prep.room:  # nothing to choose: the fixed pairs are the plan
        return plan(greedy_slots, greedy_weight, "nothing to place")

    # Phase 1: the weight.
    model = _Model(prep)
    model.model.maximize(model.weight)
    model.hint(hint)
    stats["variables"] = len(model.x) + len(model.y)
    # What is left of the time limit, less a moment to tidy and number the tables at the end.
    reserve = min(1.0, 0.05 * problem.time_limit_s)
    budget = problem.time_limit_s - reserve - (time.monotonic() - started)
    if prep.weight(hint) >= bound:  # the relaxation proves the start optimal: nothing to search
        best, kind = hint, "optimal"
        stats["weight_status"] = "the start, proven optimal by the relaxation"
    else:
        solver = _solver(problem, budget * PHASE_ONE_SHARE)
        watcher = _Watcher(started, prep.fixed_weight, enough=bound - prep.fixed_weight)
        status, found = model.run(solver, watcher, on_progress)
        stats["weight_status"] = solver.status_name(status)
        stats["weight_s"] = round(solver.wall_time, 3)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # else CP-SAT's bound may be a mere 0
            proven = math.floor(solver.best_objective_bound + 1e-6) + prep.fixed_weight
            if proven <= bound:
                bound, stats["bound_from"] = proven, "CP-SAT"
        if found is None:  # CP-SAT found nothing in time, not even the start
            best, kind = hint, "greedy only"
        else:  # on a tie, the start: tidier, and on a re-solve closer to the current plan
            best = found if prep.weight(found) > prep.weight(hint) else hint
            kind = "optimal" if status == cp_model.OPTIMAL else "feasible"
    stats["weight_done_s"] = round(time.monotonic() - started, 3)  # since `solve` began
    stats["idle_gaps_after_weight"] = idle_gaps(problem, best)
    best = _tidy(prep, best)
    stats["idle_gaps_tidied"] = idle_gaps(problem, best)

    # Phase 2: with that weight held, the fewest idle gaps, then the fewest left without a meeting,
    # then (on a re-solve) the fewest pairs moved. Annealing first, CP-SAT after (it proves small
    # sessions optimal, and sees the spread and the moves).
    left = problem.time_limit_s - reserve - (time.monotonic() - started)
    if left > 0.1:
        held = (prep.weight(best), max(bound, prep.weight(best)))
        last_report = [time.monotonic()]

        def heartbeat() -> None:  # while annealing, about once a second
            now = time.monotonic()
            if on_progress and now - last_report[0] >= PROGRESS_EVERY_S:
                last_report[0] = now
                on_progress(Progress(weight=held[0], bound=held[1], elapsed_s=now - started))

        before = time.monotonic()
        annealed = _anneal(
            prep, best, seconds=left * ANNEAL_SHARE, seed=problem.seed, current=current, tick=heartbeat
        )
        best = _tidy(prep, annealed)
        stats["idle_gaps_annealed"] = idle_gaps(problem, best)
        stats["unserved_annealed"] = len(prep.placeable_parties() - _served(prep, best))
        stats["anneal_s"] = round(time.monotonic() - before, 3)
        deadline = started + problem.time_limit_s - reserve
        best = _compact(model, best, current, deadline, _Watcher(started, 0, held), on_progress, stats)
        best = _tidy(prep, best)  # on large sessions CP-SAT may have had too little time to finish
    return plan(best, bound, kind)


def _compact(model: _Model, start, current, deadline, watcher, on_progress, stats) -> dict[int, int]:
    """Phase 2: keep at least `start`'s weight; fewest gaps, then fewest unserved, then fewest moves.

    CP-SAT searches until `deadline` (a time.monotonic() reading).
    """
    prep = model.prep
    problem = prep.problem
    order = prep.order
    cp = model.model
    cp.add(model.weight >= prep.weight(start) - prep.fixed_weight)
    model.hint(start)

    # busy[party][i]: the party's meeting in slot i: 0, 1 (pinned) or the sum of its booleans.
    busy: dict[int, list] = defaultdict(lambda: [0] * len(problem.slots))
    for (party, slot), group in model.busy.items():
        busy[party][order[slot]] = sum(group)
    for party, slot in prep.busy:
        busy[party][order[slot]] = 1
    hinted = defaultdict(set)  # party → slot indexes busy in `start`
    for key, slot in start.items():
        hinted[prep.pairs[key].seller].add(order[slot])
        hinted[prep.pairs[key].buyer].add(order[slot])

    blocks, served = [], []
    for party, row in busy.items():
        starts = []  # where a run of meetings begins: exactly the busy slots after an empty one
        previous = 0
        for i, now in enumerate(row):
            if isinstance(now, int) and isinstance(previous, int):
                starts.append(max(0, now - previous))
            elif not (isinstance(now, int) and now == 0):
                begins = cp.new_bool_var(f"begins{party}_{i}")
                cp.add(begins >= now - previous)
                cp.add(begins <= now)
                cp.add(begins <= 1 - previous)
                cp.add_hint(begins, i in hinted[party] and i - 1 not in hinted[party])
                starts.append(begins)
            previous = now
        if any(isinstance(cell, int) and cell == 1 for cell in row):
            is_served = 1
        else:
            is_served = cp.new_bool_var(f"served{party}")
            cp.add(is_served <= sum(cell for cell in row if not isinstance(cell, int)))
            cp.add_hint(is_served, bool(hinted[party]))
            cp.add(sum(starts) >= is_served)  # no gaps below zero, even in the relaxation
        blocks.extend(starts)
        served.append(is_served)

    parties = len(served)
    gaps = sum(blocks) - sum(served)
    unserved = parties - sum(served)
    objective = (parties + 1) * gaps + unserved  # any gap counts more than everybody unserved
    kept = [model.x[key, slot] for key, slot in current.items() if (key, slot) in model.x]
    if kept:
        objective = objective * (len(kept) + 1) + (len(kept) - sum(kept))
    cp.minimize(objective)

    seconds = deadline - time.monotonic()
    if seconds < 0.1:
        return start
    # Without presolve: it would spend seconds turning the gap constraints into clauses that the
    # linear relaxation then leaves out (its bound stayed below zero, and even small sessions never
    # proved optimal); as they are, the relaxation keeps them.
    solver = _solver(problem, seconds, presolve=False)
    status, found = model.run(solver, watcher, on_progress)
    stats["compact_status"] = solver.status_name(status)
    stats["compact_s"] = round(solver.wall_time, 3)
    if found is None or prep.weight(found) < prep.weight(start):
        return start
    return found
