"""What a briefing book contains, composed from a `Mission` and its days (itinerary/schedule.py).

The book adds no query of its own and re-derives nothing: its days are `compose_days`' days, its
hotels are the mission's stays, its flights and trains the mission's legs. What separates the staff
book from a delegate's is `staff`: only then does the template print phones, e-mails, booking
references and staff notes. A delegate's book is composed from a release, whose snapshot holds none of
those anyway (publishing/snapshot.py), so the switch is a second lock, not the only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from delegations.models import Member, Organisation
from itinerary.mission_clock import MissionClock
from itinerary.schedule import Day, Entry, Mission, compose_days
from itinerary.timezones import zone_label

ORGANISATION_KINDS = dict(Organisation.Kind.choices)


@dataclass(frozen=True)
class Edition:
    """Which state of the mission a book prints, for its footer: a release, or the working copy."""

    release_number: int | None
    released_at: datetime | None
    working_copy: bool
    clock: MissionClock | None = None  # the mission's clock, for when the release was published

    @property
    def label(self) -> str:
        released = "nothing published yet"
        if self.release_number:
            when = (
                self.clock.text(self.released_at) if self.clock else f"{self.released_at:%d %b %Y %H:%M} UTC"
            )
            released = f"release {self.release_number} of {when}"
        if self.working_copy:
            return f"Working copy (delegates see {released})"
        return released[:1].upper() + released[1:]


@dataclass(frozen=True)
class Night:
    date: date
    stay: object  # itinerary.models.Stay (or a release's unsaved copy)


@dataclass
class Counterpart:
    """An organisation met, with the meetings it is in, in time order."""

    organisation: Organisation
    entries: list[Entry]

    @property
    def kind(self) -> str:
        return ORGANISATION_KINDS.get(self.organisation.kind, self.organisation.kind)


@dataclass(frozen=True)
class BookLine:
    """A line of a day as the book prints it: the schedule's line plus the people at the item."""

    line: object  # itinerary.schedule.Line
    attendees: tuple[Member, ...]  # empty: the whole delegation


@dataclass
class BookDay:
    day: Day
    lines: list[BookLine]


@dataclass
class Book:
    mission: Mission
    member: Member | None
    staff: bool
    edition: Edition
    days: list[BookDay]
    nights: list[Night]
    travel: list[Entry]
    counterparts: list[Counterpart]
    members: list[Member]

    @property
    def delegation(self):
        return self.mission.delegation

    @property
    def route(self) -> str:
        """The cities of the stays in order: "Beijing → Nanjing → Shanghai"."""
        cities: list[str] = []
        for stay in self.mission.stays:
            if not cities or cities[-1] != stay.city.name:
                cities.append(stay.city.name)
        return " → ".join(cities)

    @property
    def zones(self) -> list[str]:
        """Each zone the book's times are in, once: "Beijing: CST, UTC+8"."""
        seen: dict[str, str] = {}
        for entry in self.mission.entries_for(self.member):
            for city, moment in ((entry.start_city, entry.local_start), (entry.end_city, entry.local_end)):
                seen.setdefault(city.name, zone_label(moment))
        return [f"{name}: {label}" for name, label in seen.items()]


def compose_book(mission: Mission, *, member: Member | None, staff: bool, edition: Edition) -> Book:
    """The book of `mission`, for one member (their items and whole-delegation ones) or for everyone.

    Days with nothing on them and no hotel are left out, as on the delegate page.
    """
    days = [day for day in compose_days(mission, member=member) if day.lines or day.stays]
    entries = mission.entries_for(member)
    met: dict[int, Counterpart] = {}
    for entry in entries:
        for organisation in entry.counterparts:
            met.setdefault(organisation.pk, Counterpart(organisation, [])).entries.append(entry)
    nights = [
        Night(day.date, stay)
        for day in days
        for stay in day.stays
        if stay.arrival_date <= day.date < stay.departure_date
    ]
    members = [person for person in mission.members if person.is_active]
    return Book(
        mission=mission,
        member=member,
        staff=staff,
        edition=edition,
        days=[
            BookDay(
                day,
                [
                    BookLine(line, tuple(mission.attendees(line.entry)) if line.entry else ())
                    for line in day.lines
                ],
            )
            for day in days
        ],
        nights=nights,
        travel=[entry for entry in entries if entry.is_leg],
        counterparts=sorted(met.values(), key=lambda counterpart: counterpart.organisation.name.casefold()),
        members=members,
    )
