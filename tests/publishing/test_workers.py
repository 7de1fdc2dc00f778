"""Notices leave through real servers: an RQ worker process on Redis, a Redis cache that two app
processes share, and an SMTP server that accepts mail or refuses it.

The Redis tests run in CI's PostgreSQL pass, where .ci/run starts Redis (REDIS_URL) and the
database is a server another process can reach; the SMTP ones run everywhere.
"""

import email
import hashlib
import json
import os
import socket
import subprocess
import sys
from datetime import date
from email import policy
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import TaskContext, default_task_backend

from missionplanner.env import env_cache
from publishing.models import Notice
from publishing.release import release_publish
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, MemberFactory

ROOT = Path(__file__).resolve().parents[2]
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SUBJECT = "Korea 2026: your schedule changed — 1 new place"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _a_member_whose_meeting_moved(*, email_address: str = "kim@example.org"):
    """Kim, the only member, after her meeting moved to another venue since release 1."""
    delegation = DelegationFactory(
        name="Korea 2026", start_date=date(2016, 10, 21), end_date=date(2016, 11, 10)
    )
    kim = MemberFactory(delegation=delegation, full_name="Kim Min-ji", email=email_address)
    meeting = MeetingFactory(
        delegation=delegation, city=CityFactory(), title="Port visit", venue="Kerry Hotel"
    )
    release_publish(delegation=delegation, notify=False)
    meeting.venue = "China World"
    meeting.save()
    return kim


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _base_env(**extra: str) -> dict[str, str]:
    """This environment without the settings these tests choose themselves."""
    chosen = {"DATABASE_URL", "TASKS_BACKEND", "TASKS_REDIS_URL", "REDIS_URL", "CACHE_URL"}
    base = {k: v for k, v in os.environ.items() if k not in chosen and not k.startswith("DJANGO_EMAIL")}
    return {**base, **extra}


# --- SMTP -----------------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses every recipient with `refusal`."""

    def __init__(self):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refusal: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusal:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on a free loopback port, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_smtp_notice_arrives_with_subject_text_html_and_recipient(
    smtp_inbox, django_capture_on_commit_callbacks
):
    kim = _a_member_whose_meeting_moved()
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(delegation=kim.delegation, note="The port asked us to move.")
    [(recipients, message)] = smtp_inbox.received
    assert recipients == ["kim@example.org"]
    assert message["To"] == "kim@example.org"
    assert message["Subject"] == SUBJECT
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Kim Min-ji" in text and "The port asked us to move." in text
    assert "Place: Kerry Hotel" in text and f"/my/{kim.feed_token}/" in text
    assert "Port visit" in html and f"/my/{kim.feed_token}/" in html
    notice = kim.notices.get()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 1, "")


@pytest.mark.django_db
def test_smtp_refusal_marks_the_notice_failed_and_the_retry_sends_it(
    smtp_inbox, settings, django_capture_on_commit_callbacks
):
    # Tasks are kept, not run, so the test plays the worker (each task with its own result, whose id
    # marks the send attempt): first while the server refuses, then the retry the failure scheduled,
    # once the server accepts again.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queued = default_task_backend.results
    kim = _a_member_whose_meeting_moved()
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(delegation=kim.delegation)
    [first] = queued
    smtp_inbox.refusal = "550 5.1.1 <kim@example.org>: mailbox unavailable"
    assert first.task.call(TaskContext(task_result=first), *first.args, **first.kwargs) == "failed"
    notice = kim.notices.get()
    assert (notice.status, notice.attempts) == (Notice.Status.FAILED, 1)
    assert (
        notice.last_error.startswith("SMTPRecipientsRefused") and "mailbox unavailable" in notice.last_error
    )
    assert smtp_inbox.received == []
    [retry] = queued[1:]
    assert retry.task.name == "send_notice" and retry.kwargs == {"notice_id": notice.pk}
    assert retry.task.run_after > first.enqueued_at  # later, not at once
    smtp_inbox.refusal = None
    assert retry.task.call(TaskContext(task_result=retry), *retry.args, **retry.kwargs) == "sent"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 2, "")
    assert [recipients for recipients, _ in smtp_inbox.received] == [["kim@example.org"]]


# --- Redis: RQ workers and a shared cache ---------------------------------------------------------


def _test_database_url() -> str:
    """The test database (pytest-django's test_<name>) as a URL another process can use."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _redis_urls() -> tuple[str, str]:
    """(queues, cache): REDIS_URL for the queues, the next database number on that server for the
    cache, as the README advises, so clearing the cache never drops a queued task."""
    queues = os.environ["REDIS_URL"]
    parts = urlsplit(queues)
    number = int(parts.path.strip("/") or 0)
    return queues, parts._replace(path=f"/{(number + 1) % 16}").geturl()


@pytest.fixture
def redis_everywhere(settings, monkeypatch):
    """This process on the RQ backend and a Redis cache, as TASKS_BACKEND=rq and CACHE_URL make it;
    the cache is put back before the suite's own fixtures clear "the" cache."""
    queues, cache_url = _redis_urls()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": queues}}
    monkeypatch.setenv("CACHE_URL", cache_url)
    with override_settings(CACHES={"default": env_cache("CACHE_URL")}):
        yield _base_env(
            DATABASE_URL=_test_database_url(), TASKS_BACKEND="rq", TASKS_REDIS_URL=queues, CACHE_URL=cache_url
        )


@pytest.mark.postgresql
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rq_worker_process_sends_the_notice_and_marks_it_sent(redis_everywhere, tmp_path):
    kim = _a_member_whose_meeting_moved()
    release_publish(delegation=kim.delegation)  # commits: the task is on the Redis queue now
    notice = kim.notices.get()
    assert notice.status == Notice.Status.PENDING  # nothing sent in this process
    mail_dir = tmp_path / "mail"
    env = {**redis_everywhere, "DJANGO_EMAIL_BACKEND": FILE_BACKEND, "DJANGO_EMAIL_FILE_PATH": str(mail_dir)}
    # --burst: work until the queue is empty, then exit, so the test waits on the process, not a clock.
    worker = _manage("rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default", env=env)
    assert worker.returncode == 0, worker.stderr
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 1, ""), worker.stderr
    [sent_file] = mail_dir.iterdir()
    # The file backend writes each message followed by a line of 79 dashes.
    raw = sent_file.read_bytes().rstrip().removesuffix(b"-" * 79)
    message = email.message_from_bytes(raw, policy=policy.default)
    assert (message["To"], message["Subject"]) == ("kim@example.org", SUBJECT)
    assert "Place: Kerry Hotel" in message.get_body(preferencelist=("plain",)).get_content()
    assert "Port visit" in message.get_body(preferencelist=("html",)).get_content()


FETCH_FEED = """
import hashlib, json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as queries:
    response = Client().get({url!r})
print(json.dumps({{"status": response.status_code, "etag": response["ETag"],
                  "sha256": hashlib.sha256(response.content).hexdigest(), "queries": len(queries)}}))
"""


@pytest.mark.postgresql
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_app_processes_share_one_redis_cache_and_build_the_feed_once(redis_everywhere):
    member = MemberFactory(delegation=DelegationFactory())
    MeetingFactory(delegation=member.delegation, title="Port visit")
    release_publish(delegation=member.delegation, notify=False)
    url = reverse("member-calendar", args=[member.feed_token])
    with CaptureQueriesContext(connection) as first_queries:
        first = Client().get(url)
    assert first.status_code == 200 and b"Port visit" in first.content
    # Built here and kept in Redis under its ETag (itinerary.mission_cache.cached_body).
    assert cache.get(f"ics:{first['ETag'].strip(chr(34))}") == first.content
    # What knowing the ETag costs: a client that has the feed gets its 304 for that alone.
    with CaptureQueriesContext(connection) as stamp_queries:
        assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert len(stamp_queries) < len(first_queries)

    env = {**redis_everywhere, "DJANGO_ALLOWED_HOSTS": "testserver"}
    other = _manage("shell", "-v", "0", "-c", FETCH_FEED.format(url=url), env=env)
    assert other.returncode == 0, other.stderr
    second = json.loads(other.stdout.strip().splitlines()[-1])
    assert second["status"] == 200 and second["etag"] == first["ETag"]
    assert second["sha256"] == hashlib.sha256(first.content).hexdigest()
    # The other process paid for the ETag and nothing more: the feed came from the shared cache.
    assert second["queries"] == len(stamp_queries)


# --- Configuration of the workers ---------------------------------------------------------------


def test_rq_backend_without_a_redis_url_stops_start_up_naming_the_setting():
    result = _manage("check", env=_base_env(TASKS_BACKEND="rq"))
    assert result.returncode != 0
    assert "TASKS_BACKEND=rq needs a Redis server: set TASKS_REDIS_URL (or REDIS_URL)" in result.stderr


def test_rq_backend_takes_redis_url_and_passes_the_checks():
    # The check needs no running Redis: it only validates the configuration.
    env = _base_env(TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6390/3")
    result = _manage(
        "shell", "-v", "0", "-c", "from django.conf import settings; print(settings.RQ_QUEUES)", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "'URL': 'redis://127.0.0.1:6390/3'" in result.stdout
    check = _manage("check", env=env)
    assert check.returncode == 0, check.stderr
    assert _manage("rqworker", "--help", env=env).returncode == 0


def test_tasks_redis_url_must_be_a_redis_url():
    result = _manage("check", env=_base_env(TASKS_BACKEND="rq", TASKS_REDIS_URL="localhost:6379"))
    assert result.returncode != 0
    assert "TASKS_REDIS_URL must look like redis://host:6379/0" in result.stderr


def test_file_email_backend_writes_where_django_email_file_path_says(tmp_path):
    env = _base_env(DJANGO_EMAIL_BACKEND=FILE_BACKEND, DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"))
    send = "from django.core.mail import send_mail; send_mail('Hello', 'Body', None, ['kim@example.org'])"
    result = _manage("shell", "-v", "0", "-c", send, env=env)
    assert result.returncode == 0, result.stderr
    [sent_file] = (tmp_path / "mail").iterdir()
    assert b"Subject: Hello" in sent_file.read_bytes()
