"""Hand edits of the grid: every hard rule refused in words, soft ones reported, the itinerary following."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from itinerary.models import ItemStatus
from matchmaking import services
from matchmaking.models import Placement, Priority
from matchmaking.planning import unplaced_requests
from tests.factories import (
    CityFactory,
    ParticipantFactory,
    PlacementFactory,
    RequestFactory,
    SessionFactory,
    TravelLegFactory,
    local,
)
from tests.threads import in_threads

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    # Shanghai, 14:00 to 17:00 on 26 Oct 2016: nine 20-minute slots at ten tables.
    return SessionFactory()


def _seller(session, **kwargs):
    return ParticipantFactory(session=session, seller=True, **kwargs)


def _buyer(session, **kwargs):
    return ParticipantFactory(session=session, **kwargs)


def _placed(session, *, slot, table, seller=None, buyer=None, request=True, **kwargs):
    seller, buyer = seller or _seller(session), buyer or _buyer(session)
    if request:
        RequestFactory(session=session, requester=seller, target=buyer)
    return PlacementFactory(session=session, seller=seller, buyer=buyer, slot=slot, table=table, **kwargs)


def _refusal(call) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value


def _where(placement) -> tuple:
    placement.refresh_from_db()
    return placement.slot, placement.table, placement.pinned


def test_move_to_an_empty_cell_moves_pins_and_follows_in_the_itinerary(session):
    placement = _placed(session, slot=1, table=1)
    change = services.placement_move(placement, 3, 4)
    assert _where(placement) == (3, 4, True)
    assert change.message == (
        f"Moved {placement.seller.organisation.name} ↔ {placement.buyer.organisation.name} to slot 3 "
        "(14:40–15:00), table 4. Pinned: the solver keeps it there."
    )
    assert change.warnings == []
    meeting = placement.meeting
    assert meeting.starts_at == local(session.city, "2016-10-26 14:40")
    assert meeting.title.endswith("table 4")
    assert list(meeting.attendees.all()) == list(placement.seller.members.all())


@pytest.mark.parametrize("slot", [0, 10, -1])
def test_move_to_a_slot_that_does_not_exist_is_refused(session, slot):
    placement = _placed(session, slot=1, table=1)
    error = _refusal(lambda: services.placement_move(placement, slot, 2))
    assert error.messages == [f"Slot {slot} does not exist: this session has 9 slots (14:00–17:00)."]
    assert _where(placement) == (1, 1, False)


@pytest.mark.parametrize("table", [0, 11])
def test_move_to_a_table_outside_the_room_is_refused(session, table):
    placement = _placed(session, slot=1, table=1)
    error = _refusal(lambda: services.placement_move(placement, 2, table))
    assert error.messages == [f"Table {table} does not exist: the tables are numbered 1 to 10."]


def test_move_onto_a_taken_table_is_refused_naming_who_sits_there(session):
    placement = _placed(session, slot=1, table=1)
    other = _placed(session, slot=2, table=5)
    error = _refusal(lambda: services.placement_move(placement, 2, 5))
    assert error.code == "table_taken"
    assert (
        f"Table 5 is taken in slot 2 (14:20–14:40) by {other.seller.organisation.name}" in error.messages[0]
    )


def test_move_into_a_slot_where_the_seller_meets_someone_else_is_refused(session):
    seller = _seller(session)
    placement = _placed(session, slot=1, table=1, seller=seller)
    other = _placed(session, slot=4, table=2, seller=seller)
    error = _refusal(lambda: services.placement_move(placement, 4, 7))
    assert error.messages == [
        f"{seller.organisation.name} already meets {other.buyer.organisation.name} in slot 4 (15:00–15:20) "
        "(table 2). Nobody can be at two tables at once."
    ]
    assert _where(placement) == (1, 1, False)


def test_move_into_a_slot_where_the_buyer_meets_someone_else_is_refused(session):
    buyer = _buyer(session)
    placement = _placed(session, slot=1, table=1, buyer=buyer)
    _placed(session, slot=4, table=2, buyer=buyer)
    error = _refusal(lambda: services.placement_move(placement, 4, 7))
    assert error.code == "participant_busy"
    assert error.messages[0].startswith(f"{buyer.organisation.name} already meets")


def test_a_move_sent_with_an_old_version_is_refused_as_stale(session):
    placement = _placed(session, slot=1, table=1)
    opened = placement.updated_at.isoformat()
    services.placement_move(placement, 2, 2)  # someone else, meanwhile
    error = _refusal(lambda: services.placement_move(placement, 5, 5, version=opened))
    assert error.code == "stale"
    assert "now at slot 2 (14:20–14:40), table 2" in error.messages[0]
    assert _where(placement) == (2, 2, True)


def test_an_unplaced_meeting_moved_onto_the_grid_is_placed_and_pinned(session):
    placement = _placed(session, slot=None, table=None)
    services.placement_move(placement, 6, 3)
    assert _where(placement) == (6, 3, True)


def test_swap_exchanges_two_meetings_and_pins_both(session):
    a = _placed(session, slot=1, table=1)
    b = _placed(session, slot=2, table=3)
    change = services.placement_swap(a, b)
    assert (_where(a), _where(b)) == ((2, 3, True), (1, 1, True))
    assert "Both are pinned" in change.message
    a.meeting.refresh_from_db()
    assert a.meeting.starts_at == local(session.city, "2016-10-26 14:20")


def test_swap_at_two_tables_of_one_slot_gets_around_the_unique_constraints(session):
    seller = _seller(session)
    a = _placed(session, slot=3, table=1, seller=seller)
    b = _placed(session, slot=3, table=2)
    services.placement_swap(a, b)
    assert (_where(a), _where(b)) == ((3, 2, True), (3, 1, True))


def test_swap_of_two_meetings_of_one_seller_in_different_slots_is_allowed(session):
    seller = _seller(session)
    a = _placed(session, slot=1, table=1, seller=seller)
    b = _placed(session, slot=2, table=1, seller=seller)
    services.placement_swap(a, b)
    assert (_where(a), _where(b)) == ((2, 1, True), (1, 1, True))


def test_swap_that_would_seat_someone_twice_is_refused_and_changes_nothing(session):
    seller = _seller(session)
    a = _placed(session, slot=1, table=1, seller=seller)
    b = _placed(session, slot=2, table=1)
    _placed(session, slot=2, table=2, seller=seller)  # the seller already meets someone in slot 2
    error = _refusal(lambda: services.placement_swap(a, b))
    assert error.code == "participant_busy"
    assert (_where(a), _where(b)) == ((1, 1, False), (2, 1, False))


def test_swap_with_a_meeting_off_the_grid_is_refused(session):
    a = _placed(session, slot=1, table=1)
    b = _placed(session, slot=None, table=None)
    error = _refusal(lambda: services.placement_swap(a, b))
    assert "is not on the grid: move it to an empty table instead" in error.messages[0]


def test_pin_and_unpin(session):
    placement = _placed(session, slot=1, table=1)
    assert "the solver keeps it" in services.placement_pin(placement, True).message
    assert _where(placement) == (1, 1, True)
    assert "may move it" in services.placement_pin(placement, False).message
    assert _where(placement) == (1, 1, False)


def test_a_meeting_off_the_grid_cannot_be_pinned(session):
    placement = _placed(session, slot=None, table=None)
    error = _refusal(lambda: services.placement_pin(placement, True))
    assert "only a placed meeting can be pinned" in error.messages[0]


def test_remove_takes_it_off_the_grid_lists_it_unplaced_and_cancels_its_meeting(session):
    placement = _placed(session, slot=1, table=1, pinned=True)
    services.placement_move(placement, 2, 2)  # makes its itinerary meeting
    placement.refresh_from_db()
    meeting_pk = placement.meeting.pk
    change = services.placement_remove(placement)
    assert _where(placement) == (None, None, False)
    assert "listed with the unplaced requests" in change.message
    assert [(u.seller, u.buyer) for u in unplaced_requests(session)] == [(placement.seller, placement.buyer)]
    placement.refresh_from_db()
    assert placement.meeting.pk == meeting_pk  # the same meeting, its UID kept
    assert placement.meeting.status == ItemStatus.CANCELLED


def test_add_places_a_requested_pair_by_hand_pinned(session):
    seller, buyer = _seller(session), _buyer(session)
    RequestFactory(session=session, requester=buyer, target=seller, priority=Priority.MUST)
    change = services.placement_add(session, seller, buyer, 5, 9)
    placement = Placement.objects.get(seller=seller, buyer=buyer)
    assert _where(placement) == (5, 9, True)
    assert change.message.startswith("Added") and "Pinned" in change.message
    assert placement.meeting.starts_at == local(session.city, "2016-10-26 15:20")


def test_add_reuses_the_row_of_a_pair_taken_off_before(session):
    placement = _placed(session, slot=None, table=None)
    services.placement_add(session, placement.seller, placement.buyer, 2, 2)
    assert Placement.objects.filter(session=session).count() == 1
    assert _where(placement) == (2, 2, True)


def test_add_refuses_a_pair_nobody_asked_for(session):
    seller, buyer = _seller(session), _buyer(session)
    error = _refusal(lambda: services.placement_add(session, seller, buyer, 1, 1))
    assert error.messages == [
        f"Nobody asked for {seller.organisation.name} and {buyer.organisation.name} to meet: add a request "
        "first, then place it."
    ]


def test_add_refuses_a_vetoed_pair(session):
    seller, buyer = _seller(session), _buyer(session)
    RequestFactory(session=session, requester=seller, target=buyer, priority=Priority.MUST)
    RequestFactory(session=session, requester=buyer, target=seller, priority=Priority.VETO)
    error = _refusal(lambda: services.placement_add(session, seller, buyer, 1, 1))
    assert "vetoed by the buyer" in error.messages[0]


def test_add_refuses_a_pair_already_on_the_grid(session):
    placement = _placed(session, slot=1, table=1)
    error = _refusal(lambda: services.placement_add(session, placement.seller, placement.buyer, 2, 2))
    assert "already meet in slot 1 (14:00–14:20), table 1: move that meeting instead" in error.messages[0]


def test_add_refuses_two_of_one_side_and_a_busy_participant(session):
    seller, buyer = _seller(session), _buyer(session)
    RequestFactory(session=session, requester=seller, target=buyer)
    error = _refusal(lambda: services.placement_add(session, buyer, seller, 1, 1))
    assert error.code == "same_side"
    _placed(session, slot=1, table=3, seller=seller)
    assert _refusal(lambda: services.placement_add(session, seller, buyer, 1, 1)).code == "participant_busy"


def test_a_seller_on_a_flight_during_the_slot_is_allowed_with_a_warning(session):
    seller = _seller(session)
    member = seller.members.get()
    beijing = CityFactory()
    leg = TravelLegFactory(
        delegation=session.delegation,
        origin=beijing,
        destination=session.city,
        departs_at=local(beijing, "2016-10-26 13:00"),
        arrives_at=local(session.city, "2016-10-26 15:10"),
        number="CA 984",
    )
    leg.attendees.add(member)
    placement = _placed(session, slot=8, table=1, seller=seller)
    change = services.placement_move(placement, 2, 1)
    assert _where(placement) == (2, 1, True)
    assert len(change.warnings) == 1
    warning = change.warnings[0]
    assert warning.startswith(f"In slot 2 (14:20–14:40): {member.full_name} is on flight Air China CA 984")
    assert "until 15:10 CST, UTC+8" in warning and "The meeting is kept" in warning


def test_a_buyer_outside_their_window_is_allowed_with_a_warning(session):
    from datetime import time

    buyer = _buyer(session, available_from=time(15, 0))
    placement = _placed(session, slot=8, table=1, buyer=buyer)
    change = services.placement_move(placement, 1, 1)
    assert change.warnings == [
        f"In slot 1 (14:00–14:20): {buyer.organisation.name} is available 15:00–the end only. "
        "The meeting is kept; check with them."
    ]


def test_placing_past_a_cap_by_hand_is_allowed_with_a_warning(session):
    """As for a member on a flight: the meeting is kept, and staff are told (the solver never
    passes a cap; a hand edit may)."""
    seller = _seller(session, max_meetings=2, organisation__name="Inland Empire Logistics")
    _placed(session, slot=1, table=1, seller=seller)
    second = _placed(session, slot=2, table=1, seller=seller)
    assert services.placement_move(second, 3, 1).warnings == []  # at the cap: nothing to say

    buyer = _buyer(session)
    RequestFactory(session=session, requester=seller, target=buyer)
    change = services.placement_add(session, seller, buyer, 5, 1)
    assert change.warnings == [
        "Inland Empire Logistics has 3 meetings, past its cap of 2. "
        "The meeting is kept; take one off or raise the cap."
    ]
    assert Placement.objects.filter(seller=seller, slot__isnull=False).count() == 3

    moved = _placed(session, slot=None, table=None, seller=seller)
    change = services.placement_move(moved, 6, 2)
    assert change.warnings == [
        "Inland Empire Logistics has 4 meetings, past its cap of 2. "
        "The meeting is kept; take one off or raise the cap."
    ]
    swap = services.placement_swap(moved, second)  # two meetings of the seller: its cap said once
    assert swap.warnings == change.warnings


def test_the_sessions_cap_counts_for_a_buyer_without_its_own(session):
    session.max_meetings = 1
    session.save()
    buyer = _buyer(session, organisation__name="Jiangsu Xinyuan")
    _placed(session, slot=1, table=1, buyer=buyer)
    change = services.placement_move(_placed(session, slot=None, table=None, buyer=buyer), 2, 2)
    assert change.warnings == [
        "Jiangsu Xinyuan has 2 meetings, past its cap of 1. "
        "The meeting is kept; take one off or raise the cap."
    ]


def test_outcomes_are_marked_on_one_line(session):
    placement = _placed(session, slot=1, table=1)
    change = services.outcome_mark(placement, Placement.Outcome.HELD, "  Samples\nto send   by Friday ")
    placement.refresh_from_db()
    assert (placement.outcome, placement.outcome_note) == ("held", "Samples to send by Friday")
    assert change.message.endswith(": held — Samples to send by Friday.")
    services.outcome_mark(placement, Placement.Outcome.NO_SHOW, "")
    placement.refresh_from_db()
    assert (placement.outcome, placement.outcome_note) == ("no_show", "")


def test_outcomes_refuse_a_long_note_an_unknown_outcome_and_a_meeting_off_the_grid(session):
    placement = _placed(session, slot=1, table=1)
    assert (
        "one line of at most 200"
        in _refusal(lambda: services.outcome_mark(placement, "held", "x" * 201)).messages[0]
    )
    assert _refusal(lambda: services.outcome_mark(placement, "great", "")).code == "bad_outcome"
    off = _placed(session, slot=None, table=None)
    assert _refusal(lambda: services.outcome_mark(off, "held", "")).code == "not_placed"


def test_a_collision_the_database_catches_becomes_a_message(session):
    taken = _placed(session, slot=1, table=1)
    other = _placed(session, slot=None, table=None)
    with pytest.raises(ValidationError) as error, services._refusing_collisions():
        Placement.objects.filter(pk=other.pk).update(slot=taken.slot, table=taken.table)
    assert error.value.code == "collision"
    assert "Someone else just changed the grid there" in error.value.messages[0]
    assert _where(other) == (None, None, False)
    assert not isinstance(error.value, IntegrityError)


def test_fewer_tables_take_the_meetings_at_the_missing_tables_off_the_grid(session):
    kept, dropped = _placed(session, slot=1, table=2), _placed(session, slot=1, table=9)
    session.tables = 5
    session.save()
    assert services.session_settle(session) == [dropped]
    assert (_where(kept), _where(dropped)) == ((1, 2, False), (None, None, False))


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_four_moves_into_one_empty_table_at_once_seat_one_and_refuse_the_others_in_words():
    session = SessionFactory()
    meetings = [_placed(session, slot=1, table=table) for table in (1, 2, 3, 4)]

    def move(n):
        try:
            services.placement_move(Placement.objects.get(pk=meetings[n].pk), 5, 5)
        except ValidationError as error:
            return error.code
        return "moved"

    assert sorted(in_threads(4, move)) == ["moved", "table_taken", "table_taken", "table_taken"]
    assert Placement.objects.filter(session=session, slot=5, table=5).count() == 1
