"""Concurrency and database faults, against the real PostgreSQL server that .ci/run starts."""

import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from delegations.models import Member
from delegations.tokens import rotate_member_tokens
from itinerary.models import Meeting
from publishing.release import release_publish
from tests.factories import MeetingFactory, MemberFactory
from tests.threads import in_threads

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def test_concurrent_changes_each_raise_the_sequence_exactly_once():
    meeting = MeetingFactory()

    def move(n):
        item = Meeting.objects.get(pk=meeting.pk)
        item.starts_at += timedelta(minutes=n + 1)
        item.ends_at += timedelta(minutes=n + 1)
        item.save()

    in_threads(8, move)
    meeting.refresh_from_db()
    assert meeting.sequence == 8


def test_rotating_a_token_while_feeds_are_fetched_never_serves_a_half_state():
    member = MemberFactory()
    MeetingFactory(delegation=member.delegation)
    release_publish(delegation=member.delegation, notify=False)
    old = member.feed_token
    url = reverse("member-calendar", args=[old])
    codes = []
    fetching = threading.Event()

    def fetch_or_rotate(n):
        if n == 0:
            # Rotate once the feed is being fetched: waits on the fetchers, not on a clock (feeds
            # from a release are fast enough to finish any fixed number of requests first).
            assert fetching.wait(timeout=30)
            rotate_member_tokens(members=Member.objects.filter(pk=member.pk))
            return
        client = Client(raise_request_exception=False)
        for _ in range(10_000):  # until the rotation shows; after it, every answer is 404
            response = client.get(url)
            codes.append(response.status_code)
            fetching.set()
            if response.status_code == 404:
                return
            assert response.content.startswith(b"BEGIN:VCALENDAR")
            assert response.content.endswith(b"END:VCALENDAR\r\n")

    in_threads(4, fetch_or_rotate)
    assert set(codes) == {200, 404} and codes.count(404) == 3
    assert Client().get(url).status_code == 404
    member.refresh_from_db()
    assert Client().get(reverse("member-calendar", args=[member.feed_token])).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_app_answers_503_while_the_database_is_down_and_recovers_without_a_restart():
    pg_ctl = os.environ.get("MISSIONPLANNER_PG_CTL")
    assert pg_ctl, "run through .ci/run, which starts the PostgreSQL server this test stops and starts"
    member = MemberFactory()
    meetings_before = Meeting.objects.count()
    settings_dict = connection.settings_dict
    database_url = f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    port = _free_port()
    env = {
        **os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0", "DJANGO_LOG_LEVEL": "CRITICAL",
        "DJANGO_SECRET_KEY": "fault-test-" + "x" * 50, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }  # fmt: skip
    # Production settings, as users would meet them: hashed static files, the 503 page.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "missionplanner.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/my/{member.feed_token}/"
    try:
        for _ in range(100):
            try:
                if _status(f"{base}/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert _status(page) == 200
        subprocess.run([*shlex.split(pg_ctl), "-m", "fast", "-w", "stop"], check=True, capture_output=True)
        try:
            assert _status(f"{base}/healthz") == 503
            assert _status(page) == 503
            assert _status(f"{base}/feeds/member/{member.feed_token}.ics") == 503
        finally:
            subprocess.run([*shlex.split(pg_ctl), "-w", "start"], check=True, capture_output=True)
        deadline = time.monotonic() + 30
        while _status(f"{base}/healthz") != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _status(f"{base}/healthz") == 200  # reconnected by itself: no restart of the app
        assert _status(page) == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
        connection.close()  # this process's connection died with the server; the next use reconnects
    assert Meeting.objects.count() == meetings_before
