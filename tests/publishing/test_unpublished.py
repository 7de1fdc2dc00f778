"""The unpublished-changes count, worked out item by item (publishing/unpublished.py), is always the
number of changes the publish page lists."""

from datetime import date, timedelta

import pytest

from itinerary.mission_cache import current_mission
from itinerary.schedule import load_mission
from publishing.changes import changes_between
from publishing.release import release_publish
from publishing.snapshot import snapshot_of
from publishing.unpublished import latest_release, unpublished_changes_count
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


def _listed(delegation) -> int:
    """What the publish page lists, compared whole."""
    release = delegation.releases.first()
    previous = release.snapshot if release else None
    return len(changes_between(previous, snapshot_of(load_mission(delegation), previous=previous)))


def _counted(delegation) -> int:
    return unpublished_changes_count(current_mission(delegation), release_id=latest_release(delegation))


def test_unpublished_count_is_what_the_publish_page_lists_through_every_kind_of_edit():
    delegation = DelegationFactory(start_date=date(2016, 10, 23), end_date=date(2016, 10, 27))
    beijing = CityFactory()
    stay = StayFactory(delegation=delegation, city=beijing, arrival_date=date(2016, 10, 24))
    ana = MemberFactory(delegation=delegation, full_name="Ana")
    ben = MemberFactory(delegation=delegation, full_name="Ben")
    meetings = [
        MeetingFactory(
            delegation=delegation, city=beijing, starts_at=local(beijing, f"2016-10-25 {hour:02}:00")
        )
        for hour in (9, 11, 14, 16)
    ]
    leg = TravelLegFactory(delegation=delegation)
    meetings[0].attendees.add(ana)

    def shift(item, minutes):
        if item is leg:
            item.departs_at += timedelta(minutes=minutes)
            item.arrives_at += timedelta(minutes=minutes)
        else:
            item.starts_at += timedelta(minutes=minutes)
            item.ends_at += timedelta(minutes=minutes)
        item.save()

    def rename(obj, name, field="name"):
        setattr(obj, field, name)
        obj.save()

    edits = [
        lambda: shift(meetings[1], 30),  # before the first release: everything is new
        lambda: release_publish(delegation=delegation, notify=False),
        lambda: shift(meetings[1], 30),
        lambda: shift(meetings[1], -30),  # moved back where the release has it
        lambda: shift(meetings[2], 15),
        lambda: shift(leg, 60),
        lambda: meetings[3].attendees.add(ben),
        lambda: meetings[0].attendees.remove(ana),  # now for the whole delegation
        lambda: meetings[2].counterparts.add(OrganisationFactory(name="MOFCOM")),
        lambda: rename(meetings[3], "cancelled", "status"),
        lambda: meetings[1].delete(),
        lambda: MeetingFactory(delegation=delegation, city=beijing, title="New"),
        lambda: rename(stay, "Shangri-La", "hotel_name"),
        lambda: rename(beijing, "Peking"),
        lambda: rename(ben, "Benjamin", "full_name"),
        lambda: rename(ana, False, "is_active"),
        lambda: rename(delegation, "Renamed mission"),
        lambda: release_publish(delegation=delegation, notify=False),
        lambda: shift(meetings[0], 45),
    ]
    seen = []
    for edit in edits:
        edit()
        delegation.refresh_from_db()
        assert _counted(delegation) == _listed(delegation)
        seen.append(_listed(delegation))
    assert seen[0] > 0 and seen[3] == 0 and seen[-2] == 0 and seen[-1] == 1  # the edits did show
