"""The plan reaches the itinerary: placed meetings become B2B meetings, kept by UID across re-solves."""

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from itinerary.conflicts import find_conflicts
from itinerary.models import ItemStatus, Meeting
from itinerary.schedule import load_mission
from matchmaking.itinerary_sync import sync_session_meetings, table_in_title
from matchmaking.models import Participant, Placement
from publishing.release import release_publish
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    TravelLegFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def session():
    return SessionFactory(
        venue="Shanghai Exhibition Center",
        venue_local="上海展览中心",
        address="1000 Yan'an Middle Road",
        address_local="上海市静安区延安中路1000号",
    )


def _seller(session, name="Golden State Robotics", people=1):
    organisation = OrganisationFactory(name=name, country="United States")
    members = [
        MemberFactory(
            delegation=session.delegation, organisation=organisation, full_name=f"{name} person {n}"
        )
        for n in range(people)
    ]
    return ParticipantFactory(session=session, seller=True, organisation=organisation, members=members)


def _buyer(session, name="Pudong Trading", local_name="浦东贸易", **kwargs):
    organisation = OrganisationFactory(name=name, local_name=local_name)
    defaults = {"contact_name": "Li Wei", "contact_local_name": "李伟", "language": "zh"}
    return ParticipantFactory(session=session, organisation=organisation, **{**defaults, **kwargs})


def _placed(session, slot=2, table=7, **kwargs):
    seller = kwargs.pop("seller", None) or _seller(session)
    buyer = kwargs.pop("buyer", None) or _buyer(session)
    return PlacementFactory(session=session, seller=seller, buyer=buyer, slot=slot, table=table, **kwargs)


def _meeting(placement) -> Meeting:
    placement.refresh_from_db()
    return Meeting.objects.get(pk=placement.meeting_id)


def test_a_placed_meeting_becomes_a_b2b_meeting_of_the_people_at_the_table(session):
    placement = _placed(session)
    RequestFactory(session=session, requester=placement.seller, target=placement.buyer, priority="must")
    RequestFactory(session=session, requester=placement.buyer, target=placement.seller, priority="want")

    assert sync_session_meetings(session) == 1

    meeting = _meeting(placement)
    assert meeting.kind == Meeting.Kind.B2B
    assert meeting.delegation == session.delegation
    assert meeting.title == "B2B: Pudong Trading (浦东贸易), table 7"
    assert (meeting.city, meeting.venue, meeting.venue_local) == (
        session.city, "Shanghai Exhibition Center", "上海展览中心",
    )  # fmt: skip
    assert (meeting.address, meeting.address_local) == (
        "1000 Yan'an Middle Road",
        "上海市静安区延安中路1000号",
    )
    # Slot 2 of a 14:00 session of 20-minute slots, on the room's clock.
    assert meeting.local_start == datetime(2016, 10, 26, 14, 20, tzinfo=SHANGHAI)
    assert meeting.local_end == datetime(2016, 10, 26, 14, 40, tzinfo=SHANGHAI)
    assert list(meeting.counterparts.all()) == [placement.buyer.organisation]
    assert list(meeting.attendees.all()) == list(placement.seller.members.all())
    assert meeting.status == ItemStatus.CONFIRMED
    assert meeting.description.splitlines() == [
        "Contact: Li Wei (李伟), who speaks Chinese (中文).",
        "Table 7.",
    ]
    assert meeting.staff_notes.splitlines()[1] == "Requested by both sides."
    assert table_in_title(meeting.title) == 7


def test_a_buyer_without_a_local_name_gets_no_parentheses_and_the_ask_is_named(session):
    buyer = _buyer(session, name="Hangzhou Imports", local_name="", contact_local_name="", language="en")
    placement = _placed(session, buyer=buyer, table=3)
    RequestFactory(session=session, requester=buyer, target=placement.seller, priority="must")
    sync_session_meetings(session)
    meeting = _meeting(placement)
    assert meeting.title == "B2B: Hangzhou Imports, table 3"
    assert meeting.description.splitlines()[0] == "Contact: Li Wei, who speaks English."
    assert meeting.staff_notes.splitlines()[1] == "Requested by the buyer (must meet)."


def test_a_meeting_placed_by_hand_without_a_request_says_so(session):
    placement = _placed(session)
    sync_session_meetings(session)
    assert "Placed by the organisers." in _meeting(placement).staff_notes


def test_a_second_sync_without_a_change_writes_nothing(session):
    placement = _placed(session)
    sync_session_meetings(session)
    before = _meeting(placement)
    assert sync_session_meetings(session) == 0
    after = _meeting(placement)
    assert (after.sequence, after.updated_at) == (before.sequence, before.updated_at)
    assert after.history.count() == before.history.count()


def test_a_moved_meeting_keeps_its_uid_and_grows_its_sequence(session):
    placement = _placed(session, slot=2, table=7)
    sync_session_meetings(session)
    first = _meeting(placement)
    Placement.objects.filter(pk=placement.pk).update(slot=5, table=2)
    assert sync_session_meetings(session) == 1
    moved = _meeting(placement)
    assert moved.uid == first.uid
    assert moved.sequence > first.sequence
    assert moved.local_start == datetime(2016, 10, 26, 15, 20, tzinfo=SHANGHAI)
    assert moved.title.endswith("table 2")
    assert Meeting.objects.filter(kind=Meeting.Kind.B2B).count() == 1


def test_a_meeting_taken_off_the_plan_is_cancelled_and_comes_back_with_its_uid(session):
    placement = _placed(session)
    sync_session_meetings(session)
    uid = _meeting(placement).uid
    Placement.objects.filter(pk=placement.pk).update(slot=None, table=None)
    assert sync_session_meetings(session) == 1
    cancelled = _meeting(placement)
    assert (cancelled.uid, cancelled.status) == (uid, ItemStatus.CANCELLED)
    assert sync_session_meetings(session) == 0  # already cancelled: nothing to write

    Placement.objects.filter(pk=placement.pk).update(slot=4, table=1)
    sync_session_meetings(session)
    back = _meeting(placement)
    assert (back.uid, back.status) == (uid, ItemStatus.CONFIRMED)
    assert back.sequence > cancelled.sequence


def test_only_the_given_placements_are_synced(session):
    one = _placed(session, slot=1, table=1)
    other = _placed(
        session, slot=1, table=2, seller=_seller(session, "Bay Solar"), buyer=_buyer(session, "X")
    )
    assert sync_session_meetings(session, placements=[one]) == 1
    other.refresh_from_db()
    assert Placement.objects.get(pk=one.pk).meeting_id is not None
    assert other.meeting_id is None


def test_attendees_are_the_sellers_people_free_in_that_slot(session):
    seller = _seller(session, people=2)
    flying, free = seller.members.order_by("full_name")
    # Lands in Shanghai at 14:10 local: busy through slot 2 with the 30-minute travel buffer.
    leg = TravelLegFactory(
        delegation=session.delegation,
        destination=session.city,
        departs_at=local(session.city, "2016-10-26 11:00"),
        arrives_at=local(session.city, "2016-10-26 14:10"),
    )
    leg.attendees.set([flying])
    early = _placed(session, seller=seller, slot=1, table=1)
    late = _placed(session, seller=seller, buyer=_buyer(session, "Nanjing Buyers", ""), slot=6, table=1)
    sync_session_meetings(session)
    assert list(_meeting(early).attendees.all()) == [free]
    assert set(_meeting(late).attendees.all()) == {flying, free}


def test_attendees_are_never_empty_even_when_nobody_is_free(session):
    seller = _seller(session, people=2)
    elsewhere = MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        venue="Elsewhere",
        starts_at=local(session.city, "2016-10-26 13:00"),
        ends_at=local(session.city, "2016-10-26 15:00"),
    )
    elsewhere.attendees.set(seller.members.all())
    placement = _placed(session, seller=seller, slot=1, table=1)  # placed by hand regardless
    sync_session_meetings(session)
    assert set(_meeting(placement).attendees.all()) == set(seller.members.all())


def test_a_seller_with_nobody_to_send_gets_no_meeting_for_the_whole_delegation(session):
    seller = ParticipantFactory(session=session, seller=True, members=[])
    placement = _placed(session, seller=seller)
    assert sync_session_meetings(session) == 0
    placement.refresh_from_db()
    assert placement.meeting_id is None


def test_deleting_a_placement_or_its_participant_cancels_its_meeting(session):
    placement = _placed(session, slot=1, table=1)
    other = _placed(
        session, slot=2, table=1, seller=_seller(session, "Bay Solar"), buyer=_buyer(session, "Y")
    )
    sync_session_meetings(session)
    first, second = _meeting(placement), _meeting(other)

    placement.delete()
    Participant.objects.filter(pk=other.buyer_id).delete()

    for meeting in (first, second):
        meeting.refresh_from_db()
        assert meeting.status == ItemStatus.CANCELLED
        assert meeting.sequence == 1


def test_deleting_the_whole_mission_takes_its_b2b_meetings_with_it(session):
    _placed(session)
    sync_session_meetings(session)
    session.delegation.delete()
    assert not Meeting.objects.exists()


def test_b2b_meetings_are_ordinary_meetings_for_the_schedule_and_its_conflicts(session):
    placement = _placed(session, slot=1, table=1)
    sync_session_meetings(session)
    member = placement.seller.members.get()
    lunch = MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        title="Late lunch",
        venue=session.venue,
        starts_at=local(session.city, "2016-10-26 13:30"),
        ends_at=local(session.city, "2016-10-26 14:10"),
    )
    lunch.attendees.set([member])
    placement.refresh_from_db()
    mission = load_mission(session.delegation)
    titles = [entry.title for entry in mission.entries_for(member)]
    assert titles == ["Late lunch", "B2B: Pudong Trading (浦东贸易), table 1"]
    overlaps = [c for c in find_conflicts(mission) if c.rule == "double_booked"]
    assert [set(c.keys) for c in overlaps] == [{f"meeting-{lunch.pk}", f"meeting-{placement.meeting_id}"}]


def _grow(session, count: int) -> None:
    """`count` placed meetings, each with a request, two people per seller."""
    for n in range(count):
        placement = _placed(
            session,
            slot=n % 9 + 1,
            table=n // 9 + 1,
            seller=_seller(session, f"Seller {session.pk}-{n}", people=2),
            buyer=_buyer(session, f"Buyer {session.pk}-{n}", f"买家{n}"),
        )
        RequestFactory(session=session, requester=placement.buyer, target=placement.seller)


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


@pytest.mark.parametrize("size", [3, 18])
def test_an_unchanged_sync_reads_in_the_same_few_queries_at_any_size(
    session, size, django_assert_max_num_queries
):
    _grow(session, size)
    sync_session_meetings(session)
    with django_assert_max_num_queries(12):
        assert sync_session_meetings(session) == 0


def test_writing_meetings_costs_a_fixed_number_of_queries_per_meeting_on_top_of_fixed_reads(session):
    _grow(session, 3)
    small = _queries(lambda: sync_session_meetings(session))
    other = SessionFactory(city=session.city)  # another mission: nothing of the first in its way
    _grow(other, 12)
    large = _queries(lambda: sync_session_meetings(other))
    per_meeting = (large - small) / 9
    assert per_meeting == int(per_meeting), "every meeting costs the same writes"
    assert small - 3 * per_meeting <= 12, "the reads are a fixed handful"


# --- through releases to the members' feeds -------------------------------------------------------


def _member_feed(client, member) -> bytes:
    response = client.get(reverse("member-calendar", args=[member.feed_token]))
    assert response.status_code == 200
    return response.content


def _b2b_events(body: bytes):
    events = [
        e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(e["SUMMARY"]).startswith("B2B")
    ]
    by_vobject = [e for e in vobject.readOne(body.decode()).vevent_list if e.summary.value.startswith("B2B")]
    assert [str(e["UID"]) for e in events] == [e.uid.value for e in by_vobject]
    return events, by_vobject


def test_b2b_meetings_reach_the_members_feed_through_releases(client, session):
    placement = _placed(session, slot=2, table=7)
    member = placement.seller.members.get()
    sync_session_meetings(session)
    release_publish(delegation=session.delegation)

    [event], [same] = _b2b_events(_member_feed(client, member))
    assert str(event["SUMMARY"]) == "B2B: Pudong Trading (浦东贸易), table 7"
    assert event.decoded("DTSTART") == datetime(2016, 10, 26, 14, 20, tzinfo=SHANGHAI)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert same.dtstart.value.astimezone(SHANGHAI).strftime("%H:%M") == "14:20"
    assert str(event["STATUS"]) == "CONFIRMED"
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])

    Placement.objects.filter(pk=placement.pk).update(slot=4, table=3)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation)
    [moved], [moved_too] = _b2b_events(_member_feed(client, member))
    assert str(moved["UID"]) == uid
    assert int(moved["SEQUENCE"]) > sequence
    assert moved.decoded("DTSTART") == datetime(2016, 10, 26, 15, 0, tzinfo=SHANGHAI)
    assert str(moved["SUMMARY"]).endswith("table 3")
    assert int(moved_too.sequence.value) == int(moved["SEQUENCE"])

    Placement.objects.filter(pk=placement.pk).update(slot=None, table=None)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation)
    [gone], [gone_too] = _b2b_events(_member_feed(client, member))
    assert (str(gone["UID"]), str(gone["STATUS"]), gone_too.status.value) == (uid, "CANCELLED", "CANCELLED")
    assert int(gone["SEQUENCE"]) > int(moved["SEQUENCE"])


def test_a_deleted_placement_reaches_the_feed_as_cancelled(client, session):
    placement = _placed(session)
    member = placement.seller.members.get()
    sync_session_meetings(session)
    release_publish(delegation=session.delegation)
    placement.delete()
    release_publish(delegation=session.delegation)
    [event], _ = _b2b_events(_member_feed(client, member))
    assert str(event["STATUS"]) == "CANCELLED"


def test_how_each_side_ranked_the_meeting_reaches_staff_only(client, session):
    """ "Requested by the buyer (could meet)" was in the description every executive read."""
    placement = _placed(session, slot=2, table=7)
    RequestFactory(session=session, requester=placement.buyer, target=placement.seller, priority="could")
    member = placement.seller.members.get()
    sync_session_meetings(session)
    release = release_publish(delegation=session.delegation)
    token = member.feed_token
    book = client.get(reverse("delegate-briefing", args=[token])).content
    seen_by_the_member = {
        "page": client.get(reverse("delegate-page", args=[token])).content.decode(),
        "feed": _member_feed(client, member).decode().replace("\r\n ", ""),
        "book": "".join(page.extract_text() for page in PdfReader(io.BytesIO(book)).pages),
        "snapshot": json.dumps(release.snapshot, ensure_ascii=False),
    }
    assert "Pudong Trading" in seen_by_the_member["book"] and "Table 7." in seen_by_the_member["page"]
    for where, text in seen_by_the_member.items():
        for ranking in ("could meet", "Requested by", "Placed by the organisers"):
            assert ranking not in text, where
    staff = UserFactory()
    session.delegation.staff.add(staff)
    client.force_login(staff)
    staff_book = client.get(reverse("briefing-print", args=[session.delegation.slug])).content.decode()
    assert "Requested by the buyer (could meet)." in staff_book
