"""Compose a delegation's schedule: the one path from the database to days of items in local time.

Every page, the print view and the calendar feeds read what this module returns. `load_mission`
fetches everything about a mission in a fixed number of queries, whatever its size; the functions
after it are pure and work on the loaded data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import Prefetch

from delegations.models import Delegation, Member
from itinerary.models import City, Meeting, Stay, TravelLeg


@dataclass(eq=False)
class Entry:
    """One meeting or travel leg, with its times and places resolved once."""

    item: Meeting | TravelLeg
    attendee_ids: frozenset[int]  # empty: the whole delegation

    @property
    def is_leg(self) -> bool:
        return isinstance(self.item, TravelLeg)

    @property
    def key(self) -> str:
        return f"{'leg' if self.is_leg else 'meeting'}-{self.item.pk}"

    @property
    def starts_at(self) -> datetime:
        return self.item.departs_at if self.is_leg else self.item.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.item.arrives_at if self.is_leg else self.item.ends_at

    @property
    def start_city(self) -> City:
        return self.item.origin if self.is_leg else self.item.city

    @property
    def end_city(self) -> City:
        return self.item.destination if self.is_leg else self.item.city

    @cached_property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.start_city.zone)

    @cached_property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.end_city.zone)

    @property
    def local_date(self) -> date:
        """The day the item belongs to: its start date where it starts."""
        return self.local_start.date()

    @property
    def title(self) -> str:
        return str(self.item) if self.is_leg else self.item.title

    @property
    def place(self) -> str:
        """Where someone must be: a venue in a city, or a city for a leg's ends."""
        if self.is_leg:
            return self.start_city.name
        return ", ".join(part for part in (self.item.venue, self.item.city.name) if part)

    @property
    def everyone(self) -> bool:
        return not self.attendee_ids

    @property
    def is_cancelled(self) -> bool:
        return self.item.is_cancelled

    def attends(self, member_id: int) -> bool:
        return self.everyone or member_id in self.attendee_ids


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
        """The cities of the day in order: "Beijing → Nanjing" on a travel day."""
        names: list[str] = []
        for stay in self.stays:
            if not names or names[-1] != stay.city.name:
                names.append(stay.city.name)
        for entry in self.entries:
            if entry.is_leg and not entry.is_cancelled:
                for city in (entry.start_city, entry.end_city):
                    if city.name not in names:
                        names.append(city.name)
        return names

    @property
    def route_label(self) -> str:
        return " → ".join(self.route) or "No stay planned"


def _mission_querysets():
    meetings = Meeting.objects.select_related("city").prefetch_related(
        "counterparts", Prefetch("attendees", queryset=Member.objects.only("pk", "delegation_id"))
    )
    legs = TravelLeg.objects.select_related("origin", "destination").prefetch_related(
        Prefetch("attendees", queryset=Member.objects.only("pk", "delegation_id"))
    )
    stays = Stay.objects.select_related("city").order_by("arrival_date")
    members = Member.objects.select_related("organisation").order_by("full_name")
    return meetings, legs, stays, members


def _entries(meetings: Iterable[Meeting], legs: Iterable[TravelLeg]) -> list[Entry]:
    entries = [
        Entry(item=item, attendee_ids=frozenset(member.pk for member in item.attendees.all()))
        for item in [*meetings, *legs]
    ]
    entries.sort(key=lambda entry: (entry.starts_at, entry.ends_at, entry.key))
    return entries


def load_mission(delegation: Delegation) -> Mission:
    """Load one mission in seven queries, however many meetings it has."""
    return load_missions([delegation])[delegation.pk]


def load_missions(delegations: list[Delegation]) -> dict[int, Mission]:
    """Load several missions at once (the dashboard), still in seven queries in all."""
    ids = [delegation.pk for delegation in delegations]
    meetings, legs, stays, members = _mission_querysets()
    grouped: dict[int, dict[str, list]] = {
        pk: {"meetings": [], "legs": [], "stays": [], "members": []} for pk in ids
    }
    for name, queryset in (("meetings", meetings), ("legs", legs), ("stays", stays), ("members", members)):
        for obj in queryset.filter(delegation_id__in=ids):
            grouped[obj.delegation_id][name].append(obj)
    return {
        delegation.pk: Mission(
            delegation=delegation,
            members=grouped[delegation.pk]["members"],
            stays=grouped[delegation.pk]["stays"],
            entries=_entries(grouped[delegation.pk]["meetings"], grouped[delegation.pk]["legs"]),
        )
        for delegation in delegations
    }


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
