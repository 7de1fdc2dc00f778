"""Publishing releases, and the notices that tell exactly the members concerned."""

from datetime import date

import pytest
from django.apps import apps
from django.core import mail

from itinerary.schedule import load_mission
from publishing.models import Notice, Release
from publishing.release import latest_release, pending_changes, release_publish
from publishing.snapshot import snapshot_of
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    return DelegationFactory(name="Korea 2026", start_date=date(2016, 10, 21), end_date=date(2016, 11, 10))


@pytest.fixture
def beijing():
    return CityFactory()


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish as a request would: the notices' tasks are enqueued once the transaction commits."""

    def publish_now(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return release_publish(**kwargs)

    return publish_now


def test_the_first_release_freezes_the_working_copy(delegation, beijing):
    MeetingFactory(delegation=delegation, city=beijing, title="MOFCOM")
    release = release_publish(delegation=delegation, note="Final programme", by=UserFactory(), notify=False)
    assert (release.number, release.note) == (1, "Final programme")
    assert release.snapshot == snapshot_of(load_mission(delegation))
    assert not pending_changes(delegation)


def test_nothing_to_publish_makes_no_release(delegation, beijing):
    MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, notify=False)
    assert release_publish(delegation=delegation) is None
    assert Release.objects.filter(delegation=delegation).count() == 1


def test_a_release_does_not_follow_later_edits(delegation, beijing):
    meeting = MeetingFactory(delegation=delegation, city=beijing, venue="Kerry Hotel")
    release = release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()
    release.refresh_from_db()
    assert release.snapshot["items"][0]["venue"] == "Kerry Hotel"
    assert [change.kind for change in pending_changes(delegation).items] == ["place"]


def test_members_concerned_get_one_notice_each_and_the_others_none(publish, delegation, beijing):
    kim = MemberFactory(delegation=delegation, full_name="Kim", email="kim@example.org")
    lee = MemberFactory(delegation=delegation, full_name="Lee", email="lee@example.org")
    park = MemberFactory(delegation=delegation, full_name="Park")  # no e-mail
    starts, ends = local(beijing, "2016-10-25 14:00"), local(beijing, "2016-10-25 15:00")
    meeting = MeetingFactory(
        delegation=delegation, city=beijing, title="Port visit", starts_at=starts, ends_at=ends
    )
    meeting.attendees.set([kim, park])
    release_publish(delegation=delegation, notify=False)
    meeting.starts_at, meeting.ends_at = (
        local(beijing, "2016-10-25 15:30"),
        local(beijing, "2016-10-25 16:30"),
    )
    meeting.save()
    release = publish(delegation=delegation, note="The port moved us.")
    notices = {notice.member.full_name: notice for notice in release.notices.all()}
    assert set(notices) == {"Kim", "Park"}
    assert notices["Kim"].status == Notice.Status.SENT
    assert notices["Park"].status == Notice.Status.NO_EMAIL
    assert notices["Park"].changes["items"][0]["lines"][0].startswith("Moved: Tue 25 Oct 14:00 → 15:30 CST")
    [message] = mail.outbox
    assert message.to == ["kim@example.org"]
    assert message.subject == "Korea 2026: your schedule changed — 1 moved"
    assert (
        "The port moved us." in message.body and "Moved: Tue 25 Oct 14:00 → 15:30 CST, UTC+8" in message.body
    )
    assert f"/my/{kim.feed_token}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Port visit" in html
    assert lee.notices.count() == 0


def test_a_cancellation_is_news_to_those_who_attended(publish, delegation, beijing):
    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, notify=False)
    meeting.status = "cancelled"
    meeting.save()
    publish(delegation=delegation)
    assert mail.outbox[0].subject.endswith("— 1 cancelled")
    assert kim.notices.get().changes["items"][0]["kind"] == "cancelled"


def test_a_member_only_taken_off_a_meeting_is_told_so_not_that_it_was_cancelled(publish, delegation, beijing):
    kim = MemberFactory(delegation=delegation, full_name="Kim", email="kim@example.org")
    lee = MemberFactory(delegation=delegation, full_name="Lee")
    meeting = MeetingFactory(delegation=delegation, city=beijing, title="Port visit")
    meeting.attendees.set([kim, lee])
    release_publish(delegation=delegation, notify=False)
    meeting.attendees.set([lee])
    publish(delegation=delegation)
    [message] = mail.outbox
    assert message.subject == "Korea 2026: your schedule changed — 1 taken off"
    assert "Taken off your schedule." in message.body and "cancel" not in message.body.lower()


def test_subjects_count_each_kind_in_words_with_plurals(publish, delegation, beijing):
    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    shanghai = CityFactory(name="Shanghai", local_name="上海")
    moved, elsewhere, other = (
        MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, f"2016-10-2{day} 10:00"))
        for day in (5, 6, 7)
    )
    stays = [
        StayFactory(delegation=delegation, city=city, hotel_name="Kerry") for city in (beijing, shanghai)
    ]
    release_publish(delegation=delegation, notify=False)
    moved.starts_at, moved.ends_at = local(beijing, "2016-10-25 11:00"), local(beijing, "2016-10-25 12:00")
    moved.save()
    for meeting in (elsewhere, other):
        meeting.venue_local = "国家会展中心（上海）4.1号馆"
        meeting.save()
    for stay in stays:
        stay.hotel_name = "Rosewood"
        stay.save()
    MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, "2016-10-28 10:00"))
    publish(delegation=delegation)
    assert kim.notices.get().subject == (
        "Korea 2026: your schedule changed — 1 new, 1 moved, 2 new places, 2 hotel changes"
    )


def test_a_failed_send_is_recorded_and_tried_again(publish, delegation, beijing, settings, monkeypatch):
    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "Elsewhere"
    meeting.save()
    failures = iter([ConnectionRefusedError("SMTP server down")])

    def flaky_send(self, fail_silently=False):
        error = next(failures, None)
        if error:
            raise error
        mail.outbox.append(self)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky_send)
    publish(delegation=delegation)
    notice = kim.notices.get()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_a_notice_goes_out_once_per_member_per_release(publish, delegation, beijing):
    from publishing.notices import notices_create

    kim = MemberFactory(delegation=delegation, email="kim@example.org")
    meeting = MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "Elsewhere"
    meeting.save()
    release = publish(delegation=delegation)
    Release.objects.filter(pk=release.pk).update(noticed=False)
    assert notices_create(release) == []
    assert kim.notices.count() == 1 and len(mail.outbox) == 1


def test_existing_missions_get_release_one_without_notices(delegation, beijing):
    from importlib import import_module

    MemberFactory(delegation=delegation, email="kim@example.org")
    MeetingFactory(delegation=delegation, city=beijing)
    import_module("publishing.migrations.0002_first_releases").publish_existing_missions(apps, None)
    release = latest_release(delegation)
    assert release.number == 1 and release.snapshot["items"]
    assert not mail.outbox and not Notice.objects.exists()


def test_the_migration_marks_the_loads_published_before_releases_knew_them(delegation, beijing):
    """A database loaded before `Release.loaded` still has the demo's B2B session as release 2."""
    import importlib

    migration = importlib.import_module("publishing.migrations.0003_release_loaded")
    release_publish(delegation=delegation, notify=False)
    MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, note=migration.LOAD_NOTE, notify=False)
    MeetingFactory(delegation=delegation, city=beijing)
    release_publish(delegation=delegation, note=migration.LOAD_NOTE, by=UserFactory())  # a person's
    Release.objects.update(loaded=False)
    migration.mark_earlier_loads(apps, None)
    assert list(Release.objects.order_by("number").values_list("loaded", flat=True)) == [False, True, False]
