"""The demo's Shanghai B2B session: loaded with the missions, solved, in the executives' feeds."""

from collections import Counter

import icalendar
import pytest
from django.core.management import call_command
from django.urls import reverse

from delegations.models import Delegation
from itinerary.conflicts import find_conflicts
from itinerary.schedule import load_mission
from matchmaking.models import Participant, Placement, Priority, Session
from matchmaking.planning import session_pairs

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_session():
    call_command("load_demo_missions")
    return Session.objects.select_related("delegation").get(title="B2B matchmaking with Shanghai buyers")


def test_the_session_has_a_dozen_companies_invented_buyers_and_requests_from_both_sides(demo_session):
    sides = Counter(demo_session.participants.values_list("side", flat=True))
    assert sides == {Participant.Side.SELLER: 12, Participant.Side.BUYER: 33}
    assert not demo_session.participants.filter(is_invented=False).exists()
    requesters = Counter(demo_session.requests.values_list("requester__side", flat=True))
    assert requesters[Participant.Side.SELLER] and requesters[Participant.Side.BUYER]
    pairs = session_pairs(demo_session).values()
    assert any(pair.mutual for pair in pairs)
    assert demo_session.requests.filter(priority=Priority.VETO).count() == 2
    assert all(seller.members.count() == 1 for seller in demo_session.participants.filter(side="seller"))


def test_the_session_is_solved_without_anyone_in_two_places(demo_session):
    placed = list(demo_session.placements.filter(slot__isnull=False))
    assert len(placed) > 60
    assert demo_session.solve_state == Session.SolveState.DONE
    assert demo_session.placed_weight and demo_session.best_bound >= demo_session.placed_weight
    for side in ("seller_id", "buyer_id"):
        assert len({(getattr(p, side), p.slot) for p in placed}) == len(placed)
    assert len({(p.slot, p.table) for p in placed}) == len(placed)
    assert max(Counter(p.seller_id for p in placed).values()) <= 8


def test_the_mission_with_its_b2b_meetings_has_no_conflicts(demo_session):
    assert find_conflicts(load_mission(demo_session.delegation)) == []


def test_an_executives_feed_shows_their_table_meetings(client, demo_session):
    placement = Placement.objects.filter(session=demo_session, slot__isnull=False).select_related(
        "buyer__organisation", "seller"
    )[0]
    member = placement.seller.members.get()
    feed = icalendar.Calendar.from_ical(
        client.get(reverse("member-calendar", args=[member.feed_token])).content
    )
    summaries = [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]
    assert any(
        s.startswith(f"B2B: {placement.buyer.organisation.name}") and f"table {placement.table}" in s
        for s in summaries
    )


def test_loading_the_demo_again_keeps_the_plan(demo_session):
    before = sorted(
        Placement.objects.values_list("seller_id", "buyer_id", "slot", "table", "meeting__sequence")
    )
    releases = demo_session.delegation.releases.count()
    call_command("load_demo_missions")
    after = sorted(
        Placement.objects.values_list("seller_id", "buyer_id", "slot", "table", "meeting__sequence")
    )
    assert after == before
    assert Delegation.objects.get(pk=demo_session.delegation_id).releases.count() == releases
