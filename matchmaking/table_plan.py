"""The plan as the room reads it: per slot, who sits at which table.

The room gets the latest release (`released_table_plan`), as buyers and delegates do; staff can
preview the working copy (`table_plan`), marked as such on every page. In the working copy, people
at a table are the attendees of the placement's itinerary meeting (the seller's people free in that
slot, as `itinerary_sync` wrote them), so the printed plan and the members' days agree; a placement
not yet synced shows the seller's active people.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegations.models import Member, Organisation
from itinerary.models import ItemStatus
from itinerary.timezones import zone_label
from matchmaking.models import Participant, Placement, Session, Slot
from matchmaking.released_plan import ReleasedMeeting


@dataclass(frozen=True)
class Seat:
    """One meeting at one table in one slot."""

    slot: Slot
    table: int | None
    seller: Organisation | None
    buyer: Organisation | None
    contact: Participant | None  # the buyer's row in the session: its contact and language
    people: tuple[Member, ...]
    key: str  # the placement (working copy) or the release's meeting it shows


@dataclass
class SlotPlan:
    slot: Slot  # number None: a time the release has that is no slot of the session as it is now
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
            seats.append(
                Seat(
                    slot,
                    row.table,
                    row.seller.organisation,
                    row.buyer.organisation,
                    row.buyer,
                    _people(row),
                    f"placement-{row.pk}",
                )
            )
    return seats


def _slot_plan(session: Session, slot: Slot, seats: list[Seat]) -> SlotPlan:
    taken = {seat.table for seat in seats}
    return SlotPlan(slot, seats, [table for table in range(1, session.tables + 1) if table not in taken])


def table_plan(session: Session) -> list[SlotPlan]:
    """The working copy: every slot of the session with its meetings and the tables left free."""
    by_slot: dict[int, list[Seat]] = {}
    for seat in session_seats(session):
        by_slot.setdefault(seat.slot.number, []).append(seat)
    return [_slot_plan(session, slot, by_slot.get(slot.number, [])) for slot in session.slots()]


def released_table_plan(session: Session, meetings: list[ReleasedMeeting]) -> list[SlotPlan]:
    """The release (`released_plan.session_meetings`): its meetings at the times and tables it
    gives them, under the session's slots; a time the session no longer has a slot for (changed
    since, not yet published) is listed by its time alone."""
    slots = {(slot.starts_at, slot.ends_at): slot for slot in session.slots()}
    rounds: dict[tuple, tuple[Slot, list[Seat]]] = {when: (slot, []) for when, slot in slots.items()}
    for meeting in meetings:
        if meeting.cancelled:
            continue
        entry = meeting.entry
        when = (entry.starts_at, entry.ends_at)
        if when not in rounds:
            rounds[when] = (Slot(None, *when, entry.local_start, entry.local_end), [])
        rounds[when][1].append(
            Seat(
                rounds[when][0],
                meeting.table,
                meeting.seller,
                meeting.buyer,
                meeting.buyer_participant,
                meeting.people,
                entry.key,
            )
        )
    return [
        _slot_plan(session, slot, sorted(seats, key=lambda seat: seat.table or 0))
        for _, (slot, seats) in sorted(rounds.items(), key=lambda item: item[0])
    ]
