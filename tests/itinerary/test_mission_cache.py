"""The mission kept per process (itinerary/mission_cache.py) is always what load_mission reads now."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from itinerary.conflicts import find_conflicts
from itinerary.mission_cache import current_mission
from itinerary.models import Meeting
from itinerary.schedule import Mission, load_mission
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    StayFactory,
    TravelLegFactory,
    local,
)

pytestmark = pytest.mark.django_db


def _shape(mission: Mission) -> dict:
    """Everything the pages, the board and the conflict rules read from a mission, as plain values."""
    d = mission.delegation
    return {
        "delegation": (d.name, d.start_date, d.end_date, d.travel_buffer_minutes),
        "members": [(m.pk, m.full_name, m.is_active, m.organisation_id) for m in mission.members],
        "stays": [(s.pk, s.city.name, s.arrival_date, s.departure_date, s.hotel_name) for s in mission.stays],
        "entries": [
            (
                e.key, e.title, e.starts_at, e.ends_at, e.local_start, e.local_end, e.start_city.name,
                e.end_city.name, e.place, e.attendee_ids, [o.name for o in e.counterparts],
                e.item.status, e.item.sequence, e.item.updated_at,
            )
            for e in mission.entries
        ],
        "conflicts": [(c.rule, c.message, c.keys, c.member_ids) for c in find_conflicts(mission)],
    }  # fmt: skip


@pytest.fixture
def delegation():
    delegation = DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 27))
    StayFactory(delegation=delegation, arrival_date=date(2016, 10, 24), departure_date=date(2016, 10, 27))
    return delegation


@pytest.fixture
def meetings(delegation):
    beijing = CityFactory()
    ana = MemberFactory(delegation=delegation, full_name="Ana")
    MemberFactory(delegation=delegation, full_name="Ben")
    first = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 10:00"))
    second = MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-25 14:00"))
    first.attendees.add(ana)
    second.counterparts.add(OrganisationFactory(name="CCPIT"))
    TravelLegFactory(delegation=delegation)
    return first, second


def _rename_city(delegation, meetings):
    city = meetings[0].city
    city.name = "Peking"
    city.save()


def _retime_first(delegation, meetings):
    meetings[0].starts_at += timedelta(hours=1)
    meetings[0].ends_at += timedelta(hours=1)
    meetings[0].save()


def _retime_both(delegation, meetings):
    for meeting in meetings:
        meeting.starts_at -= timedelta(minutes=30)
        meeting.save()


def _cancel_second(delegation, meetings):
    meetings[1].status = "cancelled"
    meetings[1].save()


def _add_attendee(delegation, meetings):
    meetings[1].attendees.add(delegation.members.get(full_name="Ben"))


def _add_counterpart(delegation, meetings):
    meetings[1].counterparts.add(OrganisationFactory(name="MOFCOM"))


def _deactivate_member(delegation, meetings):
    member = delegation.members.get(full_name="Ana")
    member.is_active = False
    member.save()


def _move_stay(delegation, meetings):
    stay = delegation.stays.get()
    stay.arrival_date = date(2016, 10, 26)
    stay.save()


def _shorten_buffer(delegation, meetings):
    delegation.travel_buffer_minutes = 5
    delegation.save()


def _delete_second(delegation, meetings):
    meetings[1].delete()


def _add_meeting(delegation, meetings):
    MeetingFactory(delegation=delegation, city=meetings[0].city, starts_at=meetings[0].starts_at)


@pytest.mark.parametrize(
    "change",
    [
        _retime_first,
        _retime_both,
        _cancel_second,
        _add_attendee,
        _add_counterpart,
        _rename_city,
        _deactivate_member,
        _move_stay,
        _shorten_buffer,
        _delete_second,
        _add_meeting,
    ],
)
def test_current_mission_is_what_load_mission_reads_after_each_kind_of_change(delegation, meetings, change):
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))
    change(delegation, meetings)
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))


def test_current_mission_reads_again_only_the_meetings_that_changed(
    delegation, meetings, django_assert_num_queries
):
    kept = current_mission(delegation)
    with django_assert_num_queries(2):  # the rows' versions: nothing changed, nothing else is read
        assert current_mission(delegation) is kept
    _retime_first(delegation, meetings)
    with django_assert_num_queries(3):  # and the one meeting that changed
        moved = current_mission(delegation)
    assert moved is not kept and _shape(moved) == _shape(load_mission(delegation))
    _move_stay(delegation, meetings)
    with django_assert_num_queries(2 + 1 + 9):  # a stay changed: the delegation and the whole mission
        current_mission(delegation)


def test_current_mission_forgets_what_a_rolled_back_transaction_wrote(delegation, meetings):
    current_mission(delegation)
    with pytest.raises(RuntimeError), transaction.atomic():
        _retime_first(delegation, meetings)
        inside = {entry.key: entry.starts_at for entry in current_mission(delegation).entries}
        assert inside[f"meeting-{meetings[0].pk}"] == local(meetings[0].city, "2016-10-25 11:00")
        raise RuntimeError
    assert Meeting.objects.get(pk=meetings[0].pk).starts_at == local(meetings[0].city, "2016-10-25 10:00")
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))


def test_current_mission_keeps_missions_apart(delegation, meetings):
    other = DelegationFactory()
    MeetingFactory(delegation=other, title="Elsewhere")
    assert [e.title for e in current_mission(other).entries] == ["Elsewhere"]
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_current_mission_sees_a_save_that_commits_after_a_later_one(delegation, meetings):
    """The case a MAX(updated_at) stamp misses: an edit saved first but committed last."""
    import threading

    from django.db import connection

    saved, go_on = threading.Event(), threading.Event()

    def slow_edit():
        try:
            with transaction.atomic():
                _retime_first(delegation, meetings)  # its updated_at is taken now...
                saved.set()
                assert go_on.wait(timeout=10)
            # ...and it commits only after another edit with a later updated_at.
        finally:
            connection.close()

    editor = threading.Thread(target=slow_edit)
    editor.start()
    assert saved.wait(timeout=10)
    _cancel_second(delegation, meetings)  # a later updated_at, committed first
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))
    go_on.set()
    editor.join(timeout=10)
    first = Meeting.objects.get(pk=meetings[0].pk)
    assert first.updated_at < Meeting.objects.get(pk=meetings[1].pk).updated_at  # the newest is not it
    assert _shape(current_mission(delegation)) == _shape(load_mission(delegation))
