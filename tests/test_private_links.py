"""Secret links stay out of search engines and logs, and a wrong buyer feed link is a calendar's 404
(issue 20, point 10)."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from delegations.tokens import token_digest
from missionplanner.private_links import GunicornLogger, MaskTokens, mask_tokens
from tests.factories import MemberFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MemberFactory()


def _token_urls(member, buyer):
    token = member.feed_token
    return [
        reverse("delegate-page", args=[token]),
        reverse("delegate-b2b", args=[token]),
        reverse("delegate-briefing-print", args=[token]),
        reverse("member-calendar", args=[token]),
        reverse("delegation-calendar", args=[member.delegation.feed_token]),
        reverse("buyer-page", args=[buyer.feed_token]),
        reverse("buyer-calendar", args=[buyer.feed_token]),
        # wrong or rotated links too
        reverse("delegate-page", args=["not-a-token"]),
        reverse("member-calendar", args=["not-a-token"]),
        reverse("buyer-calendar", args=["not-a-token"]),
    ]


def test_token_pages_feeds_and_pdfs_say_noindex(client, member):
    from publishing.release import release_publish

    release_publish(delegation=member.delegation, notify=False)
    buyer = ParticipantFactory(session__delegation=member.delegation)
    for url in _token_urls(member, buyer):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive", url


def test_the_delegates_pdf_says_noindex(client, member):
    from publishing.release import release_publish

    release_publish(delegation=member.delegation, notify=False)
    response = client.get(reverse("delegate-briefing", args=[member.feed_token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


def test_robots_txt_disallows_everything(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "User-agent: *\nDisallow: /\n"


def test_a_wrong_buyer_feed_link_is_the_short_plain_text_404_of_the_other_feeds(client):
    buyer_feed = client.get(reverse("buyer-calendar", args=["not-a-token"]))
    member_feed = client.get(reverse("member-calendar", args=["not-a-token"]))
    assert buyer_feed.status_code == member_feed.status_code == 404
    assert buyer_feed["Content-Type"] == member_feed["Content-Type"] == "text/plain; charset=utf-8"
    assert buyer_feed.content == member_feed.content
    assert b"<html" not in buyer_feed.content


TOKEN = "Zb9lQ2x-_H3kQm1vW4pY0tTnR8sJ6uE5aC7dF2gI1oL"  # the shape of secrets.token_urlsafe(32)


@pytest.mark.parametrize(
    "path",
    [f"/my/{TOKEN}/", f"/my/{TOKEN}/b2b/", f"/my/{TOKEN}/briefing.pdf", f"/feeds/member/{TOKEN}.ics",
     f"/feeds/delegation/{TOKEN}.ics", f"/b2b/{TOKEN}/", f"/b2b/{TOKEN}.ics"],
)  # fmt: skip
def test_the_access_log_shows_a_digest_prefix_instead_of_the_token(path):
    line = mask_tokens(f'"GET {path}?download=1 HTTP/1.1" 200 1234')
    assert TOKEN not in line
    assert f"/{token_digest(TOKEN)[:8]}…" in line
    assert line.endswith(' HTTP/1.1" 200 1234') and "?download=1" in line


def test_staff_paths_are_logged_as_they_are():
    line = '"GET /delegations/ciie-2021/b2b/sessions/3/ HTTP/1.1" 200 1234'
    assert mask_tokens(line) == line


def test_runservers_request_log_masks_tokens():
    """The django.server logger (runserver's access log) goes through the filter settings name."""
    args = (f"GET /my/{TOKEN}/ HTTP/1.1", "200", "5")
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', args, None)
    assert MaskTokens().filter(record)
    assert TOKEN not in record.getMessage() and token_digest(TOKEN)[:8] in record.getMessage()
    handler = logging.getLogger("django.server").handlers[0]
    assert any(isinstance(f, MaskTokens) for f in handler.filters)


def test_gunicorns_access_log_masks_tokens():
    from gunicorn.config import Config

    class Response:
        status, sent, headers = "200 OK", 5, []

    path = f"/feeds/member/{TOKEN}.ics"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": path,
               "QUERY_STRING": "", "HTTP_REFERER": f"https://example.org/my/{TOKEN}/"}  # fmt: skip
    atoms = GunicornLogger(Config()).atoms(Response(), RequestFactory().get("/").headers, environ, _Elapsed())
    assert atoms["r"] == f"GET /feeds/member/{token_digest(TOKEN)[:8]}….ics HTTP/1.1"
    assert atoms["U"] == f"/feeds/member/{token_digest(TOKEN)[:8]}….ics"
    assert atoms["f"] == f"https://example.org/my/{token_digest(TOKEN)[:8]}…/"


class _Elapsed:
    seconds, microseconds = 0, 1500


def test_gunicorn_reads_its_logger_from_the_config_file():
    from pathlib import Path

    from gunicorn.config import Config

    config = Config()
    namespace = {}
    exec((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text(), namespace)
    config.set("logger_class", namespace["logger_class"])
    assert config.logger_class is GunicornLogger
