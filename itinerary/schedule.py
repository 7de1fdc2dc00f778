"""Compose a delegation's schedule: the one path from the database to days of items in local time.

Every page, the print view and the calendar feeds read what this module returns. `load_mission`
fetches everything about a mission in a fixed number of queries, whatever its size; the functions
after it are pure and work on the loaded data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg
from itinerary.timezones import zone_label

KIND_LABELS = dict(Meeting.Kind.choices)
MODE_LABELS = dict(TravelLeg.Mode.choices)


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
            place = f"{item.venue}, {start_city.name}" if item.venue else start_city.name
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
        """The day the item belongs to: its start date where it starts."""
        return self.local_start.date()

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
    """Everything about one delegation that the schedule, conflicts and feeds need."""

    delegation: Delegation
    members: list[Member]
    stays: list[Stay]
    entries: list[Entry]

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


@dataclass
class Day:
    date: date
    stays: list[Stay]
    entries: list[Entry] = field(default_factory=list)

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

        legs = [entry for entry in self.entries if entry.is_leg and not entry.is_cancelled]
        morning = [stay.city for stay in self.stays if stay.arrival_date < self.date]
        evening = [stay.city for stay in self.stays if stay.departure_date > self.date]
        if not legs:
            for stay in self.stays:
                visit(stay.city)
            return [city.name for city in cities]
        for city in morning[:1]:
            visit(city)
        for leg in sorted(legs, key=lambda entry: (entry.starts_at, entry.key)):
            visit(leg.start_city)
            visit(leg.end_city)
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

    A day belongs to the date an item starts where it starts, so a flight leaving San Francisco on
    the 23rd is on the 23rd even though it lands in Beijing on the 24th. Items outside the mission's
    dates still get their own day, so nothing is hidden.
    """
    entries = mission.entries_for(member)
    delegation = mission.delegation
    dates = {
        delegation.start_date + timedelta(days=n)
        for n in range((delegation.end_date - delegation.start_date).days + 1)
    }
    dates.update(entry.local_date for entry in entries)
    days = {day: Day(date=day, stays=mission.stays_on(day)) for day in sorted(dates)}
    for entry in entries:
        days[entry.local_date].entries.append(entry)
    for day in days.values():
        day.entries.sort(key=lambda entry: (entry.starts_at, entry.key))
    return list(days.values())
