"""One clock for when something was done to a mission: where the delegation was at that moment."""

from datetime import UTC, date, datetime

import pytest

from itinerary.mission_clock import mission_clock, snapshot_clock
from itinerary.schedule import load_mission
from publishing.snapshot import snapshot_of
from tests.factories import CityFactory, DelegationFactory, StayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    delegation = DelegationFactory(
        start_date=date(2016, 10, 23), end_date=date(2016, 10, 30), home_timezone="America/Los_Angeles"
    )
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    StayFactory(delegation=delegation, city=CityFactory(), arrival_date=date(2016, 10, 24),
                departure_date=date(2016, 10, 27))  # fmt: skip
    StayFactory(delegation=delegation, city=seoul, arrival_date=date(2016, 10, 27),
                departure_date=date(2016, 10, 30))  # fmt: skip
    return delegation


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        # Before the trip: the home office's clock.
        (datetime(2016, 10, 20, 17, 5, tzinfo=UTC), "Thu 20 Oct 2016, 10:05 PDT, UTC−7"),
        # Staying in Beijing: Beijing's.
        (datetime(2016, 10, 25, 6, 5, tzinfo=UTC), "Tue 25 Oct 2016, 14:05 CST, UTC+8"),
        # The day they move on: the first stay still covers it.
        (datetime(2016, 10, 27, 1, 0, tzinfo=UTC), "Thu 27 Oct 2016, 09:00 CST, UTC+8"),
        (datetime(2016, 10, 28, 1, 0, tzinfo=UTC), "Fri 28 Oct 2016, 10:00 KST, UTC+9"),
        # Home again, after daylight saving ended in California.
        (datetime(2016, 11, 8, 18, 0, tzinfo=UTC), "Tue 8 Nov 2016, 10:00 PST, UTC−8"),
    ],
)
def test_a_moment_reads_where_the_delegation_was_then(delegation, moment, text):
    assert mission_clock(delegation).text(moment) == text


def test_a_release_reads_the_same_clock_as_the_mission(delegation):
    snapshot = snapshot_of(load_mission(delegation))
    assert snapshot_clock(snapshot) == mission_clock(delegation)
