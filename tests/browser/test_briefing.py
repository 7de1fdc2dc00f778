"""The briefing book's print view in Chromium: its own stylesheet under the strict CSP, and its PDF."""

import pytest
from playwright.sync_api import expect

from delegations.models import Member
from itinerary.demo_missions import load_demo_missions
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "california-china-trade-mission-2016"


def test_briefing_print_views_run_under_the_csp_and_link_to_their_pdf(browser, live_server, screenshot):
    load_demo_missions()
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    member = Member.objects.get(full_name="Panorea Avdis")
    context = browser.new_context()
    page = context.new_page()
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "root")
    for path in (f"/my/{member.feed_token}/briefing/", f"/delegations/{SLUG}/briefing/?member={member.pk}"):
        page.goto(f"{live_server.url}{path}")
        settle(page)
        mofcom = page.locator("[data-entry]", has_text="MOFCOM and CCCME")
        expect(mofcom.locator(".driver")).to_have_text("北京市东城区东长安街2号")
        # The stylesheet applied: the address for a driver is large (16pt is about 21px).
        size = mofcom.locator(".driver").evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
        assert size > 20
        pdf = page.request.get(page.locator("[data-book-pdf]").evaluate("node => node.href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        # Printed from the browser, the toolbar goes.
        page.emulate_media(media="print")
        expect(page.locator(".toolbar")).to_be_hidden()
        page.emulate_media(media="screen")
    screenshot(page, "briefing-print-view")
    # The delegate page and the overview link to the books.
    page.goto(f"{live_server.url}/my/{member.feed_token}/")
    expect(page.locator("[data-briefing-link]")).to_have_attribute(
        "href", f"/my/{member.feed_token}/briefing.pdf"
    )
    page.goto(f"{live_server.url}/delegations/{SLUG}/")
    expect(page.locator("[data-briefing-link]")).to_have_attribute(
        "href", f"/delegations/{SLUG}/briefing.pdf"
    )
    settle(page)
    assert violations == []
    context.close()


def test_a_book_link_says_the_book_is_being_made_then_saves_it_under_the_members_name(browser, live_server):
    load_demo_missions()
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    member = Member.objects.get(full_name="Panorea Avdis")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    violations = watch_for_csp_violations(page)
    page.goto(f"{live_server.url}/my/{member.feed_token}/")
    link = page.locator("[data-briefing-link]")
    with page.expect_download() as made:
        link.click()
        expect(link).to_have_text("Making your book…")  # a cold build takes seconds
        expect(link).to_have_attribute("aria-busy", "true")
    assert made.value.suggested_filename == f"briefing-{SLUG}-panorea-avdis.pdf"
    assert made.value.path().read_bytes().startswith(b"%PDF")
    expect(link).to_have_text("Briefing book (PDF)")
    expect(link).not_to_have_attribute("aria-busy", "true")
    # Staff: the member's "Book" on the overview, the same way.
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/delegations/{SLUG}/")
    book = page.locator("tr", has_text="Panorea Avdis").locator("[data-book-pdf]")
    with page.expect_download() as made:
        book.click()
        expect(book).to_have_text("Making your book…")
    assert made.value.suggested_filename == f"briefing-{SLUG}-panorea-avdis.pdf"
    expect(book).to_have_text("Book")
    settle(page)
    assert violations == []
    context.close()
