"""The plan as the room reads it: per slot, who sits at which table.

People at a table are the attendees of the placement's itinerary meeting (the seller's people free
in that slot, as `itinerary_sync` wrote them), so the printed plan and the members' days agree; a
placement not yet synced shows the seller's active people.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegations.models import Member
from itinerary.models import ItemStatus
from itinerary.timezones import zone_label
from matchmaking.models import Participant, Placement, Session, Slot


@dataclass(frozen=True)
class Seat:
    """One meeting at one table in one slot."""

    slot: Slot
    table: int
    placement: Placement
    seller: Participant
    buyer: Participant
    people: tuple[Member, ...]


@dataclass
class SlotPlan:
    slot: Slot
    seats: list[Seat]
    free_tables: list[int]

    @property
    def zone(self) -> str:
        return zone_label(self.slot.local_start)


def session_when(session: Session) -> str:
    """“Wednesday 26 October 2016 · 14:00–17:00 CST, UTC+8”, on the room's clock."""
    start, end = session.local_start, session.local_end
    return f"{start:%A} {start.day} {start:%B %Y} · {start:%H:%M}–{end:%H:%M} {zone_label(start)}"


def _people(placement: Placement) -> tuple[Member, ...]:
    meeting = placement.meeting
    if meeting is not None and meeting.status != ItemStatus.CANCELLED:
        people = list(meeting.attendees.all())
    else:
        people = [member for member in placement.seller.members.all() if member.is_active]
    return tuple(sorted(people, key=lambda member: member.full_name))


def session_seats(session: Session, *, buyer: Participant | None = None) -> list[Seat]:
    """The placed meetings (of one buyer, or all), in slot and table order, in a fixed number of queries.

    A placement in a slot the session no longer has (the session was shortened) is left out: it has
    no time to print until it is placed again.
    """
    slots = {slot.number: slot for slot in session.slots()}
    rows = (
        Placement.objects.filter(session=session, slot__isnull=False)
        .select_related("seller__organisation", "buyer__organisation", "meeting")
        .prefetch_related("seller__members", "meeting__attendees")
        .order_by("slot", "table")
    )
    if buyer is not None:
        rows = rows.filter(buyer=buyer)
    seats = []
    for row in rows:
        slot = slots.get(row.slot)
        if slot is not None:
            seats.append(Seat(slot, row.table, row, row.seller, row.buyer, _people(row)))
    return seats


def table_plan(session: Session) -> list[SlotPlan]:
    """Every slot of the session with its meetings and the tables left free (to set the room)."""
    by_slot: dict[int, list[Seat]] = {}
    for seat in session_seats(session):
        by_slot.setdefault(seat.slot.number, []).append(seat)
    plan = []
    for slot in session.slots():
        seats = by_slot.get(slot.number, [])
        taken = {seat.table for seat in seats}
        free = [table for table in range(1, session.tables + 1) if table not in taken]
        plan.append(SlotPlan(slot, seats, free))
    return plan
