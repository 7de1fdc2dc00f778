"""A session's B2B meetings as the latest release has them: what buyers, delegates and the room get.

Staff edit the working copy (the placements); nobody else learns of an edit before it is
published, so the table plan, each buyer's agenda, page and feed, and a delegate's outcomes page all
read this. A release keeps meetings, not placements: a B2B meeting's table is in its title
(`itinerary_sync.meeting_title`), its buyer among its counterparts, the people at the table as its
attendees; the placement that made it (found by the meeting's id) names the seller and the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegations.models import Delegation, Member, Organisation
from itinerary.mission_clock import clock_of
from itinerary.schedule import Entry, Mission
from matchmaking.itinerary_sync import table_in_title
from matchmaking.models import Participant, Placement, Session
from publishing.models import Release
from publishing.released import released_mission

NOTHING_PUBLISHED = "Nothing published yet"


@dataclass(frozen=True)
class Latest:
    """The latest release of a mission, read back, and how a printed page names it."""

    mission: Mission
    number: int | None  # None: nothing published yet
    edition: str


def latest_published(delegation: Delegation) -> Latest:
    release = (
        Release.objects.filter(delegation_id=delegation.pk)
        .order_by("-number")
        .values_list("pk", "number", "published_at")
        .first()
    )
    if release is None:
        return Latest(released_mission(delegation, None), None, NOTHING_PUBLISHED)
    pk, number, published_at = release
    mission = released_mission(delegation, pk)
    edition = f"Update {number}, published {clock_of(mission).text(published_at)}"
    return Latest(mission, number, edition)


@dataclass(frozen=True)
class ReleasedMeeting:
    """One B2B meeting of the session in the release, with who sits at the table."""

    entry: Entry
    placement: Placement | None  # the row that made it; None when deleted since
    table: int | None
    seller: Organisation | None
    buyer: Organisation | None
    buyer_participant: Participant | None  # for the contact and the language
    people: tuple[Member, ...]
    cancelled: bool  # cancelled, or deleted from the itinerary since an earlier release
    gone: bool  # deleted from the itinerary since an earlier release

    @property
    def local_start(self):
        return self.entry.local_start

    @property
    def local_end(self):
        return self.entry.local_end


def session_meetings(session: Session, mission: Mission) -> list[ReleasedMeeting]:
    """The session's meetings in `mission` (a release), cancelled ones included, by time and table.

    A meeting is the session's when one of its placements made it, or (its placement deleted since)
    when it is a B2B meeting in the session's city during the session that no placement claims.
    Two queries whatever the session's size, on top of reading the release.
    """
    rows = list(
        Placement.objects.filter(
            session__delegation_id=session.delegation_id, meeting__isnull=False
        ).select_related("seller__organisation", "buyer__organisation")
    )
    mine = {row.meeting_id: row for row in rows if row.session_id == session.pk}
    claimed = {row.meeting_id for row in rows}
    participants = list(Participant.objects.filter(session=session).select_related("organisation"))
    sellers = {p.organisation_id: p.organisation for p in participants if p.is_seller}
    buyers = {p.organisation_id: p for p in participants if not p.is_seller}
    gone = {entry.key for entry in mission.gone}
    found = []
    for entry in [*mission.entries, *mission.gone]:
        if entry.is_leg or entry.item.kind != "b2b":
            continue
        placement = mine.get(entry.item.pk)
        if placement is None and (
            entry.item.pk in claimed
            or entry.item.city_id != session.city_id
            or not session.starts_at <= entry.starts_at < session.ends_at
        ):
            continue
        people = tuple(mission.attendees(entry))
        if placement is not None:
            seller, buyer_participant = placement.seller.organisation, placement.buyer
            buyer = buyer_participant.organisation
        else:
            seller = next((sellers[m.organisation_id] for m in people if m.organisation_id in sellers), None)
            buyer_participant = next((buyers[o.pk] for o in entry.counterparts if o.pk in buyers), None)
            buyer = next(iter(entry.counterparts), None)
            if buyer_participant is not None:
                buyer = buyer_participant.organisation
        found.append(
            ReleasedMeeting(
                entry=entry,
                placement=placement,
                table=table_in_title(entry.title),
                seller=seller,
                buyer=buyer,
                buyer_participant=buyer_participant,
                people=tuple(sorted(people, key=lambda member: member.full_name)),
                cancelled=entry.is_cancelled or entry.key in gone,
                gone=entry.key in gone,
            )
        )
    found.sort(key=lambda meeting: (meeting.entry.starts_at, meeting.table or 0, meeting.entry.key))
    return found


def as_released(placements: list[Placement], mission: Mission) -> list[Placement]:
    """The placements whose meeting the release has (not cancelled), each given the release's time
    and table (`released_time`, `released_table`): a meeting not yet published is left out, a move
    not yet published shows where the release has it."""
    live = {entry.item.pk: entry for entry in mission.entries if not entry.is_leg and not entry.is_cancelled}
    shown = []
    for placement in placements:
        entry = live.get(placement.meeting_id)
        if entry is None:
            continue
        placement.released_entry = entry
        placement.released_time = f"{entry.local_start:%H:%M}–{entry.local_end:%H:%M}"
        placement.released_table = table_in_title(entry.title)
        shown.append(placement)
    return shown
