"""Hand edits of a session's grid: move, swap, pin, remove, add a meeting, mark what came of it.

Each write is one transaction under the session's row lock (the solver's `plan_apply` takes the
same lock, so a hand edit and a plan being written never interleave), re-reads the placements it
touches with SELECT … FOR UPDATE, and lets the database's unique constraints have the last word:
a collision they catch reaches staff as a sentence, never a 500. Then the members' itineraries
follow (`matchmaking.itinerary_sync`).

Hard rules refuse the edit (`ValidationError`): a slot or table that does not exist, a participant
already meeting someone else in that slot, a table taken. Soft ones are allowed and reported as
warnings: a participant outside their window, a seller's people elsewhere in the itinerary, or a
participant past their cap of meetings.
A meeting moved or added by hand is pinned, so the next solve keeps it where staff put it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import ngettext

from matchmaking.models import Participant, Placement, Session, Slot
from missionplanner.text import one_line

COLLISION = (
    "Someone else just changed the grid there: nothing was saved. Reload the grid to see it as it is now."
)
PINNED_NOTE = "Pinned: the solver keeps it there."


@dataclass
class GridChange:
    """What an edit did, in words for staff: the message, and warnings that did not stop it."""

    message: str
    placements: list[Placement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def meeting_label(placement: Placement) -> str:
    return f"{placement.seller.organisation.name} ↔ {placement.buyer.organisation.name}"


def slot_label(slot: Slot) -> str:
    return f"slot {slot.number} ({slot.label})"


def _where(placement: Placement, slots: list[Slot]) -> str:
    return f"{slot_label(slots[placement.slot - 1])}, table {placement.table}"


@contextmanager
def _refusing_collisions() -> Iterator[None]:
    """A savepoint whose unique-constraint failure becomes a message (a concurrent edit got there first)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ValidationError(COLLISION, code="collision") from None


def _lock_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("city", "delegation")
        .get(pk=session.pk)
    )


def _fresh(session: Session, placement: Placement | int, version: str | None = None) -> Placement:
    """The placement as it is now, locked; refused when gone or changed since `version` was read."""
    pk = placement.pk if isinstance(placement, Placement) else placement
    fresh = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("seller__organisation", "buyer__organisation")
        .filter(session=session, pk=pk)
        .first()
    )
    if fresh is None:
        raise ValidationError("This meeting is no longer in the session. Reload the grid.", code="gone")
    if version and version != fresh.updated_at.isoformat():
        where = f"now at {_where(fresh, session.slots())}" if fresh.is_placed else "now off the grid"
        raise ValidationError(
            f"Someone changed {meeting_label(fresh)} since you loaded the grid: it is {where}. "
            "Nothing was saved; the grid now shows it as it is.",
            code="stale",
        )
    return fresh


def _check_cell(session: Session, slots: list[Slot], slot: int, table: int) -> None:
    if not isinstance(slot, int) or not 1 <= slot <= len(slots):
        span = f"{slots[0].local_start:%H:%M}–{slots[-1].local_end:%H:%M}" if slots else "none"
        raise ValidationError(
            f"Slot {slot} does not exist: this session has "
            + ngettext("%(n)d slot", "%(n)d slots", len(slots)) % {"n": len(slots)}
            + f" ({span}).",
            code="no_slot",
        )
    if not isinstance(table, int) or not 1 <= table <= session.tables:
        raise ValidationError(
            f"Table {table} does not exist: the tables are numbered 1 to {session.tables}.", code="no_table"
        )


def _check_free(
    session: Session, slots: list[Slot], *, seller: Participant, buyer: Participant, slot: int, table: int,
    ignoring: set[int],
) -> None:  # fmt: skip
    """Refuse when the table or either participant is taken in that slot (by meetings not in `ignoring`)."""
    there = (
        Placement.objects.filter(session=session, slot=slot)
        .exclude(pk__in=ignoring)
        .select_related("seller__organisation", "buyer__organisation")
    )
    when = slot_label(slots[slot - 1])
    for other in there:
        if other.table == table:
            raise ValidationError(
                f"Table {table} is taken in {when} by {meeting_label(other)}. "
                "Drop the meeting on that one to swap them, or choose an empty table.",
                code="table_taken",
            )
    for other in there:
        for who in (seller, buyer):
            if who.pk in (other.seller_id, other.buyer_id):
                partner = other.buyer if who.pk == other.seller_id else other.seller
                raise ValidationError(
                    f"{who.organisation.name} already meets {partner.organisation.name} in {when} "
                    f"(table {other.table}). Nobody can be at two tables at once.",
                    code="participant_busy",
                )


def availability_warnings(
    session: Session, *, seller: Participant, buyer: Participant, slot: int
) -> list[str]:
    """Soft rules, in words: a side outside its window, (a seller's people) elsewhere then, or past
    its cap of meetings (the solver never goes past one; a hand edit may)."""
    from matchmaking.planning import availability, over_cap

    participants = list(
        Participant.objects.filter(pk__in=[seller.pk, buyer.pk])
        .select_related("organisation", "session")
        .prefetch_related("members")
    )
    avail = availability(session, participants)
    if not 1 <= slot <= len(avail.slots):
        return []
    when = slot_label(avail.slots[slot - 1])
    warnings = []
    for who in participants:
        if slot in avail.free_slots(who.pk):
            continue
        why = avail.why_busy(who.pk, slot) or f"{who.organisation.name} is not available then"
        warnings.append(f"In {when}: {why[0].upper()}{why[1:]}. The meeting is kept; check with them.")
    placed = Placement.objects.filter(session=session, slot__isnull=False)
    for who in participants:
        if who.cap is not None:
            warning = over_cap(who, placed.filter(Q(seller=who) | Q(buyer=who)).count())
            if warning:
                warnings.append(warning)
    return warnings


def _sync(session: Session, placements: list[Placement]) -> None:
    """The members' itineraries follow the grid: meetings move, appear, or arrive as cancelled."""
    from matchmaking.itinerary_sync import sync_session_meetings

    sync_session_meetings(session, placements=placements)


def placement_move(placement: Placement, slot: int, table: int, *, version: str | None = None) -> GridChange:
    """Move a meeting to an empty (slot, table), or put an unplaced one there; it becomes pinned."""
    with _refusing_collisions():
        session = _lock_session(placement.session)
        slots = session.slots()
        fresh = _fresh(session, placement, version)
        _check_cell(session, slots, slot, table)
        if (fresh.slot, fresh.table) == (slot, table):
            if not fresh.pinned:
                fresh.pinned = True
                fresh.save(update_fields=["pinned", "updated_at"])
            return GridChange(f"{meeting_label(fresh)} is already there. {PINNED_NOTE}", [fresh])
        _check_free(session, slots, seller=fresh.seller, buyer=fresh.buyer, slot=slot, table=table,
                    ignoring={fresh.pk})  # fmt: skip
        fresh.slot, fresh.table, fresh.pinned = slot, table, True
        fresh.save(update_fields=["slot", "table", "pinned", "updated_at"])
        _sync(session, [fresh])
    return GridChange(
        f"Moved {meeting_label(fresh)} to {_where(fresh, slots)}. {PINNED_NOTE}",
        [fresh],
        availability_warnings(session, seller=fresh.seller, buyer=fresh.buyer, slot=slot),
    )


def placement_swap(
    a: Placement, b: Placement, *, version_a: str | None = None, version_b: str | None = None
) -> GridChange:
    """Swap two meetings' places; both become pinned.

    The unique constraints hold after every statement, not only at the end: one meeting comes off
    the grid first, the other takes its place, then the first takes the other's.
    """
    if a.session_id != b.session_id:
        raise ValidationError("These meetings are in different sessions.", code="other_session")
    with _refusing_collisions():
        session = _lock_session(a.session)
        slots = session.slots()
        first, second = sorted([a, b], key=lambda p: p.pk)  # lock in one order: no deadlock
        fresh = {
            p.pk: _fresh(session, p, {a.pk: version_a, b.pk: version_b}.get(p.pk)) for p in (first, second)
        }
        a, b = fresh[a.pk], fresh[b.pk]
        if a.pk == b.pk:
            raise ValidationError("A meeting cannot swap with itself.", code="same")
        for p in (a, b):
            if not p.is_placed:
                raise ValidationError(
                    f"{meeting_label(p)} is not on the grid: move it to an empty table instead.",
                    code="not_placed",
                )
        a_where, b_where = (a.slot, a.table), (b.slot, b.table)
        _check_free(session, slots, seller=a.seller, buyer=a.buyer, slot=b.slot, table=b.table,
                    ignoring={a.pk, b.pk})  # fmt: skip
        _check_free(session, slots, seller=b.seller, buyer=b.buyer, slot=a.slot, table=a.table,
                    ignoring={a.pk, b.pk})  # fmt: skip
        a.slot = a.table = None
        a.pinned = False
        a.save(update_fields=["slot", "table", "pinned", "updated_at"])
        b.slot, b.table, b.pinned = *a_where, True
        b.save(update_fields=["slot", "table", "pinned", "updated_at"])
        a.slot, a.table, a.pinned = *b_where, True
        a.save(update_fields=["slot", "table", "pinned", "updated_at"])
        _sync(session, [a, b])
    warnings = [
        *availability_warnings(session, seller=a.seller, buyer=a.buyer, slot=a.slot),
        *availability_warnings(session, seller=b.seller, buyer=b.buyer, slot=b.slot),
    ]
    warnings = list(dict.fromkeys(warnings))  # a side of both meetings past its cap: said once
    return GridChange(
        f"Swapped {meeting_label(a)} (now {_where(a, slots)}) and {meeting_label(b)} "
        f"(now {_where(b, slots)}). Both are pinned: the solver keeps them there.",
        [a, b],
        warnings,
    )


def placement_pin(placement: Placement, pinned: bool, *, version: str | None = None) -> GridChange:
    """Pin (the solver keeps it where it is) or unpin (the next solve may move or drop it)."""
    with _refusing_collisions():
        session = _lock_session(placement.session)
        fresh = _fresh(session, placement, version)
        if pinned and not fresh.is_placed:
            raise ValidationError(
                f"{meeting_label(fresh)} is not on the grid: only a placed meeting can be pinned.",
                code="not_placed",
            )
        if fresh.pinned != pinned:
            fresh.pinned = pinned
            fresh.save(update_fields=["pinned", "updated_at"])
            _sync(session, [fresh])
    if pinned:
        return GridChange(f"Pinned {meeting_label(fresh)}: the solver keeps it where it is.", [fresh])
    return GridChange(
        f"Unpinned {meeting_label(fresh)}: the next “Solve” may move it, or drop it for a better plan.",
        [fresh],
    )


def placement_remove(placement: Placement, *, version: str | None = None) -> GridChange:
    """Take a meeting off the grid; its row (and its meeting's UID) stays, so it reads as cancelled."""
    with _refusing_collisions():
        session = _lock_session(placement.session)
        fresh = _fresh(session, placement, version)
        if not fresh.is_placed:
            return GridChange(f"{meeting_label(fresh)} was already off the grid.", [fresh])
        fresh.slot = fresh.table = None
        fresh.pinned = False
        fresh.save(update_fields=["slot", "table", "pinned", "updated_at"])
        _sync(session, [fresh])
    return GridChange(
        f"Removed {meeting_label(fresh)} from the grid. It is listed with the unplaced requests; "
        "calendars that had it show it as cancelled.",
        [fresh],
    )


def placement_add(
    session: Session, seller: Participant, buyer: Participant, slot: int, table: int
) -> GridChange:
    """Place a requested pair by hand at an empty (slot, table); it is pinned."""
    from matchmaking.planning import session_pairs

    if seller.session_id != session.pk or buyer.session_id != session.pk:
        raise ValidationError("Both must take part in this session.", code="other_session")
    if not seller.is_seller or buyer.is_seller:
        raise ValidationError(
            "A meeting is between a seller (a delegation company) and a buyer.", code="same_side"
        )
    with _refusing_collisions():
        session = _lock_session(session)
        slots = session.slots()
        pair = session_pairs(session).get((seller.pk, buyer.pk))
        names = f"{seller.organisation.name} and {buyer.organisation.name}"
        if pair is None:
            raise ValidationError(
                f"Nobody asked for {names} to meet: add a request first, then place it.", code="not_requested"
            )
        if pair.vetoed:
            raise ValidationError(
                f"{names} cannot be placed: the request is {pair.label}. Change the request first.",
                code="vetoed",
            )
        _check_cell(session, slots, slot, table)
        row = (
            Placement.objects.select_for_update(of=("self",))
            .filter(session=session, seller=seller, buyer=buyer)
            .first()
        )
        if row is not None and row.is_placed:
            raise ValidationError(
                f"{names} already meet in {_where(row, slots)}: move that meeting instead.", code="placed"
            )
        _check_free(session, slots, seller=seller, buyer=buyer, slot=slot, table=table, ignoring=set())
        if row is None:
            row = Placement(session=session, seller=seller, buyer=buyer)
        row.seller, row.buyer = seller, buyer
        row.slot, row.table, row.pinned = slot, table, True
        row.save()
        _sync(session, [row])
    return GridChange(
        f"Added {meeting_label(row)} at {_where(row, slots)}. {PINNED_NOTE}",
        [row],
        availability_warnings(session, seller=seller, buyer=buyer, slot=slot),
    )


def outcome_mark(placement: Placement, outcome: str, note: str = "") -> GridChange:
    """Held or no-show, with one line on what came of it (or back to not marked)."""
    if outcome not in Placement.Outcome.values:
        raise ValidationError("Choose held, no-show or not marked.", code="bad_outcome")
    # One line, and no NUL or other control character (PostgreSQL cannot store a NUL).
    note = re.sub(r"\s+", " ", one_line(note or "")).strip()
    limit = Placement._meta.get_field("outcome_note").max_length
    if len(note) > limit:
        raise ValidationError(f"Keep the outcome to one line of at most {limit} characters.", code="long")
    with _refusing_collisions():
        session = _lock_session(placement.session)
        fresh = _fresh(session, placement)
        if not fresh.is_placed and outcome:
            raise ValidationError(
                f"{meeting_label(fresh)} is not on the grid: place it before marking how it went.",
                code="not_placed",
            )
        fresh.outcome, fresh.outcome_note = outcome, note
        fresh.save(update_fields=["outcome", "outcome_note", "updated_at"])
        _sync(session, [fresh])
    said = Placement.Outcome(outcome).label.lower() if outcome else "not marked"
    return GridChange(f"{meeting_label(fresh)}: {said}{f' — {note}' if note else ''}.", [fresh])


def session_settle(session: Session) -> list[Placement]:
    """After a session's times, slots or tables changed: meetings in slots or at tables that no
    longer exist come off the grid (listed as unplaced), and every meeting follows the new times.
    Returns the meetings taken off."""
    with transaction.atomic():
        session = _lock_session(session)
        count = len(session.slots())
        placements = list(session.placements.select_for_update(of=("self",)).filter(slot__isnull=False))
        off = [p for p in placements if p.slot > count or p.table > session.tables]
        for p in off:
            p.slot = p.table = None
            p.pinned = False
            p.save(update_fields=["slot", "table", "pinned", "updated_at"])
        if placements:
            _sync(session, placements)
    return off


def participant_settle(participant: Participant) -> None:
    """After a participant was edited (who sits at the table): their meetings follow."""
    with transaction.atomic():
        session = _lock_session(participant.session)
        placements = _placed_of(session, participant)
        if placements:
            _sync(session, placements)


def participant_remove(participant: Participant) -> None:
    """Take a participant out with their requests and meetings; each meeting stays in the itinerary,
    cancelled, so calendars learn of it (`itinerary_sync`'s pre_delete receiver)."""
    with transaction.atomic():
        _lock_session(participant.session)
        participant.delete()


def _placed_of(session: Session, participant: Participant) -> list[Placement]:
    return list(
        Placement.objects.select_for_update(of=("self",)).filter(
            Q(seller=participant) | Q(buyer=participant), session=session, slot__isnull=False
        )
    )


def session_delete(session: Session) -> None:
    """Delete a session; its meetings stay in the itinerary, cancelled (as `participant_remove`)."""
    with transaction.atomic():
        _lock_session(session).delete()
