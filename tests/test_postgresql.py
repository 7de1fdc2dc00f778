"""Concurrency and database faults, against the real PostgreSQL server that .ci/run starts."""

import json
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
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delegations.models import Delegation, Member
from delegations.tokens import rotate_member_tokens
from itinerary.board import board_json
from itinerary.models import Meeting
from missionplanner import dashboard
from publishing.release import release_publish
from publishing.templatetags.publishing_tags import unpublished_count
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    StayFactory,
    UserFactory,
    local,
)
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


def test_every_cached_staff_output_sees_an_edit_that_commits_after_a_later_one():
    """Two edits committing out of order (the first saved commits last, with the older updated_at,
    which a MAX(updated_at) stamp cannot see): the board's data, the "not yet published" count,
    the staff book and the dashboard's conflict count each change, and each is what a cold cache
    builds."""
    today = timezone.localdate()
    delegation = DelegationFactory(start_date=today + timedelta(days=10), end_date=today + timedelta(days=14))
    beijing = CityFactory()
    StayFactory(delegation=delegation, city=beijing, arrival_date=delegation.start_date)
    member = MemberFactory(delegation=delegation)
    day = (delegation.start_date + timedelta(days=1)).isoformat()
    first, second = (
        MeetingFactory(delegation=delegation, city=beijing, starts_at=local(beijing, f"{day} {hour}"))
        for hour in ("10:00", "14:00")
    )
    first.attendees.add(member)
    release_publish(delegation=delegation, notify=False)
    client = Client()
    client.force_login(UserFactory(username="planner", is_superuser=True))
    book_url = reverse("briefing-print", args=[delegation.slug])

    def outputs() -> dict:
        row = dashboard.missions_ahead(Delegation.objects.filter(pk=delegation.pk), today=today)[0]
        return {
            "board": json.loads(board_json(delegation)),
            "unpublished": unpublished_count(Delegation.objects.get(pk=delegation.pk)),
            "staff book": client.get(book_url).content.decode(),
            "dashboard conflicts": row["conflict_count"],
        }

    saved, go_on = threading.Event(), threading.Event()

    def late_move():
        try:
            with transaction.atomic():
                meeting = Meeting.objects.get(pk=first.pk)
                meeting.starts_at = local(beijing, f"{day} 23:00")  # after 22:00: a conflict
                meeting.ends_at = meeting.starts_at + timedelta(minutes=45)
                meeting.save()  # its updated_at is taken now...
                saved.set()
                assert go_on.wait(timeout=30)
            # ...and it commits only after the other edit, whose updated_at is later.
        finally:
            connection.close()

    mover = threading.Thread(target=late_move)
    mover.start()
    assert saved.wait(timeout=30)
    cancelled = Meeting.objects.get(pk=second.pk)
    cancelled.status = "cancelled"
    cancelled.save()  # committed at once
    between = outputs()  # kept in the cache: the cancellation only
    go_on.set()
    mover.join(timeout=30)
    assert Meeting.objects.get(pk=first.pk).updated_at < Meeting.objects.get(pk=second.pk).updated_at
    after = outputs()
    missed = [name for name in between if after[name] == between[name]]
    assert not missed, f"missed the edit that committed last: {missed}"
    assert (between["unpublished"], after["unpublished"]) == (1, 2)
    assert after["dashboard conflicts"] == between["dashboard conflicts"] + 1
    assert "23:00" in after["staff book"] and "23:00" not in between["staff book"]
    cache.clear()
    assert outputs() == after  # what a cold cache builds
