"""The plan into the itinerary: each placed meeting is a B2B `Meeting` of the people at the table.

`sync_session_meetings` makes the itinerary match the plan. A placement keeps its row when it comes
off the plan, and the row keeps its meeting, so a re-solve that moves a meeting updates it (same UID,
SEQUENCE bumped by `Meeting.save()`), one taken off the plan is cancelled, and one placed again comes
back confirmed with the same UID. From there B2B meetings are ordinary meetings: conflicts,
releases, notices, feeds and briefing books read them like any other.

Deleting a placement row (by hand, or with its participant or session) cancels its meeting through
the `pre_delete` receiver at the bottom, so no path leaves a confirmed meeting without a plan.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from delegations.models import Delegation, Organisation
from itinerary.models import ItemStatus, Meeting
from itinerary.services import item_cancel
from matchmaking.models import Participant, Placement, Priority, Session
from matchmaking.pairs import PairRequest
from matchmaking.planning import Availability, availability, session_pairs, session_participants

_TABLE_IN_TITLE = re.compile(r", table (\d+)$")
LANGUAGES = dict(Participant.Language.choices)
MADE_BY_THE_PLAN = (
    "Made by the B2B table plan: change the plan, not this meeting "
    "(the next change to the plan writes over edits made here)."
)


def organisation_label(organisation: Organisation) -> str:
    """“Shanghai Pudong Trading (上海浦东贸易)”; the name alone when it has no local name."""
    if organisation.local_name:
        return f"{organisation.name} ({organisation.local_name})"
    return organisation.name


def person_label(name: str, local_name: str) -> str:
    return f"{name} ({local_name})" if name and local_name else name or local_name


def meeting_title(buyer: Organisation, table: int) -> str:
    """The title members see in their itinerary and calendar: “B2B: <buyer> (<local name>), table 7”."""
    return f"B2B: {organisation_label(buyer)}, table {table}"


def table_in_title(title: str) -> int | None:
    """The table number a title made by `meeting_title` names (a release keeps titles, not tables)."""
    match = _TABLE_IN_TITLE.search(title)
    return int(match.group(1)) if match else None


def asked_in_words(pair: PairRequest | None, seller: Participant) -> str:
    """What was asked and how much, for staff only: a buyer's ranking is not for the executives."""
    if pair is None or pair.vetoed or (pair.seller_priority is None and pair.buyer_priority is None):
        return "Placed by the organisers."
    if pair.mutual:
        return "Requested by both sides."
    if pair.buyer_priority:
        return f"Requested by the buyer ({_priority_label(pair.buyer_priority)})."
    return f"Requested by {seller.organisation.name} ({_priority_label(pair.seller_priority)})."


def _priority_label(priority: str) -> str:
    return Priority(priority).label.lower()


def meeting_description(placement: Placement) -> str:
    """Who comes to the table and where to sit, in words (shown to delegates: nothing of what was
    asked, which goes to `meeting_staff_notes`)."""
    buyer = placement.buyer
    language = LANGUAGES.get(buyer.language, buyer.language)
    contact = person_label(buyer.contact_name, buyer.contact_local_name)
    who = f"Contact: {contact}, who speaks {language}." if contact else f"Language: {language}."
    return "\n".join([who, f"Table {placement.table}."])


def meeting_staff_notes(placement: Placement, pair: PairRequest | None) -> str:
    """Where the meeting comes from and what was asked: staff notes never reach delegates."""
    return "\n".join([MADE_BY_THE_PLAN, asked_in_words(pair, placement.seller)])


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _seller_people(seller: Participant, slot: int, free: Availability) -> list[int]:
    """The seller's people free in that slot; all its active people when the plan says none are.

    Never empty while the seller has someone: an empty attendee list means the whole delegation.
    """
    active = [member.pk for member in seller.members.all() if member.is_active]
    free_ids = [pk for pk in free.free_members(seller.pk, slot) if pk in active]
    return sorted(free_ids or active)


def _meeting_fields(session: Session, placement: Placement, slot, pair: PairRequest | None) -> dict:
    return {
        "kind": Meeting.Kind.B2B,
        "delegation_id": session.delegation_id,
        "city_id": session.city_id,
        "venue": session.venue,
        "venue_local": session.venue_local,
        "address": session.address,
        "address_local": session.address_local,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "title": meeting_title(placement.buyer.organisation, placement.table),
        "description": meeting_description(placement),
        "staff_notes": meeting_staff_notes(placement, pair),
        "status": ItemStatus.CONFIRMED,
    }


def _write(placement: Placement, fields: dict, attendee_ids: list[int], counterpart_ids: list[int]) -> bool:
    """Create or update the placement's meeting; False when it already says all of this."""
    meeting = placement.meeting
    if meeting is None:
        meeting = Meeting(**fields)
        meeting.save()
        meeting.attendees.set(attendee_ids)
        meeting.counterparts.set(counterpart_ids)
        # update(), not save(): the grid's version of the placement must not move for this.
        Placement.objects.filter(pk=placement.pk).update(meeting=meeting)
        placement.meeting = meeting
        return True
    changed = [name for name, value in fields.items() if _utc(getattr(meeting, name)) != _utc(value)]
    if changed:
        for name in changed:
            setattr(meeting, name, fields[name])
        meeting.save()
    # Read from the prefetched rows: no query per meeting when nothing changed.
    written = bool(changed)
    if sorted(member.pk for member in meeting.attendees.all()) != attendee_ids:
        meeting.attendees.set(attendee_ids)
        written = True
    if sorted(org.pk for org in meeting.counterparts.all()) != counterpart_ids:
        meeting.counterparts.set(counterpart_ids)
        written = True
    return written


@transaction.atomic
def sync_session_meetings(session: Session, placements=None) -> int:
    """Make the itinerary match the plan for the session's placements (or only `placements`).

    Placed: the placement's meeting is created or updated (time of its slot, the session's place,
    the buyer as counterpart, the seller's people free then as attendees), confirmed. Not placed,
    or a seller with nobody active to send: its meeting, if any, is cancelled. Nothing is saved
    that would not change, so SEQUENCE and change times move only for real changes.

    Reads take a fixed number of queries whatever the number of placements; each meeting written
    costs its own saves (history and publishing follow each save). Returns how many meetings were
    created, changed or cancelled.
    """
    Session.objects.select_for_update().filter(pk=session.pk).first()  # one sync or solve at a time
    rows = Placement.objects.filter(session=session).select_related("meeting")
    if placements is not None:
        rows = rows.filter(pk__in=[placement.pk for placement in placements])
    rows = list(rows.prefetch_related("meeting__attendees", "meeting__counterparts"))
    if not rows:
        return 0
    participants = {participant.pk: participant for participant in session_participants(session)}
    strangers = {pk for row in rows for pk in (row.seller_id, row.buyer_id)} - set(participants)
    if strangers:  # a row pointing at another session's participant: still name it right
        participants |= {
            p.pk: p
            for p in Participant.objects.filter(pk__in=strangers)
            .select_related("organisation")
            .prefetch_related("members")
        }
    free = pairs = None
    if any(row.is_placed for row in rows):
        free = availability(session, list(participants.values()))
        pairs = session_pairs(session)
    slots = {slot.number: slot for slot in session.slots()}
    count = 0
    for row in rows:
        row.seller, row.buyer = participants[row.seller_id], participants[row.buyer_id]
        slot = slots.get(row.slot) if row.is_placed else None
        people = _seller_people(row.seller, row.slot, free) if slot is not None else []
        if slot is None or not people:
            # Off the plan, in a slot the session no longer has, or nobody to send: not in anyone's day.
            if row.meeting is not None and row.meeting.status != ItemStatus.CANCELLED:
                count += item_cancel(item=row.meeting)
            continue
        fields = _meeting_fields(session, row, slot, pairs.get((row.seller_id, row.buyer_id)))
        count += _write(row, fields, people, [row.buyer.organisation_id])
    return count


def _deleted_with(origin) -> type | None:
    return origin.model if isinstance(origin, QuerySet) else type(origin)


@receiver(pre_delete, sender=Placement, dispatch_uid="matchmaking.cancel_meeting_of_deleted_placement")
def cancel_meeting_of_deleted_placement(sender, instance: Placement, origin=None, **kwargs) -> None:
    """A placement deleted (or its participant, or its session) cancels its meeting, which stays in
    the itinerary so calendars learn of it. Not when the whole mission goes: its meetings go too."""
    if _deleted_with(origin) is Delegation:
        return
    # From the database, not the instance: a sync links meetings with update(), so an instance
    # loaded before it does not know its meeting.
    meeting = (
        Meeting.objects.filter(b2b_placement__pk=instance.pk).exclude(status=ItemStatus.CANCELLED).first()
    )
    if meeting is not None:
        item_cancel(item=meeting)
