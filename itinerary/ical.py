"""Build the iCalendar feeds: one per delegation, one per member.

The contract (DESIGN.md section 5) in short: stable bytes (nothing depends on the time of the
request), a UID per item that never changes, SEQUENCE and DTSTAMP from the item's own history, every
time with the TZID of its city, and a VTIMEZONE per zone written so that every reader (icalendar,
ical.js, libical, vobject) applies the same offsets: each transition is its own observance with its
own DTSTART, no comma-separated RDATE lists, which ical.js and vobject read only the first value of.
The one exception to TZID: a wall-clock time that happens twice (the hour repeated when clocks go
back) is written in UTC, because readers disagree on which of the two a TZID time means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from delegations.models import Member
from itinerary.schedule import Entry, Mission, with_city
from itinerary.timezones import zone

PRODID = "-//Mission Planner//Trade mission itineraries//EN"
REFRESH = timedelta(hours=1)
STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
_SEARCH_BACK = timedelta(days=800)  # far enough to find the last DST change before a mission


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT's worth of facts, whatever it came from (a live item, a deleted one, a withdrawal)."""

    uid: str
    summary: str
    start: datetime  # aware, in the zone it is shown in
    end: datetime
    sequence: int
    status: str
    stamp: datetime
    created: datetime
    location: str = ""
    geo: tuple[float, float] | None = None
    description: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()
    # Aware datetimes in one zone compare (and hash) by wall clock, ignoring `fold`: the first and the
    # second 01:30 of a repeated hour would be equal events to vevent's cache. The instants are not.
    start_utc: datetime = field(init=False, repr=False)
    end_utc: datetime = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "start_utc", self.start.astimezone(UTC))
        object.__setattr__(self, "end_utc", self.end.astimezone(UTC))


# --- time zones -----------------------------------------------------------------------------------


def _offset_at(tz, moment: datetime) -> tuple[timedelta, timedelta, str]:
    local = moment.astimezone(tz)
    return local.utcoffset(), local.dst(), local.tzname()


def _transitions(tz, start: datetime, end: datetime) -> list[tuple[datetime, timedelta, timedelta]]:
    """(instant in UTC, offset before, offset after) for each change of offset or name in [start, end)."""
    found = []
    step = timedelta(days=1)
    moment, state = start, _offset_at(tz, start)
    while moment < end:
        later = min(moment + step, end)
        later_state = _offset_at(tz, later)
        if later_state != state:
            low, high = moment, later  # bisect to the minute: the change is in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _offset_at(tz, middle) == state:
                    low = middle
                else:
                    high = middle
            instant = high.replace(second=0, microsecond=0)
            found.append((instant, state[0], _offset_at(tz, instant)[0]))
        moment, state = later, later_state
    return found


def _observance(tz, instant: datetime, offset_from: timedelta, offset_to: timedelta):
    _, dst, name = _offset_at(tz, instant)
    component = TimezoneDaylight() if dst else TimezoneStandard()
    # DTSTART is the wall-clock time of the change in the offset that was in force until then:
    # daylight time in California starts at 02:00 (PST), not at 03:00.
    component.add("dtstart", (instant + offset_from).replace(tzinfo=None))
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    component.add("tzname", name)
    return component


@lru_cache(maxsize=256)
def vtimezone(zone_name: str, first: date, last: date) -> bytes:
    """A VTIMEZONE for `zone_name` that is right from `first` to `last` (and the days around them)."""
    tz = zone(zone_name)
    start = datetime.combine(first - timedelta(days=2), time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=3), time(), tzinfo=UTC)
    component = Timezone()
    component.add("tzid", zone_name)
    earlier = _transitions(tz, start - _SEARCH_BACK, start)
    if earlier:
        component.add_component(_observance(tz, *earlier[-1]))
    else:
        offset = _offset_at(tz, start)[0]
        component.add_component(_observance(tz, datetime(1970, 1, 1, tzinfo=UTC) - offset, offset, offset))
    for instant, offset_from, offset_to in _transitions(tz, start, end):
        component.add_component(_observance(tz, instant, offset_from, offset_to))
    return component.to_ical()


# --- events ---------------------------------------------------------------------------------------


def _names(organisations) -> str:
    return "; ".join(
        f"{org.name} ({org.local_name})" if org.local_name else org.name for org in organisations
    )


def feed_event(entry: Entry, mission: Mission, *, url: str, cancelled: bool = False) -> FeedEvent:
    """The public facts of a meeting or leg. Never staff notes, booking references, e-mails or phones.

    `cancelled`: sent as cancelled whatever its status (deleted since, or the member taken off it).
    """
    item = entry.item
    lines = []
    if entry.is_leg:
        carrier = " ".join(part for part in (item.carrier, item.number) if part)
        location = f"{item.origin.name} → {item.destination.name}"
        summary = f"{entry.label} {carrier}: {location}" if carrier else f"{entry.label}: {location}"
        city = item.origin
        categories = ("Travel", entry.label)
        if item.notes:
            lines.append(item.notes)
    else:
        summary = item.title
        venue = (
            f"{item.venue} ({item.venue_local})"
            if item.venue and item.venue_local
            else item.venue or item.venue_local
        )
        place = ", ".join(part for part in (venue, item.address) if part)
        location = with_city(place, item.city.name)  # not "…Yeonje-gu, Busan, Busan"
        city = item.city
        categories = (entry.label,)
        if item.description:
            lines.append(item.description)
        if item.address_local:
            lines.append(f"Address for drivers: {item.address_local}")
        if entry.counterparts:
            lines.append(f"With: {_names(entry.counterparts)}")
    attendees = mission.attendees(entry)
    lines.append(
        "Attending: " + (", ".join(m.full_name for m in attendees) if attendees else "the whole delegation")
    )
    if item.status == "tentative":
        lines.append("Tentative: not yet confirmed.")
    geo = (float(city.latitude), float(city.longitude)) if city.latitude is not None else None
    return FeedEvent(
        uid=item.ical_uid,
        summary=summary,
        start=entry.local_start,
        end=entry.local_end,
        sequence=item.sequence,
        status="CANCELLED" if cancelled else STATUS[item.status],
        stamp=item.updated_at,
        created=item.created_at,
        location=location,
        geo=geo,
        description="\n".join(lines),
        url=url,
        categories=categories,
    )


# RFC 5545 TEXT allows no control characters but tab; line and paragraph separators would split a
# content line in readers that use str.splitlines().
_CONTROLS = dict.fromkeys([*range(9), 11, 12, *range(14, 32), 127])
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _text(value: str, *, multiline: bool = False) -> str:
    value = _BREAKS.sub("\n" if multiline else " ", value)
    return value.translate(_CONTROLS)


def _repeated(moment: datetime) -> bool:
    """Whether the wall-clock time is not one instant in its zone: the two `fold`s give two offsets.

    That is the hour repeated when clocks go back (01:30 in California on 6 November 2016 is 08:30 UTC
    and 09:30 UTC); RFC 5545 section 3.3.5 says a TZID time then means the first, and icalendar and
    vobject read it so, but ical.js, libical and node-ical read the second. (A time in the hour skipped
    when clocks go forward also has two offsets; `astimezone` never gives one.)
    """
    return moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()


def _unambiguous(moment: datetime) -> datetime:
    """The time as the feed writes it: with its zone (TZID), or in UTC (Z) if TZID could be misread."""
    return moment.astimezone(UTC) if _repeated(moment) else moment


@lru_cache(maxsize=50_000)
def vevent(event: FeedEvent) -> bytes:
    """One VEVENT's bytes. Cached by the event's full content, so any change to it is a new entry
    and an unchanged event is serialised once per process, not once per request."""
    component = Event.new(
        uid=event.uid,
        summary=_text(event.summary),
        start=_unambiguous(event.start),
        end=_unambiguous(event.end),
        stamp=event.stamp.astimezone(UTC),
        created=event.created.astimezone(UTC),
        last_modified=event.stamp.astimezone(UTC),
        sequence=event.sequence,
        status=event.status,
        location=_text(event.location) or None,
        description=_text(event.description, multiline=True) or None,
        url=event.url or None,
        categories=event.categories,
    )
    if event.geo:
        component.add("geo", event.geo)
    return component.to_ical()


# --- calendars ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    body: bytes
    last_modified: datetime


def _calendar(
    *,
    name: str,
    description: str,
    calendar_uid: str,
    url: str,
    events: list[FeedEvent],
    changed: list[datetime],
) -> Feed:
    # One line each: icalendar writes X-WR-CALNAME and X-WR-CALDESC without escaping line breaks,
    # and refuses to write a content line holding one (the mission's summary is a text area; its
    # name may predate the one-line rule).
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        name=_text(name),
        description=_text(description or name),
        uid=calendar_uid,
        url=url,
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    head = calendar.to_ical().removesuffix(b"END:VCALENDAR\r\n")
    events = sorted(events, key=lambda event: (event.start_utc, event.uid))
    # Every event's zones are listed, also for a time written in UTC: the zones do not depend on
    # which times happen to fall in a repeated hour.
    zones = sorted({str(e.start.tzinfo) for e in events} | {str(e.end.tzinfo) for e in events})
    first = min((e.start.date() for e in events), default=date(1970, 1, 1))
    last = max((e.end.date() for e in events), default=date(1970, 1, 1))
    parts = [head, *(vtimezone(name, first, last) for name in zones), *(vevent(e) for e in events)]
    last_modified = max([*changed, *(event.stamp for event in events)])
    return Feed(body=b"".join(parts) + b"END:VCALENDAR\r\n", last_modified=last_modified)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def delegation_feed(mission: Mission) -> Feed:
    """Every item of a released mission, and a cancelled copy of each one deleted since."""
    delegation = mission.delegation
    schedule_url = _absolute(reverse("schedule", args=[delegation.slug]))
    events = [feed_event(entry, mission, url=f"{schedule_url}#{entry.key}") for entry in mission.entries]
    events += [feed_event(entry, mission, url=schedule_url, cancelled=True) for entry in mission.gone]
    return _calendar(
        name=delegation.name,
        description=delegation.summary,
        calendar_uid=f"delegation-{delegation.pk}@{settings.FEED_UID_DOMAIN}",
        url=schedule_url,
        events=events,
        changed=[mission.as_of or delegation.updated_at],
    )


def member_feed(mission: Mission, member: Member) -> Feed:
    """The member's items, whole-delegation items, and cancelled copies of what they were taken off
    and of what was deleted since an earlier release."""
    page_url = _absolute(reverse("delegate-page", args=[member.feed_token]))
    events = [
        feed_event(entry, mission, url=f"{page_url}#{entry.key}") for entry in mission.entries_for(member)
    ]
    events += [
        feed_event(entry, mission, url=page_url, cancelled=True)
        for entry in mission.entries
        if member.pk in mission.withdrawn.get(entry.key, ()) and not entry.attends(member.pk)
    ]
    events += [
        feed_event(entry, mission, url=page_url, cancelled=True)
        for entry in mission.gone
        if entry.attends(member.pk) or member.pk in mission.withdrawn.get(entry.key, ())
    ]
    delegation = mission.delegation
    return _calendar(
        name=f"{delegation.name}: {member.full_name}",
        description=f"The itinerary of {member.full_name} on the {delegation.name}.",
        calendar_uid=f"member-{member.pk}@{settings.FEED_UID_DOMAIN}",
        url=page_url,
        events=events,
        changed=[mission.as_of or delegation.updated_at],
    )
