"""The planning board's composition, its moves and their JSON endpoint (itinerary/board.py)."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from itinerary.board import ANCHOR, StaleItem, board_blocks, board_data, item_move
from itinerary.conflicts import conflicts_by_entry, find_conflicts
from itinerary.models import Meeting, TravelLeg
from itinerary.schedule import compose_days, load_mission
from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing():
    return CityFactory()


@pytest.fixture
def sacramento():
    return CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )


@pytest.fixture
def seoul():
    return CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")


@pytest.fixture
def delegation(beijing):
    delegation = DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 26))
    StayFactory(
        delegation=delegation,
        city=beijing,
        arrival_date=date(2016, 10, 24),
        departure_date=date(2016, 10, 26),
    )
    return delegation


@pytest.fixture
def staff(client, delegation):
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return user


def _blocks(data, key):
    return [block for block in data["blocks"] if block["extendedProps"]["key"] == key]


def test_board_data_puts_a_meeting_at_its_local_wall_clock_in_its_days_column(delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    data = board_data(load_mission(delegation))
    [block] = _blocks(data, f"meeting-{meeting.pk}")
    assert (block["resourceIds"], block["start"], block["end"]) == (
        ["2016-10-25"],
        f"{ANCHOR.isoformat()}T10:00",
        f"{ANCHOR.isoformat()}T11:00",
    )
    assert block["extendedProps"]["time"] == "10:00–11:00 CST, UTC+8"
    assert block["extendedProps"]["version"] == meeting.updated_at.isoformat()
    assert [day["id"] for day in data["days"]] == ["2016-10-23", "2016-10-24", "2016-10-25", "2016-10-26"]


def test_board_data_shows_an_overnight_leg_on_both_days_and_moves_only_its_departure(delegation):
    leg = TravelLegFactory(delegation=delegation)  # SFO 23 Oct 12:50 → PEK 24 Oct 16:55
    data = board_data(load_mission(delegation))
    departure, arrival = _blocks(data, f"leg-{leg.pk}")
    assert (departure["resourceIds"], departure["start"], departure["end"]) == (
        ["2016-10-23"],
        f"{ANCHOR.isoformat()}T12:50",
        f"{(ANCHOR + timedelta(days=1)).isoformat()}T00:00",
    )
    assert (arrival["resourceIds"], arrival["start"], arrival["end"]) == (
        ["2016-10-24"],
        f"{ANCHOR.isoformat()}T00:00:00",
        f"{ANCHOR.isoformat()}T16:55",
    )
    assert (departure["editable"], departure["durationEditable"], arrival["editable"]) == (True, False, False)
    assert arrival["extendedProps"]["time"] == "Arrives 16:55 CST, UTC+8"
    columns = {day["id"]: day for day in data["days"]}
    assert columns["2016-10-23"]["route"] == "San Francisco → Beijing"
    assert columns["2016-10-23"]["zones"] == ["PDT, UTC−7"]
    assert columns["2016-10-24"]["zones"] == ["CST, UTC+8"]


def test_board_data_stops_a_meeting_past_midnight_at_the_end_of_its_day(delegation, beijing):
    late = MeetingFactory(
        delegation=delegation,
        city=beijing,
        starts_at=local(beijing, "2016-10-25 23:00"),
        ends_at=local(beijing, "2016-10-26 01:00"),
    )
    [block] = _blocks(board_data(load_mission(delegation)), f"meeting-{late.pk}")
    assert block["end"] == f"{(ANCHOR + timedelta(days=1)).isoformat()}T00:00"
    assert (block["durationEditable"], block["extendedProps"]["keepsLength"]) == (False, True)
    item_move(
        delegation=delegation, kind="meeting", pk=late.pk, version=late.updated_at.isoformat(),
        local_start=datetime(2016, 10, 25, 22, 0),
    )  # fmt: skip
    late.refresh_from_db()
    assert late.ends_at - late.starts_at == timedelta(hours=2)


def test_board_data_marks_tentative_and_cancelled_blocks(delegation, beijing):
    tentative = MeetingFactory(delegation=delegation, city=beijing, status="tentative")
    cancelled = MeetingFactory(delegation=delegation, city=beijing, status="cancelled")
    data = board_data(load_mission(delegation))
    [t] = _blocks(data, f"meeting-{tentative.pk}")
    [c] = _blocks(data, f"meeting-{cancelled.pk}")
    assert "board-tentative" in t["classNames"] and t["editable"]
    assert "board-cancelled" in c["classNames"] and not c["editable"]


def test_board_data_conflicts_are_the_schedules_findings(delegation, beijing):
    member = MemberFactory(delegation=delegation)
    first = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00"))
    second = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:30"))
    first.attendees.add(member)
    second.attendees.add(member)
    mission = load_mission(delegation)
    expected = {
        key: [c.message for c in found] for key, found in conflicts_by_entry(find_conflicts(mission)).items()
    }
    data = board_data(mission)
    assert data["conflicts"] == expected
    assert any(
        "double-booked" in message or "overlap" in message for message in expected[f"meeting-{first.pk}"]
    )


def test_item_move_reads_the_new_time_in_the_meetings_city_and_bumps_sequence(delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    moved = item_move(
        delegation=delegation,
        kind="meeting",
        pk=meeting.pk,
        version=meeting.updated_at.isoformat(),
        local_start=datetime(2016, 10, 25, 11, 30),
        local_end=datetime(2016, 10, 25, 12, 30),
    )
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2016, 10, 25, 3, 30, tzinfo=UTC)
    assert meeting.ends_at == datetime(2016, 10, 25, 4, 30, tzinfo=UTC)
    assert meeting.sequence == 1
    assert moved.item.pk == meeting.pk


def test_item_move_refuses_a_stale_version_naming_who_changed_it(delegation, beijing):
    today = timezone.localdate()  # the edit is made now, in Beijing: the mission's clock reads CST
    StayFactory(delegation=delegation, city=beijing, arrival_date=today - timedelta(days=1),
                departure_date=today + timedelta(days=1))  # fmt: skip
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    version = meeting.updated_at.isoformat()
    meeting.title = "Renamed"
    meeting._history_user = UserFactory(username="ana")
    meeting.save()
    with pytest.raises(StaleItem) as refused:
        item_move(
            delegation=delegation, kind="meeting", pk=meeting.pk, version=version,
            local_start=datetime(2016, 10, 25, 11, 0),
        )  # fmt: skip
    assert re.match(
        r"ana changed “Renamed” on \w{3} \d+ \w{3} at \d\d:\d\d CST, UTC\+8, after", refused.value.message
    )
    assert Meeting.objects.get(pk=meeting.pk).starts_at == meeting.starts_at


def test_item_move_refuses_the_spring_forward_hour(sacramento):
    delegation = DelegationFactory(start_date=date(2016, 3, 12), end_date=date(2016, 3, 14))
    meeting = MeetingFactory(
        delegation=delegation, city=sacramento, starts_at=local(sacramento, "2016-03-13 00:30")
    )
    with pytest.raises(ValidationError, match="does not exist in America/Los_Angeles"):
        item_move(
            delegation=delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
            local_start=datetime(2016, 3, 13, 2, 30), local_end=datetime(2016, 3, 13, 3, 30),
        )  # fmt: skip
    assert Meeting.objects.get(pk=meeting.pk).sequence == 0


def test_item_move_takes_the_first_of_a_repeated_time(sacramento):
    delegation = DelegationFactory(start_date=date(2016, 11, 5), end_date=date(2016, 11, 7))
    meeting = MeetingFactory(
        delegation=delegation, city=sacramento, starts_at=local(sacramento, "2016-11-06 09:00")
    )
    item_move(
        delegation=delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
        local_start=datetime(2016, 11, 6, 1, 30), local_end=datetime(2016, 11, 6, 2, 30),
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2016, 11, 6, 8, 30, tzinfo=UTC)  # 01:30 PDT, the first
    assert meeting.ends_at == datetime(2016, 11, 6, 10, 30, tzinfo=UTC)  # 02:30 PST


def test_item_move_of_a_leg_keeps_its_flight_time(delegation):
    leg = TravelLegFactory(delegation=delegation)
    length = leg.arrives_at - leg.departs_at
    item_move(
        delegation=delegation, kind="leg", pk=leg.pk, version=leg.updated_at.isoformat(),
        local_start=datetime(2016, 10, 23, 14, 50),
    )  # fmt: skip
    leg.refresh_from_db()
    assert leg.departs_at == datetime(2016, 10, 23, 21, 50, tzinfo=UTC)  # 14:50 PDT
    assert leg.arrives_at - leg.departs_at == length


def test_board_data_lets_a_leg_be_resized_where_a_block_ends_at_its_landing(delegation, beijing, seoul):
    hop = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=seoul, number="CA 125",
        departs_at=local(beijing, "2016-10-25 09:00"), arrives_at=local(seoul, "2016-10-25 12:30"),
    )  # fmt: skip
    overnight = TravelLegFactory(delegation=delegation)  # SFO 23 Oct 12:50 PDT → PEK 24 Oct 16:55 CST
    data = board_data(load_mission(delegation))
    [block] = _blocks(data, f"leg-{hop.pk}")
    # Drawn in Beijing's clock, so the block lasts the flight's two and a half hours.
    assert (block["start"], block["end"]) == (f"{ANCHOR.isoformat()}T09:00", f"{ANCHOR.isoformat()}T11:30")
    assert (block["startEditable"], block["durationEditable"]) == (True, True)
    assert block["extendedProps"]["keepsLength"]  # a drop keeps the flight time
    departure, arrival = _blocks(data, f"leg-{overnight.pk}")
    assert (departure["startEditable"], departure["durationEditable"]) == (True, False)  # ends at midnight
    assert (arrival["startEditable"], arrival["durationEditable"]) == (False, True)
    assert arrival["extendedProps"]["arrival"] and not departure["extendedProps"]["arrival"]


def test_item_move_resizes_a_leg_on_its_day_of_departure_in_its_origins_clock(delegation, beijing, seoul):
    hop = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=seoul,
        departs_at=local(beijing, "2016-10-25 09:00"), arrives_at=local(seoul, "2016-10-25 12:30"),
    )  # fmt: skip
    moved = item_move(
        delegation=delegation, kind="leg", pk=hop.pk, version=hop.updated_at.isoformat(),
        local_start=datetime(2016, 10, 25, 9, 0), local_end=datetime(2016, 10, 25, 12, 0),
    )  # fmt: skip
    hop.refresh_from_db()
    assert hop.departs_at == datetime(2016, 10, 25, 1, 0, tzinfo=UTC)
    assert hop.arrives_at == datetime(2016, 10, 25, 4, 0, tzinfo=UTC)  # 12:00 in Beijing, 13:00 in Seoul
    assert hop.sequence == 1
    [block] = board_blocks(moved.mission, compose_days(moved.mission), key=f"leg-{hop.pk}")
    assert block["extendedProps"]["time"] == "09:00 CST, UTC+8 → 13:00 KST, UTC+9"


def test_item_move_resizes_a_leg_by_its_landing_in_its_destinations_clock(delegation):
    leg = TravelLegFactory(delegation=delegation)  # SFO 23 Oct 12:50 PDT → PEK 24 Oct 16:55 CST
    item_move(
        delegation=delegation, kind="leg", pk=leg.pk, version=leg.updated_at.isoformat(),
        local_arrival=datetime(2016, 10, 24, 18, 0),
    )  # fmt: skip
    leg.refresh_from_db()
    assert leg.departs_at == datetime(2016, 10, 23, 19, 50, tzinfo=UTC)  # unchanged: 12:50 PDT
    assert leg.arrives_at == datetime(2016, 10, 24, 10, 0, tzinfo=UTC)  # 18:00 CST


def test_item_move_refuses_a_landing_before_the_take_off_in_both_zones(delegation):
    leg = TravelLegFactory(delegation=delegation)
    with pytest.raises(
        ValidationError, match=r"It would arrive before it departs\. It departs Sun 23 Oct 12:50"
    ):
        item_move(
            delegation=delegation, kind="leg", pk=leg.pk, version=leg.updated_at.isoformat(),
            local_arrival=datetime(2016, 10, 24, 1, 0),
        )  # fmt: skip
    assert TravelLeg.objects.get(pk=leg.pk).sequence == 0


def test_item_move_refuses_a_landing_in_the_hour_the_clocks_skip(beijing, sacramento):
    delegation = DelegationFactory(start_date=date(2016, 3, 12), end_date=date(2016, 3, 14))
    leg = TravelLegFactory(
        delegation=delegation, origin=beijing, destination=sacramento,
        departs_at=local(beijing, "2016-03-12 19:00"), arrives_at=local(sacramento, "2016-03-13 00:30"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="13 Mar 2016 02:30 does not exist in America/Los_Angeles"):
        item_move(
            delegation=delegation, kind="leg", pk=leg.pk, version=leg.updated_at.isoformat(),
            local_arrival=datetime(2016, 3, 13, 2, 30),
        )  # fmt: skip


def test_item_move_refuses_an_end_before_the_start(delegation, beijing):
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    with pytest.raises(ValidationError, match="end after it starts"):
        item_move(
            delegation=delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
            local_start=datetime(2016, 10, 25, 11, 0), local_end=datetime(2016, 10, 25, 11, 0),
        )  # fmt: skip


def _post_move(client, delegation, **body):
    return client.post(
        reverse("board-move", args=[delegation.slug]), json.dumps(body), content_type="application/json"
    )


def test_board_move_answers_with_the_item_and_its_conflicts(client, staff, delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    response = _post_move(
        client, delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
        start="2016-10-25T21:30", end="2016-10-25T22:30",
    )  # fmt: skip
    assert response.status_code == 200
    answer = response.json()
    assert answer["key"] == f"meeting-{meeting.pk}"
    assert answer["blocks"][0]["extendedProps"]["time"] == "21:30–22:30 CST, UTC+8"
    assert (
        answer["blocks"][0]["extendedProps"]["version"]
        == Meeting.objects.get(pk=meeting.pk).updated_at.isoformat()
    )
    assert any("outside 07:00–22:00" in message for message in answer["itemConflicts"])


def test_board_move_answers_with_the_unpublished_changes_banner(client, staff, delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    release_publish(delegation=delegation, notify=False)
    moved = _post_move(
        client, delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
        start="2016-10-25T11:30", end="2016-10-25T12:30",
    ).json()  # fmt: skip
    assert 'id="unpublished"' in moved["unpublished"]
    assert "1 change not yet published" in moved["unpublished"]
    version = moved["blocks"][0]["extendedProps"]["version"]
    back = _post_move(
        client, delegation, kind="meeting", pk=meeting.pk, version=version,
        start="2016-10-25T10:00", end="2016-10-25T11:00",
    ).json()  # fmt: skip
    assert back["unpublished"] == ""  # as released: nothing to publish, no banner


def test_board_move_answers_409_with_the_item_as_it_is_now(client, staff, delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    stale = meeting.updated_at.isoformat()
    meeting.starts_at, meeting.ends_at = (
        local(beijing, "2016-10-25 09:00"),
        local(beijing, "2016-10-25 10:00"),
    )
    meeting.save()
    response = _post_move(
        client,
        delegation,
        kind="meeting",
        pk=meeting.pk,
        version=stale,
        start="2016-10-25T11:30",
        end="2016-10-25T12:30",
    )
    assert response.status_code == 409
    assert response.json()["error"].startswith("Someone else changed “")
    assert response.json()["blocks"][0]["extendedProps"]["time"] == "09:00–10:00 CST, UTC+8"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "stay", "pk": 1, "version": "x", "start": "2016-10-25T11:30"},
        {"kind": "meeting", "pk": 1, "version": "x", "start": "2016-10-25T11:30+08:00"},
        {"kind": "meeting", "pk": "one", "version": "x", "start": "2016-10-25T11:30"},
        {"kind": "meeting", "pk": 1, "version": "x", "arrives": "2016-10-25T11:30"},
        {"kind": "leg", "pk": 1, "version": "x", "start": "2016-10-25T11:30", "arrives": "2016-10-25T13:30"},
        {"kind": "leg", "pk": 1, "version": "x"},
    ],
)
def test_board_move_refuses_what_it_cannot_read(client, staff, delegation, body):
    assert _post_move(client, delegation, **body).status_code == 400


@pytest.mark.parametrize("kind", ["meeting", "leg"])
def test_board_move_refuses_a_cancelled_item_in_words_and_keeps_it(client, staff, delegation, kind):
    """The board draws a cancelled item as not editable; a move sent by hand is refused the same."""
    factory = MeetingFactory if kind == "meeting" else TravelLegFactory
    item = factory(delegation=delegation, status="cancelled")
    model = type(item)
    before = model.objects.values().get(pk=item.pk)
    response = _post_move(
        client, delegation, kind=kind, pk=item.pk, version=item.updated_at.isoformat(),
        start="2016-10-25T15:00",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"] == (
        f"“{item}” is cancelled, so the board cannot move it. Restore it from its form first."
    )
    assert model.objects.values().get(pk=item.pk) == before


def test_board_move_of_a_landing_answers_with_the_legs_blocks(client, staff, delegation):
    leg = TravelLegFactory(delegation=delegation)
    response = _post_move(
        client,
        delegation,
        kind="leg",
        pk=leg.pk,
        version=leg.updated_at.isoformat(),
        arrives="2016-10-24T18:00",
    )
    assert response.status_code == 200
    departure, arrival = response.json()["blocks"]
    assert departure["extendedProps"]["time"] == "12:50 PDT, UTC−7 → 18:00 CST, UTC+8 (+1 day)"
    assert (arrival["resourceIds"], arrival["end"]) == (["2016-10-24"], f"{ANCHOR.isoformat()}T18:00")


def test_board_move_cannot_reach_another_missions_item(client, staff, delegation, beijing):
    other = MeetingFactory(city=beijing)
    response = _post_move(
        client,
        delegation,
        kind="meeting",
        pk=other.pk,
        version=other.updated_at.isoformat(),
        start="2016-10-25T11:30",
    )
    assert response.status_code == 404
    assert Meeting.objects.get(pk=other.pk).sequence == 0


@pytest.mark.parametrize("size", [10, 60])
def test_board_data_takes_the_same_queries_at_any_size_and_fewer_once_cached(
    client, staff, delegation, beijing, size, django_assert_num_queries
):
    start = local(beijing, "2016-10-25 08:00")
    for n in range(size):
        MeetingFactory(delegation=delegation, city=beijing, starts_at=start + timedelta(minutes=30 * n))
    url = reverse("board-data", args=[delegation.slug])
    # The same at any size: the stamp's row versions, the delegation again, load_mission's fixed queries.
    with django_assert_num_queries(16):
        response = client.get(url)
    assert len(response.json()["blocks"]) == size
    with django_assert_num_queries(7):  # the same stamp: from the cache, without loading the mission
        assert client.get(url).json() == response.json()


def test_board_data_after_a_move_shows_the_new_time(client, staff, delegation, beijing):
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    url = reverse("board-data", args=[delegation.slug])
    [block] = client.get(url).json()["blocks"]
    assert block["extendedProps"]["time"] == "10:00–11:00 CST, UTC+8"
    response = _post_move(
        client, delegation, kind="meeting", pk=meeting.pk, version=block["extendedProps"]["version"],
        start="2016-10-25T11:30", end="2016-10-25T12:30",
    )  # fmt: skip
    assert response.status_code == 200
    [block] = client.get(url).json()["blocks"]
    assert block["extendedProps"]["time"] == "11:30–12:30 CST, UTC+8"


def test_board_meeting_form_is_prefilled_from_the_selected_range(client, staff, delegation, beijing):
    url = reverse("board-meeting-create", args=[delegation.slug])
    response = client.get(
        url, {"starts_at": "2016-10-25T14:00", "ends_at": "2016-10-25T15:30", "city": beijing.pk}
    )
    form = response.context["form"]
    assert (form["starts_at"].value(), form["ends_at"].value(), str(form["city"].value())) == (
        "2016-10-25T14:00",
        "2016-10-25T15:30",
        str(beijing.pk),
    )


def test_board_page_links_its_data_and_move_urls(client, staff, delegation):
    page = client.get(reverse("board", args=[delegation.slug])).content.decode()
    assert f'data-data-url="{reverse("board-data", args=[delegation.slug])}"' in page
    assert f'data-move-url="{reverse("board-move", args=[delegation.slug])}"' in page
    assert "vendor/event-calendar/event-calendar.min.js" in page


def _expected_conflicts(delegation) -> dict[str, list[str]]:
    """What the schedule page says, from the whole mission loaded afresh."""
    found = conflicts_by_entry(find_conflicts(load_mission(delegation)))
    return {key: [conflict.message for conflict in conflicts] for key, conflicts in found.items()}


def _move_and_compare(client, delegation, item, kind, rule_words, **times):
    item.refresh_from_db()
    response = _post_move(
        client, delegation, kind=kind, pk=item.pk, version=item.updated_at.isoformat(), **times
    )
    assert response.status_code == 200, response.content
    answer, expected = response.json(), _expected_conflicts(delegation)
    assert answer["conflicts"] == expected
    assert answer["itemConflicts"] == expected.get(f"{kind}-{item.pk}", [])
    assert not rule_words or any(rule_words in message for message in answer["itemConflicts"]), answer


def test_board_move_answers_the_findings_of_the_whole_mission_for_a_double_booking(
    client, staff, delegation, beijing
):
    ana = MemberFactory(delegation=delegation, full_name="Ana")
    first = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00"))
    second = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 14:00"))
    first.attendees.add(ana)
    second.attendees.add(ana)
    # A first move keeps the mission in this process; then someone else moves another meeting by form.
    _move_and_compare(
        client, delegation, second, "meeting", "", start="2016-10-25T14:15", end="2016-10-25T15:15"
    )
    first.starts_at, first.ends_at = local(beijing, "2016-10-25 09:00"), local(beijing, "2016-10-25 10:00")
    first.save()
    _move_and_compare(
        client, delegation, second, "meeting", "Double-booked: Ana",
        start="2016-10-25T09:30", end="2016-10-25T10:30",
    )  # fmt: skip


def test_board_move_answers_the_findings_of_the_whole_mission_for_a_meeting_in_the_wrong_city(
    client, staff, delegation, beijing
):
    shanghai = CityFactory(name="Shanghai", local_name="上海")
    StayFactory(
        delegation=delegation,
        city=shanghai,
        arrival_date=date(2016, 10, 26),
        departure_date=date(2016, 10, 27),
    )
    MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 09:00"))
    expo = MeetingFactory(delegation=delegation, city=shanghai, starts_at=local(shanghai, "2016-10-26 15:00"))
    _move_and_compare(
        client, delegation, expo, "meeting", "", start="2016-10-26T16:00", end="2016-10-26T17:00"
    )
    # To the day before, in another column: Shanghai while the delegation is staying in Beijing.
    _move_and_compare(
        client, delegation, expo, "meeting", "but the delegation is staying in Beijing",
        start="2016-10-25T15:00", end="2016-10-25T16:00",
    )  # fmt: skip


def test_board_move_answers_the_findings_of_the_whole_mission_for_a_late_leg_across_midnight(
    client, staff, delegation, beijing
):
    leg = TravelLegFactory(delegation=delegation)  # SFO 23 Oct 12:50 PDT → PEK 24 Oct 16:55 CST
    MeetingFactory(
        delegation=delegation,
        title="Welcome dinner",
        city=beijing,
        starts_at=local(beijing, "2016-10-24 18:30"),
    )
    _move_and_compare(client, delegation, leg, "leg", "", start="2016-10-23T13:00")
    # Two hours later it lands at 18:55 on the 24th, after the dinner has started.
    _move_and_compare(
        client,
        delegation,
        leg,
        "leg",
        "arrives 18:55 CST, UTC+8, after “Welcome dinner”",
        start="2016-10-23T14:50",
    )


def test_board_move_takes_the_same_queries_at_any_size(
    client, staff, delegation, beijing, django_assert_max_num_queries
):
    counts = {}
    for size in (5, 80):
        mission = DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 26))
        mission.staff.add(staff)
        StayFactory(delegation=mission, city=beijing, arrival_date=date(2016, 10, 24))
        members = [MemberFactory(delegation=mission) for _ in range(size // 5)]
        start = local(beijing, "2016-10-24 08:00")
        for n in range(size):
            meeting = MeetingFactory(
                delegation=mission, city=beijing, starts_at=start + timedelta(minutes=50 * n)
            )
            meeting.attendees.add(members[n % len(members)])
        TravelLegFactory(delegation=mission)
        release_publish(delegation=mission, notify=False)
        moved = Meeting.objects.filter(delegation=mission).order_by("pk").first()
        # The first move loads the mission (none is kept for it yet), the next ones only read again
        # what changed. Both: session and user, the item locked, saved with its history, the rows'
        # versions, then the delegation and the whole mission (first) or the moved item (next),
        # and the banner's stamp, latest release and its snapshot.
        for move, minutes, most in (("first", "15", 31), ("next", "30", 23)):
            moved.refresh_from_db()
            with django_assert_max_num_queries(most) as queries:
                response = _post_move(
                    client, mission, kind="meeting", pk=moved.pk, version=moved.updated_at.isoformat(),
                    start=f"2016-10-24T08:{minutes}", end=f"2016-10-24T09:{minutes}",
                )  # fmt: skip
            assert response.status_code == 200
            assert response.json()["conflicts"] == _expected_conflicts(mission)
            counts.setdefault(move, []).append(len(queries))
    assert counts["first"][0] == counts["first"][1] and counts["next"][0] == counts["next"][1], counts
    assert counts["next"][0] < counts["first"][0]


@pytest.mark.django_db(transaction=True)
def test_board_move_with_automatic_publishing_answers_with_no_banner(client, staff, delegation, beijing):
    """The move is published when its transaction commits: the answer is built after that, so it
    does not offer to publish what delegates already see."""
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00")
    )
    release_publish(delegation=delegation, notify=False)
    type(delegation).objects.filter(pk=delegation.pk).update(publish_automatically=True)
    moved = _post_move(
        client, delegation, kind="meeting", pk=meeting.pk, version=meeting.updated_at.isoformat(),
        start="2016-10-25T11:30", end="2016-10-25T12:30",
    ).json()  # fmt: skip
    latest = delegation.releases.order_by("-number").first()
    assert (latest.number, latest.automatic) == (2, True)
    assert latest.snapshot["items"][0]["starts_at"] == "2016-10-25T03:30:00+00:00"
    assert moved["unpublished"] == ""
