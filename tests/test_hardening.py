"""Security headers, login lockout, and a clear 503 when the database does not answer."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from matchmaking.itinerary_sync import sync_session_meetings
from publishing.release import release_publish
from tests.factories import PlacementFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_token_url_keeps_its_referer_on_this_site_only(client):
    """`same-origin`: no other site learns a token from a Referer, and a form posted back here keeps
    its Origin (with `no-referrer` browsers send `Origin: null`, which the CSRF check refuses)."""
    placement = PlacementFactory()
    sync_session_meetings(placement.session)
    release_publish(delegation=placement.session.delegation, notify=False)
    member = placement.seller.members.get()
    urls = [
        reverse("delegate-page", args=[member.feed_token]),
        reverse("delegate-b2b", args=[member.feed_token]),
        reverse("delegate-briefing-print", args=[member.feed_token]),
        reverse("member-calendar", args=[member.feed_token]),
        reverse("delegation-calendar", args=[member.delegation.feed_token]),
        reverse("buyer-page", args=[placement.buyer.feed_token]),
        reverse("buyer-calendar", args=[placement.buyer.feed_token]),
        reverse("delegate-page", args=["not-a-real-token"]),
        reverse("member-calendar", args=["not-a-real-token"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response["Referrer-Policy"] == "same-origin", url


def test_five_wrong_passwords_lock_the_user_name_out(client):
    UserFactory(username="planner", password="the right one is long")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "planner", "password": "wrong"})
        assert response.status_code == 200
    assert client.post(reverse("login"), {"username": "planner", "password": "wrong"}).status_code == 429
    locked = client.post(reverse("login"), {"username": "planner", "password": "the right one is long"})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_after_a_few_wrong_ones_logs_in(client):
    UserFactory(username="planner", password="the right one is long")
    for _ in range(3):
        client.post(reverse("login"), {"username": "planner", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "planner", "password": "the right one is long"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_database_that_does_not_answer_gives_a_503_page_not_a_traceback(monkeypatch):
    from missionplanner import dashboard

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(dashboard, "load_missions", unreachable)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "cannot reach its database" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_other_errors_give_a_plain_500_page(monkeypatch):
    from missionplanner import dashboard

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(dashboard, "load_missions", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_an_unknown_staff_url_shows_the_projects_404_page(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content and "Mission Planner" in content
    assert "URLconf" not in content
    assert 'href="/static/css/app.css"' in content or "css/app" in content  # it extends base.html


def test_error_pages_render_without_a_request_or_user():
    from django.template.loader import render_to_string

    for name in ("404.html", "500.html", "base.html"):
        assert "Mission Planner" in render_to_string(name)
