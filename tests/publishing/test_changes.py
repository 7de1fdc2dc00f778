"""Snapshots of what delegates see, and the changes between two of them in words."""

import json
from datetime import date

import pytest

from itinerary.schedule import load_mission
from publishing.changes import changes_between
from publishing.snapshot import mission_from_snapshot, snapshot_of
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
    return DelegationFactory(start_date=date(2016, 10, 21), end_date=date(2016, 11, 10))


@pytest.fixture
def beijing():
    return CityFactory()


def snap(delegation, previous=None):
    return snapshot_of(load_mission(delegation), previous=previous)


def meeting_at(delegation, city, starts, ends, **fields):
    return MeetingFactory(
        delegation=delegation, city=city, starts_at=local(city, starts), ends_at=local(city, ends), **fields
    )


def only_change(before, after):
    changes = changes_between(before, after)
    assert len(changes.items) == 1, changes.items
    return changes.items[0]


def test_a_new_meeting_is_added_with_its_local_time_and_place(delegation, beijing):
    before = snap(delegation)
    meeting_at(
        delegation,
        beijing,
        "2016-10-25 14:00",
        "2016-10-25 15:30",
        title="MOFCOM",
        venue="Ministry of Commerce",
    )
    change = only_change(before, snap(delegation))
    assert change.kind == "added"
    assert change.lines == ("New: Tue 25 Oct 14:00–15:30 CST, UTC+8, Ministry of Commerce, Beijing.",)


def test_a_moved_meeting_says_from_when_to_when(delegation, beijing):
    meeting = meeting_at(delegation, beijing, "2016-10-25 14:00", "2016-10-25 15:00")
    before = snap(delegation)
    meeting.starts_at, meeting.ends_at = (
        local(beijing, "2016-10-25 15:30"),
        local(beijing, "2016-10-25 16:30"),
    )
    meeting.save()
    change = only_change(before, snap(delegation))
    assert change.kind == "moved"
    assert change.lines == (
        "Moved: Tue 25 Oct 14:00 → 15:30 CST, UTC+8, now until Tue 25 Oct 16:30 CST, UTC+8.",
    )


def test_an_end_time_change_alone_is_a_shortened_meeting(delegation, beijing):
    meeting = meeting_at(delegation, beijing, "2016-10-25 14:00", "2016-10-25 16:00")
    before = snap(delegation)
    meeting.ends_at = local(beijing, "2016-10-25 15:30")
    meeting.save()
    change = only_change(before, snap(delegation))
    assert change.kind == "retimed"
    assert change.lines == ("Shortened by 30 min: now ends Tue 25 Oct 16:00 → 15:30 CST, UTC+8.",)


def test_a_venue_change_alone_is_a_place_change(delegation, beijing):
    meeting = MeetingFactory(delegation=delegation, city=beijing, venue="Kerry Hotel")
    before = snap(delegation)
    meeting.venue, meeting.address_local = "China World Hotel", "建国门外大街1号"
    meeting.save()
    change = only_change(before, snap(delegation))
    assert change.kind == "place"
    assert change.lines == ("Place: Kerry Hotel, Beijing → China World Hotel, Beijing (建国门外大街1号).",)


def test_a_change_of_the_local_venue_alone_is_a_place_change_shown_on_both_sides(delegation):
    shanghai = CityFactory(name="Shanghai", local_name="上海")
    meeting = MeetingFactory(
        delegation=delegation, city=shanghai, venue="National Exhibition and Convention Center (Shanghai)",
        venue_local="国家会展中心（上海）", address="333 Songze Avenue, Qingpu District, Shanghai",
        address_local="上海市青浦区崧泽大道333号",
    )  # fmt: skip
    before = snap(delegation)
    meeting.venue_local = "国家会展中心（上海）4.1号馆"
    meeting.save()
    change = only_change(before, snap(delegation))
    assert change.kind == "place"
    assert change.lines == (
        "Place: National Exhibition and Convention Center (Shanghai), 333 Songze Avenue, Qingpu District, "
        "Shanghai (国家会展中心（上海）, 上海市青浦区崧泽大道333号) → National Exhibition and Convention "
        "Center (Shanghai), 333 Songze Avenue, Qingpu District, Shanghai (国家会展中心（上海）4.1号馆, "
        "上海市青浦区崧泽大道333号).",
    )


def test_a_change_of_the_local_venue_reaches_the_members_notice(delegation, beijing):
    member = MemberFactory(delegation=delegation)
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, venue="LeEco Building", venue_local="乐视大厦",
        address="105 Yaojiayuan Road, Chaoyang District, Beijing", address_local="北京市朝阳区姚家园路105号",
    )  # fmt: skip
    before = snap(delegation)
    meeting.venue_local = "乐视全球总部"
    meeting.save()
    [change] = changes_between(before, snap(delegation)).for_member(member.pk).items
    assert change.lines == (
        "Place: LeEco Building, 105 Yaojiayuan Road, Chaoyang District, Beijing "
        "(乐视大厦, 北京市朝阳区姚家园路105号) → LeEco Building, 105 Yaojiayuan Road, "
        "Chaoyang District, Beijing (乐视全球总部, 北京市朝阳区姚家园路105号).",
    )


def test_an_address_that_ends_with_its_city_names_the_city_once(delegation):
    shanghai = CityFactory(name="Shanghai", local_name="上海")
    before = snap(delegation)
    meeting_at(
        delegation, shanghai, "2016-10-29 10:00", "2016-10-29 11:00", title="Expo",
        venue="Shanghai Exhibition Center", address="1000 Middle Yan'an Road, Jing'an District, Shanghai",
    )  # fmt: skip
    change = only_change(before, snap(delegation))
    assert change.lines == (
        "New: Sat 29 Oct 10:00–11:00 CST, UTC+8, Shanghai Exhibition Center, 1000 Middle Yan'an Road, "
        "Jing'an District, Shanghai.",
    )


def test_a_move_across_the_end_of_daylight_saving_shows_each_side_in_its_own_offset(delegation):
    sacramento = CityFactory(name="Sacramento", local_name="", country="United States",
                             timezone="America/Los_Angeles")  # fmt: skip
    meeting = meeting_at(delegation, sacramento, "2016-11-05 09:00", "2016-11-05 10:00")
    before = snap(delegation)
    meeting.starts_at, meeting.ends_at = (
        local(sacramento, "2016-11-07 09:00"),
        local(sacramento, "2016-11-07 10:00"),
    )
    meeting.save()
    change = only_change(before, snap(delegation))
    assert change.lines[0].startswith("Moved: Sat 5 Nov 09:00 PDT, UTC−7 → Mon 7 Nov 09:00 PST, UTC−8")


def test_cancelled_and_deleted_meetings_are_news(delegation, beijing):
    cancelled = MeetingFactory(delegation=delegation, city=beijing, title="Dinner")
    deleted = MeetingFactory(delegation=delegation, city=beijing, title="Lunch")
    before = snap(delegation)
    cancelled.status = "cancelled"
    cancelled.save()
    deleted.delete()
    changes = changes_between(before, snap(delegation, previous=before))
    assert {(change.title, change.kind) for change in changes.items} == {
        ("Dinner", "cancelled"),
        ("Lunch", "deleted"),
    }


def test_a_deleted_item_stays_in_later_snapshots_as_cancelled_and_is_not_news_again(delegation, beijing):
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    first = snap(delegation)
    meeting.delete()
    second = snap(delegation, previous=first)
    third = snap(delegation, previous=second)
    [kept] = third["items"]
    assert kept["deleted"] and kept["status"] == "cancelled"
    assert kept["sequence"] == first["items"][0]["sequence"] + 1  # once, not once per release
    assert not changes_between(second, third)


def test_members_hear_only_of_changes_to_their_own_itinerary(delegation, beijing):
    kim, lee, park = (MemberFactory(delegation=delegation, full_name=name) for name in ("Kim", "Lee", "Park"))
    meeting = MeetingFactory(delegation=delegation, city=beijing, title="Port visit")
    meeting.attendees.set([kim, lee])
    before = snap(delegation)
    meeting.attendees.set([lee, park])
    changes = changes_between(before, snap(delegation))
    assert changes.items[0].lines == ("Attendees: added Park; removed Kim.",)
    [for_kim] = changes.for_member(kim.pk).items
    assert (for_kim.kind, for_kim.lines) == ("taken_off", ("Taken off your schedule.",))
    [for_park] = changes.for_member(park.pk).items
    assert for_park.kind == "added"
    assert changes.for_member(lee.pk).items[0].lines == ("Attendees: added Park; removed Kim.",)


def test_a_change_to_someone_elses_meeting_is_not_in_a_members_changes(delegation, beijing):
    kim, lee = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    meeting.attendees.set([kim])
    before = snap(delegation)
    meeting.venue = "Elsewhere"
    meeting.save()
    assert changes_between(before, snap(delegation)).for_member(lee.pk).items == []


def test_a_hotel_change_concerns_everyone(delegation, beijing):
    stay = StayFactory(delegation=delegation, city=beijing, hotel_name="Kerry Hotel")
    member = MemberFactory(delegation=delegation)
    before = snap(delegation)
    stay.hotel_name = "China World Hotel"
    stay.save()
    changes = changes_between(before, snap(delegation)).for_member(member.pk)
    assert [change.text for change in changes.stays] == [
        "Stay changed: Beijing at Kerry Hotel, Fri 21 Oct – Mon 24 Oct → "
        "Beijing at China World Hotel, Fri 21 Oct – Mon 24 Oct."
    ]


def test_a_change_of_the_hotels_local_address_alone_is_said(delegation, beijing):
    stay = StayFactory(
        delegation=delegation, city=beijing, hotel_name="China World Hotel",
        hotel_address="1 Jianguomenwai Avenue, Chaoyang District, Beijing",
        hotel_local_address="建国门外大街1号",
    )  # fmt: skip
    member = MemberFactory(delegation=delegation)
    before = snap(delegation)
    stay.hotel_local_address = "北京市朝阳区建国门外大街1号"
    stay.save()
    changes = changes_between(before, snap(delegation)).for_member(member.pk)
    assert [change.text for change in changes.stays] == [
        "Stay changed: Beijing at China World Hotel, Fri 21 Oct – Mon 24 Oct. Address: 1 Jianguomenwai "
        "Avenue, Chaoyang District, Beijing (建国门外大街1号) → 1 Jianguomenwai Avenue, Chaoyang District, "
        "Beijing (北京市朝阳区建国门外大街1号)."
    ]


def test_nothing_changed_is_no_changes(delegation, beijing):
    MeetingFactory(delegation=delegation, city=beijing)
    assert not changes_between(snap(delegation), snap(delegation))


def test_a_snapshot_reads_back_into_the_same_mission(delegation, beijing):
    member = MemberFactory(delegation=delegation)
    meeting = MeetingFactory(delegation=delegation, city=beijing, staff_notes="secret")
    meeting.attendees.set([member])
    StayFactory(delegation=delegation, city=beijing)
    snapshot = json.loads(json.dumps(snap(delegation)))  # as stored: plain JSON
    mission = mission_from_snapshot(delegation, snapshot)
    assert snapshot_of(mission) == snapshot
    assert [entry.time_range for entry in mission.entries] == [
        entry.time_range for entry in load_mission(delegation).entries
    ]


def test_a_snapshot_holds_nothing_staff_only(delegation, beijing):
    MemberFactory(
        delegation=delegation, email="kim@example.org", phone="+82 10 1234 5678", notes="vegetarian"
    )
    MeetingFactory(delegation=delegation, city=beijing, staff_notes="bring the gifts")
    text = json.dumps(snap(delegation), ensure_ascii=False)
    for secret in ("kim@example.org", "+82 10 1234 5678", "vegetarian", "bring the gifts"):
        assert secret not in text


def test_a_travel_leg_changed_says_what_changed_on_it(delegation, beijing):
    leg = TravelLegFactory(delegation=delegation, destination=beijing)  # Air China CA 986, SFO → PEK
    before = snap(delegation)
    leg.number = "CA 988"
    leg.arrives_at = local(beijing, "2016-10-24 17:40")
    leg.save()
    change = only_change(before, snap(delegation))
    assert change.title == "Air China CA 988 San Francisco → Beijing"
    assert change.lines == (
        "Arrives 45 min later: Mon 24 Oct 16:55 → 17:40 CST, UTC+8.",
        "Now Air China CA 988 (was Air China CA 986).",
    )
