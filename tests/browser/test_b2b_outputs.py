"""B2B print pages in Chromium: their own stylesheet under the strict CSP, a page per slot in print."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from matchmaking.services import placement_move
from publishing.release import release_publish
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import UserFactory
from tests.matchmaking.test_outputs import _agenda_url, _plan_url, b2b  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_table_plan_agenda_and_buyer_page_print_under_the_csp(page, live_server, b2b, screenshot):  # noqa: F811
    session = b2b["session"]
    user = UserFactory(username="room", password=PASSWORD, is_staff=True)
    session.delegation.staff.add(user)
    release_publish(delegation=session.delegation)
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "room")

    page.goto(f"{live_server.url}{_plan_url(session)}")
    settle(page)
    expect(page.locator("#slot-2 h2")).to_contain_text("Slot 2 · 14:20–14:40")
    expect(page.locator("#slot-4 tbody tr")).to_have_count(2)
    # Printed, the toolbar goes and every slot after the first starts a page.
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    breaks = page.locator(".slot").evaluate_all("nodes => nodes.map(n => getComputedStyle(n).breakBefore)")
    assert breaks == ["auto", "page"]
    page.emulate_media(media="screen")
    pdf = page.request.get(page.locator("[data-table-plan-pdf]").evaluate("node => node.href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    screenshot(page, "b2b-table-plan")

    page.goto(f"{live_server.url}{_agenda_url(b2b['pudong'])}")
    settle(page)
    driver = page.locator(".driver", has_text="上海市静安区延安中路1000号")
    assert driver.evaluate("node => parseFloat(getComputedStyle(node).fontSize)") > 20  # 16pt
    expect(page.locator("[data-agenda-row]")).to_have_count(2)
    screenshot(page, "b2b-buyer-agenda")

    # The buyer's own page, as the buyer opens it: no login.
    anonymous = page.context.browser.new_context()
    buyer_page = anonymous.new_page()
    buyer_violations = watch_for_csp_violations(buyer_page)
    buyer_page.goto(f"{live_server.url}{reverse('buyer-page', args=[b2b['pudong'].feed_token])}")
    settle(buyer_page)
    expect(buyer_page.locator("[data-agenda-row]")).to_have_count(2)
    expect(buyer_page.locator("[data-feed-link=webcal]")).to_have_attribute(
        "href", f"webcal://{live_server.url.split('://', 1)[1]}/b2b/{b2b['pudong'].feed_token}.ics"
    )
    anonymous.close()
    assert violations == [] and buyer_violations == []


def test_a_preview_of_the_working_copy_is_marked_on_screen_and_in_print(page, live_server, b2b, screenshot):  # noqa: F811
    session = b2b["session"]
    user = UserFactory(username="previewer", password=PASSWORD, is_staff=True)
    session.delegation.staff.add(user)
    release_publish(delegation=session.delegation, notify=False)
    placement_move(b2b["robots-nanjing"], 6, 2)  # not published
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "previewer")

    page.goto(f"{live_server.url}{_plan_url(session)}")
    settle(page)
    expect(page.locator("[data-preview-band]")).to_have_count(0)
    expect(page.locator("#slot-4")).to_contain_text("Nanjing Imports")
    page.locator("[data-preview-link]").click()
    band = page.locator("[data-preview-band]")
    expect(band).to_contain_text("PREVIEW — not published, do not hand out")
    expect(page.locator("#slot-6")).to_contain_text("Nanjing Imports")
    settle(page)
    screenshot(page, "b2b-table-plan-preview")
    # The band stays at the top of the window while the plan scrolls under it.
    page.set_viewport_size({"width": 800, "height": 400})
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 200")
    assert band.evaluate("node => Math.round(node.getBoundingClientRect().top)") == 0

    # Printed from the browser, every page carries the watermark (fixed: repeated on each sheet).
    page.emulate_media(media="print")
    watermark = page.locator(".preview-watermark")
    expect(watermark).to_be_visible()
    assert watermark.evaluate("node => getComputedStyle(node).position") == "fixed"
    page.emulate_media(media="screen")
    pdf = page.request.get(page.locator("[data-table-plan-pdf]").evaluate("node => node.href"))
    assert pdf.ok and "PREVIEW" in pdf.headers["content-disposition"]
    assert violations == []
