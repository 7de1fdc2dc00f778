from datetime import date

import pytest
from django.urls import reverse

from itinerary.models import DeletedItem, Meeting
from tests.factories import DelegationFactory, MeetingFactory, MemberFactory, UserFactory
from tests.feeds.parsers import with_icalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    delegation = DelegationFactory(start_date=date(2016, 10, 21), end_date=date(2016, 11, 5))
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return client, delegation


def test_a_meetings_page_shows_who_changed_what(staff):
    client, delegation = staff
    meeting = MeetingFactory(delegation=delegation, venue="China World Hotel")
    url = reverse("meeting-edit", args=[delegation.slug, meeting.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("attendees", "counterparts")}
    data.update(
        version=form["version"].value(),
        city=meeting.city_id,
        starts_at="2016-10-25T09:30",
        ends_at="2016-10-25T10:30",
        venue="MOFCOM",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(url).content.decode()
    assert "planner changed it" in page
    assert "venue: China World Hotel → MOFCOM" in page


def test_a_deleted_meeting_can_be_restored_with_its_uid_attendees_and_a_higher_sequence(staff):
    client, delegation = staff
    avdis = MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    meeting = Meeting.objects.get(pk=MeetingFactory(delegation=delegation, title="LeEco").pk)
    meeting.attendees.add(avdis)
    uid = meeting.uid
    client.post(reverse("meeting-delete", args=[delegation.slug, meeting.pk]))
    tombstone = DeletedItem.objects.get(uid=uid)
    listing = client.get(reverse("deleted-items", args=[delegation.slug])).content.decode()
    assert "LeEco" in listing
    record = Meeting.history.get(id=meeting.pk, history_type="-")
    response = client.post(reverse("item-restore", args=[delegation.slug, "meeting", record.history_id]))
    assert response.status_code == 302
    restored = Meeting.objects.get(uid=uid)
    assert restored.pk == meeting.pk and restored.title == "LeEco"
    assert list(restored.attendees.all()) == [avdis]
    assert restored.sequence > tombstone.sequence
    assert not DeletedItem.objects.filter(uid=uid).exists()
    feed = with_icalendar(client.get(reverse("delegation-calendar", args=[delegation.feed_token])).content)
    assert feed[restored.ical_uid][2:] == ("CONFIRMED", restored.sequence)
    assert (
        "Nothing has been deleted"
        in client.get(reverse("deleted-items", args=[delegation.slug])).content.decode()
    )


def test_history_never_keeps_feed_tokens():
    member = MemberFactory()
    assert not hasattr(member.history.first(), "feed_token")
