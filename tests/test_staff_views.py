"""Staff pages: saving, stale edits, cancelling, deleting, and constant query counts."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from delegations.models import Delegation
from itinerary.models import ItemStatus, Meeting
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


@pytest.fixture
def delegation():
    return DelegationFactory(slug="ca-china-2016", start_date=date(2016, 10, 21), end_date=date(2016, 11, 5))


@pytest.fixture
def staff_client(client, delegation):
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return client


def _meeting_data(meeting, **changes):
    data = {
        "title": meeting.title, "kind": meeting.kind, "status": meeting.status, "city": meeting.city_id,
        "starts_at": meeting.local_start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": meeting.local_end.strftime("%Y-%m-%dT%H:%M"),
        "venue": meeting.venue, "version": meeting.updated_at.isoformat(),
    }  # fmt: skip
    data.update(changes)
    return data


def test_creating_a_delegation_adds_the_creator_to_its_staff(client):
    user = UserFactory(username="planner")
    client.force_login(user)
    response = client.post(
        reverse("delegation-create"),
        {"name": "CIIE 2021", "slug": "ciie-2021", "start_date": "2021-11-03", "end_date": "2021-11-10",
         "home_timezone": "Asia/Shanghai", "travel_buffer_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Delegation.objects.get(slug="ciie-2021").staff.get() == user


def test_invalid_delegation_form_rerenders_with_field_errors(staff_client):
    response = staff_client.post(
        reverse("delegation-create"),
        {"name": "", "slug": "not a slug!", "start_date": "2021-11-10", "end_date": "2021-11-03",
         "home_timezone": "Mars/Olympus", "travel_buffer_minutes": "-5"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "slug", "home_timezone", "travel_buffer_minutes"} <= set(errors)


def test_editing_a_meeting_saves_and_warns_about_its_conflicts(staff_client, delegation):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    first = MeetingFactory(delegation=delegation, title="MOFCOM")
    second = MeetingFactory(
        delegation=delegation, title="LeEco", starts_at=first.starts_at + timedelta(hours=3)
    )
    first.attendees.add(avdis)
    second.attendees.add(avdis)
    url = reverse("meeting-edit", args=[delegation.slug, second.pk])
    response = staff_client.post(
        url, _meeting_data(second, starts_at=first.local_start.strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.starts_at == first.starts_at
    assert second.sequence == 1
    shown = [str(m) for m in staff_client.get(response["Location"]).context["messages"]]
    assert any("Double-booked: Panorea Avdis" in text for text in shown)


def test_cancelling_keeps_the_meeting_and_bumps_its_sequence(staff_client, delegation):
    meeting = MeetingFactory(delegation=delegation)
    url = reverse("meeting-cancel", args=[delegation.slug, meeting.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == ItemStatus.CANCELLED
    assert meeting.sequence == 1
    staff_client.post(url)  # twice is harmless
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_deleting_a_delegation_names_what_goes_with_it(staff_client, delegation):
    MemberFactory.create_batch(3, delegation=delegation)
    MeetingFactory.create_batch(2, delegation=delegation)
    url = reverse("delegation-delete", args=[delegation.slug])
    content = staff_client.get(url).content.decode()
    assert "3 members" in content and "2 meetings" in content
    assert staff_client.post(url).status_code == 302
    assert not Delegation.objects.filter(pk=delegation.pk).exists()
    assert not Meeting.objects.exists()


def test_deleting_an_organisation_in_use_is_refused_readably(staff_client, delegation):
    organisation = OrganisationFactory(name="LeEco")
    MeetingFactory(delegation=delegation, title="LeEco visit").counterparts.add(organisation)
    url = reverse("organisation-delete", args=[organisation.pk])
    page = staff_client.get(url).content.decode()
    assert "cannot be deleted while it is in use" in page and "LeEco visit" in page
    response = staff_client.post(url, follow=True)
    assert response.status_code == 200
    assert "is still in use and was not deleted" in response.content.decode()
    assert type(organisation).objects.filter(pk=organisation.pk).exists()


def test_a_member_email_taken_in_the_delegation_is_a_form_error(staff_client, delegation):
    MemberFactory(delegation=delegation, email="avdis@gobiz.ca.gov")
    response = staff_client.post(
        reverse("member-create", args=[delegation.slug]),
        {"full_name": "Someone", "role": "executive", "email": "AVDIS@gobiz.ca.gov", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "already has this e-mail address" in response.content.decode()


def test_a_stay_outside_the_mission_is_a_form_error(staff_client, delegation):
    city = CityFactory()
    response = staff_client.post(
        reverse("stay-create", args=[delegation.slug]),
        {"city": city.pk, "arrival_date": "2016-11-04", "departure_date": "2016-11-09"},
    )
    assert response.status_code == 200
    assert "within the mission&#x27;s dates (21 Oct – 5 Nov 2016)" in response.content.decode()


def test_schedule_shows_meetings_at_local_time_with_the_zone(staff_client, delegation):
    beijing = CityFactory()
    sacramento = CityFactory(name="Sacramento", country="United States", timezone="America/Los_Angeles")
    MeetingFactory(
        delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-26 09:30")
    )
    MeetingFactory(
        delegation=delegation,
        city=sacramento,
        title="Briefing",
        starts_at=local(sacramento, "2016-10-21 10:00"),
    )
    content = staff_client.get(reverse("schedule", args=[delegation.slug])).content.decode()
    assert "09:30–10:30 CST, UTC+8" in content
    assert "10:00–11:00 PDT, UTC−7" in content


# --- query counts ---------------------------------------------------------------------------------


def _grow_mission(delegation, meetings: int) -> None:
    beijing = CityFactory()
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=delegation.start_date,
        departure_date=delegation.end_date,
    )
    members = MemberFactory.create_batch(5, delegation=delegation, organisation=OrganisationFactory())
    organisations = OrganisationFactory.create_batch(3)
    start = local(beijing, "2016-10-22 08:00")
    Meeting.objects.bulk_create(
        Meeting(
            delegation=delegation, city=beijing, title=f"Meeting {n}", venue=f"Venue {n % 7}",
            starts_at=start + timedelta(hours=3 * n), ends_at=start + timedelta(hours=3 * n, minutes=45),
        )
        for n in range(meetings)
    )  # fmt: skip
    for n, meeting in enumerate(delegation.meetings.all()):
        meeting.attendees.add(members[n % 5])
        meeting.counterparts.add(organisations[n % 3])
    TravelLegFactory.create_batch(2, delegation=delegation)


@pytest.mark.parametrize("size", [10, 300])
@pytest.mark.parametrize("name", ["dashboard", "delegation-overview", "schedule"])
def test_staff_pages_take_the_same_number_of_queries_at_any_size(
    staff_client, delegation, django_assert_max_num_queries, name, size
):
    _grow_mission(delegation, size)
    release_publish(delegation=delegation, notify=False)
    MeetingFactory(delegation=delegation, title="Not yet published")  # the banner has something to count
    url = reverse(name) if name == "dashboard" else reverse(name, args=[delegation.slug])
    # 14, and three for the "not yet published" banner: the working copy's stamp, the latest
    # release, and its snapshot (then the count is cached until the next edit or release).
    with django_assert_max_num_queries(17):
        response = staff_client.get(url)
    assert response.status_code == 200
    if name == "schedule":
        assert response.content.decode().count("data-entry=") == size + 3
    if name != "dashboard":
        assert "1 change not yet published" in response.content.decode()


def test_new_feed_address_asks_first_and_rotates_only_on_post(staff_client, delegation):
    old = delegation.feed_token
    url = reverse("delegation-rotate-token", args=[delegation.slug])
    overview = staff_client.get(reverse("delegation-overview", args=[delegation.slug])).content.decode()
    assert f'href="{url}"' in overview
    response = staff_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "stop working at once" in content and f'action="{url}"' in content
    delegation.refresh_from_db()
    assert delegation.feed_token == old
    assert staff_client.post(url).status_code == 302
    delegation.refresh_from_db()
    assert delegation.feed_token != old


def _new_mission(client, **changes):
    data = {"name": "CIIE 2021", "slug": "", "start_date": "2021-11-03", "end_date": "2021-11-10",
            "home_timezone": "Asia/Shanghai", "travel_buffer_minutes": "30"}  # fmt: skip
    return client.post(reverse("delegation-create"), {**data, **changes})


def test_new_mission_page_says_mission_and_offers_to_fill_the_slug(staff_client):
    content = staff_client.get(reverse("delegation-create")).content.decode()
    assert "<title>New mission · Mission Planner</title>" in content
    assert '<h1 class="h3">New mission</h1>' in content
    assert "delegation" not in content.split("<main")[1].lower().replace("delegation-", "")


def test_an_empty_slug_is_derived_from_the_name(staff_client):
    response = _new_mission(staff_client, name="CIIE Shanghai 2021 – trade week")
    assert response.status_code == 302
    mission = Delegation.objects.get(name="CIIE Shanghai 2021 – trade week")
    assert mission.slug == "ciie-shanghai-2021-trade-week"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Created mission “CIIE Shanghai 2021 – trade week”. Add its cities, stays and members next."
    ]


def test_a_derived_slug_that_is_taken_gets_a_number(staff_client, delegation):
    DelegationFactory(slug="ciie-2021-2")
    for expected in ("ciie-2021", "ciie-2021-3", "ciie-2021-4"):
        assert _new_mission(staff_client).status_code == 302
        assert Delegation.objects.filter(slug=expected).exists()


def test_a_typed_slug_is_kept_and_a_taken_one_is_still_an_error(staff_client, delegation):
    assert _new_mission(staff_client, slug="my-own").status_code == 302
    assert Delegation.objects.filter(slug="my-own", name="CIIE 2021").exists()
    response = _new_mission(staff_client, slug=delegation.slug)
    assert response.status_code == 200
    assert "Another mission already uses this slug." in response.content.decode()


def test_staff_pages_call_a_delegation_a_mission(staff_client, delegation):
    edit = staff_client.get(reverse("delegation-edit", args=[delegation.slug])).content.decode()
    assert f"Edit mission: {delegation.name}" in edit
    delete = staff_client.get(reverse("delegation-delete", args=[delegation.slug])).content.decode()
    assert f"Delete mission “{delegation.name}”?" in delete
    overview = staff_client.get(reverse("delegation-overview", args=[delegation.slug])).content.decode()
    assert "Calendar feed of the whole mission" in overview
    response = staff_client.post(reverse("delegation-delete", args=[delegation.slug]), follow=True)
    assert f"Deleted mission “{delegation.name}”." in response.content.decode()


def test_the_overview_offers_to_add_meetings_and_travel_legs(staff_client, delegation):
    content = staff_client.get(reverse("delegation-overview", args=[delegation.slug])).content.decode()
    assert f'href="{reverse("meeting-create", args=[delegation.slug])}"' in content
    assert f'href="{reverse("leg-create", args=[delegation.slug])}"' in content
    assert ">Add meeting</a>" in content and ">Add travel leg</a>" in content


@pytest.mark.parametrize("kind", ["meeting", "leg"])
def test_deleting_a_meeting_or_leg_says_calendars_show_it_cancelled_and_it_can_be_restored(
    staff_client, delegation, kind
):
    item = (MeetingFactory if kind == "meeting" else TravelLegFactory)(delegation=delegation)
    content = staff_client.get(reverse(f"{kind}-delete", args=[delegation.slug, item.pk])).content.decode()
    text = re.sub(r"<[^>]+>", "", content)
    assert "Subscribed calendars show it as cancelled" in text
    assert "you can restore it from Deleted items on the schedule" in text
    assert f'href="{reverse("deleted-items", args=[delegation.slug])}"' in content
    for wrong in ("cannot be undone", "stop listing it"):
        assert wrong not in content


@pytest.mark.parametrize("kind", ["delegation", "member", "stay", "organisation", "city"])
def test_deleting_what_cannot_be_restored_says_so(staff_client, delegation, kind):
    if kind == "delegation":
        url = reverse("delegation-delete", args=[delegation.slug])
    elif kind in ("member", "stay"):
        item = (MemberFactory if kind == "member" else StayFactory)(delegation=delegation)
        url = reverse(f"{kind}-delete", args=[delegation.slug, item.pk])
    else:
        item = OrganisationFactory() if kind == "organisation" else CityFactory(name="Unused city")
        url = reverse(f"{kind}-delete", args=[item.pk])
    staff_client.force_login(UserFactory(username="root", is_superuser=True))
    content = staff_client.get(url).content.decode()
    assert "This cannot be undone." in content
    assert "restore" not in content.lower()
