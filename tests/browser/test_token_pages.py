"""Token pages in Chromium: their forms post back (CSRF passes), and no other site gets a Referer."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from matchmaking.itinerary_sync import sync_session_meetings
from matchmaking.models import Placement
from publishing.release import release_publish
from tests.factories import ParticipantFactory, PlacementFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

ELSEWHERE = "http://elsewhere.test/landing"


@pytest.fixture
def b2b():
    """A seller with two meetings at the table, published: the member's pages all have content."""
    session = SessionFactory()
    seller = ParticipantFactory(session=session, seller=True)
    placements = [
        PlacementFactory(session=session, seller=seller, buyer=ParticipantFactory(session=session), slot=n)
        for n in (1, 2)
    ]
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, notify=False)
    return {"member": seller.members.get(), "placements": placements}


def _token_pages(b2b) -> list[str]:
    member, buyer = b2b["member"], b2b["placements"][0].buyer
    return [
        reverse("delegate-page", args=[member.feed_token]),
        reverse("delegate-b2b", args=[member.feed_token]),
        reverse("delegate-briefing-print", args=[member.feed_token]),
        reverse("buyer-page", args=[buyer.feed_token]),
        reverse("delegate-page", args=["not-a-real-token"]),
    ]


def test_every_post_form_on_a_token_page_saves_in_chromium(page, live_server, b2b):
    """Each form is submitted as a person would; with `Referrer-Policy: no-referrer` every one of
    them got Django's 403 "Origin checking failed - null does not match any trusted origins"."""
    submitted = []
    for path in _token_pages(b2b):
        page.goto(live_server.url + path)
        for index in range(page.locator("form[method=post i]").count()):
            form = page.locator("form[method=post i]").nth(index)
            is_outcome = form.locator("select[name=outcome]").count() == 1
            if is_outcome:
                form.locator("select[name=outcome]").select_option(label="Held")
                form.locator("input[name=outcome_note]").fill(f"Follow-up {index}")
            with page.expect_response(lambda response: response.request.method == "POST") as posted:
                form.locator("[type=submit]").click()
            assert posted.value.status < 400, f"{path} form {index}: {posted.value.status}"
            if is_outcome:
                expect(page.locator(".alert-success")).to_contain_text(f"Follow-up {index}")
            expect(page.locator("body")).not_to_contain_text("CSRF verification failed")
            submitted.append((path, index))
    # The delegate's B2B page has the only POST forms of the token pages: one per meeting.
    outcomes = reverse("delegate-b2b", args=[b2b["member"].feed_token])
    assert submitted == [(outcomes, 0), (outcomes, 1)]
    saved = Placement.objects.filter(pk__in=[p.pk for p in b2b["placements"]]).order_by("slot")
    assert [(p.outcome, p.outcome_note) for p in saved] == [
        ("held", "Follow-up 0"),
        ("held", "Follow-up 1"),
    ]


def test_a_link_from_a_token_page_to_another_site_carries_no_referer(page, live_server, b2b):
    """Chromium's own verdict: the request's Referer header and the landing page's document.referrer.
    A link within the site keeps its Referer (so the check could see one if it were sent)."""
    sent = {}

    def landing(route):
        sent[route.request.url] = route.request.all_headers().get("referer")
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Elsewhere</title>")

    page.route(f"{ELSEWHERE}**", landing)
    for path in _token_pages(b2b):
        page.goto(live_server.url + path)
        page.evaluate(
            """(href) => { const a = document.createElement("a"); a.href = href; a.id = "out";
                          a.textContent = "Out"; document.body.prepend(a); }""",
            f"{ELSEWHERE}?from={path}",
        )
        page.locator("#out").click()
        expect(page).to_have_title("Elsewhere")
        assert sent[f"{ELSEWHERE}?from={path}"] is None, path
        assert page.evaluate("document.referrer") == "", path
    token = b2b["member"].feed_token
    outcomes = live_server.url + reverse("delegate-b2b", args=[token])
    page.goto(outcomes)
    with page.expect_request(lambda request: request.url.endswith(f"/my/{token}/")) as back:
        page.get_by_role("link", name="Back to your itinerary").click()
    assert back.value.header_value("referer") == outcomes
