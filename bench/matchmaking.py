"""Benchmark the B2B matchmaking solver on a realistic generated session.

    python bench/matchmaking.py [--seed 1] [--time-limit 30] [--workers 0]

The session is the issue's: 300 buyers, 60 sellers, 18 slots, 40 tables, 2,000 requests. Prints one
line of JSON: the solve time, the optimality gap CP-SAT proves (1 − placed weight / proven bound)
and the greedy start's, and idle gaps for both. Target: gap ≤ 0.01 in under 30 s. `make bench`
merges the same figures into its own JSON line (bench/feeds.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaking.solver import Pair, Party, Problem, greedy, idle_gaps, solve  # noqa: E402

SECTORS = (
    "agritech",
    "cleantech",
    "biotech",
    "medical devices",
    "software",
    "consumer goods",
    "wine and food",
    "education",
    "logistics",
    "entertainment",
)
PRIORITIES = ("must", "want", "could")
PRIORITY_ODDS = (0.2, 0.4, 0.4)
MUTUAL_SHARE = 0.15  # of the pairs asked for
SELLER_ASKS_SHARE = 0.3  # of the one-sided pairs: sellers ask too, buyers more often
VETO_SHARE = 0.01  # of the pairs: one side asked, the other said no thanks
SAME_SECTOR = 0.9  # a buyer's request goes to a seller of its own sector, mostly


def _pair_request_class():
    """matchmaking.pairs weighs pairs as the app does; it needs Django's app registry."""
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missionplanner.settings")
        django.setup()
    from matchmaking.pairs import PairRequest

    return PairRequest


def _availability(rng: random.Random, slots: int, *, late: float, early: float, hole: float) -> frozenset:
    """All the session, or arriving late, leaving early, or away for a while in the middle."""
    free = set(range(1, slots + 1))
    roll = rng.random()
    if slots < 3:
        return frozenset(free)
    if roll < late:  # the first slot it can make, somewhere in the first half
        free -= set(range(1, rng.randint(2, max(2, slots // 2))))
    elif roll < late + early:  # the last slot it stays for, somewhere in the second half
        free -= set(range(rng.randint(max(2, slots // 2), slots - 1) + 1, slots + 1))
    elif roll < late + early + hole:  # another item of the itinerary: a leg, a meeting elsewhere
        start = rng.randint(2, slots - 1)
        free -= set(range(start, min(slots, start + rng.randint(1, 3))))
    return frozenset(free)


def generate_session(
    *,
    buyers: int = 300,
    sellers: int = 60,
    slots: int = 18,
    tables: int = 40,
    requests: int = 2000,
    cap: int | None = 10,
    seed: int = 1,
    time_limit_s: float = 30.0,
    workers: int = 0,
) -> Problem:
    """A plausible session: sellers in 1–3 sectors, buyers asking for sellers of their sector.

    Popular sellers draw many more requests (a long tail of popularity); about 15% of the pairs are
    asked by both sides; a few are vetoed by one side and left out, as the app leaves them out; some
    participants arrive late, leave early or are away for a while (their itinerary elsewhere).
    Requests are counted as the app stores them: a mutual pair is two requests.
    """
    rng = random.Random(seed)
    pair_request = _pair_request_class()
    seller_keys = list(range(1, sellers + 1))
    buyer_keys = list(range(sellers + 1, sellers + buyers + 1))
    seller_sectors = {s: set(rng.sample(SECTORS, rng.choice((1, 1, 2, 2, 3)))) for s in seller_keys}
    popularity = {s: rng.lognormvariate(0, 0.9) for s in seller_keys}
    buyer_sector = {b: rng.choice(SECTORS) for b in buyer_keys}
    activity = {b: rng.lognormvariate(0, 0.6) for b in buyer_keys}
    by_sector = {sector: [s for s in seller_keys if sector in seller_sectors[s]] for sector in SECTORS}

    parties = {}
    for key in seller_keys:
        free = _availability(rng, slots, late=0.05, early=0.05, hole=0.1)
        parties[key] = Party(key=key, free_slots=free, cap=cap)
    for key in buyer_keys:
        free = _availability(rng, slots, late=0.12, early=0.08, hole=0.03)
        parties[key] = Party(key=key, free_slots=free, cap=cap)

    asked: dict[tuple[int, int], object] = {}
    count = 0
    buyer_weights = [activity[b] for b in buyer_keys]
    while count < requests:
        buyer = rng.choices(buyer_keys, buyer_weights)[0]
        pool = by_sector[buyer_sector[buyer]] if rng.random() < SAME_SECTOR else seller_keys
        pool = pool or seller_keys
        seller = rng.choices(pool, [popularity[s] for s in pool])[0]
        if (seller, buyer) in asked:
            continue
        pair = pair_request(seller, buyer)
        roll = rng.random()
        if roll < MUTUAL_SHARE:
            pair.seller_priority, pair.buyer_priority = rng.choices(PRIORITIES, PRIORITY_ODDS, k=2)
        elif rng.random() < SELLER_ASKS_SHARE:
            pair.seller_priority = rng.choices(PRIORITIES, PRIORITY_ODDS)[0]
        else:
            pair.buyer_priority = rng.choices(PRIORITIES, PRIORITY_ODDS)[0]
        if rng.random() < VETO_SHARE:  # the side that did not ask says no thanks
            if pair.seller_priority is None:
                pair.seller_priority = "veto"
            else:
                pair.buyer_priority = "veto"
        count += (pair.seller_priority is not None) + (pair.buyer_priority is not None)
        asked[seller, buyer] = pair

    pairs = tuple(
        Pair(key=i, seller=seller, buyer=buyer, weight=pair.weight)
        for i, ((seller, buyer), pair) in enumerate(sorted(asked.items()), start=1)
        if not pair.vetoed
    )
    return Problem(
        slots=tuple(range(1, slots + 1)),
        tables=tables,
        parties=parties,
        pairs=pairs,
        time_limit_s=time_limit_s,
        workers=workers,
    )


def bench_matchmaking(*, seed: int = 1, time_limit_s: float = 30.0, workers: int = 0, **size) -> dict:
    """Solve a generated session; its figures, and the greedy start's, keyed for the JSON line."""
    problem = generate_session(seed=seed, time_limit_s=time_limit_s, workers=workers, **size)
    start = greedy(problem)
    plan = solve(problem)
    greedy_gap = 1 - plan.greedy_weight / plan.bound if plan.bound else 0.0
    return {
        "matchmaking_solve_s": round(plan.wall_s, 2),
        # When the weight phase ended (proven optimal, or out of its share of the time); the rest
        # of the time limit goes to compact days.
        "matchmaking_weight_s": plan.stats.get("weight_done_s"),
        "matchmaking_gap": round(plan.gap, 5),
        "matchmaking_greedy_gap": round(greedy_gap, 5),
        "matchmaking_weight": plan.weight,
        "matchmaking_bound": plan.bound,
        "matchmaking_bound_from": plan.stats.get("bound_from"),  # CP-SAT, or the linear relaxation
        "matchmaking_greedy_weight": plan.greedy_weight,
        "matchmaking_idle_gaps": plan.idle_gaps,
        "matchmaking_greedy_idle_gaps": idle_gaps(problem, start),
        "matchmaking_placed": len(plan.placed),
        "matchmaking_greedy_placed": len(start),
        "matchmaking_pairs": len(problem.pairs),
        "matchmaking_unserved": plan.stats.get("unserved"),
        "matchmaking_status": plan.status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds for the solver, in all")
    parser.add_argument("--workers", type=int, default=0, help="CP-SAT workers; 0 = one per core")
    args = parser.parse_args()
    print(json.dumps(bench_matchmaking(seed=args.seed, time_limit_s=args.time_limit, workers=args.workers)))


if __name__ == "__main__":
    main()
