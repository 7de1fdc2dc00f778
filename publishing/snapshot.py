"""What delegates see of a mission, frozen as plain JSON: the content of a release.

`snapshot_of` writes a composed `Mission` (itinerary/schedule.py) down; `mission_from_snapshot` reads
one back as a `Mission` of unsaved model instances, so the feeds, the delegate page and the briefing
book compose a release with the very code that composes the working copy (STYLE.md §12).

Only what delegates may see goes in: no staff notes, booking references, e-mails or phone numbers.
Items deleted since an earlier release stay in later snapshots as cancelled (`"deleted": true`), so
calendars drop them instead of keeping them forever.
"""

from __future__ import annotations

from datetime import date, datetime

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.schedule import Entry, Mission

FORMAT = 1  # bump when the shape changes; readers refuse what they do not know

CITY_FIELDS = ("name", "local_name", "country", "timezone")
ORGANISATION_FIELDS = ("name", "local_name", "kind", "country", "website")
MEMBER_FIELDS = ("full_name", "local_name", "title", "organisation_id", "role", "is_active")
STAY_FIELDS = ("city_id", "hotel_name", "hotel_address", "hotel_local_address")
MEETING_FIELDS = (
    "kind", "title", "city_id", "venue", "venue_local", "address", "address_local", "description",
)  # fmt: skip
LEG_FIELDS = ("mode", "carrier", "number", "origin_id", "destination_id", "notes")


def _fields(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}


def _item(entry: Entry) -> dict:
    item = entry.item
    is_leg = entry.is_leg
    return {
        "uid": str(item.uid),
        "type": "leg" if is_leg else "meeting",
        "id": item.pk,
        "sequence": item.sequence,
        "status": item.status,
        "deleted": False,
        "starts_at": entry.starts_at.isoformat(),
        "ends_at": entry.ends_at.isoformat(),
        **_fields(item, LEG_FIELDS if is_leg else MEETING_FIELDS),
        "counterpart_ids": [organisation.pk for organisation in entry.counterparts],
        "attendee_ids": sorted(entry.attendee_ids),
        "withdrawn_ids": [],  # members taken off it since an earlier release: see _follow
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }


def snapshot_of(mission: Mission, *, previous: dict | None = None, context: dict | None = None) -> dict:
    """The mission as delegates will see it; items of `previous` that are gone come back cancelled.

    `context` is `snapshot_context` of the whole mission when `mission` holds only some of its items
    (publishing/unpublished.py counts changes a few items at a time).
    """
    context = context if context is not None else snapshot_context(mission)
    snapshot = {**context, "items": [_item(entry) for entry in mission.entries]}
    if previous:
        _follow(snapshot, previous)
        _keep_deleted_items(snapshot, previous)
    return snapshot


def snapshot_context(mission: Mission) -> dict:
    """Everything in a snapshot but its items: the mission's details, its members and stays, and the
    cities and organisations its items and stays name."""
    delegation = mission.delegation
    # By id rather than in sets of models: a model's hash is its pk, a property, and a board move
    # builds this context for a thousand items (publishing/unpublished.py).
    cities: dict[int, City] = {}
    organisations: dict[int, Organisation] = {}
    for entry in mission.entries:
        cities[entry.start_city.id] = entry.start_city
        cities[entry.end_city.id] = entry.end_city
        for org in entry.counterparts:
            organisations[org.id] = org
    for stay in mission.stays:
        cities[stay.city.id] = stay.city
    return {
        "format": FORMAT,
        "delegation": {
            "name": delegation.name,
            "summary": delegation.summary,
            "start_date": delegation.start_date.isoformat(),
            "end_date": delegation.end_date.isoformat(),
            "home_timezone": delegation.home_timezone,
        },
        "cities": [{"id": pk, **_fields(cities[pk], CITY_FIELDS)} for pk in sorted(cities)],
        "organisations": [
            {"id": pk, **_fields(organisations[pk], ORGANISATION_FIELDS)} for pk in sorted(organisations)
        ],
        "members": [{"id": member.pk, **_fields(member, MEMBER_FIELDS)} for member in mission.members],
        "stays": [
            {
                "id": stay.pk,
                "arrival_date": stay.arrival_date.isoformat(),
                "departure_date": stay.departure_date.isoformat(),
                **_fields(stay, STAY_FIELDS),
            }
            for stay in mission.stays
        ],
    }


def _follow(snapshot: dict, previous: dict) -> None:
    """Carry what calendars were told before into the new snapshot.

    - Members taken off an item (or off a whole-delegation item narrowed to others) stay listed in
      `withdrawn_ids`, so their personal feed keeps a cancelled copy until they are put back on.
    - An item whose public facts did not change keeps its change time: a staff-only edit (notes,
      booking reference) changes nothing delegates see, so it makes no release.
    """
    before = {item["uid"]: item for item in previous["items"]}
    active_before = {row["id"] for row in previous["members"] if row["is_active"]}
    active_now = {row["id"] for row in snapshot["members"] if row["is_active"]}
    members_now = {row["id"] for row in snapshot["members"]}
    for item in snapshot["items"]:
        old = before.get(item["uid"])
        if old is None:
            continue
        had = set(old["attendee_ids"]) or active_before
        has = set(item["attendee_ids"]) or active_now
        item["withdrawn_ids"] = sorted(((had | set(old["withdrawn_ids"])) - has) & members_now)
        if {**item, "updated_at": old["updated_at"]} == old:
            item["updated_at"] = old["updated_at"]


def _keep_deleted_items(snapshot: dict, previous: dict) -> None:
    """Items released before and gone now stay, cancelled, with the places and names they need."""
    present = {item["uid"] for item in snapshot["items"]}
    gone = [item for item in previous["items"] if item["uid"] not in present]
    if not gone:
        return
    for item in gone:
        was_deleted = item["deleted"]
        snapshot["items"].append(
            {
                **item,
                "status": "cancelled",
                "deleted": True,
                "sequence": item["sequence"] if was_deleted else item["sequence"] + 1,
            }
        )
    for key in ("cities", "organisations"):
        known = {row["id"] for row in snapshot[key]}
        # A new list: the context's may be shared (snapshot_of's `context`).
        snapshot[key] = [*snapshot[key], *(row for row in previous[key] if row["id"] not in known)]
    snapshot["items"].sort(key=lambda item: (item["starts_at"], item["ends_at"], item["uid"]))


def mission_from_snapshot(
    delegation: Delegation, snapshot: dict, *, as_of: datetime | None = None
) -> Mission:
    """A `Mission` of unsaved model instances, for the code that composes days, feeds and pages.

    Items deleted since an earlier release come as `gone`, to be sent to calendars as cancelled.
    """
    if snapshot.get("format") != FORMAT:
        raise ValueError(f"Unknown snapshot format {snapshot.get('format')!r}.")
    cities = {row["id"]: City(**row) for row in snapshot["cities"]}
    organisations = {row["id"]: Organisation(**row) for row in snapshot["organisations"]}
    members = []
    for row in snapshot["members"]:
        member = Member(delegation=delegation, **row)
        if member.organisation_id is not None:
            member.organisation = organisations.get(member.organisation_id)
        members.append(member)
    stays = []
    for row in snapshot["stays"]:
        stay = Stay(
            delegation=delegation,
            **{**row, "arrival_date": date.fromisoformat(row["arrival_date"]),
               "departure_date": date.fromisoformat(row["departure_date"])},
        )  # fmt: skip
        stay.city = cities[row["city_id"]]
        stays.append(stay)
    entries, gone, withdrawn = [], [], {}
    for row in snapshot["items"]:
        entry = _entry(delegation, row, cities, organisations)
        (gone if row["deleted"] else entries).append(entry)
        if row["withdrawn_ids"]:
            withdrawn[entry.key] = frozenset(row["withdrawn_ids"])
    entries.sort(key=lambda entry: (entry.starts_at, entry.ends_at, entry.key))
    return Mission(delegation, members, stays, entries, gone=gone, withdrawn=withdrawn, as_of=as_of)


def _entry(delegation, row: dict, cities: dict, organisations: dict) -> Entry:
    common = {
        "pk": row["id"],
        "delegation": delegation,
        "uid": row["uid"],
        "sequence": row["sequence"],
        "status": row["status"],
        "created_at": datetime.fromisoformat(row["created_at"]),
        "updated_at": datetime.fromisoformat(row["updated_at"]),
    }
    starts_at, ends_at = datetime.fromisoformat(row["starts_at"]), datetime.fromisoformat(row["ends_at"])
    if row["type"] == "leg":
        item = TravelLeg(
            **common, departs_at=starts_at, arrives_at=ends_at, **{name: row[name] for name in LEG_FIELDS}
        )
        item.origin, item.destination = cities[row["origin_id"]], cities[row["destination_id"]]
    else:
        item = Meeting(
            **common, starts_at=starts_at, ends_at=ends_at, **{name: row[name] for name in MEETING_FIELDS}
        )
        item.city = cities[row["city_id"]]
    counterparts = tuple(organisations[pk] for pk in row["counterpart_ids"] if pk in organisations)
    return Entry.of(item, frozenset(row["attendee_ids"]), counterparts)
