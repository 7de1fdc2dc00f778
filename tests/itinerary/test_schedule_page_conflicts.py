"""The conflicts on the schedule page: with a member chosen, only the findings that affect them."""

from datetime import date

import pytest
from django.urls import reverse

from tests import test_staff_views
from tests.factories import CityFactory, MeetingFactory, MemberFactory, StayFactory, local

pytestmark = pytest.mark.django_db

# The staff pages' own fixtures: a mission from 21 Oct to 5 Nov 2016 and a client logged in as its planner.
delegation = test_staff_views.delegation
staff_client = test_staff_views.staff_client


@pytest.fixture
def planned(delegation):
    """Kim has a meeting at 06:00; Lee is in two overlapping calls; everyone dines in Beijing."""
    beijing = CityFactory()
    StayFactory(delegation=delegation, city=beijing, departure_date=date(2016, 11, 5))
    kim = MemberFactory(delegation=delegation, full_name="Kim Daniel")
    lee = MemberFactory(delegation=delegation, full_name="Lee Sarah")
    park = MemberFactory(delegation=delegation, full_name="Park Jiwoo")
    early = MeetingFactory(
        delegation=delegation, city=beijing, title="Sunrise call",
        starts_at=local(beijing, "2016-10-25 06:00"), ends_at=local(beijing, "2016-10-25 06:30"),
    )  # fmt: skip
    early.attendees.add(kim)
    for title, start in (("Call A", "2016-10-26 10:00"), ("Call B", "2016-10-26 10:30")):
        call = MeetingFactory(
            delegation=delegation, city=beijing, title=title, venue="Office", starts_at=local(beijing, start)
        )
        call.attendees.add(lee)
    MeetingFactory(
        delegation=delegation, city=beijing, title="Dinner", venue="Da Dong",
        starts_at=local(beijing, "2016-10-27 19:00"),
    )  # fmt: skip
    return {"kim": kim, "lee": lee, "park": park}


def _schedule(client, delegation, member=None):
    url = reverse("schedule", args=[delegation.slug])
    return client.get(url, {"member": member.pk} if member else {})


def test_schedule_conflicts_for_the_whole_delegation_list_every_finding(staff_client, delegation, planned):
    response = _schedule(staff_client, delegation)
    assert [c.rule for c in response.context["conflicts"]] == ["double_booked", "odd_hour"]
    assert "2 conflicts to look at" in response.content.decode()


def test_schedule_conflicts_with_a_member_chosen_list_only_theirs(staff_client, delegation, planned):
    response = _schedule(staff_client, delegation, planned["kim"])
    content = response.content.decode()
    assert [c.rule for c in response.context["conflicts"]] == ["odd_hour"]
    assert "1 conflict for Kim Daniel to look at" in content
    assert "Sunrise call" in content and "Affects Kim Daniel." in content
    assert "Double-booked" not in content  # Lee's, neither listed nor marked on a card

    response = _schedule(staff_client, delegation, planned["lee"])
    assert [c.rule for c in response.context["conflicts"]] == ["double_booked"]
    assert "Double-booked: Lee Sarah" in response.content.decode()


def test_schedule_conflicts_with_an_untroubled_member_chosen_say_none(staff_client, delegation, planned):
    content = _schedule(staff_client, delegation, planned["park"]).content.decode()
    assert "No conflicts found for Park Jiwoo." in content
