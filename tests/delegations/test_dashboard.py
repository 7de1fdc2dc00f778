"""The staff dashboard: current and upcoming missions with their conflicts, past ones in a paged
archive, counts from the database, and the same work for one mission as for a hundred."""

import re
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db.models.signals import post_init
from django.urls import reverse
from django.utils import timezone

from delegations.models import Delegation, Member
from itinerary.models import ItemStatus, Meeting, MeetingCounterpart, Stay, TravelLeg
from missionplanner import dashboard
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ARCHIVE = f"{reverse('dashboard')}?archive=1"


@pytest.fixture
def planner(client):
    user = UserFactory(username="planner")
    client.force_login(user)
    return user


@pytest.fixture
def built():
    """How many meetings and legs Django builds as objects while the test runs."""
    counts = Counter()

    def count(sender, **kwargs):
        counts[sender.__name__] += 1

    for model in (Meeting, TravelLeg):
        post_init.connect(count, sender=model, weak=False, dispatch_uid=f"count-{model.__name__}")
    yield counts
    for model in (Meeting, TravelLeg):
        post_init.disconnect(sender=model, dispatch_uid=f"count-{model.__name__}")


def _missions(staff, starts, *, prefix, meetings=4, days=6):
    """Missions starting on `starts`, each with two members, a stay and `meetings` meetings (with
    attendees and counterparts), made in a handful of bulk queries."""
    beijing = CityFactory()
    organisation = OrganisationFactory()
    delegations = Delegation.objects.bulk_create(
        Delegation(
            name=f"{prefix} {n:03d}",
            slug=f"{prefix.lower().replace(' ', '-')}-{n:03d}",
            start_date=start,
            end_date=start + timedelta(days=days - 1),
        )
        for n, start in enumerate(starts)
    )
    Delegation.staff.through.objects.bulk_create(
        Delegation.staff.through(delegation_id=d.pk, user_id=staff.pk) for d in delegations
    )
    Stay.objects.bulk_create(
        Stay(delegation=d, city=beijing, arrival_date=d.start_date, departure_date=d.end_date)
        for d in delegations
    )
    members = Member.objects.bulk_create(
        Member(delegation=d, full_name=f"Delegate {k}") for d in delegations for k in range(2)
    )
    created = Meeting.objects.bulk_create(
        Meeting(
            delegation=d,
            city=beijing,
            title=f"Meeting {k}",
            starts_at=datetime.combine(
                d.start_date + timedelta(days=1), time(9 + 2 * k), tzinfo=beijing.zone
            ),
            ends_at=datetime.combine(d.start_date + timedelta(days=1), time(10 + 2 * k), tzinfo=beijing.zone),
        )
        for d in delegations
        for k in range(meetings)
    )
    first_member = {m.delegation_id: m for m in reversed(members)}
    Meeting.attendees.through.objects.bulk_create(
        Meeting.attendees.through(meeting_id=m.pk, member_id=first_member[m.delegation_id].pk)
        for m in created
    )
    MeetingCounterpart.objects.bulk_create(
        MeetingCounterpart(meeting_id=m.pk, organisation_id=organisation.pk) for m in created
    )
    return delegations


def _card(content: str, name: str) -> str:
    """The dashboard card of the mission called `name`, as text without tags."""
    for card in content.split('class="card mb-3 mission-card"')[1:]:
        if f">{name}</a>" in card:
            return " ".join(re.sub(r"<[^>]+>", " ", card).split())
    raise AssertionError(f"no card for {name!r}")


def test_the_dashboard_costs_the_same_for_one_mission_as_for_a_hundred(
    client, planner, built, django_assert_max_num_queries, django_assert_num_queries
):
    current = DelegationFactory(
        name="Under way", start_date=TODAY - timedelta(days=2), end_date=TODAY + timedelta(days=5)
    )
    current.staff.add(planner)
    StayFactory(delegation=current, arrival_date=current.start_date, departure_date=current.end_date)
    member = MemberFactory(delegation=current)
    meeting = MeetingFactory(delegation=current)
    meeting.attendees.add(member)
    meeting.counterparts.add(OrganisationFactory())
    TravelLegFactory(delegation=current)

    built.clear()
    with django_assert_max_num_queries(16) as one:
        assert "Under way" in client.get("/").content.decode()
    built_for_one = sum(built.values())

    upcoming = _missions(planner, [TODAY + timedelta(days=30 * n) for n in (1, 2, 3)], prefix="Upcoming")
    _missions(planner, [TODAY - timedelta(days=40 * n) for n in range(1, 97)], prefix="Past mission")
    assert Delegation.objects.visible_to(planner).count() == 100

    cache.clear()  # as cold as the first time (conflict counts are cached, see the next test)
    built.clear()
    with django_assert_num_queries(len(one)):
        content = client.get("/").content.decode()
    # Past missions' items are not loaded: only the current and upcoming ones are built as objects.
    assert sum(built.values()) == built_for_one + 4 * len(upcoming)
    assert "96 past missions" in content
    assert all(d.name in content for d in upcoming)


def test_past_missions_are_in_a_paged_archive_not_on_the_first_page(client, planner):
    _missions(planner, [TODAY + timedelta(days=10)], prefix="Upcoming", meetings=0)
    # Past mission 000 ended most recently, 024 longest ago.
    _missions(
        planner, [TODAY - timedelta(days=30 * n) for n in range(1, 26)], prefix="Past mission", meetings=0
    )

    first = client.get("/").content.decode()
    assert "Upcoming 000" in first
    assert "Past mission" not in first
    assert f'href="{ARCHIVE}">25 past missions</a>' in first

    page_one = client.get(ARCHIVE)
    names = re.findall(r">(Past mission \d+)</a>", page_one.content.decode())
    assert names == [f"Past mission {n:03d}" for n in range(20)]  # latest first, 20 a page
    assert "Upcoming 000" not in page_one.content.decode()
    assert "Page 1 of 2" in page_one.content.decode()
    assert f"{ARCHIVE}&amp;page=2" in page_one.content.decode()

    page_two = client.get(f"{ARCHIVE}&page=2").content.decode()
    assert re.findall(r">(Past mission \d+)</a>", page_two) == [
        f"Past mission {n:03d}" for n in range(20, 25)
    ]
    assert "Page 2 of 2" in page_two
    # A page past the end shows the last one rather than an error.
    assert client.get(f"{ARCHIVE}&page=99").context["page"].number == 2


def test_with_nothing_ahead_the_first_page_shows_the_latest_past_missions(client, planner):
    """Found by a newcomer: the demo's missions are years past and the first page was empty."""
    _missions(
        planner, [TODAY - timedelta(days=30 * n) for n in range(1, 8)], prefix="Past mission", meetings=0
    )
    first = client.get("/").content.decode()
    assert "No current or upcoming missions. The latest past ones are below." in first
    assert re.findall(r">(Past mission \d+)</a>", first) == [f"Past mission {n:03d}" for n in range(5)]
    assert "conflict" not in first.lower()  # worked out for missions ahead only
    assert f'href="{ARCHIVE}">7 past missions</a>' in first


def test_the_demo_opens_on_its_missions(client):
    from itinerary.demo_missions import load_demo_missions

    demo = load_demo_missions()
    client.force_login(UserFactory(username="newcomer", is_superuser=True))
    first = client.get("/").content.decode()
    for delegation in demo:
        assert f'href="{reverse("delegation-overview", args=[delegation.slug])}"' in first


def _buffer_mission(planner):
    """A current mission with one conflict: 15 minutes between two venues, the buffer being 30."""
    beijing = CityFactory()
    delegation = DelegationFactory(
        name="Current mission", start_date=TODAY - timedelta(days=1), end_date=TODAY + timedelta(days=3)
    )
    delegation.staff.add(planner)
    stay = StayFactory(delegation=delegation, city=beijing, departure_date=delegation.end_date)
    MemberFactory.create_batch(2, delegation=delegation)
    at = datetime.combine(TODAY, time(10), tzinfo=beijing.zone)
    first = MeetingFactory(
        delegation=delegation, city=beijing, venue="A", starts_at=at, ends_at=at + timedelta(hours=1)
    )
    at += timedelta(hours=1, minutes=15)
    second = MeetingFactory(
        delegation=delegation, city=beijing, venue="B", starts_at=at, ends_at=at + timedelta(hours=1)
    )
    return {"delegation": delegation, "stay": stay, "first": first, "second": second}


def _move_second(m):
    m["second"].starts_at += timedelta(hours=1)
    m["second"].ends_at += timedelta(hours=1)
    m["second"].save()


def _shorter_buffer(m):
    m["delegation"].travel_buffer_minutes = 10
    m["delegation"].save()


def _stay_elsewhere(m):
    m["stay"].city = CityFactory(name="Shanghai", local_name="上海")
    m["stay"].save()


def _cancel_second(m):
    m["second"].status = ItemStatus.CANCELLED
    m["second"].save()


def _delete_second(m):
    m["second"].delete()


def _attend_apart(m):
    # Each meeting for a different member: nobody goes from one venue to the other any more.
    # Read afresh, as a later request would: attendees chosen on a just-created item touch nothing.
    first, second = m["delegation"].members.order_by("pk")
    Meeting.objects.get(pk=m["first"].pk).attendees.add(first)
    Meeting.objects.get(pk=m["second"].pk).attendees.add(second)


@pytest.mark.parametrize(
    ("change", "after"),
    [
        (_move_second, "No conflicts"),
        (_shorter_buffer, "No conflicts"),
        (_stay_elsewhere, "3 conflicts"),  # both meetings now where the delegation is not staying
        (_cancel_second, "No conflicts"),
        (_delete_second, "No conflicts"),
        (_attend_apart, "No conflicts"),
    ],
)
def test_conflict_counts_are_kept_until_the_mission_changes(client, planner, monkeypatch, change, after):
    loaded = []
    original = dashboard.load_missions
    monkeypatch.setattr(dashboard, "load_missions", lambda ds: loaded.append(len(ds)) or original(ds))
    mission = _buffer_mission(planner)

    assert "1 conflict " in _card(client.get("/").content.decode(), "Current mission")
    assert "1 conflict " in _card(client.get("/").content.decode(), "Current mission")
    assert loaded == [1, 0]  # the second time from the cache, without loading the mission
    change(mission)
    assert after in _card(client.get("/").content.decode(), "Current mission")
    assert loaded == [1, 0, 1]


def _counted_mission(planner, name, start):
    """Three members (one inactive) and four meetings (one cancelled), each meeting with two attendees
    and two counterparts so that a join of members and meetings would multiply; two legs; stays in
    Beijing, Shanghai and Beijing again."""
    delegation = DelegationFactory(name=name, start_date=start, end_date=start + timedelta(days=9))
    delegation.staff.add(planner)
    beijing = CityFactory()
    shanghai = CityFactory(name="Shanghai", local_name="上海")
    for city, first, last in ((beijing, 0, 3), (shanghai, 3, 6), (beijing, 6, 9)):
        StayFactory(
            delegation=delegation,
            city=city,
            arrival_date=start + timedelta(days=first),
            departure_date=start + timedelta(days=last),
        )
    members = [MemberFactory(delegation=delegation) for _ in range(2)]
    MemberFactory(delegation=delegation, is_active=False)
    organisations = OrganisationFactory.create_batch(2)
    for n in range(4):
        at = datetime.combine(start + timedelta(days=1), time(9 + 2 * n), tzinfo=beijing.zone)
        meeting = MeetingFactory(
            delegation=delegation,
            city=beijing,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            status=ItemStatus.CANCELLED if n == 3 else ItemStatus.CONFIRMED,
        )
        meeting.attendees.add(*members)
        meeting.counterparts.add(*organisations)
    TravelLegFactory.create_batch(2, delegation=delegation)
    return delegation


def test_counts_and_cities_come_from_the_database_without_loading_the_items(client, planner, built):
    _counted_mission(planner, "Current mission", TODAY - timedelta(days=3))
    _counted_mission(planner, "Past mission", TODAY - timedelta(days=100))
    expected = "Beijing → Shanghai 3 members 4 meetings"  # as ever: inactive and cancelled ones count

    assert expected in _card(client.get("/").content.decode(), "Current mission")
    built.clear()
    archive = client.get(ARCHIVE).content.decode()
    assert expected in _card(archive, "Past mission")
    assert not built  # counts and cities without a single meeting or leg built as an object


def test_conflicts_are_worked_out_for_current_and_upcoming_missions_only(client, planner, monkeypatch):
    checked = []

    def find_conflicts(mission):
        checked.append(mission.delegation.name)
        return original(mission)

    original = dashboard.find_conflicts
    monkeypatch.setattr(dashboard, "find_conflicts", find_conflicts)
    beijing = CityFactory()

    def mission(name, start, hour):
        """A mission without stays and one meeting on its second day: at 05:00 it is a conflict."""
        delegation = DelegationFactory(name=name, start_date=start, end_date=start + timedelta(days=4))
        delegation.staff.add(planner)
        at = datetime.combine(start + timedelta(days=1), time(hour), tzinfo=beijing.zone)
        MeetingFactory(delegation=delegation, city=beijing, starts_at=at, ends_at=at + timedelta(hours=1))
        return delegation

    current = mission("Current mission", TODAY - timedelta(days=1), 5)
    mission("Upcoming mission", TODAY + timedelta(days=20), 10)
    mission("Past mission", TODAY - timedelta(days=60), 5)

    content = client.get("/").content.decode()
    assert "1 conflict " in _card(content, "Current mission")
    assert f'class="link-danger" href="{reverse("schedule", args=[current.slug])}"' in content
    assert "No conflicts" in _card(content, "Upcoming mission")
    archive = client.get(ARCHIVE).content.decode()
    assert "conflict" not in _card(archive, "Past mission").lower()
    assert sorted(checked) == ["Current mission", "Upcoming mission"]


def test_staff_see_only_the_missions_they_staff_and_superusers_all(client, planner):
    other = UserFactory(username="other")
    for user, who in ((planner, "Mine"), (other, "Theirs")):
        _missions(user, [TODAY], prefix=f"{who} current", meetings=1)
        _missions(user, [TODAY - timedelta(days=50)], prefix=f"{who} past", meetings=1)

    content = client.get("/").content.decode()
    assert "Mine current 000" in content and "Theirs current" not in content
    assert ">1 past mission</a>" in content
    archive = client.get(ARCHIVE).content.decode()
    assert "Mine past 000" in archive and "Theirs" not in archive

    client.force_login(UserFactory(username="admin", is_superuser=True))
    content = client.get("/").content.decode()
    assert "Mine current 000" in content and "Theirs current 000" in content
    assert ">2 past missions</a>" in content
    archive = client.get(ARCHIVE).content.decode()
    assert "Mine past 000" in archive and "Theirs past 000" in archive
