"""Place (seller, buyer) pairs into (slot, table): a pure function of plain data, no database.

Constraints: nobody in two places at once; a pair only in a slot both sides are free; at most
`tables` meetings per slot; at most a participant's cap of meetings; fixed (pinned) pairs stay at
their slot and table. Objective, in order: the weight of placed pairs; then compact days (fewest
idle gaps between a participant's meetings); then a fair spread (fewest participants with requests
but no meeting).

TODO(solver helper): implement `greedy`, `solve`, `assign_tables` and `idle_gaps` with OR-Tools
CP-SAT (time limit, greedy solution as hint, proven bound reported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
    status: str  # "optimal", "feasible", "greedy only" …
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return 0.0 if not self.bound else max(0.0, 1 - self.weight / self.bound)


def solve(problem: Problem, *, on_progress: Callable[[Progress], None] | None = None) -> Plan:
    raise NotImplementedError
