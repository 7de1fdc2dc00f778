"""Find what is wrong with a schedule, in words staff can act on.

Findings are warnings: they are shown on the schedule, the overview and after saving, and never
block a save. Rules (DESIGN.md section 3):
- a member booked for two overlapping items (a leg still under way when a meeting starts at its
  destination is reported as a late leg instead);
- a meeting in a city where the delegation has no stay that day;
- consecutive items in different cities with no travel leg between them, or a leg arriving after
  the next item starts;
- less than the delegation's travel buffer between consecutive items at different venues;
- an item outside the delegation's dates (legs that bring the delegation in or take it home are not);
- a meeting at an odd local hour (starting before 07:00 or ending after 22:00).
Cancelled items take part in none of them.

One problem, one finding: each finding names who it affects (or the whole delegation), and a rule
does not report again what another has already said. A meeting in a city the delegation is not
staying in is reported once as in the wrong city, not also as a missing leg on either side of it;
members reaching one meeting from different places without a leg share one missing-leg finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.utils.translation import ngettext

from delegations.models import Member
from itinerary.schedule import Entry, Mission
from itinerary.timezones import zone_label

EARLIEST = time(7, 0)
LATEST = time(22, 0)
EVERYONE: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Conflict:
    rule: str
    message: str
    keys: tuple[str, ...]  # the entries concerned, see Entry.key
    member_ids: frozenset[int] = EVERYONE  # who is affected; empty for the whole delegation

    def concerns(self, entry: Entry) -> bool:
        return entry.key in self.keys

    def affects(self, member: Member) -> bool:
        return not self.member_ids or member.pk in self.member_ids


# --- words --------------------------------------------------------------------------------------


def _minutes(count: int) -> str:
    return ngettext("%(n)d minute", "%(n)d minutes", count) % {"n": count}


def _day(moment: date) -> str:
    """Tue 12 May: the one way a day is written in findings."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def _date_range(start: date, end: date) -> str:
    """12–18 May 2026; 28 Apr – 3 May 2026; 29 Dec 2025 – 4 Jan 2026."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M} {zone_label(moment)}"


def _when(entry: Entry) -> str:
    """Tue 12 May 14:00 KST, UTC+9: when an item starts, where it starts."""
    return f"{_day(entry.local_start)} {_clock(entry.local_start)}"


def _listed(parts: list[str], *, limit: int = 3) -> str:
    """A, B and C; A, B, C and 2 more."""
    if len(parts) > limit:
        return f"{', '.join(parts[:limit])} and {len(parts) - limit} more"
    if len(parts) > 1:
        return f"{', '.join(parts[:-1])} and {parts[-1]}"
    return "".join(parts)


def _titles(entries: list[Entry]) -> str:
    return _listed([f"“{entry.title}”" for entry in entries])


def _who(mission: Mission, member_ids: frozenset[int]) -> str:
    if not member_ids:
        return "the whole delegation"
    members = mission.members_by_id
    return _listed(sorted(members[pk].full_name for pk in member_ids if pk in members))


def _affects(mission: Mission, member_ids: frozenset[int]) -> str:
    return f"Affects {_who(mission, member_ids)}."


# --- who ----------------------------------------------------------------------------------------


def _affected(active: frozenset[int], member_ids: Iterable[int]) -> frozenset[int]:
    """The members a finding concerns, or EVERYONE when that is every active member.

    A delegation of one is named rather than called the whole delegation.
    """
    member_ids = frozenset(member_ids)
    if not member_ids or (len(active) > 1 and active <= member_ids):
        return EVERYONE
    return member_ids


def _joined(active: frozenset[int], groups: Iterable[frozenset[int]]) -> frozenset[int]:
    """Everyone affected by any of several findings merged into one (EVERYONE absorbs the rest)."""
    joined: set[int] = set()
    for member_ids in groups:
        if not member_ids:
            return EVERYONE
        joined |= member_ids
    return _affected(active, joined)


def _by_time(entries: Iterable[Entry]) -> list[Entry]:
    return sorted({entry.key: entry for entry in entries}.values(), key=lambda e: (e.starts_at, e.key))


# --- rules --------------------------------------------------------------------------------------


def _overlaps(mission: Mission, entries: list[Entry], active: frozenset[int]) -> list[Conflict]:
    """Members in two items at once: a double booking, or a leg that lands after a meeting starts.

    Entries are sorted by start, so each is compared only with those starting before it ends. A leg
    still under way when a meeting at its destination starts is one late leg however many meetings
    it makes them miss; any other overlap is a double booking of that pair.
    """
    found: list[Conflict] = []
    late: dict[str, tuple[Entry, list[Entry], list[frozenset[int]]]] = {}
    for i, first in enumerate(entries):
        for second in entries[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break  # sorted by start: no later entry overlaps `first`
            if first.everyone and second.everyone:
                both = EVERYONE
            else:
                first_ids = active if first.everyone else first.attendee_ids
                second_ids = active if second.everyone else second.attendee_ids
                if not first_ids & second_ids:
                    continue
                both = _affected(active, first_ids & second_ids)
            if first.is_leg and not second.is_leg and second.start_city.id == first.end_city.id:
                leg = late.setdefault(first.key, (first, [], []))
                leg[1].append(second)
                leg[2].append(both)
                continue
            found.append(
                Conflict(
                    "double_booked",
                    f"Double-booked: {_who(mission, both)} in “{first.title}” ({_when(first)}) and "
                    f"“{second.title}” ({_when(second)}), which overlap.",
                    (first.key, second.key),
                    both,
                )
            )
    for leg, meetings, groups in late.values():
        who = _joined(active, groups)
        if len(meetings) == 1:
            missed = f"after “{meetings[0].title}” starts ({_when(meetings[0])})"
        else:
            missed = f"after {_titles(meetings)} start (the first at {_when(meetings[0])})"
        found.append(
            Conflict(
                "late_leg",
                f"{leg.title} arrives {_clock(leg.local_end)}, {missed}. {_affects(mission, who)}",
                (leg.key, *(meeting.key for meeting in meetings)),
                who,
            )
        )
    return found


def _outside(mission: Mission, entry: Entry) -> bool:
    """Whether an item falls outside the mission's dates, by the local dates where it happens.

    Travel to and from the mission is part of it: a leg counts as outside only when it lands before
    the first day or leaves after the last, not the overnight flight that arrives on the first day.
    """
    delegation = mission.delegation
    if entry.is_leg:
        return entry.local_end.date() < delegation.start_date or entry.local_date > delegation.end_date
    return entry.local_date < delegation.start_date or entry.local_end.date() > delegation.end_date


def _placement(
    mission: Mission, entries: list[Entry], active: frozenset[int]
) -> tuple[list[Conflict], set[str]]:
    """Meetings where the delegation is not staying, and the keys of those in another stay's city.

    Those keys leave the missing-leg rule: a Busan meeting on a Seoul day is one mistake, not also
    a missing leg to Busan before it and back after it. A day with no stay at all is one finding for
    all its meetings (the stay is what is missing), and says nothing about the meetings' cities, so
    they stay in the missing-leg rule. Meetings outside the mission's dates have their own finding.
    """
    if not mission.stays:
        return [], set()
    stays_by_day: dict[date, list] = {}
    found: list[Conflict] = []
    misplaced: set[str] = set()
    homeless: dict[date, list[Entry]] = {}
    for entry in entries:
        if entry.is_leg:
            continue
        day = entry.local_date
        if day not in stays_by_day:
            stays_by_day[day] = mission.stays_on(day)
        stays = stays_by_day[day]
        if any(stay.city_id == entry.item.city_id for stay in stays):
            continue
        if not stays:
            if not _outside(mission, entry):
                homeless.setdefault(day, []).append(entry)
            continue
        misplaced.add(entry.key)
        who = _affected(active, entry.attendee_ids)
        found.append(
            Conflict(
                "wrong_city",
                f"“{entry.title}” is in {entry.item.city.name} on {_day(day)}, but the delegation is "
                f"staying in {' and '.join(stay.city.name for stay in stays)}. {_affects(mission, who)}",
                (entry.key,),
                who,
            )
        )
    for day, meetings in homeless.items():
        who = _joined(active, (_affected(active, entry.attendee_ids) for entry in meetings))
        if len(meetings) == 1:
            what = f"“{meetings[0].title}” is in {meetings[0].item.city.name} on {_day(day)}"
        else:
            what = f"{_titles(meetings)} are on {_day(day)}"
        found.append(
            Conflict(
                "wrong_city",
                f"{what}, but the delegation has no stay that day. {_affects(mission, who)}",
                tuple(entry.key for entry in meetings),
                who,
            )
        )
    return found, misplaced


def _timelines(mission: Mission, entries: list[Entry]) -> list[tuple[set[int], list[Entry]]]:
    """Each member's own sequence of items, grouped when several members share one."""
    members = [member.pk for member in mission.members if member.is_active]
    if not members:
        return [(set(), entries)]
    # One pass over the entries, not one per member (a board move runs this on every drop): an
    # entry for the whole delegation is in every timeline, any other only in its attendees'.
    everyone: list[int] = []
    own: dict[int, list[int]] = {}
    for i, entry in enumerate(entries):
        if not entry.attendee_ids:
            everyone.append(i)
        for pk in entry.attendee_ids:
            own.setdefault(pk, []).append(i)
    groups: dict[tuple[int, ...], tuple[set[int], list[Entry]]] = {}
    for pk in members:
        positions = tuple(sorted(everyone + own[pk])) if pk in own else tuple(everyone)
        if positions not in groups:
            groups[positions] = (set(), [entries[i] for i in positions])
        groups[positions][0].add(pk)
    return list(groups.values())


Gap = tuple[Entry, Entry, set[int]]  # before, after, the members going from one to the other


def _travel_and_buffers(
    mission: Mission, entries: list[Entry], active: frozenset[int], misplaced: set[str]
) -> list[Conflict]:
    """Missing legs and tight buffers along each member's own sequence of items.

    Overlapping neighbours are left to `_overlaps`. Meetings in `misplaced` are skipped when looking
    for missing legs (their wrong city is already reported), so the item before one is compared
    with the item after it: a real missing leg around them is still found.
    """
    buffer = timedelta(minutes=mission.delegation.travel_buffer_minutes)
    gaps: dict[tuple[str, str], Gap] = {}
    tight: dict[tuple[str, str], Gap] = {}
    for member_ids, timeline in _timelines(mission, entries):
        # City ids, not pks: this runs for every pair of every timeline, and pk is a property.
        located = None  # the last item not in the wrong city
        for before, after in pairwise(timeline):
            if (
                not after.is_leg
                and before.end_city.id == after.start_city.id
                and before.place != after.place
                and before.ends_at <= after.starts_at < before.ends_at + buffer
            ):
                tight.setdefault((before.key, after.key), (before, after, set()))[2].update(member_ids)
            if before.key not in misplaced:
                located = before
            if located is None or after.key in misplaced:
                continue
            if after.starts_at >= located.ends_at and located.end_city.id != after.start_city.id:
                gaps.setdefault((located.key, after.key), (located, after, set()))[2].update(member_ids)
    found = [_missing_leg(mission, active, group) for group in _one_leg_each(list(gaps.values()))]
    for before, after, member_ids in tight.values():
        who = _affected(active, member_ids)
        minutes = int((after.starts_at - before.ends_at).total_seconds() // 60)
        found.append(
            Conflict(
                "tight_buffer",
                f"Only {_minutes(minutes)} on {_day(after.local_start)} from "
                f"“{before.title}” ({before.end_city.name if before.is_leg else before.place}) to "
                f"“{after.title}” ({after.place}); the travel buffer is "
                f"{_minutes(mission.delegation.travel_buffer_minutes)}. {_affects(mission, who)}",
                (before.key, after.key),
                who,
            )
        )
    return found


def _one_leg_each(gaps: list[Gap]) -> list[list[Gap]]:
    """Group the gaps one leg would close: those leaving one item for the same city, or reaching one
    item from the same city (members coming to a Busan meeting from different Seoul meetings).

    Union-find over the gaps, linear in their number.
    """
    parent = list(range(len(gaps)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    anchors: dict[tuple[str, str, int], int] = {}
    for i, (before, after, _) in enumerate(gaps):
        for anchor in (("from", before.key, after.start_city.id), ("to", after.key, before.end_city.id)):
            parent[root(i)] = root(anchors.setdefault(anchor, i))
    groups: dict[int, list[Gap]] = {}
    for i, gap in enumerate(gaps):
        groups.setdefault(root(i), []).append(gap)
    return sorted(groups.values(), key=lambda group: min((gap[1].starts_at, gap[1].key) for gap in group))


def _missing_leg(mission: Mission, active: frozenset[int], group: list[Gap]) -> Conflict:
    befores = _by_time(gap[0] for gap in group)
    afters = _by_time(gap[1] for gap in group)
    origin, destination = befores[0].end_city.name, afters[0].start_city.name
    if len(befores) == 1 and len(afters) == 1:
        where = f"between “{befores[0].title}” and “{afters[0].title}” ({_when(afters[0])})"
    elif len(befores) == 1:
        last = befores[0]
        where = f"after “{last.title}” (ends {_day(last.local_end)} {_clock(last.local_end)})"
    else:
        where = f"before “{afters[0].title}” ({_when(afters[0])})"
    who = _affected(active, set().union(*(gap[2] for gap in group)))
    return Conflict(
        "missing_leg",
        f"No travel leg from {origin} to {destination} {where}. {_affects(mission, who)}",
        tuple(entry.key for entry in (*befores, *afters)),
        who,
    )


def _outside_dates(mission: Mission, entries: list[Entry], active: frozenset[int]) -> list[Conflict]:
    delegation = mission.delegation
    dates = _date_range(delegation.start_date, delegation.end_date)
    return [
        Conflict(
            "outside_dates",
            f"“{entry.title}” ({_when(entry)}) is outside the mission's dates ({dates}). "
            f"{_affects(mission, _affected(active, entry.attendee_ids))}",
            (entry.key,),
            _affected(active, entry.attendee_ids),
        )
        for entry in entries
        if _outside(mission, entry)
    ]


def _odd_hours(mission: Mission, entries: list[Entry], active: frozenset[int]) -> list[Conflict]:
    return [
        Conflict(
            "odd_hour",
            f"“{entry.title}” on {_day(entry.local_start)} runs {entry.time_range} in "
            f"{entry.item.city.name}, outside 07:00–22:00 local time. "
            f"{_affects(mission, _affected(active, entry.attendee_ids))}",
            (entry.key,),
            _affected(active, entry.attendee_ids),
        )
        for entry in entries
        if not entry.is_leg
        and (
            entry.local_start.time() < EARLIEST
            or entry.local_end.time() > LATEST
            or entry.local_end.date() > entry.local_start.date()
        )
    ]


def find_conflicts(mission: Mission, *, member: Member | None = None) -> list[Conflict]:
    """Every finding for the mission, rule by rule, each in the order of the items it concerns.

    With a member, only the findings that affect them: about their own items, or naming them among
    those double-booked or travelling. The rules still see the whole mission, so a finding reads
    the same on the member's schedule as on the delegation's.
    """
    entries = [entry for entry in mission.entries if not entry.is_cancelled]
    active = frozenset(m.pk for m in mission.members if m.is_active)
    placement, misplaced = _placement(mission, entries, active)
    conflicts = [
        *_overlaps(mission, entries, active),
        *placement,
        *_travel_and_buffers(mission, entries, active, misplaced),
        *_outside_dates(mission, entries, active),
        *_odd_hours(mission, entries, active),
    ]
    if member is not None:
        return [conflict for conflict in conflicts if conflict.affects(member)]
    return conflicts


def conflicts_by_entry(conflicts: list[Conflict]) -> dict[str, list[Conflict]]:
    by_key: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        for key in conflict.keys:
            by_key.setdefault(key, []).append(conflict)
    return by_key
