"""Who is free when, the solver's problem, plans written back, and why a request was not placed."""

from datetime import time

import factory
import pytest
from django.core.exceptions import ValidationError

from matchmaking import services
from matchmaking.models import Placement, Priority, parse_breaks
from matchmaking.pairs import PairRequest
from matchmaking.planning import (
    SOLVE_ALL,
    SOLVE_FILL,
    Prepared,
    availability,
    build_problem,
    plan_apply,
    solve_run,
    unplaced_requests,
)
from matchmaking.solver import Plan
from tests.factories import (
    CityFactory,
    MeetingFactory,
    MemberFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    TravelLegFactory,
    local,
)

pytestmark = pytest.mark.django_db


def test_slots_run_back_to_back_skip_breaks_and_never_pass_the_end():
    session = SessionFactory.build(city=CityFactory.build(name="Shanghai", timezone="Asia/Shanghai"))
    session.starts_at = local(session.city, "2016-10-26 14:00")
    session.ends_at = local(session.city, "2016-10-26 16:45")
    session.breaks = "15:00–15:30"
    labels = [slot.label for slot in session.slots()]
    assert labels == [
        "14:00–14:20",
        "14:20–14:40",
        "14:40–15:00",
        "15:30–15:50",
        "15:50–16:10",
        "16:10–16:30",
    ]
    assert session.slots()[0].starts_at.isoformat() == "2016-10-26T06:00:00+00:00"


@pytest.mark.parametrize("text", ["15:20", "lunch", "15:40-15:20", "25:00-26:00"])
def test_a_break_that_is_not_one_is_refused_in_words(text):
    with pytest.raises(ValidationError) as error:
        parse_breaks(text)
    assert text in str(error.value) or "after it starts" in str(error.value)


def test_breaks_accept_hyphens_dashes_and_commas():
    assert parse_breaks("16:30-16:40, 15:20–15:40") == [
        (time(15, 20), time(15, 40)),
        (time(16, 30), time(16, 40)),
    ]


def test_mutual_requests_outweigh_any_one_sided_one_and_a_veto_rules_a_pair_out():
    mutual_coulds = PairRequest(1, 2, Priority.COULD, Priority.COULD)
    must = PairRequest(1, 2, Priority.MUST, None)
    assert mutual_coulds.mutual and mutual_coulds.weight > 2 * must.weight > 0
    assert (
        must.weight > PairRequest(1, 2, None, Priority.WANT).weight > PairRequest(1, 2, Priority.COULD).weight
    )
    vetoed = PairRequest(1, 2, Priority.MUST, Priority.VETO)
    assert vetoed.vetoed and vetoed.weight == 0 and vetoed.label == "vetoed by the buyer"


def test_a_sellers_flight_makes_it_busy_until_the_buffer_after_landing():
    session = SessionFactory()  # Shanghai 14:00-17:00, 20-minute slots; buffer 30 min by default
    seller = ParticipantFactory(session=session, seller=True)
    TravelLegFactory(
        delegation=session.delegation,
        destination=session.city,
        departs_at=local(session.city, "2016-10-26 12:00"),
        arrives_at=local(session.city, "2016-10-26 15:10"),
        number="CA 1501",
    ).attendees.set(seller.members.all())
    free = availability(session)
    assert min(free.free_slots(seller.pk)) == 6  # 15:40, the first slot after 15:10 + 30 min
    why = free.why_busy(seller.pk, 5)
    assert "flight Air China CA 1501" in why and "until 15:10 CST, UTC+8" in why


def test_one_free_person_keeps_a_company_free_and_sits_at_the_table_alone():
    session = SessionFactory()
    first, second = MemberFactory(delegation=session.delegation), MemberFactory(delegation=session.delegation)
    seller = ParticipantFactory(session=session, seller=True, members=[first, second])
    MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        venue="Elsewhere",
        starts_at=local(session.city, "2016-10-26 14:00"),
        ends_at=local(session.city, "2016-10-26 15:00"),
    ).attendees.set([first])
    free = availability(session)
    assert free.free_slots(seller.pk) == frozenset(range(1, 10))
    assert free.free_members(seller.pk, 1) == [second.pk]
    assert set(free.free_members(seller.pk, 6)) == {first.pk, second.pk}  # 15:40: after the buffer


def test_a_whole_delegation_meeting_at_the_same_venue_needs_no_buffer():
    session = SessionFactory()
    seller = ParticipantFactory(session=session, seller=True)
    MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        venue=session.venue,
        starts_at=local(session.city, "2016-10-26 14:00"),
        ends_at=local(session.city, "2016-10-26 14:40"),
    )
    assert min(availability(session).free_slots(seller.pk)) == 3  # 14:40, no travel


def test_a_cancelled_meeting_and_the_sessions_own_meetings_do_not_make_anyone_busy():
    session = SessionFactory()
    placement = PlacementFactory(seller__session=session, slot=1, table=1)
    MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        starts_at=local(session.city, "2016-10-26 14:00"),
        ends_at=local(session.city, "2016-10-26 17:00"),
        status="cancelled",
    )
    own = MeetingFactory(
        delegation=session.delegation,
        city=session.city,
        starts_at=local(session.city, "2016-10-26 14:00"),
        ends_at=local(session.city, "2016-10-26 14:20"),
    )
    Placement.objects.filter(pk=placement.pk).update(meeting=own)
    assert len(availability(session).free_slots(placement.seller.pk)) == 9


def test_buyers_windows_and_sellers_without_people_say_why():
    session = SessionFactory()
    buyer = ParticipantFactory(session=session, available_from=time(15, 0), available_until=time(16, 0))
    empty = ParticipantFactory(session=session, seller=True, members=[])
    free = availability(session)
    assert free.free_slots(buyer.pk) == frozenset({4, 5, 6})
    assert free.free_label(buyer.pk) == "15:00–16:00"
    assert "available 15:00–16:00 only" in free.why_busy(buyer.pk, 1)
    assert free.free_slots(empty.pk) == frozenset()
    assert "nobody from" in free.why_busy(empty.pk, 1)


def test_the_problem_leaves_vetoes_out_keeps_pinned_meetings_and_in_fill_mode_every_meeting():
    session = SessionFactory()
    wanted = RequestFactory(requester__session=session, priority=Priority.MUST)
    vetoed = RequestFactory(requester__session=session)
    RequestFactory(session=session, requester=vetoed.target, target=vetoed.requester, priority=Priority.VETO)
    pinned = PlacementFactory(seller__session=session, slot=2, table=3, pinned=True)
    loose = PlacementFactory(seller=wanted.requester, buyer=wanted.target, slot=4, table=1)

    pairs = {(p.seller, p.buyer): p for p in build_problem(session, mode=SOLVE_ALL).problem.pairs}
    assert (vetoed.requester.pk, vetoed.target.pk) not in pairs
    assert pairs[(pinned.seller_id, pinned.buyer_id)].fixed == (2, 3)
    assert pairs[(loose.seller_id, loose.buyer_id)].fixed is None
    assert pairs[(loose.seller_id, loose.buyer_id)].current == (4, 1)
    assert pairs[(loose.seller_id, loose.buyer_id)].weight == 9

    filled = {(p.seller, p.buyer): p for p in build_problem(session, mode=SOLVE_FILL).problem.pairs}
    assert filled[(loose.seller_id, loose.buyer_id)].fixed == (4, 1)


def _plan(prepared: Prepared, where: dict[tuple[int, int], tuple[int, int]]) -> Plan:
    keys = {ids: key for key, ids in prepared.pairs.items()}
    placed = {keys[ids]: spot for ids, spot in where.items()}
    return Plan(
        placed=placed,
        weight=1,
        bound=1,
        optimal=True,
        greedy_weight=1,
        idle_gaps=0,
        wall_s=0,
        status="optimal",
    )


def test_a_plan_swaps_two_meetings_without_tripping_the_constraints_and_keeps_their_rows():
    session = SessionFactory()
    one = RequestFactory(requester__session=session)
    two = RequestFactory(requester__session=session)
    a = PlacementFactory(seller=one.requester, buyer=one.target, slot=1, table=1)
    b = PlacementFactory(seller=two.requester, buyer=two.target, slot=2, table=1)
    prepared = build_problem(session)
    plan_apply(
        session,
        prepared,
        _plan(prepared, {(a.seller_id, a.buyer_id): (2, 1), (b.seller_id, b.buyer_id): (1, 1)}),
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.slot, b.slot) == (2, 1)
    assert Placement.objects.count() == 2


def test_a_plan_leaves_alone_what_staff_edited_while_it_was_solved():
    session = SessionFactory()
    one = RequestFactory(requester__session=session)
    two = RequestFactory(requester__session=session, requester=one.requester)
    prepared = build_problem(session)
    from django.utils import timezone

    started = timezone.now()
    by_hand = PlacementFactory(seller=one.requester, buyer=one.target, slot=1, table=1, pinned=True)
    counts = plan_apply(
        session,
        prepared,
        _plan(
            prepared, {(one.requester_id, one.target_id): (3, 2), (two.requester_id, two.target_id): (1, 2)}
        ),
        since=started,
    )
    by_hand.refresh_from_db()
    assert (by_hand.slot, by_hand.table) == (1, 1)
    # The other pair would put the same seller in slot 1 twice: left out, and counted.
    assert counts["skipped"] == 1
    assert not Placement.objects.filter(buyer=two.target).exists()


def test_a_plan_takes_off_what_it_no_longer_places_and_keeps_the_row():
    session = SessionFactory()
    request = RequestFactory(requester__session=session)
    row = PlacementFactory(seller=request.requester, buyer=request.target, slot=1, table=1)
    prepared = build_problem(session)
    counts = plan_apply(session, prepared, _plan(prepared, {}))
    row.refresh_from_db()
    assert row.slot is None and row.table is None
    assert counts["removed"] == 1


def test_unplaced_requests_each_say_why():
    session = SessionFactory(tables=1, max_meetings=1)
    busy_seller = ParticipantFactory(session=session, seller=True)
    TravelLegFactory(
        delegation=session.delegation,
        destination=session.city,
        departs_at=local(session.city, "2016-10-26 12:00"),
        arrives_at=local(session.city, "2016-10-26 18:00"),
    ).attendees.set(busy_seller.members.all())
    late_buyer = ParticipantFactory(session=session)
    RequestFactory(session=session, requester=busy_seller, target=late_buyer)
    vetoed = RequestFactory(requester__session=session, priority=Priority.VETO)
    capped = RequestFactory(requester__session=session)
    PlacementFactory(seller=capped.requester, buyer__session=session, slot=1, table=1)
    reasons = {(u.seller.pk, u.buyer.pk): u.reason for u in unplaced_requests(session)}
    assert reasons[(busy_seller.pk, late_buyer.pk)].startswith("No common free time:")
    assert "flight" in reasons[(busy_seller.pk, late_buyer.pk)]
    assert reasons[(vetoed.requester_id, vetoed.target_id)] == "Vetoed by the seller."
    assert "already has its 1 meetings" in reasons[(capped.requester_id, capped.target_id)]


def test_unplaced_requests_name_full_tables():
    session = SessionFactory(
        tables=1, ends_at=factory.LazyAttribute(lambda s: local(s.city, "2016-10-26 14:20"))
    )
    request = RequestFactory(requester__session=session)
    PlacementFactory(seller__session=session, slot=1, table=1)
    [unplaced] = unplaced_requests(session)
    assert unplaced.buyer == request.target
    assert unplaced.reason.startswith("Tables full")


def _grid(session) -> dict[tuple[int, int], tuple[int, int]]:
    """The grid read straight from the rows: (seller, buyer) → (slot, table)."""
    return {
        (p.seller_id, p.buyer_id): (p.slot, p.table) for p in Placement.objects.filter(session=session)
        if p.slot is not None
    }  # fmt: skip


def _difference(before: dict, after: dict) -> dict[str, int]:
    return {
        "added": sum(1 for ids in after if ids not in before),
        "moved": sum(1 for ids in after if ids in before and before[ids] != after[ids]),
        "removed": sum(1 for ids in before if ids not in after),
    }


def test_a_plans_counts_are_the_difference_between_the_grid_before_and_after():
    """Three hand edits, then a plan that puts back the meeting taken off by hand, drops another,
    moves one and keeps the rest: one added, one moved, one taken off."""
    session = SessionFactory()
    requests = [RequestFactory(requester__session=session) for _ in range(5)]
    pairs = [(r.requester_id, r.target_id) for r in requests]
    rows = [
        PlacementFactory(seller_id=s, buyer_id=b, session=session, slot=n + 1, table=1)
        for n, (s, b) in enumerate(pairs)
    ]
    services.placement_remove(rows[0])
    services.placement_move(rows[1], 7, 3)
    services.placement_pin(rows[2], True)
    before = _grid(session)
    prepared = build_problem(session)
    target = {pairs[0]: (1, 2), pairs[1]: (7, 3), pairs[2]: (3, 1), pairs[3]: (8, 5)}  # pairs[4] dropped
    counts = plan_apply(session, prepared, _plan(prepared, target))
    after = _grid(session)
    assert after == target
    assert {key: counts[key] for key in ("added", "moved", "removed")} == _difference(before, after)
    assert counts == {"added": 1, "moved": 1, "removed": 1, "skipped": 0}


def test_the_solve_summary_says_what_the_solve_changed_on_the_grid():
    """A full solve after hand edits: the vetoed meeting comes off, the one taken off by hand comes
    back, and the summary counts exactly that."""
    session = SessionFactory(tables=2, time_limit_seconds=5)
    requests = [RequestFactory(requester__session=session, priority=Priority.MUST) for _ in range(4)]
    solve_run(session)
    rows = {(p.seller_id, p.buyer_id): p for p in Placement.objects.filter(session=session)}
    assert len(rows) == 4 and all(p.is_placed for p in rows.values())
    taken_off = rows[(requests[0].requester_id, requests[0].target_id)]
    services.placement_remove(taken_off)
    vetoed = requests[1]
    RequestFactory(session=session, requester=vetoed.target, target=vetoed.requester, priority=Priority.VETO)
    before = _grid(session)

    solve_run(session)
    after = _grid(session)
    difference = _difference(before, after)
    assert (taken_off.seller_id, taken_off.buyer_id) in after
    assert (vetoed.requester_id, vetoed.target_id) not in after
    assert difference["added"] == 1 and difference["removed"] == 1
    session.refresh_from_db()
    assert (
        f"{difference['added']} added, {difference['moved']} moved, {difference['removed']} taken off"
        in session.solve_message
    ), session.solve_message
