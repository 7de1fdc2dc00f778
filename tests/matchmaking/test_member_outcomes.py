"""A delegate marks their own B2B meetings held or no-show from their secret link."""

import pytest
from django.urls import reverse

from matchmaking.itinerary_sync import sync_session_meetings
from matchmaking.models import Placement
from publishing.release import release_publish
from tests.factories import MemberFactory, PlacementFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement():
    session = SessionFactory()
    placement = PlacementFactory(seller__session=session, slot=2, table=7)
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    return placement


def _member(placement):
    return placement.seller.members.get()


def test_the_delegate_page_links_to_the_b2b_page_only_for_members_at_a_table(client, placement):
    seller = _member(placement)
    page = client.get(reverse("delegate-page", args=[seller.feed_token])).content.decode()
    assert reverse("delegate-b2b", args=[seller.feed_token]) in page
    other = MemberFactory(delegation=placement.session.delegation)
    assert (
        "data-b2b-link" not in client.get(reverse("delegate-page", args=[other.feed_token])).content.decode()
    )


def test_the_page_lists_the_members_meetings_with_time_and_table(client, placement):
    response = client.get(reverse("delegate-b2b", args=[_member(placement).feed_token]))
    text = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "same-origin"
    assert "14:20–14:40" in text and "table 7" in text
    assert placement.buyer.organisation.name in text


def test_a_member_marks_a_meeting_held_with_an_outcome(client, placement):
    url = reverse("delegate-b2b", args=[_member(placement).feed_token])
    response = client.post(
        url,
        {"placement": placement.pk, "outcome": "held", "outcome_note": "  Samples by  Friday "},
        follow=True,
    )
    placement.refresh_from_db()
    assert (placement.outcome, placement.outcome_note) == ("held", "Samples by Friday")
    assert "held — Samples by Friday" in response.content.decode()


def test_a_member_cannot_mark_someone_elses_meeting_or_send_nonsense(client, placement):
    other = PlacementFactory(seller__session=placement.session, slot=3, table=1)
    url = reverse("delegate-b2b", args=[_member(placement).feed_token])
    response = client.post(url, {"placement": other.pk, "outcome": "no_show"}, follow=True)
    assert "not one of yours" in response.content.decode()
    assert Placement.objects.get(pk=other.pk).outcome == ""
    response = client.post(url, {"placement": placement.pk, "outcome": "great"}, follow=True)
    assert "Choose held, no-show or not marked" in response.content.decode()


def test_an_unknown_link_is_the_usual_404(client):
    assert client.get(reverse("delegate-b2b", args=["x" * 43])).status_code == 404
