"""A notice goes out at most once per send: the attempt recorded around the send
(publishing.notices.notice_send) and Resend counted per click (notice_resend)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks_db.models import DBTaskResult

from missionplanner.models import WorkerHeartbeat
from publishing.models import Notice
from publishing.notices import notice_send
from publishing.tasks import send_notice
from tests.factories import MemberFactory, NoticeFactory, UserFactory
from tests.threads import in_threads


def _failed_notice() -> Notice:
    member = MemberFactory(full_name="Kim Min-ji", email="kim@example.org")
    return NoticeFactory(
        release__delegation=member.delegation, member=member, email=member.email,
        status=Notice.Status.FAILED, attempts=1, last_error="SMTPServerDisconnected: gone",
    )  # fmt: skip


def _staff(client, notice: Notice) -> Client:
    user = UserFactory()
    notice.release.delegation.staff.add(user)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_three_clicks_on_resend_from_the_same_page_send_one_email(client, django_capture_on_commit_callbacks):
    notice = _failed_notice()
    staff = _staff(client, notice)
    delegation = notice.release.delegation
    page = staff.get(reverse("notice-list", args=[delegation.slug])).content.decode()
    assert 'name="attempts" value="1"' in page  # each Resend button says which tries it saw
    url = reverse("notice-resend", args=[delegation.slug, notice.pk])

    answers = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):  # the task runs as its request commits
            answers.append(staff.post(url, {"attempts": "1"}, follow=True).content.decode())

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kim@example.org"]
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.send_attempt) == (Notice.Status.SENT, 2, "")
    assert "Sending the notice to Kim Min-ji again." in answers[0]
    assert all("already being sent again: it goes once" in answer for answer in answers[1:])
    # A click on the page as it is now (2 tries shown) sends it once more.
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {"attempts": "2"})
    assert len(mail.outbox) == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_three_resend_posts_at_once_queue_one_send(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run
    notice = _failed_notice()
    staff = _staff(client, notice)
    url = reverse("notice-resend", args=[notice.release.delegation.slug, notice.pk])
    sessions = staff.cookies

    def click(n):
        other = Client()
        other.cookies = sessions
        return other.post(url).status_code  # no tries sent: only the notice's state decides

    assert in_threads(3, click) == [302, 302, 302]
    [queued] = DBTaskResult.objects.all()
    context = TaskContext(task_result=queued.task_result)
    assert queued.task.call(context, **queued.args_kwargs["kwargs"]) == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_task_that_finds_its_own_attempt_recorded_was_cut_off_and_sends_nothing():
    notice = _failed_notice()
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.PENDING, send_attempt="task-1", attempts=2
    )

    assert notice_send(notice.pk, attempt="task-2") == "nothing to send"  # someone else's send
    assert Notice.objects.get(pk=notice.pk).send_attempt == "task-1"
    assert notice_send(notice.pk, attempt="task-1") == "interrupted"  # its own, taken up again

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.send_attempt) == (Notice.Status.FAILED, 2, "")
    assert notice.last_error.startswith("The worker stopped while sending this notice: it may have arrived.")
    assert mail.outbox == []


@pytest.mark.django_db
def test_notice_send_records_the_attempt_before_the_message_leaves(monkeypatch):
    notice = _failed_notice()
    seen = []
    monkeypatch.setattr(
        "django.core.mail.EmailMultiAlternatives.send",
        lambda message, fail_silently=False: seen.append(
            Notice.objects.values_list("send_attempt", "attempts").get()
        ),
    )
    assert notice_send(notice.pk, attempt="task-1") == "sent"
    assert seen == [("task-1", 2)]
    assert Notice.objects.values_list("status", "send_attempt").get() == (Notice.Status.SENT, "")


# --- /healthz and the worker's heartbeat ----------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WORKER_STALE_SECONDS = 60


def _task_waiting(seconds: int) -> None:
    send_notice.enqueue(notice_id=1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=seconds))


def _worker_seen(seconds: int) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id="w1", defaults={"seen_at": timezone.now() - timedelta(seconds=seconds)}
    )


@pytest.mark.django_db
def test_healthz_says_when_the_worker_was_last_seen(client, database_tasks):
    assert client.get("/healthz").content == b"ok\nworker: never seen\n"
    _worker_seen(7)
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\nworker: last seen 7 s ago\n")


@pytest.mark.django_db
def test_healthz_answers_503_when_a_task_has_waited_with_no_worker_seen(client, database_tasks):
    _worker_seen(300)
    _task_waiting(10)  # not long yet
    assert client.get("/healthz").status_code == 200
    _task_waiting(120)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"worker stopped taking tasks\nworker: last seen 300 s ago, 2 tasks waiting\n"
    _worker_seen(3)  # a worker that is alive and busy: the tasks wait their turn
    assert client.get("/healthz").status_code == 200
