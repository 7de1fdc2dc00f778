"""The session page composed: slots × tables with their meetings, the counts, the last solve in words.

Read in a fixed number of queries whatever the session's size (the participants once, the placed
meetings once, and what `planning` reads to explain each unplaced request).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from matchmaking.models import Participant, Placement, Session, Slot
from matchmaking.planning import (
    Availability,
    Unplaced,
    availability,
    over_cap,
    session_participants,
    unplaced_requests,
)


@dataclass
class Cell:
    slot: Slot
    table: int
    placement: Placement | None = None
    warnings: list[str] = field(default_factory=list)  # why a side of this meeting is not free then
    over_cap: list[str] = field(default_factory=list)  # a side given more meetings than its cap


@dataclass
class Row:
    slot: Slot
    cells: list[Cell]


@dataclass
class SessionPage:
    session: Session
    slots: list[Slot]
    tables: list[int]
    rows: list[Row]
    placements: list[Placement]  # on the grid, in slot and table order
    participants: list[Participant]
    unplaced: list[Unplaced]
    counts: dict[str, int]


def proof_words(session: Session) -> str:
    """What CP-SAT proved about the last solve: “proven optimal”, “proven within 0.4 % of the best
    possible”, or "" when nothing is proven (yet)."""
    if session.best_bound is None or session.placed_weight is None:
        return ""
    if session.best_bound == 0 or session.gap == 0:
        return "proven optimal"
    percent = session.gap * 100
    shown = f"{percent:.1f}" if percent >= 0.1 else "less than 0.1"
    return f"proven within {shown} % of the best possible"


def solve_status(session: Session) -> dict:
    """The last solve for the status endpoint and the page: state, words, figures."""
    return {
        "state": session.solve_state,
        "state_label": session.get_solve_state_display(),
        "message": session.solve_message,
        "placed_weight": session.placed_weight,
        "best_bound": session.best_bound,
        "gap": session.gap,
        "proof": proof_words(session),
        "finished": session.solve_state in (Session.SolveState.DONE, Session.SolveState.FAILED),
    }


def _warnings(avail: Availability, placement: Placement) -> list[str]:
    found = []
    for who in (placement.seller, placement.buyer):
        if placement.slot not in avail.free_slots(who.pk):
            found.append(
                avail.why_busy(who.pk, placement.slot) or f"{who.organisation.name} is not free then"
            )
    return found


def session_page(session: Session) -> SessionPage:
    participants = session_participants(session)
    by_pk = {p.pk: p for p in participants}
    avail = availability(session, participants)
    slots = avail.slots
    placements = list(session.placements.filter(slot__isnull=False).order_by("slot", "table"))
    for placement in placements:
        placement.seller, placement.buyer = by_pk[placement.seller_id], by_pk[placement.buyer_id]
    at = {(p.slot, p.table): p for p in placements}
    load = Counter(pk for p in placements for pk in (p.seller_id, p.buyer_id))
    past_cap = {p.pk: warning for p in participants if (warning := over_cap(p, load[p.pk]))}
    tables = list(range(1, session.tables + 1))
    rows = []
    for slot in slots:
        cells = []
        for table in tables:
            placement = at.get((slot.number, table))
            cell = Cell(slot, table, placement)
            if placement is not None:
                cell.warnings = _warnings(avail, placement)
                sides = (placement.seller_id, placement.buyer_id)
                cell.over_cap = [past_cap[pk] for pk in sides if pk in past_cap]
            cells.append(cell)
        rows.append(Row(slot, cells))
    sides = Counter(p.side for p in participants)
    outcomes = Counter(p.outcome for p in placements)
    unplaced = unplaced_requests(session, avail)
    counts = {
        "sellers": sides[Participant.Side.SELLER],
        "buyers": sides[Participant.Side.BUYER],
        "requests": session.requests.count(),
        "placed": len(placements),
        "pinned": sum(1 for p in placements if p.pinned),
        "unplaced": sum(1 for u in unplaced if not u.pair.vetoed),
        "vetoed": sum(1 for u in unplaced if u.pair.vetoed),
        "held": outcomes[Placement.Outcome.HELD],
        "no_show": outcomes[Placement.Outcome.NO_SHOW],
        "not_marked": outcomes[Placement.Outcome.PENDING],
    }
    return SessionPage(session, slots, tables, rows, placements, participants, unplaced, counts)
