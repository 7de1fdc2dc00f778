"""Calendar feeds, read back by parsers we did not write, at the HTTP level and byte by byte."""

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse

from delegations.tokens import rotate_member_tokens
from itinerary.models import ItemStatus, Meeting, TravelLeg
from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    TravelLegFactory,
    local,
)
from tests.feeds.parsers import LOCATION_READERS, PARSERS, icaljs_raw, libical_raw, with_icalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission():
    """Beijing and Sacramento on both sides of the 6 Nov 2016 DST change, and SFO → PEK."""
    delegation = DelegationFactory(
        slug="ca-china-2016", start_date=date(2016, 10, 21), end_date=date(2016, 11, 10)
    )
    beijing = CityFactory()
    sacramento = CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )
    items = {
        "beijing": MeetingFactory(
            delegation=delegation, city=beijing, title="MOFCOM", starts_at=local(beijing, "2016-10-26 09:30")
        ),
        "sacramento_pdt": MeetingFactory(
            delegation=delegation,
            city=sacramento,
            title="Briefing",
            starts_at=local(sacramento, "2016-11-04 09:30"),
        ),
        "sacramento_pst": MeetingFactory(
            delegation=delegation,
            city=sacramento,
            title="Debrief",
            starts_at=local(sacramento, "2016-11-07 09:30"),
        ),
        "flight": TravelLegFactory(delegation=delegation, destination=beijing),
    }
    return delegation, items


def _get(client, delegation=None, member=None, publish=True, **headers):
    """The feed as a calendar client fetches it, after staff published what the test set up."""
    if publish:
        release_publish(delegation=delegation or member.delegation, notify=False)
    url = (
        reverse("member-calendar", args=[member.feed_token])
        if member
        else reverse("delegation-calendar", args=[delegation.feed_token])
    )
    return client.get(url, headers=headers)


def test_staff_edits_reach_the_feeds_only_when_published(client, mission):
    delegation, items = mission
    before = _get(client, delegation)
    setattr_save(items["beijing"], "title", "MOFCOM (moved)")
    unpublished = _get(client, delegation, publish=False, If_None_Match=before["ETag"])
    assert unpublished.status_code == 304
    assert _get(client, delegation, publish=False).content == before.content
    published = _get(client, delegation)
    assert published["ETag"] != before["ETag"]
    assert b"MOFCOM (moved)" in published.content


def test_a_feed_before_anything_is_published_is_an_empty_calendar(client, mission):
    delegation, _ = mission
    response = _get(client, delegation, publish=False)
    assert response.status_code == 200
    assert with_icalendar(response.content) == {}


def test_sequence_never_goes_down_from_release_to_release(client, mission):
    delegation, items = mission
    uid = items["beijing"].ical_uid
    sequences = []
    for hour in ("10:30", "11:30"):
        items["beijing"].starts_at = local(items["beijing"].city, f"2016-10-26 {hour}")
        items["beijing"].ends_at = items["beijing"].starts_at + timedelta(hours=1)
        items["beijing"].save()
        sequences.append(with_icalendar(_get(client, delegation).content)[uid][3])
    items["beijing"].delete()
    sequences.append(with_icalendar(_get(client, delegation).content)[uid][3])
    assert sequences == sorted(set(sequences))


def _expected(item):
    start = item.departs_at if isinstance(item, TravelLeg) else item.starts_at
    end = item.arrives_at if isinstance(item, TravelLeg) else item.ends_at
    return start.astimezone(UTC), end.astimezone(UTC)


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_reads_every_event_at_the_stored_utc_times(client, mission, parser):
    delegation, items = mission
    events = PARSERS[parser](_get(client, delegation).content)
    assert len(events) == len(items)
    for item in items.values():
        start, end, status, sequence = events[item.ical_uid]
        assert (start, end) == _expected(item), f"{parser} misreads {item}"
        assert status == "CONFIRMED" and sequence == 0


def test_local_times_are_as_typed_on_both_sides_of_dst(client, mission):
    delegation, items = mission
    body = _get(client, delegation).content.decode()
    assert "DTSTART;TZID=Asia/Shanghai:20161026T093000" in body
    assert "DTSTART;TZID=America/Los_Angeles:20161104T093000" in body  # PDT, 16:30 UTC
    assert "DTSTART;TZID=America/Los_Angeles:20161107T093000" in body  # PST, 17:30 UTC
    assert "DTSTART;TZID=America/Los_Angeles:20161023T125000" in body  # the flight leaves SFO...
    assert "DTEND;TZID=Asia/Shanghai:20161024T165500" in body  # ...and lands in Beijing's zone
    assert items["sacramento_pdt"].starts_at.astimezone(UTC).hour == 16
    assert items["sacramento_pst"].starts_at.astimezone(UTC).hour == 17


def test_vtimezones_give_one_observance_per_transition_with_onset_in_the_previous_offset(client, mission):
    delegation, _ = mission
    body = _get(client, delegation).content.decode()
    assert "RDATE" not in body
    la = body[
        body.index("TZID:America/Los_Angeles") : body.index("END:VTIMEZONE", body.index("TZID:America/Los_"))
    ]
    assert (
        "BEGIN:DAYLIGHT\r\nDTSTART:20160313T020000\r\nTZNAME:PDT\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700"
        in la
    )
    assert (
        "BEGIN:STANDARD\r\nDTSTART:20161106T020000\r\nTZNAME:PST\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800"
        in la
    )
    assert body.count("BEGIN:VTIMEZONE") == 2  # one per zone used, no more


def test_icaljs_reads_the_zones_we_wrote_not_a_fallback(client, mission):
    delegation, items = mission
    events = {e["uid"]: e for e in icaljs_raw(_get(client, delegation).content)["events"]}
    assert events[items["sacramento_pst"].ical_uid]["start_zone"] == "America/Los_Angeles"
    assert events[items["beijing"].ical_uid]["start_zone"] == "Asia/Shanghai"


def test_libical_reads_the_zones_we_wrote_not_its_own(client, mission):
    delegation, items = mission
    events = {e["uid"]: e for e in libical_raw(_get(client, delegation).content)["events"]}
    # libical's built-in zones are called "/freeassociation.sourceforge.net/America/Los_Angeles".
    assert events[items["sacramento_pst"].ical_uid]["start_zone"] == "America/Los_Angeles"
    assert events[items["beijing"].ical_uid]["start_zone"] == "Asia/Shanghai"


@pytest.fixture
def repeated_hours():
    """Meetings in the hour repeated when clocks go back, north and south, and one on a normal day.

    local() gives the first of the two (fold=0), as the meeting form does: daylight time.
    """
    delegation = DelegationFactory(start_date=date(2016, 11, 5), end_date=date(2017, 4, 3))
    sacramento = CityFactory(
        name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
    )
    sydney = CityFactory(name="Sydney", local_name="", country="Australia", timezone="Australia/Sydney")
    items = {
        # 01:30 PDT; ends at 03:00 PST, after the repeated hour.
        "sacramento": MeetingFactory(
            delegation=delegation,
            city=sacramento,
            title="Night briefing",
            starts_at=local(sacramento, "2016-11-06 01:30"),
            ends_at=local(sacramento, "2016-11-06 03:00"),
        ),
        # 02:30 AEDT (+11) for an hour: until the second 02:30, AEST (+10).
        "sydney": MeetingFactory(
            delegation=delegation,
            city=sydney,
            title="Night call",
            starts_at=local(sydney, "2017-04-02 02:30"),
            ends_at=local(sydney, "2017-04-02 02:30").replace(fold=1),
        ),
        "normal": MeetingFactory(
            delegation=delegation,
            city=sydney,
            title="Austrade",
            starts_at=local(sydney, "2017-04-03 10:00"),
        ),
    }
    return delegation, items


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_reads_a_repeated_hour_as_the_time_typed(client, repeated_hours, parser):
    delegation, items = repeated_hours
    events = PARSERS[parser](_get(client, delegation).content)
    expected = {
        "sacramento": (datetime(2016, 11, 6, 8, 30, tzinfo=UTC), datetime(2016, 11, 6, 11, 0, tzinfo=UTC)),
        "sydney": (datetime(2017, 4, 1, 15, 30, tzinfo=UTC), datetime(2017, 4, 1, 16, 30, tzinfo=UTC)),
        "normal": (datetime(2017, 4, 3, 0, 0, tzinfo=UTC), datetime(2017, 4, 3, 1, 0, tzinfo=UTC)),  # AEST
    }
    for key, item in items.items():
        assert _expected(item) == expected[key]  # the first of the two, as typed
        assert events[item.ical_uid][:2] == expected[key], f"{parser} misreads {key}"


def test_only_a_time_in_a_repeated_hour_is_written_in_utc(client, repeated_hours):
    body = _get(client, repeated_hours[0]).content.decode()
    lines = re.findall(r"^DT(?:START|END)[:;].*(?=\r$)", body, flags=re.MULTILINE)
    event_times = [line for line in lines if line.endswith("Z") or "TZID=" in line]  # not VTIMEZONE's
    assert event_times == [
        "DTSTART:20161106T083000Z",  # 01:30 PDT
        "DTEND;TZID=America/Los_Angeles:20161106T030000",
        "DTSTART:20170401T153000Z",  # 02:30 AEDT
        "DTEND:20170401T163000Z",  # 02:30 AEST
        "DTSTART;TZID=Australia/Sydney:20170403T100000",
        "DTEND;TZID=Australia/Sydney:20170403T110000",
    ]
    assert body.count("BEGIN:VTIMEZONE") == 2  # each event's zone, whichever form its times take


def test_calendar_properties_follow_the_design(client, mission):
    delegation, _ = mission
    response = _get(client, delegation)
    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    for line in (
        "VERSION:2.0", "CALSCALE:GREGORIAN", "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
        f"X-WR-CALNAME:{delegation.name}", f"NAME:{delegation.name}", f"UID:delegation-{delegation.pk}@",
    ):  # fmt: skip
        assert f"\r\n{line}" in body, line
    assert "PRODID:" in body and "\r\nURL:" in body and "X-WR-CALDESC:" in body
    assert "METHOD" not in body


def test_feed_bytes_keep_to_rfc_5545(client, mission):
    delegation, items = mission
    meeting = items["beijing"]
    meeting.venue = "China World Hotel, Ballroom; level 3"
    meeting.address_local = "北京市朝阳区建国门外大街1号 中国大饭店 宴会厅 三层 北京市朝阳区建国门外大街1号"
    meeting.description = "Line one\nLine two, with a comma; and a semicolon"
    meeting.save()
    body = _get(client, delegation).content
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF everywhere, no bare LF
    assert max(len(line) for line in body.split(b"\r\n")) <= 75  # octets, not characters
    unfolded = body.replace(b"\r\n ", b"").decode()
    assert "LOCATION:China World Hotel\\, Ballroom\\; level 3" in unfolded
    assert "Line one\\nLine two\\, with a comma\\; and a semicolon" in unfolded
    assert "北京市朝阳区建国门外大街1号 中国大饭店" in unfolded
    event = with_icalendar(body)[meeting.ical_uid]
    assert event[0] == meeting.starts_at


def test_two_requests_without_a_change_are_byte_identical(client, mission):
    delegation, _ = mission
    first, second = _get(client, delegation), _get(client, delegation)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])


def test_matching_etag_or_date_gives_304_and_a_change_gives_200(client, mission):
    delegation, items = mission
    first = _get(client, delegation)
    not_modified = _get(client, delegation, If_None_Match=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    since = _get(client, delegation, If_Modified_Since=first["Last-Modified"])
    assert since.status_code == 304
    assert _get(client, delegation, If_None_Match='"something-else"').status_code == 200
    items["beijing"].title = "MOFCOM (moved)"
    items["beijing"].save()
    changed = _get(client, delegation, If_None_Match=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_head_answers_headers_without_a_body(client, mission):
    delegation, _ = mission
    get = _get(client, delegation)
    head = client.head(reverse("delegation-calendar", args=[delegation.feed_token]))
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in head["Cache-Control"] and "max-age=300" in head["Cache-Control"]


def test_feeds_refuse_writes(client, mission):
    delegation, _ = mission
    assert client.post(reverse("delegation-calendar", args=[delegation.feed_token])).status_code == 405


def test_edits_keep_the_uid_and_grow_the_sequence(client, mission):
    delegation, items = mission
    meeting = Meeting.objects.get(pk=items["beijing"].pk)
    before = with_icalendar(_get(client, delegation).content)[meeting.ical_uid]
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.save()
    after = with_icalendar(_get(client, delegation).content)[meeting.ical_uid]
    assert after[3] == before[3] + 1
    assert after[0] == before[0] + timedelta(hours=1)
    body = _get(client, delegation).content.decode()
    assert (
        f"LAST-MODIFIED:{Meeting.objects.get(pk=meeting.pk).updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        in body
    )


@pytest.mark.parametrize("parser", PARSERS)
def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(client, mission, parser):
    delegation, items = mission
    meeting = Meeting.objects.get(pk=items["beijing"].pk)
    meeting.status = ItemStatus.CANCELLED
    meeting.save()
    start, _, status, sequence = PARSERS[parser](_get(client, delegation).content)[meeting.ical_uid]
    assert status == "CANCELLED" and sequence == 1
    assert start == meeting.starts_at


@pytest.mark.parametrize("parser", PARSERS)
def test_a_deleted_item_stays_in_the_feeds_as_cancelled(client, mission, parser):
    delegation, items = mission
    member = MemberFactory(delegation=delegation)
    leg = TravelLeg.objects.get(pk=items["flight"].pk)
    uid, start = leg.ical_uid, leg.departs_at
    assert PARSERS[parser](_get(client, member=member).content)[uid][2] == "CONFIRMED"  # subscribers have it
    leg.delete()
    for body in (_get(client, delegation).content, _get(client, member=member).content):
        start_read, _, status, sequence = PARSERS[parser](body)[uid]
        assert (start_read, status, sequence) == (start, "CANCELLED", 1)


def test_a_deleted_mission_leaves_no_stray_records(client, mission):
    delegation, _ = mission
    delegation.delete()
    from itinerary.models import DeletedItem

    assert not DeletedItem.objects.exists()


def test_personal_feed_has_own_and_whole_delegation_items_only(client, mission):
    delegation, items = mission
    avdis, other = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    items["beijing"].attendees.add(other)
    own = MeetingFactory(delegation=delegation, city=items["beijing"].city, title="LeEco")
    own.attendees.add(avdis)
    events = with_icalendar(_get(client, member=avdis).content)
    assert own.ical_uid in events
    assert items["sacramento_pdt"].ical_uid in events  # whole delegation
    assert items["beijing"].ical_uid not in events  # someone else's
    assert "X-WR-CALNAME:" in _get(client, member=avdis).content.decode()


@pytest.mark.parametrize("parser", PARSERS)
def test_a_member_taken_off_a_meeting_sees_it_cancelled_in_their_feed(client, mission, parser):
    delegation, items = mission
    avdis, other = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    meeting = Meeting.objects.get(pk=items["beijing"].pk)
    meeting.attendees.set([avdis, other])
    assert PARSERS[parser](_get(client, member=avdis).content)[meeting.ical_uid][2] == "CONFIRMED"
    seen = meeting.sequence
    meeting.attendees.remove(avdis)
    _, _, status, sequence = PARSERS[parser](_get(client, member=avdis).content)[meeting.ical_uid]
    assert status == "CANCELLED" and sequence > seen
    assert PARSERS[parser](_get(client, member=other).content)[meeting.ical_uid][2] == "CONFIRMED"
    meeting.attendees.add(avdis)  # put back: live again, with a still higher SEQUENCE
    _, _, status, again = PARSERS[parser](_get(client, member=avdis).content)[meeting.ical_uid]
    assert status == "CONFIRMED" and again > sequence


def test_a_whole_delegation_meeting_narrowed_to_one_member_leaves_the_others_feeds(client, mission):
    delegation, items = mission
    avdis, other = MemberFactory(delegation=delegation), MemberFactory(delegation=delegation)
    meeting = Meeting.objects.get(pk=items["sacramento_pdt"].pk)
    assert with_icalendar(_get(client, member=other).content)[meeting.ical_uid][2] == "CONFIRMED"
    meeting.attendees.set([avdis])
    assert with_icalendar(_get(client, member=other).content)[meeting.ical_uid][2] == "CANCELLED"
    assert with_icalendar(_get(client, member=avdis).content)[meeting.ical_uid][2] == "CONFIRMED"


def test_feeds_never_carry_emails_phones_staff_notes_or_booking_references(client, mission):
    delegation, items = mission
    organisation = OrganisationFactory(name="GO-Biz")
    member = MemberFactory(
        delegation=delegation, full_name="Panorea Avdis", email="avdis@gobiz.ca.gov", phone="+1 916 555 0199",
        notes="Prefers aisle seats", organisation=organisation,
    )  # fmt: skip
    meeting = items["beijing"]
    meeting.staff_notes = "Secret: bring the gifts"
    meeting.save()
    meeting.attendees.add(member)
    meeting.counterparts.add(organisation)
    leg = items["flight"]
    leg.booking_reference = "XK9Q2P"
    leg.save()
    for body in (_get(client, delegation).content, _get(client, member=member).content):
        unfolded = body.replace(b"\r\n ", b"").decode()
        assert "Panorea Avdis" in unfolded  # names are fine
        for secret in ("avdis@gobiz.ca.gov", "916 555 0199", "aisle", "bring the gifts", "XK9Q2P"):
            assert secret not in unfolded


def test_unknown_rotated_and_inactive_tokens_get_404(client, mission):
    delegation, _ = mission
    member = MemberFactory(delegation=delegation)
    old = member.feed_token
    assert client.get(reverse("member-calendar", args=["x" * 43])).status_code == 404
    assert client.get(reverse("delegation-calendar", args=["nope"])).status_code == 404
    rotate_member_tokens(members=type(member).objects.filter(pk=member.pk))
    assert client.get(reverse("member-calendar", args=[old])).status_code == 404
    assert client.get(reverse("delegate-page", args=[old])).status_code == 404
    member.refresh_from_db()
    assert client.get(reverse("member-calendar", args=[member.feed_token])).status_code == 200
    member.is_active = False
    member.save()
    assert client.get(reverse("member-calendar", args=[member.feed_token])).status_code == 404


def test_download_link_offers_a_file(client, mission):
    delegation, _ = mission
    response = client.get(reverse("delegation-calendar", args=[delegation.feed_token]) + "?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="ca-china-2016.ics"'


def _grow(delegation, count: int) -> None:
    city = CityFactory()
    members = MemberFactory.create_batch(4, delegation=delegation)
    organisation = OrganisationFactory()
    start = datetime(2016, 10, 22, 1, 0, tzinfo=UTC)
    Meeting.objects.bulk_create(
        Meeting(
            delegation=delegation, city=city, title=f"Meeting {n}",
            starts_at=start + timedelta(minutes=30 * n), ends_at=start + timedelta(minutes=30 * n + 25),
        )
        for n in range(count)
    )  # fmt: skip
    for n, meeting in enumerate(delegation.meetings.all()[:20]):
        meeting.attendees.add(members[n % 4])
        meeting.counterparts.add(organisation)


def _queries(client, **target) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    release_publish(delegation=target.get("delegation") or target["member"].delegation, notify=False)
    cache.clear()  # a cold build, the most queries a feed ever takes
    with CaptureQueriesContext(connection) as captured:
        assert _get(client, publish=False, **target).status_code == 200
    return len(captured)


def test_feeds_take_the_same_number_of_queries_at_10_and_1000_items(client, django_assert_max_num_queries):
    counts = {}
    for size in (10, 1000):
        delegation = DelegationFactory()
        _grow(delegation, size)
        member = delegation.members.first()
        counts[size] = (_queries(client, delegation=delegation), _queries(client, member=member))
    assert counts[10] == counts[1000]
    assert counts[1000][0] <= 12 and counts[1000][1] <= 13


def test_an_unchanged_feed_costs_one_query_for_a_304_and_one_from_the_cache(
    client, mission, django_assert_num_queries
):
    delegation, _ = mission
    etag = _get(client, delegation)["ETag"]
    with django_assert_num_queries(1):
        assert _get(client, delegation, publish=False, If_None_Match=etag).status_code == 304
    with django_assert_num_queries(1):
        assert _get(client, delegation, publish=False).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda items: setattr_save(items["beijing"], "title", "Renamed"), id="item"),
        pytest.param(lambda items: setattr_save(items["beijing"].city, "name", "Peking"), id="city"),
        pytest.param(
            lambda items: items["beijing"].counterparts.add(OrganisationFactory(name="CCCME")),
            id="counterpart",
        ),
        pytest.param(
            lambda items: setattr_save(items["beijing"].delegation, "name", "Renamed mission"),
            id="delegation",
        ),
        pytest.param(None, id="attendee-renamed"),
        pytest.param(lambda items: items["sacramento_pst"].attendees.first().delete(), id="attendee-deleted"),
    ],
)
def test_any_change_to_what_a_feed_shows_invalidates_its_cache(client, mission, change):
    delegation, items = mission
    member = rename_attendee(items["sacramento_pst"])
    first = _get(client, delegation)
    if change is None:
        member.full_name = "Panorea Avdis (GO-Biz)"
        member.save()
    else:
        change(items)
    second = _get(client, delegation, If_None_Match=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert second.content != first.content


def rename_attendee(meeting):
    member = MemberFactory(delegation=meeting.delegation, full_name="Panorea Avdis")
    type(meeting).objects.get(pk=meeting.pk).attendees.add(member)
    return member


def setattr_save(obj, name, value):
    setattr(obj, name, value)
    obj.save()


def test_renaming_an_organisation_shows_in_the_next_feed(client, mission):
    delegation, items = mission
    organisation = OrganisationFactory(name="CCCME")
    items["beijing"].counterparts.add(organisation)
    assert "With: CCCME" in _get(client, delegation).content.decode()
    organisation.name = "China Chamber of Commerce"
    organisation.save()
    assert (
        "With: China Chamber of Commerce" in _get(client, delegation).content.replace(b"\r\n ", b"").decode()
    )


@pytest.mark.parametrize("parser", PARSERS)
def test_an_overnight_leg_is_one_event_in_each_feed(client, mission, parser):
    """The pages show the SFO → PEK flight on the day it leaves and the day it lands; feeds once."""
    delegation, items = mission
    member = MemberFactory(delegation=delegation)
    leg = items["flight"]
    assert leg.local_departure.date() != leg.local_arrival.date()
    for body in (_get(client, delegation).content, _get(client, member=member).content):
        uids = [str(event["UID"]) for event in icalendar.Calendar.from_ical(body).walk("VEVENT")]
        assert uids.count(leg.ical_uid) == 1 and len(uids) == len(set(uids))
        assert PARSERS[parser](body)[leg.ical_uid][:2] == _expected(leg)


@pytest.mark.parametrize("parser", LOCATION_READERS)
def test_location_names_the_city_once_when_the_address_ends_with_it(client, parser):
    delegation = DelegationFactory(start_date=date(2026, 5, 11), end_date=date(2026, 5, 15))
    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    meetings = {
        "Hotel, Yeonje-gu, Busan": MeetingFactory(
            delegation=delegation, city=busan, venue="Hotel", address="Yeonje-gu, Busan"
        ),
        "BEXCO, 55 APEC-ro, Haeundae-gu, BUSAN.": MeetingFactory(
            delegation=delegation, city=busan, venue="BEXCO", address="55 APEC-ro, Haeundae-gu, BUSAN."
        ),
        "Paradise Hotel Busan": MeetingFactory(
            delegation=delegation, city=busan, venue="Paradise Hotel Busan"
        ),
        # Not a repetition: a street named after the city, and a word that only ends like it.
        "Busan Station Square, Busan": MeetingFactory(
            delegation=delegation, city=busan, venue="Busan Station Square"
        ),
        "Gijang-gun, Cheongbusan, Busan": MeetingFactory(
            delegation=delegation, city=busan, address="Gijang-gun, Cheongbusan"
        ),
        "Busan": MeetingFactory(delegation=delegation, city=busan),
    }
    locations = LOCATION_READERS[parser](_get(client, delegation).content)
    read = {expected: locations[meeting.ical_uid] for expected, meeting in meetings.items()}
    assert read == {expected: expected for expected in meetings}
