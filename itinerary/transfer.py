"""Move a whole delegation between installations as one JSON document.

Organisations and cities travel by name and country and are matched (or created) on import.
Meetings and legs keep their UIDs, so calendar events stay the same events; members get fresh feed
tokens, since links from another installation (another address) would not work anyway.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from delegations.models import Delegation, Member, Organisation
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.signals import mission_loaded

FORMAT = "missionplanner.delegation/1"

ORGANISATION_FIELDS = ["name", "local_name", "kind", "country", "website"]
CITY_FIELDS = ["name", "local_name", "country", "timezone", "latitude", "longitude"]
DELEGATION_FIELDS = [
    "name",
    "slug",
    "summary",
    "start_date",
    "end_date",
    "home_timezone",
    "travel_buffer_minutes",
]
MEMBER_FIELDS = ["full_name", "local_name", "title", "role", "email", "phone", "notes", "is_active"]
STAY_FIELDS = ["arrival_date", "departure_date", "hotel_name", "hotel_address", "hotel_local_address"]
ITEM_FIELDS = ["uid", "status", "sequence"]
MEETING_FIELDS = [
    *ITEM_FIELDS, "kind", "title", "venue", "venue_local", "address", "address_local", "starts_at", "ends_at",
    "description", "staff_notes",
]  # fmt: skip
LEG_FIELDS = [
    *ITEM_FIELDS,
    "mode",
    "carrier",
    "number",
    "booking_reference",
    "notes",
    "departs_at",
    "arrives_at",
]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # UUIDs, decimals


def _fields(obj, names: list[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _org_key(org: Organisation | None) -> list[str] | None:
    return [org.name, org.country] if org else None


def _city_key(city: City) -> list[str]:
    return [city.name, city.country]


def export_delegation(delegation: Delegation) -> dict:
    members = list(delegation.members.select_related("organisation").order_by("pk"))
    meetings = list(delegation.meetings.select_related("city").prefetch_related("counterparts", "attendees"))
    legs = list(delegation.travellegs.select_related("origin", "destination").prefetch_related("attendees"))
    organisations = {o.pk: o for o in [delegation.organiser, *(m.organisation for m in members)] if o}
    organisations.update({o.pk: o for meeting in meetings for o in meeting.counterparts.all()})
    stays = list(delegation.stays.select_related("city"))
    cities = {c.pk: c for c in [*(s.city for s in stays), *(m.city for m in meetings)]}
    cities.update({c.pk: c for leg in legs for c in (leg.origin, leg.destination)})
    return {
        "format": FORMAT,
        "organisations": [_fields(o, ORGANISATION_FIELDS) for o in organisations.values()],
        "cities": [_fields(c, CITY_FIELDS) for c in cities.values()],
        "delegation": {**_fields(delegation, DELEGATION_FIELDS), "organiser": _org_key(delegation.organiser)},
        "members": [{**_fields(m, MEMBER_FIELDS), "organisation": _org_key(m.organisation)} for m in members],
        "stays": [{**_fields(s, STAY_FIELDS), "city": _city_key(s.city)} for s in stays],
        "meetings": [
            {
                **_fields(m, MEETING_FIELDS),
                "city": _city_key(m.city),
                "counterparts": [_org_key(o) for o in m.counterparts.all()],
                "attendees": [a.full_name for a in m.attendees.all()],
            }
            for m in meetings
        ],
        "legs": [
            {
                **_fields(leg, LEG_FIELDS),
                "origin": _city_key(leg.origin),
                "destination": _city_key(leg.destination),
                "attendees": [a.full_name for a in leg.attendees.all()],
            }
            for leg in legs
        ],
    }


class ImportRefused(ValueError):
    """The document cannot be imported; the message says why. Nothing was written."""


def _validated(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def import_delegation(data: dict) -> Delegation:
    """Create the delegation described by `data` (from export_delegation), all or nothing."""
    if data.get("format") != FORMAT:
        raise ImportRefused(f"Not a Mission Planner delegation export (expected format {FORMAT!r}).")
    slug = data["delegation"]["slug"]
    if Delegation.objects.filter(slug=slug).exists():
        raise ImportRefused(f"A delegation with the slug {slug!r} exists already; delete or rename it first.")
    orgs = {}
    for fields in data["organisations"]:
        found = Organisation.objects.filter(name__iexact=fields["name"], country=fields["country"]).first()
        orgs[(fields["name"], fields["country"])] = found or _validated(Organisation(**fields))
    cities = {}
    for fields in data["cities"]:
        found = City.objects.filter(name=fields["name"], country=fields["country"]).first()
        cities[(fields["name"], fields["country"])] = found or _validated(City(**fields))

    def org(key):
        return orgs[tuple(key)] if key else None

    delegation = _validated(
        Delegation(**{**data["delegation"], "organiser": org(data["delegation"]["organiser"])})
    )
    members = {
        fields["full_name"]: _validated(
            Member(delegation=delegation, **{**fields, "organisation": org(fields["organisation"])})
        )
        for fields in data["members"]
    }
    for fields in data["stays"]:
        _validated(Stay(delegation=delegation, **{**fields, "city": cities[tuple(fields["city"])]}))
    for fields in data["meetings"]:
        extra = {"counterparts": fields.pop("counterparts"), "attendees": fields.pop("attendees")}
        meeting = _validated(
            Meeting(delegation=delegation, **{**fields, "city": cities[tuple(fields["city"])]})
        )
        meeting.counterparts.set([org(key) for key in extra["counterparts"]])
        meeting.attendees.set([members[name] for name in extra["attendees"]])
    for fields in data["legs"]:
        attendees = fields.pop("attendees")
        leg = _validated(
            TravelLeg(
                delegation=delegation,
                **{
                    **fields,
                    "origin": cities[tuple(fields["origin"])],
                    "destination": cities[tuple(fields["destination"])],
                },
            )
        )
        leg.attendees.set([members[name] for name in attendees])
    mission_loaded.send(sender=import_delegation, delegation=delegation)
    return delegation
