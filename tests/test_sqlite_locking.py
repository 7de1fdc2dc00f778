"""The embedded SQLite database serves several staff at once: while one request holds the write lock
(a long import, a slow save), reads go on, and a write waits a bounded time then answers 503 "busy,
try again", never a 500.

The test database is in memory, where locking does not show, so this runs `make run`'s server
(runserver, DEBUG on) on a SQLite file of its own; the test holds that file's write lock itself.
It needs no server of the suite's, so it runs in the SQLite and the PostgreSQL passes alike.
"""

import http.cookiejar
import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from itinerary import programme_views
from itinerary.models import Meeting
from itinerary.programme import COLUMNS, export_file, read_spreadsheet
from matchmaking import import_views
from matchmaking.imports import REQUESTS
from missionplanner.database import BUSY
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    SessionFactory,
    UserFactory,
)
from tests.itinerary.test_programme import _confirm, _upload, _xlsx
from tests.matchmaking import test_imports as b2b

ROOT = Path(__file__).resolve().parents[1]
BUSY_TIMEOUT = 1  # seconds a write waits for the lock (SQLITE_BUSY_TIMEOUT)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A user agent with its own cookies, which answers Django's CSRF check as a form would."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str, float]:
        body = None
        if data is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        started = time.monotonic()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                answer = response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            answer = error.code, dict(error.headers), error.read().decode()
        return (*answer, time.monotonic() - started)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer the test looks at


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """runserver on a migrated SQLite file with one staff user; (base URL, database file)."""
    database = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}},
        "DATABASE_URL": f"sqlite:///{database}", "SQLITE_BUSY_TIMEOUT": str(BUSY_TIMEOUT),
        "DJANGO_DEBUG": "1", "TASKS_BACKEND": "immediate", "DJANGO_LOG_LEVEL": "CRITICAL",
    }  # fmt: skip
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    create = "from django.contrib.auth.models import User; User.objects.create_superuser('ana', '', 'pw')"
    subprocess.run([*manage, "shell", "-v0", "-c", create], cwd=ROOT, env=env, check=True)
    port = _free_port()
    process = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    yield base, database
    process.terminate()
    process.wait(timeout=10)


def _log_in(browser: Browser) -> tuple[int, str, float]:
    browser.request("/accounts/login/")  # the CSRF cookie
    status, _, body, took = browser.request("/accounts/login/", {"username": "ana", "password": "pw"})
    return status, body, took


def test_reads_go_on_while_another_request_writes_and_a_write_waits_then_answers_503(server):
    base, database = server
    staff, visitor = Browser(base), Browser(base)
    assert _log_in(staff)[0] == 302
    visitor.request("/accounts/login/")

    # Someone else's long write: the write lock, held with a change not yet committed.
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE auth_user SET first_name = 'Writing' WHERE username = 'ana'")
    try:
        # Reads answer at once, from what was last committed: pages that run in a transaction
        # (the login form, the organisations list) and the database check.
        for browser, path in [(visitor, "/accounts/login/"), (staff, "/organisations/"), (staff, "/healthz")]:
            status, _, body, took = browser.request(path)
            assert status == 200, (path, body[:300])
            assert took < BUSY_TIMEOUT, (path, took)
        # A write (logging in saves the session and the last login) waits for the lock, then says so.
        status, headers, body, took = visitor.request(
            "/accounts/login/", {"username": "ana", "password": "pw"}
        )
        assert status == 503, body[:300]
        assert headers["Retry-After"] == "5"
        assert "Busy, try again" in body and "nothing of yours was saved" in body
        assert BUSY_TIMEOUT <= took < BUSY_TIMEOUT + 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # The lock free again, the same write goes through.
    status, _, took = _log_in(visitor)
    assert status == 302 and took < BUSY_TIMEOUT
    assert re.search(r"Busy", Browser(base).request("/accounts/login/")[2]) is None


# --- Long work outside the write transaction (in this process, on the suite's database) -----------


def _recording(calls: list, name: str, function):
    """`function`, noting whether each call ran inside a transaction."""

    def recorded(*args, **kwargs):
        calls.append((name, connection.in_atomic_block))
        return function(*args, **kwargs)

    return recorded


@pytest.fixture
def mission():
    """A mission and its staff, as the programme tests' helpers take them."""
    delegation = DelegationFactory()
    staff = UserFactory()
    delegation.staff.add(staff)
    return {"delegation": delegation, "staff": staff}


def _one_meeting_renamed(mission) -> tuple[Meeting, bytes]:
    """A meeting, and the programme file that renames it."""
    meeting = MeetingFactory(delegation=mission["delegation"], city=CityFactory())
    exported = export_file(delegation=mission["delegation"], fmt="xlsx")
    _, rows = read_spreadsheet(content=exported, filename="p.xlsx")
    rows[0][COLUMNS.index("title")] = "Renamed in the file"
    return meeting, _xlsx(rows)


@pytest.mark.django_db(transaction=True)
def test_programme_upload_is_read_and_planned_outside_any_transaction_and_saved_in_one(
    client, mission, monkeypatch
):
    meeting, content = _one_meeting_renamed(mission)
    calls = []
    for name in ("read_spreadsheet", "plan_import", "apply_import"):
        monkeypatch.setattr(programme_views, name, _recording(calls, name, getattr(programme_views, name)))

    preview = _upload(client, mission, content)
    assert preview.status_code == 200
    assert _confirm(client, mission, preview).status_code == 302

    assert calls == [
        ("read_spreadsheet", False),  # the preview: the file read and planned holding no lock
        ("plan_import", False),
        ("read_spreadsheet", False),  # Import: the kept upload read and planned again, no lock held
        ("plan_import", False),
        ("apply_import", True),  # only the write is in the transaction
    ]
    meeting.refresh_from_db()
    assert meeting.title == "Renamed in the file"


@pytest.mark.django_db(transaction=True)
def test_programme_item_saved_between_planning_and_writing_sends_the_user_back_to_the_preview(
    client, mission, monkeypatch
):
    meeting, content = _one_meeting_renamed(mission)
    preview = _upload(client, mission, content)
    plan_import = programme_views.plan_import
    planned = []

    def someone_saves_after_the_first_plan(**kwargs):
        plan = plan_import(**kwargs)
        if not planned:  # someone else saves the meeting while Import's plan is being made
            Meeting.objects.filter(pk=meeting.pk).update(venue="Hall 9", updated_at=timezone.now())
        planned.append(plan)
        return plan

    monkeypatch.setattr(programme_views, "plan_import", someone_saves_after_the_first_plan)
    again = _confirm(client, mission, preview)

    assert again.status_code == 200 and len(planned) == 2
    assert [row.item.pk for row in again.context["changed"]] == [meeting.pk]
    meeting.refresh_from_db()
    assert (meeting.title, meeting.venue) != ("Renamed in the file", "Hall 9")  # nothing imported
    assert meeting.venue == "Hall 9"


@pytest.mark.django_db(transaction=True)
def test_b2b_upload_is_read_and_planned_outside_any_transaction_and_saved_in_one(client, monkeypatch):
    delegation = DelegationFactory()
    staff = UserFactory()
    delegation.staff.add(staff)
    session = SessionFactory(delegation=delegation)
    seller = ParticipantFactory(session=session, organisation=OrganisationFactory(name="Tesla"), seller=True)
    ParticipantFactory(session=session, organisation=OrganisationFactory(name="Alibaba"))
    calls = []
    for name in ("read_tables", "plan_import", "apply_import"):
        monkeypatch.setattr(import_views, name, _recording(calls, name, getattr(import_views, name)))
    client.force_login(staff)
    upload = io.BytesIO(b2b._csv(REQUESTS, [b2b._request("Tesla", "Alibaba", "must")]))
    upload.name = "requests.csv"
    urls = [
        reverse(name, args=[delegation.slug, session.pk]) for name in ("b2b-import", "b2b-import-confirm")
    ]

    preview = client.post(urls[0], {"file": upload})
    assert preview.status_code == 200
    assert client.post(urls[1], {"payload": preview.context["payload"]}).status_code == 302

    assert calls == [
        ("read_tables", False),
        ("plan_import", False),
        ("read_tables", False),  # Import: the kept upload read and planned again, no lock held
        ("plan_import", False),
        ("apply_import", True),
    ]
    assert seller.requests_made.get().priority == "must"


@pytest.mark.django_db
def test_a_board_move_stopped_by_the_lock_answers_503_json_the_board_shows(client, mission, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("itinerary.views.parse_move", lambda body: {})
    monkeypatch.setattr("itinerary.views.item_move", locked)  # another save held the lock too long
    client.force_login(mission["staff"])
    url = reverse("board-move", args=[mission["delegation"].slug])
    response = client.post(url, {"kind": "meeting", "pk": 1}, content_type="application/json")

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"error": BUSY}  # board.js shows `error` and puts the block back
