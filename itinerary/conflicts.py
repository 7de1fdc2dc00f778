"""Find what is wrong with a schedule, in words staff can act on.

Findings are warnings: they are shown on the schedule, the overview and after saving, and never
block a save. Rules (DESIGN.md section 3):
- a member booked for two overlapping items;
- a meeting in a city where the delegation has no stay that day;
- consecutive items in different cities with no travel leg between them, or a leg arriving after
  the next item starts;
- less than the delegation's travel buffer between consecutive items at different venues;
- an item outside the delegation's dates;
- a meeting at an odd local hour (starting before 07:00 or ending after 22:00).
Cancelled items take part in none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from itertools import pairwise

from itinerary.schedule import Entry, Mission
from itinerary.timezones import zone_label

EARLIEST = time(7, 0)
LATEST = time(22, 0)


@dataclass(frozen=True)
class Conflict:
    rule: str
    message: str
    keys: tuple[str, ...]  # the entries concerned, see Entry.key

    def concerns(self, entry: Entry) -> bool:
        return entry.key in self.keys


def _when(entry: Entry) -> str:
    return f"{entry.local_start:%a %d %b %H:%M} {zone_label(entry.local_start)}"


def _names(mission: Mission, member_ids: set[int]) -> str:
    names = sorted(mission.members_by_id[pk].full_name for pk in member_ids if pk in mission.members_by_id)
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    return ", ".join(names)


def _double_bookings(mission: Mission, entries: list[Entry]) -> list[Conflict]:
    active_ids = {member.pk for member in mission.members if member.is_active}
    found = []
    for i, first in enumerate(entries):
        for second in entries[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break  # sorted by start: no later entry overlaps `first`
            if first.everyone and second.everyone:
                who = "the whole delegation"
            else:
                first_ids = active_ids if first.everyone else first.attendee_ids
                second_ids = active_ids if second.everyone else second.attendee_ids
                both = first_ids & second_ids
                if not both:
                    continue
                who = _names(mission, both)
            found.append(
                Conflict(
                    "double_booked",
                    f"Double-booked: {who} in “{first.title}” ({_when(first)}) and “{second.title}” "
                    f"({_when(second)}), which overlap.",
                    (first.key, second.key),
                )
            )
    return found


def _wrong_city(mission: Mission, entries: list[Entry]) -> list[Conflict]:
    if not mission.stays:
        return []
    found = []
    for entry in entries:
        if entry.is_leg:
            continue
        stays = mission.stays_on(entry.local_date)
        if any(stay.city_id == entry.item.city_id for stay in stays):
            continue
        where = " and ".join(stay.city.name for stay in stays) or "nowhere (no stay that day)"
        found.append(
            Conflict(
                "wrong_city",
                f"“{entry.title}” is in {entry.item.city.name} on {entry.local_start:%a %d %b}, "
                f"but the delegation is staying in {where}.",
                (entry.key,),
            )
        )
    return found


def _timelines(mission: Mission, entries: list[Entry]) -> list[tuple[set[int], list[Entry]]]:
    """Each member's own sequence of items, grouped when several members share one."""
    members = [member.pk for member in mission.members if member.is_active]
    if not members:
        return [(set(), entries)]
    groups: dict[tuple[int, ...], tuple[set[int], list[Entry]]] = {}
    for pk in members:
        positions = tuple(
            i for i, entry in enumerate(entries) if not entry.attendee_ids or pk in entry.attendee_ids
        )
        if positions not in groups:
            groups[positions] = (set(), [entries[i] for i in positions])
        groups[positions][0].add(pk)
    return list(groups.values())


def _travel_and_buffers(mission: Mission, entries: list[Entry]) -> list[Conflict]:
    buffer = timedelta(minutes=mission.delegation.travel_buffer_minutes)
    found: dict[tuple[str, str, str], tuple[set[int], Entry, Entry]] = {}
    for member_ids, timeline in _timelines(mission, entries):
        for before, after in pairwise(timeline):
            if after.starts_at < before.ends_at:
                rule = "late_leg" if before.is_leg and not after.is_leg else None  # else a double booking
            elif before.end_city.pk != after.start_city.pk:
                rule = "missing_leg"
            elif (
                not after.is_leg and before.place != after.place and after.starts_at - before.ends_at < buffer
            ):
                rule = "tight_buffer"
            else:
                rule = None
            if rule:
                found.setdefault((rule, before.key, after.key), (set(), before, after))[0].update(member_ids)
    everyone = sum(1 for member in mission.members if member.is_active)
    conflicts = []
    for (rule, _, _), (member_ids, before, after) in found.items():
        message = _travel_message(rule, before, after, buffer)
        if mission.members and len(member_ids) < everyone:
            message = f"{message} Affects {_names(mission, member_ids)}."
        conflicts.append(Conflict(rule, message, (before.key, after.key)))
    return conflicts


def _travel_message(rule: str, before: Entry, after: Entry, buffer: timedelta) -> str:
    if rule == "late_leg":
        arrival = f"{before.local_end:%H:%M} {zone_label(before.local_end)}"
        return f"{before.title} arrives {arrival}, after “{after.title}” starts ({_when(after)})."
    if rule == "missing_leg":
        return (
            f"No travel leg from {before.end_city.name} to {after.start_city.name} between "
            f"“{before.title}” and “{after.title}” ({_when(after)})."
        )
    minutes = int((after.starts_at - before.ends_at).total_seconds() // 60)
    return (
        f"Only {minutes} minutes from “{before.title}” ({before.place}) to “{after.title}” "
        f"({after.place}); the travel buffer is {buffer.seconds // 60} minutes."
    )


def _outside_dates(mission: Mission, entries: list[Entry]) -> list[Conflict]:
    delegation = mission.delegation
    return [
        Conflict(
            "outside_dates",
            f"“{entry.title}” ({_when(entry)}) is outside the mission's dates "
            f"({delegation.start_date:%d %b} – {delegation.end_date:%d %b %Y}).",
            (entry.key,),
        )
        for entry in entries
        if entry.local_date < delegation.start_date or entry.local_end.date() > delegation.end_date
    ]


def _odd_hours(entries: list[Entry]) -> list[Conflict]:
    return [
        Conflict(
            "odd_hour",
            f"“{entry.title}” runs {entry.local_start:%H:%M}–{entry.local_end:%H:%M} local time in "
            f"{entry.item.city.name}, outside 07:00–22:00.",
            (entry.key,),
        )
        for entry in entries
        if not entry.is_leg
        and (
            entry.local_start.time() < EARLIEST
            or entry.local_end.time() > LATEST
            or entry.local_end.date() > entry.local_start.date()
        )
    ]


def find_conflicts(mission: Mission) -> list[Conflict]:
    """Every finding for the mission, in the order of the items they concern."""
    entries = [entry for entry in mission.entries if not entry.is_cancelled]
    return [
        *_double_bookings(mission, entries),
        *_wrong_city(mission, entries),
        *_travel_and_buffers(mission, entries),
        *_outside_dates(mission, entries),
        *_odd_hours(entries),
    ]


def conflicts_by_entry(conflicts: list[Conflict]) -> dict[str, list[Conflict]]:
    by_key: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        for key in conflict.keys:
            by_key.setdefault(key, []).append(conflict)
    return by_key
