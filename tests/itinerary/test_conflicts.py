from datetime import date

import pytest

from itinerary.conflicts import find_conflicts
from itinerary.models import ItemStatus
from itinerary.schedule import load_mission
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    TravelLegFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    return DelegationFactory(start_date=date(2016, 10, 20), end_date=date(2016, 11, 10))


@pytest.fixture
def beijing():
    return CityFactory()


@pytest.fixture
def shanghai():
    return CityFactory(name="Shanghai", local_name="上海")


@pytest.fixture
def sacramento():
    return CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )


def meeting(delegation, city, start, end, *, attendees=(), **kwargs):
    item = MeetingFactory(
        delegation=delegation, city=city, starts_at=local(city, start), ends_at=local(city, end), **kwargs
    )
    item.attendees.set(attendees)
    return item


def rules(delegation) -> list[str]:
    return [conflict.rule for conflict in find_conflicts(load_mission(delegation))]


def messages(delegation) -> list[str]:
    return [conflict.message for conflict in find_conflicts(load_mission(delegation))]


# --- double bookings ----------------------------------------------------------------------------


def test_member_in_two_overlapping_meetings_is_double_booked(delegation, beijing):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    meeting(delegation, beijing, "2016-10-25 09:30", "2016-10-25 11:00", attendees=[avdis], venue="MOFCOM")
    meeting(delegation, beijing, "2016-10-25 10:30", "2016-10-25 12:00", attendees=[avdis], venue="MOFCOM")
    assert rules(delegation) == ["double_booked"]
    assert "Panorea Avdis" in messages(delegation)[0]


def test_different_members_in_overlapping_meetings_are_fine(delegation, beijing):
    avdis, weisenmiller = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    meeting(delegation, beijing, "2016-10-25 09:30", "2016-10-25 11:00", attendees=[avdis])
    meeting(delegation, beijing, "2016-10-25 10:00", "2016-10-25 11:00", attendees=[weisenmiller])
    assert rules(delegation) == []


def test_whole_delegation_meeting_overlapping_a_members_meeting_is_double_booked(delegation, beijing):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 12:00")
    meeting(delegation, beijing, "2016-10-25 10:00", "2016-10-25 11:00", attendees=[avdis])
    assert rules(delegation) == ["double_booked"]


def test_back_to_back_meetings_at_one_venue_do_not_overlap(delegation, beijing):
    MemberFactory(delegation=delegation)
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", venue="China World Hotel")
    meeting(delegation, beijing, "2016-10-25 10:00", "2016-10-25 11:00", venue="China World Hotel")
    assert rules(delegation) == []


def test_cancelled_meetings_take_part_in_no_conflict(delegation, beijing):
    MemberFactory(delegation=delegation)
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00")
    meeting(delegation, beijing, "2016-10-25 09:30", "2016-10-25 10:30", status=ItemStatus.CANCELLED)
    assert rules(delegation) == []


def test_overlap_is_judged_in_absolute_time_across_zones(delegation, beijing, sacramento):
    # 09:00 in Sacramento on the 24th (PDT) is 00:00 on the 25th in Beijing: an overlapping call.
    avdis = MemberFactory(delegation=delegation)
    meeting(delegation, sacramento, "2016-10-24 09:00", "2016-10-24 10:00", attendees=[avdis])
    meeting(delegation, beijing, "2016-10-25 00:30", "2016-10-25 01:30", attendees=[avdis])
    assert "double_booked" in rules(delegation)


def test_overlap_across_the_us_dst_change_uses_the_right_offsets(delegation, sacramento, beijing):
    # 6 Nov 2016: California falls back to PST (UTC-8). 09:00 PST on the 7th is 17:00 UTC, i.e. 01:00
    # on the 8th in Beijing, so a 01:00-01:30 Beijing call overlaps; with a stale PDT offset (16:00 UTC)
    # the Sacramento meeting would end just as the call starts and nothing would be found.
    avdis = MemberFactory(delegation=delegation)
    meeting(delegation, sacramento, "2016-11-07 09:00", "2016-11-07 10:00", attendees=[avdis])
    meeting(delegation, beijing, "2016-11-08 01:00", "2016-11-08 01:30", attendees=[avdis])
    assert "double_booked" in rules(delegation)


def test_no_overlap_across_the_us_dst_change_when_offsets_are_right(delegation, sacramento, beijing):
    # The mirror case: 00:00-00:55 in Beijing is 16:00-16:55 UTC, before 09:00 PST (17:00 UTC).
    avdis = MemberFactory(delegation=delegation)
    meeting(delegation, sacramento, "2016-11-07 09:00", "2016-11-07 10:00", attendees=[avdis])
    meeting(delegation, beijing, "2016-11-08 00:00", "2016-11-08 00:55", attendees=[avdis])
    assert "double_booked" not in rules(delegation)


# --- wrong city ---------------------------------------------------------------------------------


def test_meeting_in_a_city_the_delegation_is_not_staying_in_is_flagged(delegation, beijing, shanghai):
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 28),
    )
    meeting(delegation, shanghai, "2016-10-25 10:00", "2016-10-25 11:00")
    assert rules(delegation) == ["wrong_city"]
    assert "staying in Beijing" in messages(delegation)[0]


def test_meeting_on_the_changeover_day_may_be_in_either_city(delegation, beijing, shanghai):
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 28),
    )
    StayFactory(
        delegation=delegation,
        city=shanghai,
        arrival_date=date(2016, 10, 28),
        departure_date=date(2016, 10, 30),
    )
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai,
        departs_at=local(beijing, "2016-10-28 12:00"), arrives_at=local(shanghai, "2016-10-28 14:00"),
    )  # fmt: skip
    meeting(delegation, beijing, "2016-10-28 09:00", "2016-10-28 10:00")
    meeting(delegation, shanghai, "2016-10-28 16:00", "2016-10-28 17:00")
    assert rules(delegation) == []


def test_meeting_on_a_day_with_no_stay_is_flagged(delegation, beijing):
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26),
    )
    meeting(delegation, beijing, "2016-10-27 10:00", "2016-10-27 11:00")
    assert rules(delegation) == ["wrong_city"]
    assert "no stay that day" in messages(delegation)[0]


# --- travel legs and buffers --------------------------------------------------------------------


def test_consecutive_meetings_in_different_cities_without_a_leg_are_flagged(delegation, beijing, shanghai):
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00")
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00")
    assert rules(delegation) == ["missing_leg"]
    assert "No travel leg from Beijing to Shanghai" in messages(delegation)[0]


def test_a_leg_between_meetings_in_different_cities_satisfies_the_rule(delegation, beijing, shanghai):
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00")
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai,
        departs_at=local(beijing, "2016-10-25 12:00"), arrives_at=local(shanghai, "2016-10-25 14:15"),
    )  # fmt: skip
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00")
    assert rules(delegation) == []


def test_a_leg_arriving_after_the_next_meeting_starts_is_flagged(delegation, beijing, shanghai):
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai, number="MU 5102",
        departs_at=local(beijing, "2016-10-25 12:00"), arrives_at=local(shanghai, "2016-10-25 14:15"),
    )  # fmt: skip
    meeting(delegation, shanghai, "2016-10-25 14:00", "2016-10-25 15:00")
    assert "late_leg" in rules(delegation)
    assert any("arrives 14:15 CST" in text for text in messages(delegation))


def test_a_members_own_route_is_checked_not_just_the_delegations(delegation, beijing, shanghai):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    MemberFactory(delegation=delegation, full_name="Stays in Beijing")
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00")
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00", attendees=[avdis])
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.rule == "missing_leg"
    assert conflict.message.endswith("Affects Panorea Avdis.")


def test_less_than_the_travel_buffer_between_venues_is_flagged(delegation, beijing):
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", venue="MOFCOM")
    meeting(delegation, beijing, "2016-10-25 10:20", "2016-10-25 11:00", venue="LeEco Building")
    assert rules(delegation) == ["tight_buffer"]
    assert "Only 20 minutes" in messages(delegation)[0]


def test_the_travel_buffer_is_set_per_delegation(delegation, beijing):
    delegation.travel_buffer_minutes = 15
    delegation.save()
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", venue="MOFCOM")
    meeting(delegation, beijing, "2016-10-25 10:20", "2016-10-25 11:00", venue="LeEco Building")
    assert rules(delegation) == []


# --- dates and hours ----------------------------------------------------------------------------


def test_item_outside_the_delegations_dates_is_flagged(delegation, beijing):
    meeting(delegation, beijing, "2016-11-11 10:00", "2016-11-11 11:00")
    assert rules(delegation) == ["outside_dates"]


def test_item_on_the_last_day_in_local_time_is_inside_even_if_utc_says_otherwise(delegation, sacramento):
    # 20:00 PST on 10 Nov is 04:00 UTC on 11 Nov; the local date is what counts.
    meeting(delegation, sacramento, "2016-11-10 20:00", "2016-11-10 21:00")
    assert rules(delegation) == []


@pytest.mark.parametrize(
    ("start", "end", "odd"),
    [
        ("2016-10-25 06:30", "2016-10-25 08:00", True),
        ("2016-10-25 07:00", "2016-10-25 22:00", False),
        ("2016-10-25 21:00", "2016-10-25 22:30", True),
    ],
)
def test_meeting_at_an_odd_local_hour_is_flagged(delegation, beijing, start, end, odd):
    meeting(delegation, beijing, start, end)
    assert (rules(delegation) == ["odd_hour"]) is odd


def test_odd_hours_are_judged_in_the_city_zone_across_dst(delegation, sacramento):
    # 06:30 PDT on 4 Nov and 06:30 PST on 7 Nov are both odd, though an hour apart in UTC;
    # 07:30 on either side is fine.
    for day in ("2016-11-04", "2016-11-07"):
        meeting(delegation, sacramento, f"{day} 06:30", f"{day} 06:50", venue="Capitol")
        meeting(delegation, sacramento, f"{day} 07:30", f"{day} 08:30", venue="Capitol")
    assert rules(delegation) == ["odd_hour", "odd_hour"]


def test_legs_at_night_are_not_odd(delegation, beijing, sacramento):
    TravelLegFactory(
        delegation=delegation, origin=sacramento, destination=beijing,
        departs_at=local(sacramento, "2016-10-24 23:30"), arrives_at=local(beijing, "2016-10-26 05:00"),
    )  # fmt: skip
    assert rules(delegation) == []


def test_the_demo_missions_have_no_conflicts():
    from itinerary.demo_missions import load_demo_missions

    for mission in load_demo_missions():
        assert messages(mission) == []
