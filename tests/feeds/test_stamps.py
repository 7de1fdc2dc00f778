"""Cached staff outputs (the board's data, the unpublished count, the staff book, the dashboard's
conflicts) are keyed by the mission's stamp: any change they could show must move it.

The class of bug guarded here: a table that a cached output reads but its stamp does not (stays
were once missing, so a renamed hotel never reached the delegate page). Each test changes one
field of one model, or adds or deletes a row, and demands a new stamp for the mission
(itinerary/mission_cache.py's row versions). Delegates' feeds and pages are keyed by the release
they show (publishing/released.py), checked at the end.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import models
from django.urls import reverse

from delegations.models import Delegation, Member, Organisation
from itinerary.mission_cache import mission_stamp
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg
from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db

# Fields no output reads and no user edits: bookkeeping, or the keys that find the row.
NOT_SHOWN = {"id", "created_at", "updated_at", "uid", "sequence", "feed_token", "feed_token_digest"}
EARLIER = {"start_date", "arrival_date", "starts_at", "departs_at"}  # moved back, the others forward


@pytest.fixture
def mission():
    delegation = DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 28))
    organisation = OrganisationFactory(name="LeEco", local_name="乐视")
    organiser = OrganisationFactory(name="Governor's Office of Business and Economic Development")
    delegation.organiser = organiser
    delegation.save()
    beijing = CityFactory()
    sacramento = CityFactory(name="Sacramento", country="United States", timezone="America/Los_Angeles")
    member = MemberFactory(delegation=delegation, full_name="Panorea Avdis", organisation=organisation)
    other = MemberFactory(delegation=delegation, full_name="Robert Weisenmiller", organisation=organisation)
    stay = StayFactory(
        delegation=delegation, city=beijing, arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26), hotel_name="China World Hotel",
    )  # fmt: skip
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-25 09:30")
    )
    meeting.counterparts.add(organisation)
    leg = TravelLegFactory(delegation=delegation, origin=sacramento, destination=beijing)
    return {
        "delegation": delegation,
        "member": member,
        "other": other,
        "organisation": organisation,
        "organiser": organiser,
        "city": beijing,
        "stay": stay,
        "meeting": meeting,
        "leg": leg,
    }


def _stamp(member: Member) -> str:
    return mission_stamp(Delegation.objects.get(pk=member.delegation_id))


def _another(field: models.Field, value, row):
    """A different valid value for `field`, so that saving the row is a real change."""
    if field.choices:
        return next(choice for choice, _ in field.flatchoices if choice and choice != value)
    if isinstance(field, models.ForeignKey):
        if field.related_model is City:
            return CityFactory(name=f"Elsewhere {field.name}", timezone=row_zone(row))
        if field.related_model is Organisation:
            return OrganisationFactory()
        raise AssertionError(f"no other value for {field}")
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return value - timedelta(hours=1) if field.name in EARLIER else value + timedelta(hours=1)
    if isinstance(field, models.DateField):
        return value - timedelta(days=1) if field.name in EARLIER else value + timedelta(days=1)
    if isinstance(field, models.DecimalField):
        return Decimal(str(value or 0)) + Decimal("0.5")
    if isinstance(field, models.IntegerField):
        return (value or 0) + 5
    if isinstance(field, models.EmailField):
        return "changed@example.org"
    if isinstance(field, models.URLField):
        return "https://changed.example.org"
    if isinstance(field, models.CharField | models.TextField):
        return (value or "")[: field.max_length - 1 if field.max_length else None] + "é"
    raise AssertionError(f"no other value for {field!r}: teach this test about it")


def row_zone(row) -> str:
    city = getattr(row, "city", None) or getattr(row, "origin", None)
    return city.timezone if city else "Asia/Shanghai"


CASES = [
    (name, model, field.name)
    for name, model in [
        ("delegation", Delegation),
        ("member", Member),
        ("other", Member),
        ("organisation", Organisation),
        ("organiser", Organisation),
        ("city", City),
        ("stay", Stay),
        ("meeting", Meeting),
        ("leg", TravelLeg),
    ]
    for field in model._meta.concrete_fields
    if field.name not in NOT_SHOWN
    and field.editable
    and field.name != "delegation"
    # The member's own switch off: their feed and page go (404), tested in test_feeds.py.
    and not (name == "member" and field.name == "is_active")
]


@pytest.mark.parametrize(("row_name", "model", "field_name"), CASES, ids=[f"{r}.{f}" for r, _, f in CASES])
def test_changing_any_field_moves_the_mission_stamp(mission, row_name, model, field_name):
    row = mission[row_name]
    before = _stamp(mission["member"])
    field = model._meta.get_field(field_name)
    setattr(row, field.name, _another(field, getattr(row, field.name), row))
    row.save()
    assert _stamp(mission["member"]) != before, f"{model.__name__}.{field_name} changed, the stamp did not"


def _add_stay(m):
    StayFactory(
        delegation=m["delegation"], city=CityFactory(name="Shanghai"),
        arrival_date=date(2016, 10, 26), departure_date=date(2016, 10, 28),
    )  # fmt: skip


ROW_CHANGES = {
    "stay added": _add_stay,
    "stay deleted": lambda m: m["stay"].delete(),
    "stays deleted as a queryset": lambda m: Stay.objects.filter(delegation=m["delegation"]).delete(),
    "meeting deleted": lambda m: m["meeting"].delete(),
    "leg deleted": lambda m: m["leg"].delete(),
    "other member deleted": lambda m: m["other"].delete(),
    "member added": lambda m: MemberFactory(delegation=m["delegation"]),
    # A fresh copy: the fixture's own instance still counts as being created.
    "attendee added": lambda m: Meeting.objects.get(pk=m["meeting"].pk).attendees.add(m["other"]),
    "counterpart removed": lambda m: m["meeting"].counterparts.clear(),
    "counterpart row added": lambda m: MeetingCounterpart.objects.create(
        meeting=m["meeting"], organisation=OrganisationFactory()
    ),
    "counterpart row deleted": lambda m: MeetingCounterpart.objects.filter(meeting=m["meeting"]).delete(),
}


@pytest.mark.parametrize("change", ROW_CHANGES)
def test_adding_or_deleting_rows_moves_the_mission_stamp(mission, change):
    before = _stamp(mission["member"])
    ROW_CHANGES[change](mission)
    assert _stamp(mission["member"]) != before


def test_a_mission_stamp_moves_only_with_its_own_rows(mission):
    """Another mission's edit leaves this one's cached outputs in place, a shared city's does not."""
    before = _stamp(mission["member"])
    elsewhere = MeetingFactory(city=CityFactory(name="Busan", timezone="Asia/Seoul"))
    elsewhere.title = "Another mission's meeting"
    elsewhere.save()
    assert _stamp(mission["member"]) == before
    MeetingFactory(city=mission["city"])  # another mission meets in Beijing too: still this one's Beijing
    assert _stamp(mission["member"]) == before
    mission["city"].local_name = "北京市"
    mission["city"].save()
    assert _stamp(mission["member"]) != before


def test_a_renamed_hotel_reaches_the_cached_delegate_page(client, mission):
    """Found by a new user: the stay's staff form saved, the delegate page kept the old hotel."""
    member, stay, delegation = mission["member"], mission["stay"], mission["delegation"]
    page = reverse("delegate-page", args=[member.feed_token])
    release_publish(delegation=delegation, notify=False)
    assert "China World Hotel" in client.get(page).content.decode()
    staff = UserFactory()
    delegation.staff.add(staff)
    client.force_login(staff)
    response = client.post(
        reverse("stay-edit", args=[delegation.slug, stay.pk]),
        {
            "city": stay.city_id, "arrival_date": "2016-10-24", "departure_date": "2016-10-26",
            "hotel_name": "Kerry Hotel Beijing", "version": stay.updated_at.isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    client.logout()
    release_publish(delegation=delegation, notify=False)
    body = client.get(page).content.decode()
    # The days, below "What changed" (which names the old hotel).
    days = body[body.index('id="what-changed"') :].split("</section>", 1)[1]
    assert "Kerry Hotel Beijing" in days and "China World Hotel" not in days
