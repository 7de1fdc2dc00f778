"""What changed between two snapshots of a mission (publishing/snapshot.py), in words people read.

Items are matched by UID, so an edit is one change however many fields it touched. Each time is
written in the local time of its own city with the zone spelled out ("Tue 25 Oct 14:00 → 15:30 CST,
UTC+8"), and a move across a daylight-saving change shows each side in its own offset.

`changes_between` gives every change, for the publish page and the release history;
`ItemChange.for_member` rewords one for a member's notice ("added to your schedule" when they were
put on an item, "taken off your schedule" when they were taken off one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from itinerary.schedule import with_city
from itinerary.timezones import zone, zone_label

KIND_ORDER = (
    "cancelled", "deleted", "taken_off", "added", "reinstated", "moved", "retimed", "place", "changed",
)  # fmt: skip
# What the badge of a change says; a kind not here says itself.
KIND_LABELS = {"taken_off": "taken off"}


@dataclass(frozen=True)
class _Side:
    """One item as one snapshot has it, with its places and times resolved."""

    row: dict
    cities: dict[int, dict]
    organisations: dict[int, dict]
    members: dict[int, dict]

    @property
    def is_leg(self) -> bool:
        return self.row["type"] == "leg"

    @property
    def start_city(self) -> dict:
        return self.cities[self.row["origin_id" if self.is_leg else "city_id"]]

    @property
    def end_city(self) -> dict:
        return self.cities[self.row["destination_id" if self.is_leg else "city_id"]]

    @cached_property
    def local_start(self) -> datetime:
        return datetime.fromisoformat(self.row["starts_at"]).astimezone(zone(self.start_city["timezone"]))

    @cached_property
    def local_end(self) -> datetime:
        return datetime.fromisoformat(self.row["ends_at"]).astimezone(zone(self.end_city["timezone"]))

    @property
    def title(self) -> str:
        if not self.is_leg:
            return self.row["title"]
        label = " ".join(part for part in (self.row["carrier"], self.row["number"]) if part)
        return f"{label or self.row['mode'].capitalize()} {self.start_city['name']} → {self.end_city['name']}"

    @property
    def place(self) -> str:
        """ "LeEco Building, 105 Yaojiayuan Road, Chaoyang District, Beijing (乐视大厦, 北京市朝阳区…)":
        the city once, and the venue and address in the local language that a driver reads."""
        if self.is_leg:
            return f"{self.start_city['name']} → {self.end_city['name']}"
        english = with_city(_joined(self.row["venue"], self.row["address"]), self.start_city["name"])
        local = _joined(self.row.get("venue_local", ""), self.row.get("address_local", ""))
        return f"{english} ({local})" if local else english

    @property
    def when(self) -> str:
        return _span(self.local_start, self.local_end)

    @property
    def attendee_ids(self) -> frozenset[int]:
        return frozenset(self.row["attendee_ids"])

    def attends(self, member_id: int) -> bool:
        return self.is_live and (not self.row["attendee_ids"] or member_id in self.row["attendee_ids"])

    @property
    def is_live(self) -> bool:
        return self.row["status"] != "cancelled" and not self.row["deleted"]


@dataclass(frozen=True)
class ItemChange:
    uid: str
    kind: str  # the headline, one of KIND_ORDER
    title: str
    when: str  # the item's time now (or last time, when it is gone)
    lines: tuple[str, ...]  # every difference, in words
    before: _Side | None = field(repr=False)
    after: _Side | None = field(repr=False)

    @property
    def starts_at(self) -> str:
        return (self.after or self.before).row["starts_at"]

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def concerns(self, member_id: int) -> bool:
        return any(side is not None and side.attends(member_id) for side in (self.before, self.after))

    def for_member(self, member_id: int) -> ItemChange | None:
        """This change as it affects one member, or None when it does not touch their itinerary."""
        was = self.before is not None and self.before.attends(member_id)
        now = self.after is not None and self.after.attends(member_id)
        if not was and not now:
            return None
        if was and not now and self.kind not in ("cancelled", "deleted"):
            # Taken off, not cancelled: the item still happens, for others.
            return ItemChange(
                self.uid, "taken_off", self.title, self.before.when,
                ("Taken off your schedule.",), self.before, self.after,
            )  # fmt: skip
        if now and not was and self.kind not in ("added", "reinstated"):
            return ItemChange(
                self.uid, "added", self.title, self.after.when,
                (f"Added to your schedule: {self.after.when}, {self.after.place}.",), self.before, self.after,
            )  # fmt: skip
        return self


@dataclass(frozen=True)
class StayChange:
    kind: str  # "added", "deleted", "changed"
    text: str


@dataclass
class Changes:
    items: list[ItemChange]
    stays: list[StayChange]
    other: list[str] = field(default_factory=list)  # the mission's details, members, names of places

    def __bool__(self) -> bool:
        return bool(self.items or self.stays or self.other)

    def __len__(self) -> int:
        return len(self.items) + len(self.stays) + len(self.other)

    def for_member(self, member_id: int) -> Changes:
        """The changes to one member's own itinerary; hotels concern everyone, the rest nobody's."""
        mine = [change.for_member(member_id) for change in self.items]
        return Changes([change for change in mine if change is not None], list(self.stays))

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for change in self.items:
            counted[change.kind] = counted.get(change.kind, 0) + 1
        return {kind: counted[kind] for kind in KIND_ORDER if kind in counted}


def _moment(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _span(start: datetime, end: datetime) -> str:
    """Tue 25 Oct 09:30–11:00 CST, UTC+8; Sun 23 Oct 12:50 PDT, UTC−7 → Mon 24 Oct 16:55 CST, UTC+8."""
    if start.date() == end.date() and zone_label(start) == zone_label(end):
        return f"{_moment(start)}–{end:%H:%M} {zone_label(end)}"
    return f"{_moment(start)} {zone_label(start)} → {_moment(end)} {zone_label(end)}"


def _move(before: datetime, after: datetime) -> str:
    """Tue 25 Oct 14:00 → 15:30 CST, UTC+8; each side with its own zone when they differ."""
    if zone_label(before) != zone_label(after):
        return f"{_moment(before)} {zone_label(before)} → {_moment(after)} {zone_label(after)}"
    if before.date() == after.date():
        return f"{_moment(before)} → {after:%H:%M} {zone_label(after)}"
    return f"{_moment(before)} → {_moment(after)} {zone_label(after)}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)


def _joined(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _names(ids, lookup: dict[int, dict], key: str) -> str:
    return ", ".join(sorted(lookup[pk][key] for pk in ids if pk in lookup))


def _differences(before: _Side, after: _Side) -> list[tuple[str, str]]:
    """(kind, words) for each way the item changed, the headline kind first."""
    found: list[tuple[str, str]] = []
    old, new = before.row, after.row
    if before.is_live and not after.is_live:
        found.append(("cancelled", f"Cancelled (was {before.when})."))
    elif after.is_live and not before.is_live:
        found.append(("reinstated", f"Back on the schedule: {after.when}, {after.place}."))
    if old["starts_at"] != new["starts_at"]:
        moved = f"Moved: {_move(before.local_start, after.local_start)}"
        if old["ends_at"] != new["ends_at"]:
            moved += f", now until {_moment(after.local_end)} {zone_label(after.local_end)}"
        found.append(("moved", moved + "."))
    elif old["ends_at"] != new["ends_at"]:
        minutes = int((after.local_end - before.local_end).total_seconds() // 60)
        ends = _move(before.local_end, after.local_end)
        if after.is_leg:
            line = f"Arrives {_duration(minutes)} {'later' if minutes > 0 else 'earlier'}: {ends}."
        else:
            line = f"{'Lengthened' if minutes > 0 else 'Shortened'} by {_duration(minutes)}: now ends {ends}."
        found.append(("retimed", line))
    if before.place != after.place:
        found.append(("place", f"{'Route' if after.is_leg else 'Place'}: {before.place} → {after.place}."))
    if after.is_leg:
        was_number = " ".join(part for part in (old["carrier"], old["number"]) if part)
        now_number = " ".join(part for part in (new["carrier"], new["number"]) if part)
        if was_number != now_number:
            found.append(
                ("changed", f"Now {now_number or 'no carrier given'} (was {was_number or 'none given'}).")
            )
    elif before.title != after.title:
        found.append(("changed", f"Now called “{after.title}” (was “{before.title}”)."))
    if old["status"] != new["status"] and before.is_live and after.is_live:
        found.append(("changed", f"Now {new['status']} (was {old['status']})."))
    if old["attendee_ids"] != new["attendee_ids"]:
        found.append(("changed", _attendee_line(before, after)))
    if old.get("counterpart_ids") != new.get("counterpart_ids"):
        added = set(new["counterpart_ids"]) - set(old["counterpart_ids"])
        removed = set(old["counterpart_ids"]) - set(new["counterpart_ids"])
        parts = [
            f"with {_names(added, after.organisations, 'name')}" if added else "",
            f"no longer with {_names(removed, before.organisations, 'name')}" if removed else "",
        ]
        found.append(("changed", f"Counterparts: {'; '.join(part for part in parts if part)}."))
    detail = "notes" if after.is_leg else "description"
    if old.get(detail) != new.get(detail):
        found.append(("changed", "Details updated."))
    if after.is_leg and old["mode"] != new["mode"]:
        found.append(("changed", f"Now by {new['mode']} (was {old['mode']})."))
    return found


def _attendee_line(before: _Side, after: _Side) -> str:
    if not after.row["attendee_ids"]:
        return "Now for the whole delegation."
    if not before.row["attendee_ids"]:
        return f"Now only for {_names(after.attendee_ids, after.members, 'full_name')}."
    added, removed = after.attendee_ids - before.attendee_ids, before.attendee_ids - after.attendee_ids
    parts = [f"added {_names(added, after.members, 'full_name')}" if added else "",
             f"removed {_names(removed, before.members, 'full_name')}" if removed else ""]  # fmt: skip
    return f"Attendees: {'; '.join(part for part in parts if part)}."


def _sides(snapshot: dict | None) -> dict[str, _Side]:
    if not snapshot:
        return {}
    cities = {row["id"]: row for row in snapshot["cities"]}
    organisations = {row["id"]: row for row in snapshot["organisations"]}
    members = {row["id"]: row for row in snapshot["members"]}
    return {row["uid"]: _Side(row, cities, organisations, members) for row in snapshot["items"]}


def _stay_changes(before: dict | None, after: dict) -> list[StayChange]:
    old = {row["id"]: row for row in (before or {}).get("stays", [])}
    new = {row["id"]: row for row in after["stays"]}
    cities = {row["id"]: row["name"] for row in [*(before or {}).get("cities", []), *after["cities"]]}

    def nights(row: dict) -> str:
        arrival, departure = (
            date.fromisoformat(row["arrival_date"]),
            date.fromisoformat(row["departure_date"]),
        )
        hotel = f" at {row['hotel_name']}" if row["hotel_name"] else ""
        return f"{cities.get(row['city_id'], 'a city')}{hotel}, {arrival:%a} {arrival.day} {arrival:%b} – " \
            f"{departure:%a} {departure.day} {departure:%b}"  # fmt: skip

    def address(row: dict) -> str:
        city = cities.get(row["city_id"], "")
        english = with_city(row["hotel_address"], city) if row["hotel_address"] else ""
        local = row["hotel_local_address"]
        return f"{english} ({local})" if english and local else english or local or "none given"

    found = [StayChange("added", f"New stay: {nights(new[pk])}.") for pk in new if pk not in old]
    found += [StayChange("deleted", f"Stay removed: {nights(old[pk])}.") for pk in old if pk not in new]
    for pk in new.keys() & old.keys():
        compared = ("city_id", "arrival_date", "departure_date", "hotel_name", "hotel_address",
                    "hotel_local_address")  # fmt: skip
        if not any(old[pk][name] != new[pk][name] for name in compared):
            continue
        was, now = nights(old[pk]), nights(new[pk])
        text = f"Stay changed: {was} → {now}." if was != now else f"Stay changed: {now}."
        if address(old[pk]) != address(new[pk]):
            text += f" Address: {address(old[pk])} → {address(new[pk])}."
        found.append(StayChange("changed", text))
    return found


def _other_changes(before: dict | None, after: dict) -> list[str]:
    if before is None:
        return []
    found = []
    if before["delegation"] != after["delegation"]:
        found.append("The mission's details changed (name, dates or summary).")
    if before["members"] != after["members"]:
        found.append("The delegation's members changed.")
    for key, words in (("cities", "places"), ("organisations", "organisations")):
        old = {row["id"]: row for row in before[key]}
        if any(row["id"] in old and old[row["id"]] != row for row in after[key]):
            found.append(f"Names of {words} changed.")
    return found


def changes_between(before: dict | None, after: dict) -> Changes:
    """Every change from snapshot `before` (None: nothing released yet) to snapshot `after`."""
    old, new = _sides(before), _sides(after)
    items = []
    for uid, now in new.items():
        was = old.get(uid)
        if was is None:
            if now.row["deleted"]:
                continue  # deleted before it was ever released: nobody saw it
            kind = "added" if now.is_live else "cancelled"
            items.append(
                ItemChange(uid, kind, now.title, now.when, (f"New: {now.when}, {now.place}.",), None, now)
            )
            continue
        if now.row["deleted"] and not was.row["deleted"]:
            line = f"Removed from the schedule (was {was.when})."
            items.append(ItemChange(uid, "deleted", was.title, was.when, (line,), was, now))
            continue
        differences = _differences(was, now)
        if differences:
            kinds = [kind for kind, _ in differences]
            headline = next(kind for kind in KIND_ORDER if kind in kinds)
            lines = tuple(text for _, text in differences)
            items.append(ItemChange(uid, headline, now.title, now.when, lines, was, now))
    for uid, was in old.items():
        if uid not in new and not was.row["deleted"]:  # a snapshot that forgot it: treat as deleted
            line = f"Removed from the schedule (was {was.when})."
            items.append(ItemChange(uid, "deleted", was.title, was.when, (line,), was, None))
    items.sort(key=lambda change: (change.starts_at, change.uid))
    return Changes(items, _stay_changes(before, after), _other_changes(before, after))
