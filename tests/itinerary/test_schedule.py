from datetime import date

import pytest

from itinerary.models import ItemStatus
from itinerary.schedule import compose_days, load_mission
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
    return DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 26))


@pytest.fixture
def beijing():
    return CityFactory()


@pytest.fixture
def san_francisco():
    return CityFactory(name="San Francisco", country="United States", timezone="America/Los_Angeles")


def test_compose_days_covers_every_date_of_the_mission_in_order(delegation):
    days = compose_days(load_mission(delegation))
    assert [day.date for day in days] == [date(2016, 10, d) for d in (23, 24, 25, 26)]
    assert all(day.entries == [] for day in days)


def test_items_land_on_their_local_start_date_sorted_by_time(delegation, beijing):
    # 00:30 on the 25th in Beijing is still the 24th in UTC: the day is the local one.
    late = MeetingFactory(
        delegation=delegation, city=beijing, title="Late", starts_at=local(beijing, "2016-10-25 15:00")
    )
    early = MeetingFactory(
        delegation=delegation, city=beijing, title="Early", starts_at=local(beijing, "2016-10-25 00:30")
    )
    days = {day.date: day for day in compose_days(load_mission(delegation))}
    assert [entry.item for entry in days[date(2016, 10, 25)].entries] == [early, late]
    assert days[date(2016, 10, 24)].entries == []


def test_a_flight_across_the_date_line_belongs_to_its_departure_day(delegation, beijing, san_francisco):
    leg = TravelLegFactory(delegation=delegation, origin=san_francisco, destination=beijing)
    days = {day.date: day for day in compose_days(load_mission(delegation))}
    [entry] = days[date(2016, 10, 23)].entries
    assert entry.item == leg
    assert entry.local_start.strftime("%H:%M %Z") == "12:50 PDT"
    assert entry.local_end.strftime("%d %H:%M %Z") == "24 16:55 CST"
    assert days[date(2016, 10, 23)].route_label == "San Francisco → Beijing"


def test_day_route_shows_the_changeover_between_stays(delegation, beijing):
    nanjing = CityFactory(name="Nanjing", local_name="南京")
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 23),
        departure_date=date(2016, 10, 25),
    )
    StayFactory(
        delegation=delegation,
        city=nanjing,
        arrival_date=date(2016, 10, 25),
        departure_date=date(2016, 10, 26),
    )
    days = {day.date: day.route_label for day in compose_days(load_mission(delegation))}
    assert days[date(2016, 10, 24)] == "Beijing"
    assert days[date(2016, 10, 25)] == "Beijing → Nanjing"
    assert days[date(2016, 10, 26)] == "Nanjing"


def test_items_outside_the_mission_dates_get_their_own_day(delegation, beijing):
    MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-30 10:00"))
    days = compose_days(load_mission(delegation))
    assert days[-1].date == date(2016, 10, 30)
    assert len(days[-1].entries) == 1


def test_member_schedule_has_their_items_and_whole_delegation_items_only(delegation, beijing):
    avdis, other = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    everyone = MeetingFactory(delegation=delegation, city=beijing, title="Forum")
    own = MeetingFactory(delegation=delegation, city=beijing, title="LeEco")
    own.attendees.add(avdis)
    not_theirs = MeetingFactory(delegation=delegation, city=beijing, title="MOFCOM")
    not_theirs.attendees.add(other)
    mission = load_mission(delegation)
    titles = {entry.title for day in compose_days(mission, member=avdis) for entry in day.entries}
    assert titles == {everyone.title, own.title}
    all_titles = {entry.title for day in compose_days(mission) for entry in day.entries}
    assert all_titles == {"Forum", "LeEco", "MOFCOM"}


def test_cancelled_items_stay_in_the_schedule_marked_cancelled(delegation, beijing):
    MeetingFactory(delegation=delegation, city=beijing, status=ItemStatus.CANCELLED)
    [entry] = [entry for day in compose_days(load_mission(delegation)) for entry in day.entries]
    assert entry.is_cancelled


def test_other_delegations_items_never_appear(delegation, beijing):
    MeetingFactory(city=beijing)  # another delegation's
    assert load_mission(delegation).entries == []


def test_schedule_cards_escape_everything_staff_typed(delegation, beijing):
    from itinerary.conflicts import conflicts_by_entry, find_conflicts
    from itinerary.schedule_cards import schedule_cards

    MeetingFactory(
        delegation=delegation, city=beijing, title='<script>alert("x")</script>', venue="A & B <b>",
        address_local='"><img src=x>', starts_at=local(beijing, "2016-10-25 05:00"),
    )  # fmt: skip
    mission = load_mission(delegation)
    conflicts = find_conflicts(mission)
    [card] = [
        c
        for day in schedule_cards(mission, compose_days(mission), conflicts_by_entry(conflicts))
        for c in day.cards
    ]
    assert "<script>" not in card and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in card
    assert "A &amp; B &lt;b&gt;" in card
    assert "<img" not in card
    assert 'data-rule="odd_hour"' in card and "&lt;script&gt;" in card.split('data-rule="odd_hour"')[1]


def test_day_route_follows_the_days_legs_in_time_order(delegation, beijing):
    """Stays say Meishan then Shanghai; the legs say Meishan → Chengdu, then Chengdu → Shanghai."""
    meishan, chengdu = CityFactory(name="Meishan"), CityFactory(name="Chengdu")
    shanghai = CityFactory(name="Shanghai")
    StayFactory(
        delegation=delegation,
        city=meishan,
        arrival_date=date(2016, 10, 23),
        departure_date=date(2016, 10, 24),
    )
    StayFactory(
        delegation=delegation,
        city=shanghai,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26),
    )
    # Created out of order: the flight first, the car to the airport second.
    TravelLegFactory(
        delegation=delegation,
        origin=chengdu,
        destination=shanghai,
        mode="flight",
        departs_at=local(chengdu, "2016-10-24 15:00"),
        arrives_at=local(shanghai, "2016-10-24 17:40"),
    )
    TravelLegFactory(
        delegation=delegation,
        origin=meishan,
        destination=chengdu,
        mode="car",
        departs_at=local(meishan, "2016-10-24 09:00"),
        arrives_at=local(chengdu, "2016-10-24 10:30"),
    )
    days = {day.date: day.route_label for day in compose_days(load_mission(delegation))}
    assert days[date(2016, 10, 24)] == "Meishan → Chengdu → Shanghai"
    assert days[date(2016, 10, 25)] == "Shanghai"


def test_day_route_fills_in_the_stays_around_the_legs(delegation, beijing):
    """A drive from the hotel to another city's station is not always entered: the stays say so."""
    tianjin, nanjing = CityFactory(name="Tianjin"), CityFactory(name="Nanjing")
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 23),
        departure_date=date(2016, 10, 24),
    )
    StayFactory(
        delegation=delegation,
        city=nanjing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26),
    )
    TravelLegFactory(
        delegation=delegation,
        origin=tianjin,
        destination=nanjing,
        mode="train",
        departs_at=local(tianjin, "2016-10-24 10:00"),
        arrives_at=local(nanjing, "2016-10-24 15:00"),
    )
    TravelLegFactory(
        delegation=delegation,
        origin=nanjing,
        destination=beijing,
        departs_at=local(nanjing, "2016-10-24 18:00"),
        arrives_at=local(beijing, "2016-10-24 20:00"),
        status=ItemStatus.CANCELLED,
    )
    days = {day.date: day.route_label for day in compose_days(load_mission(delegation))}
    assert days[date(2016, 10, 24)] == "Beijing → Tianjin → Nanjing"  # not back to Beijing


def test_the_ciie_demo_travel_day_reads_in_the_order_travelled():
    from delegations.models import Delegation
    from itinerary.demo_missions import load_demo_missions

    load_demo_missions()

    delegation = Delegation.objects.get(start_date__year=2021)
    mission = load_mission(delegation)
    days = {day.date: day.route_label for day in compose_days(mission)}
    assert days[date(2021, 11, 4)] == "Meishan → Chengdu → Shanghai"
    member = next(m for m in mission.members if m.full_name == "Jeffrey Chang")
    member_days = {day.date: day.route_label for day in compose_days(mission, member=member)}
    assert member_days[date(2021, 11, 4)] == "Meishan → Chengdu → Shanghai"
