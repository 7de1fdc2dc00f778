"""Two staff publishing at once, against the real PostgreSQL server that .ci/run starts."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from publishing.models import Notice, Release
from publishing.notices import notices_create
from publishing.release import release_publish
from tests.factories import MeetingFactory, MemberFactory, UserFactory
from tests.threads import in_threads

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_publishes_at_once_make_one_release_and_one_notice_per_member():
    kim = MemberFactory(email="kim@example.org")
    delegation = kim.delegation
    MemberFactory(delegation=delegation, email="lee@example.org")
    meeting = MeetingFactory(delegation=delegation, venue="Kerry Hotel")
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()

    results = in_threads(6, lambda n: release_publish(delegation=delegation, note=f"from {n}"))
    published = [release for release in results if release is not None]
    assert len(published) == 1  # the others found nothing left to publish
    assert list(Release.objects.filter(delegation=delegation).values_list("number", flat=True)) == [2, 1]
    assert Notice.objects.filter(release=published[0]).count() == 2
    assert sorted(to for message in mail.outbox for to in message.to) == [
        "kim@example.org",
        "lee@example.org",
    ]


def test_notices_for_one_release_written_twice_at_once_go_out_once():
    kim = MemberFactory(email="kim@example.org")
    meeting = MeetingFactory(delegation=kim.delegation)
    release_publish(delegation=kim.delegation, notify=False)
    meeting.status = "cancelled"
    meeting.save()
    release = release_publish(delegation=kim.delegation, notify=False)
    Release.objects.filter(pk=release.pk).update(noticed=False)

    def write(n):
        return len(notices_create(Release.objects.get(pk=release.pk)))

    in_threads(4, write)
    assert Notice.objects.filter(release=release, member=kim).count() == 1


def test_the_staff_member_who_loses_a_publish_race_is_told_who_won_and_keeps_the_note():
    kim = MemberFactory(email="kim@example.org")
    delegation = kim.delegation
    meeting = MeetingFactory(delegation=delegation, venue="Kerry Hotel")
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()
    clients = []
    for name in ("ana", "ben"):
        user = UserFactory(username=name)
        delegation.staff.add(user)
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = reverse("publish", args=[delegation.slug])

    def press_publish(n):
        return clients[n].post(url, {"note": f"note of {('ana', 'ben')[n]}", "seen": "1"})

    responses = in_threads(2, press_publish)
    assert sorted(response.status_code for response in responses) == [200, 302]
    release = Release.objects.get(delegation=delegation, number=2)
    loser = next(response for response in responses if response.status_code == 200).content.decode()
    winner = release.published_by.username
    assert release.note == f"note of {winner}"
    assert f"Your changes went out in update 2, published by {winner} on" in loser
    assert f"note of {({'ana', 'ben'} - {winner}).pop()}" in loser[loser.index('id="kept-note"') :]
    assert Release.objects.filter(delegation=delegation).count() == 2
