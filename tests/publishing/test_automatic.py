"""Automatic publishing for the days of the mission: each save publishes; notices wait for quiet."""

from datetime import date

import pytest
from django.core import mail
from django_tasks import default_task_backend

from delegations.models import Delegation
from publishing.models import Release
from publishing.release import release_publish
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    delegation = DelegationFactory(
        name="Korea 2026",
        start_date=date(2016, 10, 21),
        end_date=date(2016, 11, 10),
        publish_automatically=True,
    )
    return delegation


@pytest.fixture
def queued_tasks(settings):
    """Tasks are kept, not run, so the test runs them when the quiet spell would be over."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend.results


def test_each_save_publishes_a_release(delegation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = MeetingFactory(delegation=delegation, city=CityFactory(), venue="Kerry Hotel")
    with django_capture_on_commit_callbacks(execute=True):
        meeting.venue = "China World"
        meeting.save()
    releases = Release.objects.filter(delegation=delegation).order_by("number")
    assert [(release.number, release.automatic) for release in releases] == [(1, True), (2, True)]
    assert releases.last().snapshot["items"][0]["venue"] == "China World"


def test_a_save_with_attendees_is_one_release(delegation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kim = MemberFactory(delegation=delegation)  # a member is in the release too
    with django_capture_on_commit_callbacks(execute=True):
        meeting = MeetingFactory(delegation=delegation, city=CityFactory())
        meeting.attendees.set([kim])
    assert Release.objects.filter(delegation=delegation).count() == 2


def test_a_burst_of_saves_ends_in_one_notice_per_member(
    delegation, queued_tasks, django_capture_on_commit_callbacks
):
    Delegation.objects.filter(pk=delegation.pk).update(publish_automatically=False)
    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    meeting = MeetingFactory(delegation=delegation, city=CityFactory(), venue="Kerry Hotel")
    release_publish(delegation=delegation, notify=False)
    Delegation.objects.filter(pk=delegation.pk).update(publish_automatically=True)
    for venue in ("China World", "Peninsula", "Rosewood"):
        with django_capture_on_commit_callbacks(execute=True):
            meeting.venue = venue
            meeting.save()
    assert Release.objects.filter(delegation=delegation).count() == 4
    waiting = [result for result in queued_tasks if result.task.name == "notify_after_quiet_spell"]
    assert len(waiting) == 3 and all(result.task.run_after for result in waiting)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [result.task.call(*result.args, **result.kwargs) for result in waiting]
    assert outcomes[:2] == ["a later release will send them"] * 2
    [notice] = kim.notices.all()
    assert notice.release.number == 4
    assert notice.changes["items"][0]["lines"] == ["Place: Kerry Hotel, Beijing → Rosewood, Beijing."]
    sends = [result for result in queued_tasks if result.task.name == "send_notice"]
    assert [result.kwargs for result in sends] == [{"notice_id": notice.pk}]
    assert not mail.outbox  # sent by the worker, not by the request
