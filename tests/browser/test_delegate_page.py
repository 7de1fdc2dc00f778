"""The delegate page on a phone, in Chromium: subscribe links point to the member's own feed."""

import pytest
from playwright.sync_api import expect

from delegations.models import Member
from itinerary.demo_missions import load_demo_missions

pytestmark = pytest.mark.django_db(transaction=True)


def test_delegate_page_at_phone_size_links_to_the_members_feed(browser, live_server, screenshot, settings):
    settings.SITE_URL = live_server.url
    load_demo_missions()
    member = Member.objects.get(full_name="Panorea Avdis")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/my/{member.feed_token}/")
    expect(page.get_by_role("heading", name="Panorea Avdis")).to_be_visible()
    feed = f"{live_server.url}/feeds/member/{member.feed_token}.ics"
    expect(page.locator("[data-feed-link=webcal]")).to_have_attribute(
        "href", feed.replace("http://", "webcal://")
    )
    expect(page.locator("[data-feed-link=https]")).to_have_value(feed)
    expect(page.locator("[data-feed-link=download]")).to_have_attribute("href", f"{feed}?download=1")
    expect(page.locator(".qr svg")).to_be_visible()
    mofcom = page.locator("[data-entry]", has_text="MOFCOM and CCCME")
    expect(mofcom.locator(".entry-time")).to_have_text("09:30–11:30 CST")
    expect(mofcom.locator(".driver-address")).to_have_text("北京市东城区东长安街2号")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # The feed the page points to answers, and is this member's.
    response = page.request.get(feed)
    assert response.status == 200
    assert "X-WR-CALNAME:2016 California–China Trade Mission: Panorea Avdis" in response.text().replace(
        "\r\n ", ""
    )
    screenshot(page, "delegate-page-390px", full_page=False)
    page.locator("#subscribe").scroll_into_view_if_needed()
    screenshot(page, "delegate-page-390px-subscribe", full_page=False)
    context.close()
