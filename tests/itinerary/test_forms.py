"""Datetimes are typed in the chosen city's local time and stored in UTC, right across DST."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from itinerary.forms import MeetingForm, TravelLegForm
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    return DelegationFactory()


@pytest.fixture
def sacramento():
    return CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )


def meeting_form(delegation, city, starts, ends, **extra):
    data = {"title": "Briefing", "kind": "briefing", "status": "confirmed", "city": city.pk,
            "starts_at": starts, "ends_at": ends, **extra}  # fmt: skip
    return MeetingForm(data=data, delegation=delegation)


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2016-11-04T09:30", datetime(2016, 11, 4, 16, 30, tzinfo=UTC)),  # PDT, UTC-7
        ("2016-11-07T09:30", datetime(2016, 11, 7, 17, 30, tzinfo=UTC)),  # PST, UTC-8
        ("2016-03-14T09:30", datetime(2016, 3, 14, 16, 30, tzinfo=UTC)),  # PDT again after 13 March
    ],
)
def test_meeting_time_typed_in_sacramento_is_stored_in_utc_across_dst(delegation, sacramento, typed, utc):
    form = meeting_form(delegation, sacramento, typed, typed.replace("09:30", "10:30"))
    assert form.is_valid(), form.errors
    assert form.save().starts_at == utc


def test_meeting_time_typed_in_beijing_is_eight_hours_ahead_of_utc(delegation):
    beijing = CityFactory()
    form = meeting_form(delegation, beijing, "2016-10-25T09:30", "2016-10-25T11:00")
    assert form.is_valid(), form.errors
    assert form.save().starts_at == datetime(2016, 10, 25, 1, 30, tzinfo=UTC)


def test_a_time_that_does_not_exist_in_the_city_is_refused(delegation, sacramento):
    # 13 March 2016 02:30 never happened in California: clocks went from 02:00 to 03:00.
    form = meeting_form(delegation, sacramento, "2016-03-13T02:30", "2016-03-13T04:00")
    assert not form.is_valid()
    assert "does not exist in America/Los_Angeles" in form.errors["starts_at"][0]


def test_an_ambiguous_time_takes_the_first_occurrence(delegation, sacramento):
    # 6 November 2016 01:30 happened twice in California; the first is still PDT (08:30 UTC).
    form = meeting_form(delegation, sacramento, "2016-11-06T01:30", "2016-11-06T03:00")
    assert form.is_valid(), form.errors
    assert form.save().starts_at == datetime(2016, 11, 6, 8, 30, tzinfo=UTC)


def test_an_ambiguous_time_says_which_occurrence_was_used(delegation, sacramento):
    form = meeting_form(delegation, sacramento, "2016-11-06T01:30", "2016-11-06T03:00")
    assert form.is_valid(), form.errors
    assert form.time_notices == [
        "Starts: 01:30 on Sun 6 Nov 2016 happens twice in Sacramento: the clocks go back that night. "
        "We used the first, 01:30 PDT, UTC−7, an hour before 01:30 PST, UTC−8."
    ]


def test_an_ordinary_time_brings_no_notice(delegation, sacramento):
    form = meeting_form(delegation, sacramento, "2016-11-07T09:30", "2016-11-07T10:30")
    assert form.is_valid(), form.errors
    assert form.time_notices == []


def test_saving_an_ambiguous_time_tells_the_user_on_the_next_page(client, delegation, sacramento):
    user = UserFactory()
    delegation.staff.add(user)
    client.force_login(user)
    response = client.post(
        reverse("meeting-create", args=[delegation.slug]),
        {"title": "Breakfast", "kind": "meal", "status": "confirmed", "city": sacramento.pk,
         "starts_at": "2016-11-06T01:30", "ends_at": "2016-11-06T03:00"},
        follow=True,
    )  # fmt: skip
    assert "happens twice in Sacramento" in response.content.decode()


def test_editing_shows_the_stored_time_in_the_city_zone(delegation, sacramento):
    meeting = MeetingFactory(
        delegation=delegation, city=sacramento,
        starts_at=datetime(2016, 11, 7, 17, 30, tzinfo=UTC),
        ends_at=datetime(2016, 11, 7, 18, 30, tzinfo=UTC),
    )  # fmt: skip
    form = MeetingForm(instance=meeting, delegation=delegation)
    assert 'value="2016-11-07T09:30"' in str(form["starts_at"])
    assert form.fields["starts_at"].help_text == "Local time in Sacramento: PST, UTC−8."  # 7 Nov: winter


def test_end_before_start_is_a_form_error_not_a_crash(delegation, sacramento):
    form = meeting_form(delegation, sacramento, "2016-11-07T10:30", "2016-11-07T09:30")
    assert not form.is_valid()
    assert "must end after it starts" in str(form.errors)


def test_after_a_validation_error_the_hint_keeps_the_chosen_citys_zone(delegation, sacramento):
    form = meeting_form(delegation, sacramento, "2016-11-07T10:30", "2016-11-07T09:30")
    assert not form.is_valid()
    assert form.fields["starts_at"].help_text == "Local time in Sacramento: PST, UTC−8."
    assert 'value="2016-11-07T10:30"' in str(form["starts_at"])  # what was typed, not the stored value


def test_missing_city_gives_a_field_error_and_no_time_conversion(delegation):
    form = MeetingForm(
        data={"title": "x", "kind": "forum", "status": "confirmed", "starts_at": "2016-10-25T09:30",
              "ends_at": "2016-10-25T10:30"},
        delegation=delegation,
    )  # fmt: skip
    assert not form.is_valid()
    assert "city" in form.errors


def test_leg_departs_in_origin_zone_and_arrives_in_destination_zone(delegation, sacramento):
    beijing = CityFactory()
    form = TravelLegForm(
        data={"mode": "flight", "origin": sacramento.pk, "destination": beijing.pk, "status": "confirmed",
              "departs_at": "2016-10-23T12:50", "arrives_at": "2016-10-24T16:55"},
        delegation=delegation,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    leg = form.save()
    assert leg.departs_at == datetime(2016, 10, 23, 19, 50, tzinfo=UTC)
    assert leg.arrives_at == datetime(2016, 10, 24, 8, 55, tzinfo=UTC)


def test_leg_arriving_before_it_departs_explains_both_zones_on_the_arrival(delegation):
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    beijing = CityFactory()
    form = TravelLegForm(
        data={"mode": "flight", "origin": seoul.pk, "destination": beijing.pk, "status": "confirmed",
              "departs_at": "2026-05-12T15:30", "arrives_at": "2026-05-12T14:00"},
        delegation=delegation,
    )  # fmt: skip
    assert not form.is_valid()
    assert list(form.errors) == ["arrives_at"]
    assert form.errors["arrives_at"] == [
        "It would arrive before it departs. It departs Tue 12 May 15:30 KST, UTC+9 in Seoul "
        "(Tue 12 May 14:30 CST, UTC+8 in Beijing) and arrives Tue 12 May 14:00 CST, UTC+8 in Beijing "
        "(Tue 12 May 15:00 KST, UTC+9 in Seoul). Each time is local to its own city: the departure "
        "in Seoul's zone, the arrival in Beijing's."
    ]


def test_attendees_are_limited_to_the_delegations_active_members(delegation, sacramento):
    from tests.factories import MemberFactory

    own = MemberFactory(delegation=delegation)
    MemberFactory(delegation=delegation, is_active=False)
    stranger = MemberFactory()
    form = meeting_form(
        delegation, sacramento, "2016-11-07T09:30", "2016-11-07T10:30", attendees=[stranger.pk]
    )
    assert not form.is_valid()
    assert "attendees" in form.errors
    assert list(form.fields["attendees"].queryset) == [own]


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_crash(delegation, typed):
    form = meeting_form(delegation, CityFactory(), typed, typed)
    assert not form.is_valid()
    assert "between the years 1900 and 2200" in str(form.errors["starts_at"])


def test_a_new_meetings_hints_say_the_zone_the_house_way_for_the_missions_dates(delegation, sacramento):
    """No "America/Los_Angeles" where every page says "PDT, UTC−7": the mission (21 Oct – 10 Nov
    2016) straddles the end of daylight saving, so both."""
    beijing = CityFactory()
    form = MeetingForm(delegation=delegation)
    assert form.fields["starts_at"].help_text == "Local time in the city's zone."
    assert form.fields["city"].label_from_instance(sacramento) == "Sacramento · PDT, UTC−7 or PST, UTC−8"
    assert form.fields["city"].label_from_instance(beijing) == "Beijing (北京) · CST, UTC+8"
    typed = meeting_form(delegation, beijing, "2016-10-25T10:30", "2016-10-25T09:30")
    assert not typed.is_valid()
    assert typed.fields["starts_at"].help_text == "Local time in Beijing: CST, UTC+8."
