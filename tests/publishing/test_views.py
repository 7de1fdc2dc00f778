"""The staff pages of publishing: publish, the release history, and the notices table."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from itinerary.models import Meeting
from publishing.models import Notice, Release
from publishing.release import release_publish
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, MemberFactory, UserFactory, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegation():
    return DelegationFactory(
        name="Korea 2026", slug="korea-2026", start_date=date(2016, 10, 21), end_date=date(2016, 11, 10)
    )


@pytest.fixture
def staff_client(client, delegation):
    user = UserFactory(username="planner")
    delegation.staff.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def published(delegation):
    """A released mission: Kim and Park on the port visit, Lee not."""
    beijing = CityFactory()
    kim = MemberFactory(delegation=delegation, full_name="Kim", email="kim@example.org")
    park = MemberFactory(delegation=delegation, full_name="Park")
    lee = MemberFactory(delegation=delegation, full_name="Lee", email="lee@example.org")
    starts = local(beijing, "2016-10-25 14:00")
    meeting = MeetingFactory(
        delegation=delegation,
        city=beijing,
        title="Port visit",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    meeting.attendees.set([kim, park])
    release_publish(delegation=delegation, notify=False)
    return {"meeting": meeting, "kim": kim, "park": park, "lee": lee, "beijing": beijing}


def _move(meeting, hhmm):
    meeting.starts_at = local(meeting.city, f"2016-10-25 {hhmm}")
    meeting.ends_at = meeting.starts_at + timedelta(hours=1)
    meeting.save()


def test_publish_page_lists_pending_changes_and_who_will_be_told(staff_client, delegation, published):
    _move(published["meeting"], "15:30")
    content = staff_client.get(reverse("publish", args=[delegation.slug])).content.decode()
    assert "1 change not yet published" in content
    assert "Moved: Tue 25 Oct 14:00 → 15:30 CST, UTC+8" in content
    who = content[content.index('id="per-member"') : content.index('id="publish-form"')]
    assert "Kim" in who and "Park" in who and "Lee" not in who
    assert "no e-mail: page only" in who  # Park
    assert 'id="unpublished"' not in content  # the banner is for the other pages


def test_publishing_makes_a_release_and_tells_the_members_concerned(
    staff_client, delegation, published, django_capture_on_commit_callbacks
):
    _move(published["meeting"], "15:30")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("publish", args=[delegation.slug]), {"note": "Port asked."})
    assert response.status_code == 302 and response.url == reverse("release-list", args=[delegation.slug])
    release = Release.objects.get(delegation=delegation, number=2)
    assert (release.note, release.published_by.username) == ("Port asked.", "planner")
    assert sorted(n.member.full_name for n in release.notices.all()) == ["Kim", "Park"]
    assert [message.to for message in mail.outbox] == [["kim@example.org"]]
    page = staff_client.get(response.url).content.decode()
    assert "Published update 2. 2 members notified." in page
    assert "Port asked." in page and "Moved: Tue 25 Oct 14:00 → 15:30 CST, UTC+8" in page


def test_nothing_pending_publishes_nothing_and_says_so(staff_client, delegation, published):
    url = reverse("publish", args=[delegation.slug])
    assert 'id="nothing-pending"' in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"note": "again"}, follow=True)
    assert "Nothing to publish" in response.content.decode()
    assert Release.objects.filter(delegation=delegation).count() == 1


def test_losing_a_publish_race_says_who_published_the_changes_and_keeps_the_note(
    staff_client, delegation, published
):
    url = reverse("publish", args=[delegation.slug])
    _move(published["meeting"], "15:30")
    page = staff_client.get(url).content.decode()
    assert '<input type="hidden" name="seen" value="1">' in page  # the page showed update 1 as the latest
    other = UserFactory(username="jordan")
    delegation.staff.add(other)
    release_publish(delegation=delegation, by=other, notify=False)  # Jordan presses Publish first

    response = staff_client.post(url, {"note": "The port asked for 15:30.", "seen": "1"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Your changes went out in update 2, published by jordan at" in content
    assert "Nothing to publish: delegates" not in content.split('id="nothing-pending"')[0]
    assert "Your note was not sent: it is kept below for the next update." in content
    kept = content[content.index('id="kept-note"') :]
    assert "The port asked for 15:30." in kept[: kept.index("</textarea>")]
    assert list(Release.objects.filter(delegation=delegation).values_list("number", flat=True)) == [2, 1]


def test_nothing_pending_without_a_race_still_says_nothing_to_publish(staff_client, delegation, published):
    response = staff_client.post(reverse("publish", args=[delegation.slug]), {"note": "x", "seen": "1"})
    assert response.status_code == 302
    page = staff_client.get(response.url).content.decode()
    assert "Nothing to publish: delegates already see the current schedule." in page


def test_every_staff_page_of_the_mission_says_what_is_not_yet_published(staff_client, delegation, published):
    overview = reverse("delegation-overview", args=[delegation.slug])
    assert 'id="unpublished"' not in staff_client.get(overview).content.decode()
    _move(published["meeting"], "15:30")
    MeetingFactory(delegation=delegation, city=published["beijing"], title="Dinner")
    for url in (
        overview,
        reverse("schedule", args=[delegation.slug]),
        reverse("release-list", args=[delegation.slug]),
    ):
        content = staff_client.get(url).content.decode()
        assert "2 changes not yet published" in content, url
    release_publish(delegation=delegation, notify=False)
    assert 'id="unpublished"' not in staff_client.get(overview).content.decode()


def test_the_delegate_page_never_shows_the_staff_banner(client, staff_client, delegation, published):
    _move(published["meeting"], "15:30")
    page = staff_client.get(reverse("delegate-page", args=[published["kim"].feed_token])).content.decode()
    assert 'id="unpublished"' not in page


def test_release_history_compares_any_two_releases(staff_client, delegation, published):
    _move(published["meeting"], "15:30")
    release_publish(delegation=delegation, notify=False)
    _move(published["meeting"], "16:00")
    release_publish(delegation=delegation, notify=False)
    url = reverse("release-list", args=[delegation.slug])
    content = staff_client.get(url, {"compare": "1", "with": "3"}).content.decode()
    comparison = content[content.index('id="comparison"') : content.index('id="release-3"')]
    assert (
        "From update 1 to update 3" in comparison
        and "Moved: Tue 25 Oct 14:00 → 16:00 CST, UTC+8" in comparison
    )
    assert staff_client.get(url, {"compare": "1", "with": "99"}).status_code == 200  # ignored, not a 500


def test_notices_table_shows_failures_and_resends(
    staff_client, delegation, published, monkeypatch, django_capture_on_commit_callbacks
):
    _move(published["meeting"], "15:30")
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda self, fail_silently=False: 1 / 0)
    monkeypatch.setattr("publishing.notices.RETRY_AFTER", ())  # no automatic retry in this test
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(delegation=delegation)
    notice = Notice.objects.get(member=published["kim"])
    assert notice.status == Notice.Status.FAILED
    content = staff_client.get(reverse("notice-list", args=[delegation.slug])).content.decode()
    assert "ZeroDivisionError" in content and "Resend" in content and "No e-mail address" in content
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("notice-resend", args=[delegation.slug, notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (Notice.Status.SENT, 2)
    assert mail.outbox[-1].to == ["kim@example.org"]


def test_a_notice_of_another_mission_cannot_be_resent(staff_client, delegation, published):
    other = DelegationFactory()
    release = release_publish(delegation=other, notify=False)
    notice = Notice.objects.create(
        release=release, member=MemberFactory(delegation=other), subject="x", changes={}
    )
    assert staff_client.post(reverse("notice-resend", args=[delegation.slug, notice.pk])).status_code == 404


def _grow(delegation, city, count):
    start = datetime(2016, 10, 22, 1, 0, tzinfo=UTC)
    Meeting.objects.bulk_create(
        Meeting(
            delegation=delegation, city=city, title=f"Meeting {n}",
            starts_at=start + timedelta(minutes=30 * n), ends_at=start + timedelta(minutes=30 * n + 25),
        )
        for n in range(count)
    )  # fmt: skip


def test_publishing_takes_the_same_number_of_queries_at_10_and_1000_meetings(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for size in (10, 1000):
        delegation = DelegationFactory()
        city = CityFactory()
        members = [MemberFactory(delegation=delegation, email=f"m{n}@example.org") for n in range(5)]
        _grow(delegation, city, size)
        release_publish(delegation=delegation, notify=False)
        for meeting in delegation.meetings.all()[:5]:
            meeting.title += " (moved)"
            meeting.save()
            meeting.attendees.set(members[:2])
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            release_publish(delegation=delegation, note="Changes")
        counts[size] = len(captured)
    assert counts[10] == counts[1000]
