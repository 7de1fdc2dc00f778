from datetime import date

import pytest

from itinerary.models import ItemStatus
from itinerary.schedule import compose_days, load_mission, with_city
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


@pytest.fixture
def korea_trip():
    """The issue's arrival day: OZ 201 leaves San Francisco on the 22nd and lands in Seoul at 06:10
    on the 24th; the KTX to Busan at 08:00; the new hotel in Busan; a meeting there at 14:00."""
    delegation = DelegationFactory(start_date=date(2016, 10, 22), end_date=date(2016, 10, 27))
    sfo = CityFactory(name="San Francisco", country="United States", timezone="America/Los_Angeles")
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    flight = TravelLegFactory(
        delegation=delegation, origin=sfo, destination=seoul, carrier="Asiana Airlines", number="OZ 201",
        departs_at=local(sfo, "2016-10-22 23:55"), arrives_at=local(seoul, "2016-10-24 06:10"),
    )  # fmt: skip
    train = TravelLegFactory(
        delegation=delegation, origin=seoul, destination=busan, mode="train", carrier="Korail",
        number="KTX 101", departs_at=local(seoul, "2016-10-24 08:00"),
        arrives_at=local(busan, "2016-10-24 10:40"),
    )  # fmt: skip
    hotel = StayFactory(
        delegation=delegation, city=busan, arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 27), hotel_name="Paradise Hotel Busan",
    )  # fmt: skip
    meeting = MeetingFactory(
        delegation=delegation, city=busan, title="BEXCO", starts_at=local(busan, "2016-10-24 14:00")
    )
    return delegation, {"flight": flight, "train": train, "hotel": hotel, "meeting": meeting}


def test_compose_days_puts_an_overnight_leg_on_its_arrival_day_too(korea_trip):
    delegation, items = korea_trip
    mission = load_mission(delegation)
    days = {day.date: day for day in compose_days(mission)}
    [departure] = days[date(2016, 10, 22)].entries
    assert departure.item == items["flight"]
    assert days[date(2016, 10, 23)].lines == []  # in the air all day
    arrival_day = days[date(2016, 10, 24)]
    assert [entry.item for entry in arrival_day.arrivals] == [items["flight"]]
    first = arrival_day.lines[0]
    assert first.arrival and first.entry is departure
    assert f"{first.entry.arrival_time} — {first.entry.arrival_summary}" == (
        "Arrives 06:10 KST, UTC+9 — flight OZ 201 from San Francisco"
    )
    assert arrival_day.route_label == "Seoul → Busan"
    # Only the days hold it twice: feeds and conflicts read the mission's entries.
    assert [entry.item for entry in mission.entries].count(items["flight"]) == 1


def test_day_lines_follow_the_clock_with_the_hotel_at_check_in(korea_trip):
    delegation, items = korea_trip
    day = next(day for day in compose_days(load_mission(delegation)) if day.date == date(2016, 10, 24))
    assert [line.key for line in day.lines] == [
        f"leg-{items['flight'].pk}-arrival",
        f"leg-{items['train'].pk}",
        f"stay-{items['hotel'].pk}",  # after the train that brings them to Busan
        f"meeting-{items['meeting'].pk}",
    ]


def test_day_lines_put_a_hotel_nothing_says_when_at_the_end_of_the_day(delegation, beijing):
    stay = StayFactory(
        delegation=delegation, city=beijing, arrival_date=date(2016, 10, 24), hotel_name="China World"
    )
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-24 15:00")
    )
    cancelled = TravelLegFactory(
        delegation=delegation, destination=beijing, status=ItemStatus.CANCELLED,
        departs_at=local(beijing, "2016-10-24 08:00"), arrives_at=local(beijing, "2016-10-24 09:00"),
        origin=CityFactory(name="Tianjin"),
    )  # fmt: skip
    day = next(day for day in compose_days(load_mission(delegation)) if day.date == date(2016, 10, 24))
    # A cancelled leg brings nobody: it does not say when they check in.
    assert [line.key for line in day.lines] == [
        f"leg-{cancelled.pk}",
        f"meeting-{meeting.pk}",
        f"stay-{stay.pk}",
    ]


def test_a_leg_landing_after_the_mission_gets_its_arrival_day(delegation, beijing, san_francisco):
    home = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=san_francisco,
        departs_at=local(beijing, "2016-10-26 23:30"), arrives_at=local(san_francisco, "2016-10-27 19:00"),
    )  # fmt: skip
    last = compose_days(load_mission(delegation))[-1]
    assert last.date == date(2016, 10, 27)
    assert [(line.entry.item, line.arrival) for line in last.lines] == [(home, True)]


def test_a_members_days_hold_only_their_own_overnight_legs(korea_trip):
    delegation, items = korea_trip
    traveller, stays_home = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    items["flight"].attendees.add(traveller)
    mission = load_mission(delegation)
    for member, expected in ((traveller, [items["flight"]]), (stays_home, [])):
        day = next(d for d in compose_days(mission, member=member) if d.date == date(2016, 10, 24))
        assert [entry.item for entry in day.arrivals] == expected


def test_composing_days_changes_neither_the_entries_nor_the_conflicts(korea_trip):
    from itinerary.conflicts import find_conflicts

    delegation, items = korea_trip
    MeetingFactory(  # on board: a double booking with the flight, to be found once
        delegation=delegation, city=items["meeting"].city, title="Call",
        starts_at=local(items["meeting"].city, "2016-10-24 05:00"),
    )  # fmt: skip
    mission = load_mission(delegation)
    entries, conflicts = list(mission.entries), find_conflicts(mission)
    compose_days(mission)
    assert mission.entries == entries
    assert find_conflicts(mission) == conflicts
    flight_key = f"leg-{items['flight'].pk}"
    about_flight = [conflict for conflict in conflicts if flight_key in conflict.keys]
    assert about_flight and len(about_flight) == len(set(about_flight))
    assert all(conflict.keys.count(flight_key) == 1 for conflict in about_flight)


def test_schedule_page_shows_an_overnight_leg_on_the_day_it_lands(client, korea_trip):
    from django.urls import reverse

    from tests.factories import UserFactory

    delegation, items = korea_trip
    user = UserFactory()
    delegation.staff.add(user)
    client.force_login(user)
    content = client.get(reverse("schedule", args=[delegation.slug])).content.decode()
    day = content[content.index('id="day-2016-10-24"') : content.index('id="day-2016-10-25"')]
    assert "Nothing planned" not in day
    flight = f"leg-{items['flight'].pk}"
    assert f'data-arrival="{flight}"' in day and f'href="#{flight}"' in day
    assert (
        'Arrives 06:10 KST, UTC+9</span> — <span class="entry-title">flight OZ 201 from San Francisco' in day
    )
    assert day.index(f'data-arrival="{flight}"') < day.index(f'data-entry="leg-{items["train"].pk}"')
    assert content.count(f'data-entry="{flight}"') == 1  # its one card stays on the day it left
    assert content.count(f'id="{flight}"') == 1
    departure_day = content[content.index('id="day-2016-10-22"') : content.index('id="day-2016-10-23"')]
    assert f'data-entry="{flight}"' in departure_day


@pytest.mark.parametrize(
    ("place", "city", "expected"),
    [
        ("Yeonje-gu, Busan", "Busan", "Yeonje-gu, Busan"),
        ("55 APEC-ro, Haeundae-gu, BUSAN. ", "Busan", "55 APEC-ro, Haeundae-gu, BUSAN. "),
        (
            "1600 Pennsylvania Ave NW, Washington, D.C.",
            "Washington, D.C.",
            "1600 Pennsylvania Ave NW, Washington, D.C.",
        ),
        ("Gijang-gun, Cheongbusan", "Busan", "Gijang-gun, Cheongbusan, Busan"),  # ends like it, is not it
        ("Busan Station", "Busan", "Busan Station, Busan"),
        ("", "Busan", "Busan"),
    ],
)
def test_with_city_names_the_city_once(place, city, expected):
    assert with_city(place, city) == expected


def test_schedule_cards_name_the_city_once_when_the_venue_ends_with_it(delegation):
    from itinerary.schedule_cards import schedule_cards

    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    MeetingFactory(delegation=delegation, city=busan, title="Dinner", venue="Paradise Hotel Busan")
    MeetingFactory(delegation=delegation, city=busan, title="Expo", venue="BEXCO")
    mission = load_mission(delegation)
    cards = " ".join(card for day in schedule_cards(mission, compose_days(mission), {}) for card in day.cards)
    assert "Paradise Hotel Busan<" in cards and "Paradise Hotel Busan, Busan" not in cards
    assert "BEXCO, Busan (부산)<" in cards
