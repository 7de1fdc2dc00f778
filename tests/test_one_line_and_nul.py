"""Line breaks in one-line fields and NUL in any text (issue 20, points 5 and 6).

A mission named "CIIE 2021\\r\\nBcc: victim@evil.example" broke every feed of it (500) and every
notice (BadHeaderError); a NUL in a publish note or a delegate's outcome note ended in a 500 on
PostgreSQL, which cannot store one. These run on SQLite and on PostgreSQL."""

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from delegations.models import Delegation, Member, Organisation
from itinerary.models import Meeting
from matchmaking.itinerary_sync import sync_session_meetings
from matchmaking.models import Placement
from missionplanner.text import one_line
from publishing.models import Notice, Release
from publishing.notices import notice_send
from publishing.release import release_publish
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    PlacementFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INJECTED = "CIIE 2021\r\nBcc: victim@evil.example"
BREAKS = [
    INJECTED,
    "CIIE 2021\rBcc: x",
    "CIIE\n2021",
    "CIIE\u20282021",
    "CIIE\x852021",
    "tab\there",
    "nul\x00",
]


@pytest.fixture
def staff(client):
    user = UserFactory(username="planner", is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", BREAKS)
def test_the_mission_form_refuses_a_name_of_more_than_one_line(staff, name):
    response = staff.post(
        reverse("delegation-create"),
        {"name": name, "slug": "", "start_date": "2021-11-05", "end_date": "2021-11-10",
         "home_timezone": "America/Los_Angeles", "travel_buffer_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("model", "field"),
    [(Delegation, "name"), (Member, "full_name"), (Organisation, "name"), (Meeting, "title"),
     (Meeting, "venue"), (Meeting, "address_local"), (Placement, "outcome_note")],
)  # fmt: skip
def test_one_line_fields_refuse_line_breaks_on_the_model(model, field):
    with pytest.raises(ValidationError) as refused:
        model._meta.get_field(field).run_validators(INJECTED)
    assert "one line" in str(refused.value)
    model._meta.get_field(field).run_validators("CIIE 2021 · 上海")  # one line of anything else is fine


def test_the_meeting_form_says_which_field_holds_a_line_break(staff):
    delegation = DelegationFactory()
    city = CityFactory()
    response = staff.post(
        reverse("meeting-create", args=[delegation.slug]),
        {"title": "Port\nvisit", "kind": "government", "status": "confirmed", "city": city.pk,
         "starts_at": "2016-10-25T09:30", "ends_at": "2016-10-25T11:00", "description": "Two\nlines: fine"},
    )  # fmt: skip
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["title"]
    assert not Meeting.objects.exists()


def test_a_mission_already_named_on_two_lines_still_has_feeds_and_notices(
    client, django_capture_on_commit_callbacks
):
    """Data saved before the rule: the feeds answer, the notice goes out with a one-line subject."""
    delegation = DelegationFactory(name=INJECTED, summary="First line\r\nsecond\rthird")
    kim = MemberFactory(
        delegation=delegation, full_name="Kim\r\nBcc: x@evil.example", email="kim@example.org"
    )
    meeting = MeetingFactory(delegation=delegation)
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(delegation=delegation, note="Moved.")

    for url in (
        reverse("delegation-calendar", args=[delegation.feed_token]),
        reverse("member-calendar", args=[kim.feed_token]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        calendar = icalendar.Calendar.from_ical(response.content)
        assert str(calendar["X-WR-CALNAME"]).startswith("CIIE 2021 Bcc: victim@evil.example")
        assert "\r" not in str(calendar["X-WR-CALNAME"]) and "\n" not in str(calendar["X-WR-CALNAME"])
    notice = Notice.objects.get(member=kim)
    assert notice.status == Notice.Status.SENT, notice.last_error
    [message] = mail.outbox
    assert message.subject.startswith("CIIE 2021 Bcc: victim@evil.example: your schedule changed")
    assert message.to == ["kim@example.org"] and message.bcc == []
    assert "Bcc" not in message.message()


def test_a_notice_written_with_a_two_line_subject_is_still_sent(client):
    delegation = DelegationFactory()
    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    meeting = MeetingFactory(delegation=delegation)
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()
    release = release_publish(delegation=delegation, notify=False)
    changes = {"note": "", "items": [], "stays": []}
    subject = INJECTED + ": 1 moved"
    notice = Notice.objects.create(
        release=release, member=kim, subject=subject, email=kim.email, changes=changes
    )

    assert notice_send(notice.pk, attempt="task-1") == "sent"
    assert mail.outbox[0].subject == one_line(INJECTED + ": 1 moved")


def test_a_buyers_feed_answers_for_a_session_titled_on_two_lines(client):
    session = SessionFactory(title="B2B\r\nShanghai")
    placement = PlacementFactory(seller__session=session, slot=2, table=7)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    response = client.get(reverse("buyer-calendar", args=[placement.buyer.feed_token]))
    assert response.status_code == 200
    assert str(icalendar.Calendar.from_ical(response.content)["X-WR-CALNAME"]).startswith("B2B Shanghai: ")


# --- NUL ---------------------------------------------------------------------------------------------


def test_a_publish_note_with_a_nul_is_published_without_it(staff):
    delegation = DelegationFactory()
    MeetingFactory(delegation=delegation)
    response = staff.post(reverse("publish", args=[delegation.slug]), {"note": "NUL\x00note", "seen": "0"})
    assert response.status_code == 302
    assert Release.objects.get(delegation=delegation).note == "NULnote"


def test_a_delegates_outcome_note_with_a_nul_is_saved_without_it(client):
    session = SessionFactory()
    placement = PlacementFactory(seller__session=session, slot=2, table=7)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    member = placement.seller.members.get()
    response = client.post(
        reverse("delegate-b2b", args=[member.feed_token]),
        {"placement": placement.pk, "outcome": "held", "outcome_note": "Samples\x00 by\r\nFriday\x1b"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.outcome, placement.outcome_note) == ("held", "Samples by Friday")


@pytest.mark.parametrize("url_name", ["organisation-list", "city-list", "dashboard"])
def test_a_nul_in_a_query_string_is_refused_in_words(staff, url_name):
    response = staff.get(reverse(url_name), {"q": "Port\x00visit", "page": "1"})
    assert response.status_code == 400
    assert b"NUL" in response.content
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


@pytest.mark.parametrize("field", ["title", "venue", "description", "staff_notes"])
def test_a_nul_in_a_form_field_is_refused_on_that_field(staff, field):
    delegation = DelegationFactory()
    city = CityFactory()
    data = {"title": "Port visit", "kind": "government", "status": "confirmed", "city": city.pk,
            "starts_at": "2016-10-25T09:30", "ends_at": "2016-10-25T11:00"}  # fmt: skip
    data[field] = "NUL\x00text"
    response = staff.post(reverse("meeting-create", args=[delegation.slug]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
