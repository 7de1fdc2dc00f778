import re
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
    meeting(delegation, beijing, "2016-10-27 10:00", "2016-10-27 11:00", title="CATL")
    assert messages(delegation) == [
        "“CATL” is in Beijing on Thu 27 Oct, but the delegation has no stay that day. "
        "Affects the whole delegation."
    ]


def test_meetings_on_a_day_with_no_stay_are_one_finding(delegation, beijing, shanghai):
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26),
    )
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    MemberFactory(delegation=delegation, full_name="Robert Weisenmiller")
    first = meeting(
        delegation, shanghai, "2016-10-27 10:00", "2016-10-27 11:00", title="CATL", attendees=[avdis]
    )
    second = meeting(
        delegation, shanghai, "2016-10-27 14:00", "2016-10-27 15:00", title="SAIC", attendees=[avdis]
    )
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.message == (
        "“CATL” and “SAIC” are on Thu 27 Oct, but the delegation has no stay that day. Affects Panorea Avdis."
    )
    assert conflict.keys == (f"meeting-{first.pk}", f"meeting-{second.pk}")


def test_meeting_outside_the_dates_is_not_also_reported_for_having_no_stay(delegation, beijing):
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 11, 7),
        departure_date=date(2016, 11, 10),
    )
    meeting(delegation, beijing, "2016-11-11 10:00", "2016-11-11 11:00")
    assert rules(delegation) == ["outside_dates"]


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
    assert rules(delegation) == ["late_leg"]  # not also a double booking of the leg and the meeting
    assert "arrives 14:15 CST, UTC+8" in messages(delegation)[0]


def test_a_members_own_route_is_checked_not_just_the_delegations(delegation, beijing, shanghai):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    MemberFactory(delegation=delegation, full_name="Stays in Beijing")
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00")
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00", attendees=[avdis])
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.rule == "missing_leg"
    assert conflict.message.endswith("Affects Panorea Avdis.")


def test_members_reaching_one_meeting_from_different_places_share_one_missing_leg(
    delegation, beijing, shanghai
):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    weisenmiller = MemberFactory(delegation=delegation, full_name="Robert Weisenmiller")
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", title="MOFCOM", attendees=[avdis])
    meeting(
        delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", title="LeEco", attendees=[weisenmiller]
    )
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00", title="SAIC")
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.message == (
        "No travel leg from Beijing to Shanghai before “SAIC” (Tue 25 Oct 16:00 CST, UTC+8). "
        "Affects the whole delegation."
    )
    assert len(conflict.keys) == 3


def test_members_leaving_one_meeting_for_different_places_share_one_missing_leg(
    delegation, beijing, shanghai
):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    weisenmiller = MemberFactory(delegation=delegation, full_name="Robert Weisenmiller")
    meeting(delegation, beijing, "2016-10-25 09:00", "2016-10-25 10:00", title="MOFCOM")
    meeting(delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00", title="SAIC", attendees=[avdis])
    meeting(
        delegation, shanghai, "2016-10-25 16:00", "2016-10-25 17:00", title="CATL", attendees=[weisenmiller]
    )
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.message == (
        "No travel leg from Beijing to Shanghai after “MOFCOM” (ends Tue 25 Oct 10:00 CST, UTC+8). "
        "Affects the whole delegation."
    )


def test_a_leg_landing_after_two_meetings_start_is_one_late_leg(delegation, beijing, shanghai):
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    MemberFactory(delegation=delegation, full_name="Robert Weisenmiller")
    leg = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai, carrier="MU", number="5102",
        departs_at=local(beijing, "2016-10-25 12:00"), arrives_at=local(shanghai, "2016-10-25 14:15"),
    )  # fmt: skip
    early = meeting(
        delegation, shanghai, "2016-10-25 13:30", "2016-10-25 13:50", title="SAIC", attendees=[avdis]
    )
    late = meeting(delegation, shanghai, "2016-10-25 14:00", "2016-10-25 15:00", title="CATL")
    [conflict] = find_conflicts(load_mission(delegation))
    assert conflict.rule == "late_leg"
    assert conflict.message == (
        "MU 5102: Beijing → Shanghai arrives 14:15 CST, UTC+8, after “SAIC” and “CATL” start "
        "(the first at Tue 25 Oct 13:30 CST, UTC+8). Affects the whole delegation."
    )
    assert conflict.keys == (f"leg-{leg.pk}", f"meeting-{early.pk}", f"meeting-{late.pk}")


def test_a_meeting_in_the_city_a_leg_leaves_from_during_the_leg_is_a_double_booking(
    delegation, beijing, shanghai
):
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai,
        departs_at=local(beijing, "2016-10-25 12:00"), arrives_at=local(shanghai, "2016-10-25 14:15"),
    )  # fmt: skip
    meeting(delegation, beijing, "2016-10-25 12:30", "2016-10-25 13:00")
    assert "double_booked" in rules(delegation)
    assert "late_leg" not in rules(delegation)


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


def test_legs_to_and_from_the_mission_are_not_outside_its_dates(delegation, beijing, sacramento):
    # Out on the eve of the first day (landing on it), home on the last day (landing the next).
    TravelLegFactory(
        delegation=delegation, origin=sacramento, destination=beijing,
        departs_at=local(sacramento, "2016-10-19 11:00"), arrives_at=local(beijing, "2016-10-20 16:00"),
    )  # fmt: skip
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=sacramento,
        departs_at=local(beijing, "2016-11-10 21:00"), arrives_at=local(sacramento, "2016-11-11 08:00"),
    )  # fmt: skip
    assert rules(delegation) == []


@pytest.mark.parametrize(
    ("departs", "arrives"),
    [
        ("2016-10-18 11:00", "2016-10-19 16:00"),  # lands the day before the first day
        ("2016-11-11 09:00", "2016-11-11 10:00"),  # leaves the day after the last day
    ],
)
def test_a_leg_entirely_outside_the_mission_is_flagged(delegation, beijing, shanghai, departs, arrives):
    TravelLegFactory(
        delegation=delegation, origin=beijing, destination=shanghai,
        departs_at=local(beijing, departs), arrives_at=local(shanghai, arrives),
    )  # fmt: skip
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


# --- one problem, one finding: a Busan meeting on a Seoul day -----------------------------------


@pytest.fixture
def korea():
    """2026 California–Korea Trade Mission: Seoul, then Busan, with flights in and out."""
    delegation = DelegationFactory(
        name="2026 California–Korea Trade Mission", start_date=date(2026, 5, 11), end_date=date(2026, 5, 15)
    )
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    sf = CityFactory(
        name="San Francisco", local_name="", country="United States", timezone="America/Los_Angeles"
    )
    StayFactory(
        delegation=delegation, city=seoul, arrival_date=date(2026, 5, 11), departure_date=date(2026, 5, 14)
    )
    StayFactory(
        delegation=delegation, city=busan, arrival_date=date(2026, 5, 14), departure_date=date(2026, 5, 15)
    )
    kim, lee, park, choi = (
        MemberFactory(delegation=delegation, full_name=name)
        for name in ("Kim Daniel", "Lee Sarah", "Park Jiwoo", "Choi Ana")
    )
    TravelLegFactory(
        delegation=delegation, origin=sf, destination=seoul, carrier="KE", number="24",
        departs_at=local(sf, "2026-05-10 11:00"), arrives_at=local(seoul, "2026-05-11 15:30"),
    )  # fmt: skip
    ktx = TravelLegFactory(
        delegation=delegation, origin=seoul, destination=busan, mode="train", carrier="KTX", number="101",
        departs_at=local(seoul, "2026-05-14 09:00"), arrives_at=local(busan, "2026-05-14 11:40"),
    )  # fmt: skip
    TravelLegFactory(
        delegation=delegation, origin=busan, destination=sf, carrier="KE", number="23",
        departs_at=local(busan, "2026-05-15 20:00"), arrives_at=local(sf, "2026-05-16 09:00"),
    )  # fmt: skip
    meeting(delegation, seoul, "2026-05-12 09:00", "2026-05-12 10:30", title="KOTRA briefing", venue="KOTRA")
    meeting(delegation, seoul, "2026-05-13 10:00", "2026-05-13 11:00", title="Samsung SDS", attendees=[kim])
    meeting(delegation, seoul, "2026-05-13 10:00", "2026-05-13 11:00", title="Hyundai Motor", attendees=[lee])
    port = meeting(
        delegation, busan, "2026-05-13 15:00", "2026-05-13 16:30", title="Busan Port Authority",
        attendees=[kim, lee],
    )  # fmt: skip
    meeting(delegation, busan, "2026-05-14 14:00", "2026-05-14 15:00", title="Busan City Hall")
    return {"delegation": delegation, "kim": kim, "lee": lee, "park": park, "choi": choi, "port": port,
            "ktx": ktx}  # fmt: skip


def test_a_meeting_in_the_wrong_city_is_one_finding_naming_its_attendees(korea):
    [conflict] = find_conflicts(load_mission(korea["delegation"]))
    assert conflict.rule == "wrong_city"
    assert conflict.message == (
        "“Busan Port Authority” is in Busan on Wed 13 May, but the delegation is staying in Seoul. "
        "Affects Kim Daniel and Lee Sarah."
    )
    assert conflict.keys == (f"meeting-{korea['port'].pk}",)


def test_a_real_missing_leg_around_a_meeting_in_the_wrong_city_is_still_found(korea):
    # The train is entered as leaving from Daejeon: nobody has a way from Seoul to Daejeon, which
    # is a problem of its own, and one for everyone, whatever each member did the day before.
    korea["ktx"].origin = CityFactory(name="Daejeon", country="South Korea", timezone="Asia/Seoul")
    korea["ktx"].save()
    conflicts = find_conflicts(load_mission(korea["delegation"]))
    assert [c.rule for c in conflicts] == ["wrong_city", "missing_leg"]
    assert conflicts[1].message == (
        "No travel leg from Seoul to Daejeon before “KTX 101: Daejeon → Busan” "
        "(Thu 14 May 09:00 KST, UTC+9). Affects the whole delegation."
    )
    assert f"meeting-{korea['port'].pk}" not in conflicts[1].keys


def test_findings_for_a_member_are_only_those_that_affect_them(korea):
    delegation, kim, park, choi = korea["delegation"], korea["kim"], korea["park"], korea["choi"]
    seoul = CityFactory(name="Seoul", country="South Korea")
    meeting(delegation, seoul, "2026-05-12 11:00", "2026-05-12 12:00", title="LG", attendees=[park, choi])
    meeting(delegation, seoul, "2026-05-12 11:30", "2026-05-12 12:30", title="SK", attendees=[park])
    meeting(delegation, seoul, "2026-05-12 06:00", "2026-05-12 06:45", title="Breakfast", venue="KOTRA")
    mission = load_mission(delegation)

    def found(member):
        return [c.rule for c in find_conflicts(mission, member=member)]

    assert found(None) == ["double_booked", "wrong_city", "odd_hour"]
    assert found(kim) == ["wrong_city", "odd_hour"]  # the Busan meeting is his; breakfast is everyone's
    assert found(park) == ["double_booked", "odd_hour"]
    assert found(choi) == ["odd_hour"]  # in LG, but not double-booked


# --- wording ------------------------------------------------------------------------------------


def test_findings_write_days_and_date_ranges_one_way(delegation, beijing, korea):
    MemberFactory(delegation=delegation)
    meeting(delegation, beijing, "2016-11-11 10:00", "2016-11-11 11:00", title="Late")
    meeting(delegation, beijing, "2016-11-01 06:00", "2016-11-01 06:30", title="Early")
    meeting(korea["delegation"], CityFactory(name="Seoul", country="South Korea"),
            "2026-05-16 10:00", "2026-05-16 11:00", title="Saturday")  # fmt: skip
    late, early = messages(delegation)
    assert late.startswith(
        "“Late” (Fri 11 Nov 10:00 CST, UTC+8) is outside the mission's dates (20 Oct – 10 Nov 2016)"
    )
    assert early.startswith("“Early” on Tue 1 Nov runs 06:00–06:30 CST, UTC+8 in Beijing")
    found = [late, early, *messages(korea["delegation"])]  # no ISO dates, no zero-padded days
    assert any(
        "(Sat 16 May 10:00 KST, UTC+9) is outside the mission's dates (11–15 May 2026)" in t for t in found
    )
    assert not [text for text in found if re.search(r"\d{4}-\d\d|(?<![\d:])0\d [A-Z][a-z]", text)]


def test_a_finding_for_everyone_says_the_whole_delegation(delegation, beijing):
    MemberFactory.create_batch(2, delegation=delegation)
    meeting(delegation, beijing, "2016-10-25 06:00", "2016-10-25 06:30")
    [text] = messages(delegation)
    assert text.endswith("Affects the whole delegation.")


def test_the_demo_missions_have_no_conflicts():
    from itinerary.demo_missions import load_demo_missions

    for mission in load_demo_missions():
        assert messages(mission) == []
