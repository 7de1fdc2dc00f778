"""The planning board: the composed days as blocks on a time grid, and moving an item by hand.

The browser gets naive local wall-clock times and never converts a zone. Each mission day is a column
(a resource of EventCalendar's resource time grid) and every column shows the same anchor date, so
the grid's hours are plain wall-clock hours: a block sits at its own city's local time, and a column
on a DST day is neither shorter nor longer than the others (the server refuses a time in the gap).
A move comes back as the day's date plus the wall-clock time, and the server attaches the item's
city zone with the forms' code (`make_local_aware`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from delegations.models import Delegation
from itinerary.conflicts import Conflict, conflicts_by_entry, find_conflicts
from itinerary.forms import arrival_before_departure
from itinerary.mission_cache import cached_body, current_mission, mission_stamp
from itinerary.mission_clock import mission_clock
from itinerary.models import Meeting, TravelLeg
from itinerary.schedule import Day, Entry, Mission, compose_days, load_mission
from itinerary.timezones import make_local_aware, zone_label
from missionplanner.strict import as_id, json_object

# Every column shows this date: only its wall-clock hours mean anything to the grid.
ANCHOR = date(2000, 1, 3)
MODELS = {"meeting": Meeting, "leg": TravelLeg}
BOARD_FORMAT = "board-1"  # bump when the code changes what the board's data looks like


class StaleItem(Exception):
    """The item changed since the board loaded it; `message` says who changed it and when."""

    def __init__(self, item: Meeting | TravelLeg, message: str):
        super().__init__(message)
        self.item = item
        self.message = message


def _grid(moment: datetime) -> str:
    return datetime.combine(ANCHOR, moment.time()).isoformat(timespec="minutes")


def _end_of_column() -> str:
    return datetime.combine(ANCHOR + timedelta(days=1), time()).isoformat(timespec="minutes")


def _block(entry: Entry, day: Day, *, arrival: bool, edit_url: str) -> dict:
    """One block: an item on one day's column at its local wall-clock time.

    An overnight leg is two blocks: from its departure to midnight on the day it leaves, and from
    midnight to its landing on the day it lands. Only the departure block moves, by the departure;
    the landing block's lower edge is the landing, in the destination's clock, and resizes it.
    """
    live = not entry.is_cancelled
    if arrival:
        start, end = datetime.combine(ANCHOR, time()).isoformat(), _grid(entry.local_end)
        lands_here = True  # this block's lower edge is the landing
    elif entry.is_leg:
        # A leg's landing is in another zone; on its day of departure it ends where it ends, read in
        # its origin's clock, so the block's length is the flight's. Its lower edge is the landing
        # only when that is still the same day in the origin's clock.
        landing = entry.ends_at.astimezone(entry.start_city.zone)
        lands_here = landing.date() == entry.local_start.date()
        start, end = _grid(entry.local_start), _grid(landing) if lands_here else _end_of_column()
    else:
        # A meeting past midnight stops at the end of its column: its edge is not its end, so it
        # does not resize, and moving it keeps its length (the server is sent the start alone).
        lands_here = entry.local_end.date() == entry.local_start.date()
        start, end = _grid(entry.local_start), _grid(entry.local_end) if lands_here else _end_of_column()
    status = entry.item.status
    return {
        "id": f"{entry.key}-arrival" if arrival else entry.key,
        "resourceIds": [day.date.isoformat()],
        "start": start,
        "end": end,
        "title": entry.title,
        "editable": not arrival and live,
        "startEditable": not arrival and live,
        "durationEditable": lands_here and live,
        "classNames": [f"board-{status}", "board-leg" if entry.is_leg else "board-meeting"],
        "extendedProps": {
            "key": entry.key,
            "kind": "leg" if entry.is_leg else "meeting",
            "pk": entry.item.pk,
            "version": entry.item.updated_at.isoformat(),
            # A dropped leg keeps its flight time, a meeting past midnight its length: only the start
            # is sent. A resize sends the end (the landing, for a leg).
            "keepsLength": entry.is_leg or not lands_here,
            "arrival": arrival,
            "status": status,
            "label": entry.label,
            "time": entry.arrival_time if arrival else entry.time_range,
            "attendees": sorted(entry.attendee_ids),
            "editUrl": edit_url,
        },
    }


def board_blocks(mission: Mission, days: list[Day], *, key: str | None = None) -> list[dict]:
    """Every item's blocks, day by day; only those of the item `key` when given."""
    slug = mission.delegation.slug
    # reverse() once per kind: a thousand calls to the resolver cost more than the blocks themselves.
    edit = {
        "meeting": reverse("meeting-edit", args=[slug, 0]).replace("/0/", "/{pk}/"),
        "leg": reverse("leg-edit", args=[slug, 0]).replace("/0/", "/{pk}/"),
    }
    blocks = []
    for day in days:
        for entry in day.entries:
            if key is not None and entry.key != key:
                continue
            url = edit["leg" if entry.is_leg else "meeting"].replace("{pk}", str(entry.item.pk))
            blocks.append(_block(entry, day, arrival=False, edit_url=url))
        for entry in day.arrivals:
            if key is not None and entry.key != key:
                continue
            url = edit["leg"].replace("{pk}", str(entry.item.pk))
            blocks.append(_block(entry, day, arrival=True, edit_url=url))
    return blocks


def _day_column(day: Day) -> dict:
    # The zones of the day, as its items and hotels are in them: one on most days, two on a day that flies.
    cities = [stay.city for stay in day.stays]
    moments = [
        moment for entry in (*day.entries, *day.arrivals) for moment in (entry.local_start, entry.local_end)
    ]
    moments += [datetime.combine(day.date, time(12), tzinfo=city.zone) for city in cities]
    zones: list[str] = []
    for moment in sorted(moments):
        if moment.date() == day.date and (label := zone_label(moment)) not in zones:
            zones.append(label)
    return {
        "id": day.date.isoformat(),
        "date": day.date.isoformat(),
        "title": f"{day.date:%a} {day.date.day} {day.date:%b}",
        "route": day.route_label,
        "zones": zones,
        # A meeting created on this day is in the city the delegation sleeps in that night.
        "cityId": cities[-1].pk if cities else None,
    }


def conflict_messages(conflicts: list[Conflict]) -> dict[str, list[str]]:
    return {key: [c.message for c in found] for key, found in conflicts_by_entry(conflicts).items()}


def board_json(delegation: Delegation) -> bytes:
    """The board's data as JSON, built once per change of the working copy.

    Cached under the mission's stamp (its row versions, mission_cache.py): every save of a meeting,
    leg, stay, member, city or organisation it uses changes it, in whatever order the saves commit.
    """
    key = f"{BOARD_FORMAT}:{mission_stamp(delegation)}"
    # A whole load rather than this process's kept mission (mission_cache.py): the board's first
    # request costs the same queries and time in every process, whatever ran there before. The
    # delegation is read again after the stamp: the caller's copy may be older than it.
    return cached_body(
        key, lambda: json.dumps(board_data(load_mission(Delegation.objects.get(pk=delegation.pk)))).encode()
    )


def board_data(mission: Mission) -> dict:
    """What the board shows, from the same composition and conflict rules as the schedule page."""
    days = compose_days(mission)
    return {
        "days": [_day_column(day) for day in days],
        "anchor": ANCHOR.isoformat(),
        "blocks": board_blocks(mission, days),
        "members": [{"id": m.pk, "title": m.full_name} for m in mission.members if m.is_active],
        "conflicts": conflict_messages(find_conflicts(mission)),
    }


def _who_changed(item: Meeting | TravelLeg) -> str:
    record = item.history.select_related("history_user").order_by("-history_date").first()
    user = record.history_user if record is not None else None
    local = mission_clock(item.delegation).local(item.updated_at)  # when it was done, not where the item is
    when = f"on {local:%a} {local.day} {local:%b} at {local:%H:%M} {zone_label(local)}"
    who = user.get_username() if user is not None else "Someone else"
    return f"{who} changed “{item}” {when}, after the board loaded it. It is back where they left it."


@dataclass(frozen=True)
class Moved:
    item: Meeting | TravelLeg
    mission: Mission


def _wall_clock(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError("wall-clock times carry no zone")
    return moment


def _id(value) -> int:
    if (number := as_id(value)) is None:
        raise ValueError("an id is a whole number")
    return number


def parse_move(body: bytes) -> dict:
    """A move as the board sends it: JSON with naive ISO wall-clock times ("2016-10-26T11:30").

    `start` (and `end` for a resize), or for a leg's landing block `arrives` alone. Raises
    ValueError, KeyError or TypeError for anything else (missionplanner.strict reads the body).
    """
    data = json_object(body)
    if data["kind"] not in MODELS:
        raise ValueError(data["kind"])
    arrives = _wall_clock(data.get("arrives"))
    start, end = _wall_clock(data.get("start")), _wall_clock(data.get("end"))
    if arrives is not None and (data["kind"] != "leg" or start or end):
        raise ValueError("a landing is a leg's, and comes alone")
    if arrives is None and start is None:
        raise KeyError("start")
    return {
        "kind": data["kind"],
        "pk": _id(data["pk"]),
        "version": str(data["version"]),
        "local_start": start,
        "local_end": end,
        "local_arrival": arrives,
    }


def _retime_meeting(meeting: Meeting, local_start: datetime, local_end: datetime | None) -> None:
    zone_name = meeting.city.timezone
    starts = make_local_aware(local_start, zone_name)
    ends = make_local_aware(local_end or local_start + (meeting.ends_at - meeting.starts_at), zone_name)
    if ends <= starts:
        raise ValidationError("A meeting must end after it starts.", code="ends_before_start")
    meeting.starts_at, meeting.ends_at = starts, ends


def _retime_leg(
    leg: TravelLeg,
    local_start: datetime | None,
    local_end: datetime | None,
    local_arrival: datetime | None,
) -> None:
    """A leg's new times from the block that moved.

    Dropped: the departure in the origin's zone, the flight time kept. Resized on the day it leaves:
    that block is drawn in the origin's clock, so its new lower edge is read in the origin's zone
    too (it is still the landing: 13:00 on a Beijing column is 14:00 in Seoul). Resized on the day
    it lands: that block is in the destination's clock, so the landing is read in its zone.
    """
    if local_arrival is not None:
        arrives = make_local_aware(local_arrival, leg.destination.timezone)
        departs = leg.departs_at
    else:
        departs = make_local_aware(local_start, leg.origin.timezone)
        if local_end is not None:
            arrives = make_local_aware(local_end, leg.origin.timezone)
        else:
            arrives = leg.arrives_at + (departs - leg.departs_at)
    if arrives <= departs:
        raise ValidationError(
            arrival_before_departure(departs, arrives, leg.origin, leg.destination),
            code="arrives_before_departure",
        )
    leg.departs_at, leg.arrives_at = departs, arrives


def item_move(
    *,
    delegation: Delegation,
    kind: str,
    pk: int,
    version: str,
    local_start: datetime | None = None,
    local_end: datetime | None = None,
    local_arrival: datetime | None = None,
) -> Moved:
    """Move or resize a meeting or leg at new local wall-clock times, if nobody changed it since
    `version`.

    A meeting's times are read in its city's zone. A leg's departure is read in its origin's, and a
    move keeps its flight time; a resize changes its landing (see `_retime_leg` for which clock).
    A time the clocks skip is refused (ValidationError); a repeated one takes its first occurrence,
    as the forms do. The save goes through the model's save(), which bumps SEQUENCE and records
    history. Raises StaleItem when the item's `updated_at` is no longer `version`, and
    Model.DoesNotExist for another mission's item. A cancelled item is refused (ValidationError).
    """
    model = MODELS[kind]
    with transaction.atomic():
        related = ("city",) if model is Meeting else ("origin", "destination")
        item = model.objects.select_for_update().select_related(*related).get(delegation=delegation, pk=pk)
        if item.updated_at.isoformat() != version:
            raise StaleItem(item, _who_changed(item))
        if item.is_cancelled:
            # The board draws it as not editable; a move sent by other means is refused all the same.
            raise ValidationError(
                f"“{item}” is cancelled, so the board cannot move it. Restore it from its form first.",
                code="cancelled",
            )
        if model is Meeting:
            if local_start is None:
                raise ValidationError("A meeting is moved by its start.", code="no_start")
            _retime_meeting(item, local_start, local_end)
        else:
            _retime_leg(item, local_start, local_end, local_arrival)
        item.save()
        # The whole mission as it is now, this save included: from this process's copy when only
        # this item (or a few others) changed since, without loading a thousand meetings again.
        mission = current_mission(delegation)
    return Moved(item=item, mission=mission)


def item_answer(mission: Mission, item: Meeting | TravelLeg) -> dict:
    """An item's blocks as they are now and every item's conflicts (moving one can settle or start a
    conflict for another): the answer to a move, and to a refused one."""
    key = f"{'leg' if isinstance(item, TravelLeg) else 'meeting'}-{item.pk}"
    blocks = board_blocks(mission, compose_days(mission), key=key)
    conflicts = conflict_messages(find_conflicts(mission))
    return {"key": key, "blocks": blocks, "conflicts": conflicts, "itemConflicts": conflicts.get(key, [])}
