"""The clock of a mission's staff pages and notices: when something was done to a mission.

The rule (README, "Times and zones"): a meeting's or a leg's own times are in the zone of its city
(a leg departs in its origin's and lands in its destination's). A moment something was *done* —
published, sent, changed, deleted — is in the zone of where the delegation was at that moment: the
city of its stay that day, else its home office's (before and after the trip). So the staff who
travel with a mission, and its delegates, read the clock on the wall around them; staff at home
before the trip read their office's; and an edit and the release that published it a minute later
never read in two different clocks. Every time is written with its zone ("CST, UTC+8").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from itinerary.timezones import zone, zone_label


@dataclass(frozen=True)
class MissionClock:
    home: str  # the home office's zone name
    stays: tuple[tuple[date, date, str], ...]  # (arrival, departure, zone name), by arrival

    def zone_at(self, moment: datetime) -> ZoneInfo:
        """Where the delegation was at `moment`: the first stay whose nights cover that local day."""
        for arrival, departure, name in self.stays:
            if arrival <= moment.astimezone(zone(name)).date() <= departure:
                return zone(name)
        return zone(self.home)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone_at(moment))

    def text(self, moment: datetime) -> str:
        """ "Tue 25 Oct 2016, 14:05 CST, UTC+8"."""
        local = self.local(moment)
        return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone_label(local)}"


def mission_clock(delegation) -> MissionClock:
    """The clock of a saved mission (one query: its stays' dates and zones)."""
    rows = delegation.stays.order_by("arrival_date", "pk").values_list(
        "arrival_date", "departure_date", "city__timezone"
    )
    return MissionClock(delegation.home_timezone, tuple(rows))


def snapshot_clock(snapshot: dict) -> MissionClock:
    """The clock of a mission as a release froze it (publishing/snapshot.py)."""
    cities = {row["id"]: row["timezone"] for row in snapshot["cities"]}
    stays = sorted(
        (
            date.fromisoformat(row["arrival_date"]),
            date.fromisoformat(row["departure_date"]),
            cities[row["city_id"]],
        )
        for row in snapshot["stays"]
    )
    return MissionClock(snapshot["delegation"]["home_timezone"], tuple(stays))


def clock_of(mission) -> MissionClock:
    """The clock of a composed mission (itinerary.schedule.Mission, the working copy or a release),
    with no query: its delegation's home zone and its stays."""
    stays = sorted((stay.arrival_date, stay.departure_date, stay.city.timezone) for stay in mission.stays)
    return MissionClock(mission.delegation.home_timezone, tuple(stays))
