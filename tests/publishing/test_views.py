"""The staff pages of publishing: publish, the release history, and the notices table."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from itinerary.mission_clock import mission_clock
from itinerary.models import Meeting
from publishing.models import Notice, Release
from publishing.release import release_publish
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
    assert "Your changes went out in update 2, published by jordan on" in content
    # When, in the mission's clock and labelled, as on every page of releases (never bare UTC).
    published_at = Release.objects.get(delegation=delegation, number=2).published_at
    assert mission_clock(delegation).text(published_at) in content
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


def test_release_history_says_a_loaded_release_told_nobody(staff_client, delegation, published):
    _move(published["meeting"], "15:30")
    release_publish(delegation=delegation, note="The mission as it was loaded.", loaded=True)
    _move(published["meeting"], "16:00")
    release_publish(delegation=delegation)
    content = staff_client.get(reverse("release-list", args=[delegation.slug])).content.decode()
    loaded = content[content.index('id="release-2"') : content.index('id="release-1"')]
    assert "data-loaded" in loaded and "nobody was told" in loaded
    assert "data-loaded" not in content[: content.index('id="release-2"')]
    assert set(Notice.objects.values_list("release__number", flat=True)) == {3}


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


def test_publish_releases_notices_history_and_what_changed_read_one_clock(
    staff_client, delegation, published, django_capture_on_commit_callbacks
):
    """An edit, the release that published it and the notice it sent, all made now with the
    delegation staying in Seoul: every page says when in Seoul's clock, labelled, never bare UTC."""
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    today = timezone.localdate()
    StayFactory(delegation=delegation, city=seoul, arrival_date=today - timedelta(days=1),
                departure_date=today + timedelta(days=1))  # fmt: skip
    meeting = published["meeting"]
    edit = reverse("meeting-edit", args=[delegation.slug, meeting.pk])
    form = staff_client.get(edit).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    saved = staff_client.post(edit, {**data, "starts_at": "2016-10-25T15:30", "ends_at": "2016-10-25T16:30"})
    assert saved.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("publish", args=[delegation.slug]))
    release = Release.objects.get(delegation=delegation, number=2)
    notice = Notice.objects.get(release=release, member=published["kim"])
    kst = r"\w{3} \d+ \w{3} \d{4}, \d\d:\d\d KST, UTC\+9"
    pages = {
        "publish": staff_client.get(reverse("publish", args=[delegation.slug])),
        "releases": staff_client.get(reverse("release-list", args=[delegation.slug])),
        "notices": staff_client.get(reverse("notice-list", args=[delegation.slug])),
        "history": staff_client.get(edit),
        "what changed": staff_client.get(reverse("delegate-page", args=[published["kim"].feed_token])),
    }
    for name, response in pages.items():
        content = response.content.decode()
        assert re.search(kst, content), name
        assert not re.search(r"\d\d:\d\d UTC\b", content), name
    assert f"published {_seoul(release.published_at)}" in pages["publish"].content.decode()
    assert _seoul(notice.sent_at) in pages["notices"].content.decode()


def _seoul(moment):
    local = moment.astimezone(ZoneInfo("Asia/Seoul"))
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} KST, UTC+9"


def test_all_notices_of_ones_missions_are_on_one_page_failed_first(staff_client, delegation, published):
    other = DelegationFactory(name="Japan 2017", slug="japan-2017")
    other.staff.add(UserFactory(username="someone-else"))
    mine_too = DelegationFactory(name="Taiwan 2018", slug="taiwan-2018")
    mine_too.staff.add(published["kim"].delegation.staff.get())
    release = Release.objects.get(delegation=delegation)
    Notice.objects.create(
        release=release, member=published["kim"], subject="Korea: 1 moved", changes={},
        status=Notice.Status.SENT, sent_at=datetime(2016, 10, 25, 6, 5, tzinfo=UTC),
    )  # fmt: skip
    Notice.objects.create(
        release=release_publish(delegation=mine_too, notify=False),
        member=MemberFactory(delegation=mine_too, full_name="Wu"), subject="Taiwan: 1 new", changes={},
        status=Notice.Status.FAILED, last_error="SMTPRecipientsRefused: no such mailbox",
    )  # fmt: skip
    Notice.objects.create(
        release=release_publish(delegation=other, notify=False),
        member=MemberFactory(delegation=other, full_name="Sato"), subject="Japan: 1 new", changes={},
    )  # fmt: skip
    response = staff_client.get("/notices/")
    assert response.status_code == 200
    rows = re.findall(r'<tr data-status="(\w+)">(.*?)</tr>', response.content.decode(), re.S)
    assert [status for status, _ in rows] == ["failed", "sent"]
    assert "Taiwan 2018" in rows[0][1] and "no such mailbox" in rows[0][1]
    # Sent at 06:05 UTC, the delegation at home (no stay that day): the home office's clock.
    assert "Korea 2026" in rows[1][1] and "Mon 24 Oct 2016, 23:05 PDT, UTC−7" in rows[1][1]
    assert "Japan" not in response.content.decode()  # not one of theirs


def test_notices_waiting_for_the_quiet_spell_are_shown_with_when_they_go_out(
    staff_client, delegation, published, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    type(delegation).objects.filter(pk=delegation.pk).update(publish_automatically=True)
    with django_capture_on_commit_callbacks(execute=True):
        _move(published["meeting"], "15:30")
    release = Release.objects.get(delegation=delegation, number=2)
    assert (release.automatic, release.noticed, release.notices.count()) == (True, False, 0)
    local = (release.published_at + timedelta(minutes=settings.NOTICE_QUIET_MINUTES)).astimezone(
        ZoneInfo("America/Los_Angeles")
    )
    due = f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} P"  # the home office's clock, PDT or PST
    for url in (reverse("notice-list", args=[delegation.slug]), "/notices/"):
        content = staff_client.get(url).content.decode()
        waiting = content[content.index('id="notices-waiting"') :]
        assert "2 notices for update 2, going out at " + due in waiting, url
        assert "Kim</strong> · Korea 2026: your schedule changed — 1 moved" in waiting
        assert "Park</strong>" in waiting and "Lee</strong>" not in waiting
    overview = staff_client.get(reverse("delegation-overview", args=[delegation.slug])).content.decode()
    assert (
        "Publishing automatically:" in overview
        and "notices go out once edits have been quiet for 5" in overview
    )
    assert "2 notices waiting, going out at " + due in overview
    assert 'id="unpublished"' not in overview  # the move is published: nothing to review
