"""Compose a delegation's schedule: the one path from the database to days of items in local time.

Every page, the print view and the calendar feeds read what this module returns. `load_mission`
fetches everything about a mission in a fixed number of queries, whatever its size; the functions
after it are pure and work on the loaded data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg
from itinerary.timezones import zone_label

KIND_LABELS = dict(Meeting.Kind.choices)
MODE_LABELS = dict(TravelLeg.Mode.choices)
_TRAILING = re.compile(r"[\W_]+$")  # punctuation and spaces at the end (CJK ones too)


def ends_with_city(text: str, city_name: str) -> bool:
    """Whether a place already names its city last: "1 APEC-ro, Haeundae-gu, Busan." ends with Busan.

    Case and trailing punctuation do not count; a name must end a word ("Beijing" does not end
    with "Jing").
    """
    text, name = _TRAILING.sub("", text).casefold(), _TRAILING.sub("", city_name).strip().casefold()
    return bool(name) and text.endswith(name) and not text[: -len(name)][-1:].isalnum()


def with_city(text: str, city_name: str) -> str:
    """A place and its city ("BEXCO, Busan"); the place alone when it already ends with the city."""
    if not text:
        return city_name
    return text if ends_with_city(text, city_name) else f"{text}, {city_name}"


@dataclass(eq=False, slots=True)
class Entry:
    """One meeting or travel leg, with its times, places and people resolved once, up front.

    Plain attributes rather than properties: the conflict rules and the feed read them thousands of
    times for a large mission.
    """

    item: Meeting | TravelLeg
    is_leg: bool
    key: str
    title: str
    label: str  # the kind of meeting ("Forum") or the mode of travel ("Flight")
    starts_at: datetime
    ends_at: datetime
    start_city: City
    end_city: City
    local_start: datetime
    local_end: datetime
    place: str  # where someone must be: a venue in a city, or a leg's city of departure
    attendee_ids: frozenset[int]  # empty: the whole delegation
    counterparts: tuple[Organisation, ...]

    @classmethod
    def of(cls, item, attendee_ids: frozenset[int], counterparts: tuple[Organisation, ...] = ()) -> Entry:
        if isinstance(item, TravelLeg):
            start_city, end_city = item.origin, item.destination
            starts_at, ends_at = item.departs_at, item.arrives_at
            key, title, place = f"leg-{item.pk}", str(item), start_city.name
            label = MODE_LABELS[item.mode]
        else:
            start_city = end_city = item.city
            starts_at, ends_at = item.starts_at, item.ends_at
            key, title = f"meeting-{item.pk}", item.title
            label = KIND_LABELS[item.kind]
            place = with_city(item.venue, start_city.name)  # "Grand Hyatt Busan", not "…, Busan"
        return cls(
            item=item,
            is_leg=isinstance(item, TravelLeg),
            key=key,
            title=title,
            label=label,
            starts_at=starts_at,
            ends_at=ends_at,
            start_city=start_city,
            end_city=end_city,
            local_start=starts_at.astimezone(start_city.zone),
            local_end=ends_at.astimezone(end_city.zone),
            place=place,
            attendee_ids=attendee_ids,
            counterparts=counterparts,
        )

    @property
    def local_date(self) -> date:
        """The day the item starts on, where it starts: the day it is listed under."""
        return self.local_start.date()

    @property
    def arrival_date(self) -> date | None:
        """The other day a leg is on: the local day it lands, when that is not the day it left."""
        if not self.is_leg:
            return None
        landing = self.local_end.date()
        return landing if landing != self.local_start.date() else None

    @property
    def arrival_time(self) -> str:
        """Arrives 06:10 KST, UTC+9: a leg's landing, in its destination's zone."""
        return f"Arrives {self.local_end:%H:%M} {zone_label(self.local_end)}"

    @property
    def arrival_summary(self) -> str:
        """flight OZ 201 from San Francisco: what lands, said on the day it lands."""
        item = self.item
        what = " ".join(part for part in (self.label.lower(), item.number or item.carrier) if part)
        return f"{what} from {self.start_city.name}"

    @property
    def departure_time(self) -> str:
        """Sun 23 Oct 12:50 PDT, UTC−7: when a leg that lands on another day left."""
        start = self.local_start
        return f"{start:%a} {start.day} {start:%b %H:%M} {zone_label(start)}"

    @property
    def everyone(self) -> bool:
        return not self.attendee_ids

    @property
    def is_cancelled(self) -> bool:
        return self.item.status == "cancelled"

    def attends(self, member_id: int) -> bool:
        return not self.attendee_ids or member_id in self.attendee_ids

    @property
    def time_range(self) -> str:
        """09:30–10:30 CST, UTC+8; or 12:50 PDT, UTC−7 → 16:55 CST, UTC+8 (+1 day) for a leg."""
        start, end = self.local_start, self.local_end
        days = (end.date() - start.date()).days
        suffix = (
            f" (+{days} day{'s' if days > 1 else ''})" if days > 0 else f" ({days} day)" if days < 0 else ""
        )
        if start.tzinfo == end.tzinfo:
            return f"{start:%H:%M}–{end:%H:%M} {zone_label(start)}{suffix}"
        return f"{start:%H:%M} {zone_label(start)} → {end:%H:%M} {zone_label(end)}{suffix}"


@dataclass
class Mission:
    """Everything about one delegation that the schedule, conflicts and feeds need.

    Composed from the working copy (`load_mission`) or read back from a release
    (`publishing.snapshot.mission_from_snapshot`), which adds what calendars must still be told:
    items deleted since an earlier release (`gone`) and, per item key, the members taken off it
    (`withdrawn`); `as_of` is when the release was published.
    """

    delegation: Delegation
    members: list[Member]
    stays: list[Stay]
    entries: list[Entry]
    gone: list[Entry] = field(default_factory=list)
    withdrawn: dict[str, frozenset[int]] = field(default_factory=dict)
    as_of: datetime | None = None

    @cached_property
    def members_by_id(self) -> dict[int, Member]:
        return {member.pk: member for member in self.members}

    def attendees(self, entry: Entry) -> list[Member]:
        return [self.members_by_id[pk] for pk in sorted(entry.attendee_ids) if pk in self.members_by_id]

    def entries_for(self, member: Member | None) -> list[Entry]:
        if member is None:
            return self.entries
        return [entry for entry in self.entries if entry.attends(member.pk)]

    def stays_on(self, day: date) -> list[Stay]:
        return [stay for stay in self.stays if stay.covers(day)]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a day, in time order.

    An item that starts that day (`entry`); an overnight leg on the day it lands (`entry` with
    `arrival`), shown as its arrival; or the check-in at the hotel of a stay that starts that day
    (`stay`).
    """

    entry: Entry | None = None
    stay: Stay | None = None
    arrival: bool = False

    @property
    def key(self) -> str:
        """Unique on a page: an item's card keeps the item's key (feeds link to it)."""
        if self.stay is not None:
            return f"stay-{self.stay.pk}"
        return f"{self.entry.key}-arrival" if self.arrival else self.entry.key


@dataclass
class Day:
    """One local date: the stays that cover it, the items that start on it, and the overnight legs
    that land on it (`arrivals`; they left on an earlier day, which lists them in `entries`)."""

    date: date
    stays: list[Stay]
    entries: list[Entry] = field(default_factory=list)
    arrivals: list[Entry] = field(default_factory=list)

    @cached_property
    def lines(self) -> list[Line]:
        """Everything on the day in the order it happens, as the pages show it.

        Items by their start, arrivals by their landing (before anything starting at the same
        moment). A new hotel comes at check-in: right after the last leg landing in its city that
        day, or at the end of the day when no leg says when.
        """
        timed = [(entry.starts_at, 1, entry.key, Line(entry=entry)) for entry in self.entries]
        timed += [(entry.ends_at, 0, entry.key, Line(entry=entry, arrival=True)) for entry in self.arrivals]
        lines = [line for *_, line in sorted(timed, key=lambda row: row[:3])]
        for stay in self.stays:
            if stay.arrival_date != self.date or not stay.hotel_name:
                continue
            landed = [
                n
                for n, line in enumerate(lines)
                if line.entry is not None
                and line.entry.is_leg
                and not line.entry.is_cancelled
                and line.entry.end_city.pk == stay.city_id
                and line.entry.local_end.date() == self.date
            ]
            lines.insert(landed[-1] + 1 if landed else len(lines), Line(stay=stay))
        return lines

    @property
    def route(self) -> list[str]:
        """The cities of the day in the order they are reached: "Beijing → Nanjing" on a travel day.

        The day's legs, in time order, say where the delegation goes; stays only fill in where no
        leg does: the city it wakes up in before the first leg, the one it sleeps in after the last,
        or the changeover between two hotels on a day with no leg at all.
        """
        cities: list[City] = []

        def visit(city: City) -> None:
            if not cities or cities[-1].pk != city.pk:
                cities.append(city)

        # (when it reaches or leaves the day, where from, where to); an overnight leg reaches the
        # day it lands on only at its destination.
        moves = [
            (leg.starts_at, leg.key, leg.start_city, leg.end_city)
            for leg in self.entries
            if leg.is_leg and not leg.is_cancelled
        ]
        moves += [(leg.ends_at, leg.key, None, leg.end_city) for leg in self.arrivals if not leg.is_cancelled]
        morning = [stay.city for stay in self.stays if stay.arrival_date < self.date]
        evening = [stay.city for stay in self.stays if stay.departure_date > self.date]
        if not moves:
            for stay in self.stays:
                visit(stay.city)
            return [city.name for city in cities]
        for city in morning[:1]:
            visit(city)
        for _, _, start_city, end_city in sorted(moves, key=lambda move: move[:2]):
            if start_city is not None:
                visit(start_city)
            visit(end_city)
        for city in evening[-1:]:
            visit(city)
        return [city.name for city in cities]

    @property
    def route_label(self) -> str:
        return " → ".join(self.route) or "No stay planned"


def _pairs(queryset, left: str, right: str) -> dict[int, set[int]]:
    grouped: dict[int, set[int]] = {}
    for left_id, right_id in queryset.values_list(left, right):
        grouped.setdefault(left_id, set()).add(right_id)
    return grouped


def load_mission(delegation: Delegation) -> Mission:
    """Load one mission in nine queries, however many meetings it has."""
    return load_missions([delegation])[delegation.pk]


def load_missions(delegations: list[Delegation]) -> dict[int, Mission]:
    """Load several missions at once (the dashboard), still in nine queries in all.

    Attendees and counterparts come as id pairs from their link tables rather than through
    prefetch_related: a large mission has thousands of links, and tuples cost far less than models.
    """
    ids = [delegation.pk for delegation in delegations]
    # A dozen cities serve a thousand items: fetch them once and share them, rather than joining
    # and building a City per row.
    meetings = list(Meeting.objects.filter(delegation_id__in=ids))
    legs = list(TravelLeg.objects.filter(delegation_id__in=ids))
    city_ids = {m.city_id for m in meetings} | {
        c for leg in legs for c in (leg.origin_id, leg.destination_id)
    }
    cities = {city.pk: city for city in City.objects.filter(pk__in=city_ids)} if city_ids else {}
    for meeting in meetings:
        meeting.city = cities[meeting.city_id]
    for leg in legs:
        leg.origin, leg.destination = cities[leg.origin_id], cities[leg.destination_id]
    meeting_people = _pairs(
        Meeting.attendees.through.objects.filter(meeting__delegation_id__in=ids), "meeting_id", "member_id"
    )
    leg_people = _pairs(
        TravelLeg.attendees.through.objects.filter(travelleg__delegation_id__in=ids),
        "travelleg_id",
        "member_id",
    )
    meeting_orgs = _pairs(
        MeetingCounterpart.objects.filter(meeting__delegation_id__in=ids), "meeting_id", "organisation_id"
    )
    org_ids = set().union(*meeting_orgs.values()) if meeting_orgs else set()
    organisations = {org.pk: org for org in Organisation.objects.filter(pk__in=org_ids)} if org_ids else {}
    grouped: dict[int, dict[str, list]] = {pk: {"entries": [], "stays": [], "members": []} for pk in ids}
    for meeting in meetings:
        counterparts = sorted(
            (organisations[pk] for pk in meeting_orgs.get(meeting.pk, ())), key=lambda o: o.name
        )
        entry = Entry.of(meeting, frozenset(meeting_people.get(meeting.pk, ())), tuple(counterparts))
        grouped[meeting.delegation_id]["entries"].append(entry)
    for leg in legs:
        grouped[leg.delegation_id]["entries"].append(Entry.of(leg, frozenset(leg_people.get(leg.pk, ()))))
    for stay in Stay.objects.filter(delegation_id__in=ids).select_related("city").order_by("arrival_date"):
        grouped[stay.delegation_id]["stays"].append(stay)
    for member in (
        Member.objects.filter(delegation_id__in=ids).select_related("organisation").order_by("full_name")
    ):
        grouped[member.delegation_id]["members"].append(member)
    missions = {}
    for delegation in delegations:
        parts = grouped[delegation.pk]
        parts["entries"].sort(key=lambda entry: (entry.starts_at, entry.ends_at, entry.key))
        missions[delegation.pk] = Mission(delegation, parts["members"], parts["stays"], parts["entries"])
    return missions


def compose_days(mission: Mission, *, member: Member | None = None) -> list[Day]:
    """Days from the mission's first to last date, each with its stays and its items in local time.

    An item is listed under the date it starts where it starts (`Day.entries`), so a flight leaving
    San Francisco on the 23rd is on the 23rd; a leg that lands on another local date is on that day
    too, as an arrival (`Day.arrivals`): the morning it lands in Beijing on the 24th is not empty.
    Only the days hold a leg twice; `mission.entries` (feeds, conflicts) has each item once. Items
    outside the mission's dates still get their own day, so nothing is hidden.
    """
    entries = mission.entries_for(member)
    delegation = mission.delegation
    dates = {
        delegation.start_date + timedelta(days=n)
        for n in range((delegation.end_date - delegation.start_date).days + 1)
    }
    landings = [(entry.arrival_date, entry) for entry in entries if entry.arrival_date is not None]
    dates.update(entry.local_date for entry in entries)
    dates.update(landed for landed, _ in landings)
    days = {day: Day(date=day, stays=mission.stays_on(day)) for day in sorted(dates)}
    for entry in entries:
        days[entry.local_date].entries.append(entry)
    for landed, entry in landings:
        days[landed].arrivals.append(entry)
    for day in days.values():
        day.entries.sort(key=lambda entry: (entry.starts_at, entry.key))
        day.arrivals.sort(key=lambda entry: (entry.ends_at, entry.key))
    return list(days.values())
