"""The programme as a spreadsheet: a mission's meetings and travel legs to and from CSV and XLSX.

One sheet, one row per item, a `type` column saying which ("meeting" or "leg"). Times are the
wall-clock times staff read on a printed programme: a meeting's in its city's zone, a leg's
departure in its origin's and its arrival in its destination's. Cities, organisations and members
are written by name. The `uid` column is the stable key: a row with a UID updates that item, a row
without one adds a new item, so exporting, editing and importing again never duplicates anything.

Importing is two steps: `plan_import` reads every row against the database (with a fixed number of
queries, whatever the file's length) and says what would change or, in words and by line, what is
wrong; `apply_import` saves a plan with no errors in one transaction, through each model's save()
so SEQUENCE grows as with any edit. A file with any bad row imports nothing.

Staff notes and booking references are columns too: the export is for the mission's staff only
(delegates never see these files), and leaving them out would make a round trip lose them.
"""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, ItemStatus, Meeting, TravelLeg
from itinerary.timezones import make_local_aware
from missionplanner.spreadsheets import (  # noqa: F401 (UnreadableFile and MAX_ROWS: the pages' too)
    CONTENT_TYPES,
    MAX_ROWS,
    TIME_FORMAT,
    UnreadableFile,
    csv_file,
    read_sheets,
    xlsx_file,
)

COLUMNS = (
    "uid",
    "type",
    "status",
    "title",
    "kind",
    "city",
    "starts",
    "ends",
    "venue",
    "venue_local",
    "address",
    "address_local",
    "counterparts",
    "mode",
    "carrier",
    "number",
    "origin",
    "destination",
    "departs",
    "arrives",
    "attendees",
    "description",
    "staff_notes",
    "booking_reference",
)
MEETING, LEG = "meeting", "leg"
# Accepted for typed times besides TIME_FORMAT; day-first or month-first dates are not, since
# "03/04/2016" means March to a Californian and April to everyone else.
TIME_FORMATS = (
    TIME_FORMAT,
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    f"{TIME_FORMAT} %z",  # the second of a repeated time, with its offset
)
FORMATS = CONTENT_TYPES  # the formats files are read and written in, by extension
# "Did you mean": at most this many names looked up per file and list, none longer than this.
SUGGESTIONS = 50
SUGGEST_UP_TO_CHARS = 100

# Columns read into plain text fields of each model: column -> attribute.
MEETING_TEXT = {
    "title": "title",
    "venue": "venue",
    "venue_local": "venue_local",
    "address": "address",
    "address_local": "address_local",
    "description": "description",
    "staff_notes": "staff_notes",
}
LEG_TEXT = {
    "carrier": "carrier",
    "number": "number",
    "description": "notes",
    "booking_reference": "booking_reference",
}


# Reading and writing files ----------------------------------------------------------------------


def read_spreadsheet(*, content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of an uploaded CSV (with or without a byte-order mark) or XLSX file.

    Every cell comes back as text, read the same way whichever format it came in; the limits (rows,
    columns, a workbook's unpacked size) and their messages are missionplanner/spreadsheets.py's.
    """
    [sheet] = read_sheets(content=content, filename=filename)
    return sheet.headers, sheet.rows


def _file(rows: list[list[str]], *, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_file(COLUMNS, rows)
    return xlsx_file([("Programme", COLUMNS, rows)])


def template_file(*, fmt: str) -> bytes:
    """An empty programme: the header row only, so nothing in it can be imported by mistake."""
    return _file([], fmt=fmt)


# Names ------------------------------------------------------------------------------------------


class Names:
    """Cities, organisations or members by name, read once for the whole file.

    A thing is found by its name or its local name, in any case; a city also as "Name, Country"
    when two countries have a city of that name (which is how the export writes it then).
    """

    def __init__(self, things, *, noun: str, names):
        self.noun = noun
        self.by_key: dict[str, list] = {}
        self.written: dict[int, str] = {}
        for thing in things:
            for name in names(thing):
                if name:
                    self.by_key.setdefault(name.casefold(), []).append(thing)
        for thing in things:
            primary = names(thing)[0]
            if len(self.by_key.get(primary.casefold(), [])) > 1 and len(names(thing)) > 2:
                self.written[thing.pk] = names(thing)[2]
            else:
                self.written[thing.pk] = primary
        self.display = sorted({names(thing)[0] for thing in things})
        self._suggested: dict[str, str] = {}

    def find(self, text: str):
        """The thing called `text`, or a ValueError that says what was wrong and suggests a name."""
        found = {thing.pk: thing for thing in self.by_key.get(text.casefold(), [])}
        if len(found) == 1:
            return next(iter(found.values()))
        if found:
            raise ValueError(f"more than one {self.noun} is called {text!r}")
        hint = self._suggestion(text)
        raise ValueError(f"no {self.noun} called {text!r}" + (f" — did you mean {hint}?" if hint else ""))

    def _suggestion(self, text: str) -> str:
        """The listed name closest to `text`, if one is close. Comparing costs time with every name
        listed, so each text is compared once, long texts never, and a file gets SUGGESTIONS at most
        (a file of unknown names is wrong throughout: the first hints say why)."""
        key = text.casefold()
        if key in self._suggested:
            return self._suggested[key]
        if len(text) > SUGGEST_UP_TO_CHARS or len(self._suggested) >= SUGGESTIONS:
            return ""
        close = difflib.get_close_matches(text, self.display, n=1, cutoff=0.6)
        if not close:  # "shangai" against "Shanghai": compare without case as well
            folded = {name.casefold(): name for name in self.display}
            close = [folded[m] for m in difflib.get_close_matches(key, list(folded), n=1)]
        self._suggested[key] = close[0] if close else ""
        return self._suggested[key]

    def write(self, thing) -> str:
        return self.written.get(thing.pk, thing.full_name if isinstance(thing, Member) else thing.name)


def _city_names(city: City) -> tuple[str, ...]:
    return (city.name, city.local_name, f"{city.name}, {city.country}")


def _cities() -> Names:
    return Names(list(City.objects.all()), noun="city", names=_city_names)


def _organisations() -> Names:
    return Names(
        list(Organisation.objects.all()),
        noun="organisation",
        names=lambda org: (org.name, org.local_name),
    )


def _members(delegation: Delegation) -> Names:
    return Names(
        list(delegation.members.all()),
        noun="member of this mission",
        names=lambda member: (member.full_name, member.local_name),
    )


# Rows -------------------------------------------------------------------------------------------


def _meetings(delegation: Delegation):
    return (
        Meeting.objects.filter(delegation=delegation)
        .select_related("city")
        .prefetch_related("counterparts", "attendees")
        .order_by("starts_at", "pk")
    )


def _legs(delegation: Delegation):
    return (
        TravelLeg.objects.filter(delegation=delegation)
        .select_related("origin", "destination")
        .prefetch_related("attendees")
        .order_by("departs_at", "pk")
    )


def _local(moment: datetime | None, city: City | None) -> str:
    """A wall-clock time in the city's zone; the second of a repeated time (clocks going back)
    carries its UTC offset ("2016-11-06 01:30 -08:00"), since a bare 01:30 reads back as the first."""
    if moment is None or city is None:
        return ""
    wall_clock = timezone.localtime(moment, city.zone)
    if wall_clock.fold and wall_clock.utcoffset() != wall_clock.replace(fold=0).utcoffset():
        offset = wall_clock.strftime("%z")  # "-0800"; Python 3.11 has no %:z
        return f"{wall_clock.strftime(TIME_FORMAT)} {offset[:3]}:{offset[3:]}"
    return wall_clock.strftime(TIME_FORMAT)


def _joined(things, names: Names) -> str:
    return "; ".join(sorted(names.write(thing) for thing in things))


def _meeting_row(meeting: Meeting, *, counterparts, attendees, cities, orgs, members) -> dict[str, str]:
    city = meeting.city if meeting.city_id else None
    return {
        "uid": str(meeting.uid),
        "type": MEETING,
        "status": meeting.status,
        "kind": meeting.kind,
        "city": cities.write(city) if city else "",
        "starts": _local(meeting.starts_at, city),
        "ends": _local(meeting.ends_at, city),
        "counterparts": _joined(counterparts, orgs),
        "attendees": _joined(attendees, members),
        **{column: getattr(meeting, attribute) for column, attribute in MEETING_TEXT.items()},
    }


def _leg_row(leg: TravelLeg, *, attendees, cities, members, **_) -> dict[str, str]:
    origin = leg.origin if leg.origin_id else None
    destination = leg.destination if leg.destination_id else None
    return {
        "uid": str(leg.uid),
        "type": LEG,
        "status": leg.status,
        "mode": leg.mode,
        "origin": cities.write(origin) if origin else "",
        "destination": cities.write(destination) if destination else "",
        "departs": _local(leg.departs_at, origin),
        "arrives": _local(leg.arrives_at, destination),
        "attendees": _joined(attendees, members),
        **{column: getattr(leg, attribute) for column, attribute in LEG_TEXT.items()},
    }


def export_file(*, delegation: Delegation, fmt: str) -> bytes:
    """Every meeting and leg of the mission, in time order, in the format `read_spreadsheet` reads.

    Eight queries whatever the mission's size: cities, organisations and members by name (all
    cities, to know which names need their country to be told apart), then meetings and legs with
    their people prefetched.
    """
    names = {"cities": _cities(), "orgs": _organisations(), "members": _members(delegation)}
    items = [
        (
            meeting.starts_at,
            _meeting_row(
                meeting, counterparts=meeting.counterparts.all(), attendees=meeting.attendees.all(), **names
            ),
        )
        for meeting in _meetings(delegation)
    ]
    items += [
        (leg.departs_at, _leg_row(leg, attendees=leg.attendees.all(), **names)) for leg in _legs(delegation)
    ]
    items.sort(key=lambda pair: pair[0])
    return _file([[row.get(column, "") for column in COLUMNS] for _, row in items], fmt=fmt)


@dataclass
class RowPlan:
    """What one line of the file does: adds an item, changes some columns of one, or nothing."""

    line: int
    type: str
    item: Meeting | TravelLeg | None = None
    is_new: bool = False
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, was, now
    counterparts: list | None = None
    attendees: list | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.item) if self.item is not None else ""


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    errors: list[str]

    @property
    def new(self) -> list[RowPlan]:
        return [row for row in self.rows if row.is_new]

    @property
    def updated(self) -> list[RowPlan]:
        return [row for row in self.rows if not row.is_new and row.changes]

    @property
    def saving(self) -> int:
        return len(self.new) + len(self.updated)

    @property
    def unchanged(self) -> list[RowPlan]:
        return [row for row in self.rows if not row.is_new and not row.changes]


def _choice(text: str, choices, column: str, default: str) -> str:
    if not text:
        return default
    for value, label in choices:
        if text.casefold() in (value.casefold(), str(label).casefold()):
            return value
    allowed = ", ".join(value for value, _ in choices)
    raise ValueError(f"{column} {text!r} is not one of: {allowed}")


def _set_choice(row: _Row, item, column: str, choices, default: str, *, new: bool) -> None:
    """A choice by its value or its label ("b2b" or "B2B matchmaking"); empty means the default."""
    if row.has(column) or new:
        value = row.attempt(_choice, row.get(column), choices.choices, column, default)
        if value is not None:
            setattr(item, column, value)


def _wall_clock(text: str, column: str) -> datetime:
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    if not text:
        raise ValueError(f"{column} is empty: write a local date and time like 2016-10-25 09:30")
    raise ValueError(f"{column} {text!r} is not a date and time: write it like 2016-10-25 09:30")


class _Row:
    """One line's cells by column, collecting its errors instead of stopping at the first."""

    def __init__(self, values: dict[str, str], plan: RowPlan):
        self.values, self.plan = values, plan

    def has(self, column: str) -> bool:
        return column in self.values

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, message: str) -> None:
        self.plan.errors.append(f"line {self.plan.line}: {message}")

    def attempt(self, function, *args):
        try:
            return function(*args)
        except ValueError as error:
            self.error(str(error))
        except ValidationError as error:
            self.error(" ".join(error.messages))
        return None

    def names(self, column: str, names: Names) -> list | None:
        found = [
            self.attempt(names.find, part.strip()) for part in self.get(column).split(";") if part.strip()
        ]
        return None if None in found else found

    def time(self, column: str, city: City | None):
        wall_clock = self.attempt(_wall_clock, self.get(column), column)
        if wall_clock is None or city is None:
            return None
        if wall_clock.tzinfo is not None:  # "01:30 -08:00": which of a repeated time, as exported
            local = wall_clock.astimezone(city.zone)
            if local.replace(tzinfo=None) != wall_clock.replace(tzinfo=None):
                self.error(f"{column}: {self.get(column)} is not a time in {city.timezone}")
                return None
            return wall_clock.astimezone(UTC)
        try:
            return make_local_aware(wall_clock, city.timezone)
        except ValidationError as error:
            self.error(f"{column}: {' '.join(error.messages)}")
            return None


def plan_import(*, delegation: Delegation, headers: list[str], rows: list[list[str]]) -> ImportPlan:
    """Read a table against the mission and say, row by row, what importing it would do.

    Nothing is saved. Cities, organisations, members and the mission's items are read once, so
    the number of queries does not grow with the file. Errors read "line 14: no city called
    'Shangai' — did you mean Shanghai?", counting the header as line 1 as a spreadsheet does.
    A column left out of the file leaves that field of existing items as it is.
    """
    unknown = [name for name in headers if name and name not in COLUMNS]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        return ImportPlan(
            rows=[], errors=[f"line 1: unknown column {listed}; the columns are: {', '.join(COLUMNS)}"]
        )
    names = {"cities": _cities(), "orgs": _organisations(), "members": _members(delegation)}
    by_uid = {str(item.uid): item for item in [*_meetings(delegation), *_legs(delegation)]}
    seen: dict[str, int] = {}
    plans = []
    for number, cells in enumerate(rows, start=2):
        values = {name: value for name, value in zip(headers, cells, strict=False) if name}
        if not any(values.values()):
            continue  # a blank line between days is a spreadsheet habit, not an item
        plan = RowPlan(line=number, type="")
        row = _Row(values, plan)
        plans.append(plan)
        existing = _existing(row, by_uid, seen)
        if existing is False:
            continue
        kind = (row.get("type") or "").casefold()
        if kind in ("travel leg", "travel_leg", "travelleg"):
            kind = LEG
        if not kind:
            kind = (
                (LEG if isinstance(existing, TravelLeg) else MEETING)
                if existing
                else (LEG if row.get("origin") or row.get("departs") else MEETING)
            )
        if kind not in (MEETING, LEG):
            row.error(f"type {row.get('type')!r} is neither 'meeting' nor 'leg'")
            continue
        plan.type = kind
        expected = Meeting if kind == MEETING else TravelLeg
        if existing is not None and not isinstance(existing, expected):
            row.error(f"UID {row.get('uid')} belongs to a {_type_of(existing)}, not a {kind}")
            continue
        if kind == MEETING:
            _plan_meeting(row, existing, delegation=delegation, **names)
        else:
            _plan_leg(row, existing, delegation=delegation, **names)
    return ImportPlan(rows=plans, errors=[error for plan in plans for error in plan.errors])


def _type_of(item) -> str:
    return MEETING if isinstance(item, Meeting) else LEG


def _existing(row: _Row, by_uid: dict, seen: dict[str, int]):
    """The item the row's UID names, None for a new item, or False when the UID is wrong."""
    text = row.get("uid")
    if not text:
        return None
    try:
        key = str(uuid.UUID(text))
    except ValueError:
        row.error(f"uid {text!r} is not a UID; leave it empty to add a new item")
        return False
    if key in seen:
        row.error(f"UID {text} is also on line {seen[key]}; each item may appear once")
        return False
    seen[key] = row.plan.line
    if key not in by_uid:
        row.error(f"no meeting or leg of this mission has UID {text}; leave it empty to add a new item")
        return False
    return by_uid[key]


def _full_clean(row: _Row, item, text_columns: dict[str, str], exclude: list[str]) -> None:
    """Lengths, blanks and choices by the model's own rules, reported under the file's column names."""
    try:
        # Constraints are checked by hand (with readable words) so validation costs no query a row.
        item.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        columns = {attribute: column for column, attribute in text_columns.items()}
        for name, messages in error.message_dict.items():
            row.error(f"{columns.get(name, name)}: {' '.join(messages)}")


def _finish(row: _Row, item, before: dict | None, after: dict, counterparts, attendees) -> None:
    plan = row.plan
    plan.item, plan.counterparts, plan.attendees = item, counterparts, attendees
    if plan.errors:
        return
    if before is None:
        plan.is_new = True
        plan.changes = [(column, "", after[column]) for column in COLUMNS if after.get(column)]
        plan.changes = [change for change in plan.changes if change[0] not in ("uid", "type")]
    else:
        plan.changes = [
            (column, before[column], after[column])
            for column in COLUMNS
            if column in after and before.get(column) != after[column]
        ]


def _plan_meeting(row: _Row, meeting: Meeting | None, *, delegation, cities, orgs, members) -> None:
    before = None
    if meeting is None:
        meeting = Meeting(delegation=delegation)
        counterparts, attendees = [], []
    else:
        counterparts, attendees = list(meeting.counterparts.all()), list(meeting.attendees.all())
        before = _meeting_row(
            meeting, counterparts=counterparts, attendees=attendees, cities=cities, orgs=orgs, members=members
        )
    for column, attribute in MEETING_TEXT.items():
        if row.has(column):
            setattr(meeting, attribute, row.get(column))
    _set_choice(row, meeting, "status", ItemStatus, ItemStatus.CONFIRMED, new=before is None)
    _set_choice(row, meeting, "kind", Meeting.Kind, Meeting.Kind.GOVERNMENT, new=before is None)
    city = meeting.city if meeting.city_id else None
    if row.has("city") or before is None:
        city = row.attempt(cities.find, row.get("city")) if row.get("city") else None
        if city is None and not row.get("city"):
            row.error("city is empty: name the city the meeting is in")
        if city is not None:
            meeting.city = city
    if row.has("starts") or row.has("ends") or before is None:
        starts = row.time("starts", city) if row.has("starts") or before is None else meeting.starts_at
        ends = row.time("ends", city) if row.has("ends") or before is None else meeting.ends_at
        if starts and ends:
            meeting.starts_at, meeting.ends_at = starts, ends
            if ends <= starts:
                row.error(f"ends {row.get('ends')} is not after starts {row.get('starts')}")
    if row.has("counterparts"):
        counterparts = row.names("counterparts", orgs) or []
    if row.has("attendees"):
        attendees = row.names("attendees", members) or []
    _full_clean(row, meeting, MEETING_TEXT, ["delegation", "city", "starts_at", "ends_at"])
    after = _meeting_row(
        meeting, counterparts=counterparts, attendees=attendees, cities=cities, orgs=orgs, members=members
    )
    _finish(row, meeting, before, after, counterparts, attendees)


def _plan_leg(row: _Row, leg: TravelLeg | None, *, delegation, cities, orgs, members) -> None:
    before = None
    if leg is None:
        leg = TravelLeg(delegation=delegation)
        attendees = []
    else:
        attendees = list(leg.attendees.all())
        before = _leg_row(leg, attendees=attendees, cities=cities, members=members)
    for column, attribute in LEG_TEXT.items():
        if row.has(column):
            setattr(leg, attribute, row.get(column))
    _set_choice(row, leg, "status", ItemStatus, ItemStatus.CONFIRMED, new=before is None)
    _set_choice(row, leg, "mode", TravelLeg.Mode, TravelLeg.Mode.FLIGHT, new=before is None)
    ends = {}
    for column, time_column, where in (("origin", "departs", "from"), ("destination", "arrives", "in")):
        city = getattr(leg, column) if getattr(leg, f"{column}_id") else None
        if row.has(column) or before is None:
            city = row.attempt(cities.find, row.get(column)) if row.get(column) else None
            if city is None and not row.get(column):
                row.error(f"{column} is empty: name the city the leg {time_column} {where}")
            if city is not None:
                setattr(leg, column, city)
        ends[column] = city
        if row.has(time_column) or before is None:
            moment = row.time(time_column, city)
            if moment is not None:
                setattr(leg, f"{time_column}_at", moment)
    if ends["origin"] is not None and ends["origin"] == ends["destination"]:
        row.error(f"origin and destination are both {ends['origin'].name}: a leg joins two different cities")
    if leg.departs_at and leg.arrives_at and leg.arrives_at <= leg.departs_at and not row.plan.errors:
        row.error(
            f"arrives {row.get('arrives')} ({ends['destination'].name}) is not after departs "
            f"{row.get('departs')} ({ends['origin'].name}): "
            f"that is {_local(leg.arrives_at, ends['origin'])} in {ends['origin'].name}"
        )
    if row.has("attendees"):
        attendees = row.names("attendees", members) or []
    _full_clean(row, leg, LEG_TEXT, ["delegation", "origin", "destination", "departs_at", "arrives_at"])
    after = _leg_row(leg, attendees=attendees, cities=cities, members=members)
    _finish(row, leg, before, after, None, attendees)


def versions_of(plan: ImportPlan) -> dict[str, str]:
    """When each existing item of the plan was last saved, to tell at confirmation who moved since."""
    return {
        str(row.item.uid): row.item.updated_at.isoformat() for row in plan.rows if row.item and row.item.pk
    }


def changed_since(plan: ImportPlan, versions: dict[str, str]) -> list[RowPlan]:
    """Rows whose item was saved by someone else after the preview that `versions` came from.

    Importing them would silently undo that edit (the file holds what the item was), so the
    confirmation shows the preview again with them named instead of saving.
    """
    return [
        row
        for row in plan.rows
        if row.item and row.item.pk and versions.get(str(row.item.uid)) != row.item.updated_at.isoformat()
    ]


def apply_import(*, delegation: Delegation, plan: ImportPlan) -> ImportPlan:
    """Save a plan without errors, all or nothing; unchanged rows are not touched at all.

    Each item goes through its model's save(), the one place SEQUENCE grows, and its attendees and
    counterparts are set only when they differ, so a round trip writes nothing and bumps nothing.
    """
    if plan.errors:
        raise ValueError("A plan with errors cannot be imported.")
    with transaction.atomic():
        for row in plan.rows:
            if not (row.is_new or row.changes):
                continue
            changed = {column for column, _, _ in row.changes}
            row.item.save()
            if row.counterparts is not None and (row.is_new or "counterparts" in changed):
                row.item.counterparts.set(row.counterparts)
            if row.is_new or "attendees" in changed:
                row.item.attendees.set(row.attendees)
    return plan
