"""The delegate page on a phone, in Chromium: subscribe links point to the member's own feed."""

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from delegations.models import Member
from itinerary.demo_missions import load_demo_missions

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


def scan(locator) -> str:
    """What a camera reads from the element on screen: Chromium's pixels, decoded by zxing-cpp."""
    locator.scroll_into_view_if_needed()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))
    return code.text


def test_delegate_page_at_phone_size_links_to_the_members_feed(browser, live_server, screenshot, settings):
    """No SITE_URL: the live server's random port is not 8000, and every link must still answer."""
    settings.SITE_URL_IS_SET = False
    load_demo_missions()
    member = Member.objects.get(full_name="Panorea Avdis")
    assert not live_server.url.endswith(":8000")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/my/{member.feed_token}/")
    expect(page.get_by_role("heading", name="Panorea Avdis")).to_be_visible()
    feed = f"{live_server.url}/feeds/member/{member.feed_token}.ics"
    webcal = feed.replace("http://", "webcal://")
    expect(page.locator("[data-feed-link=webcal]")).to_have_attribute("href", webcal)
    expect(page.locator("[data-feed-link=https]")).to_have_value(feed)
    expect(page.locator("[data-feed-link=download]")).to_have_attribute("href", f"{feed}?download=1")
    # The QR code, as Chromium draws it, opens this page (with its subscribe buttons), not the feed.
    assert scan(page.locator(".qr svg")) == f"{live_server.url}/my/{member.feed_token}/"
    expect(page.locator("#subscribe")).to_contain_text(
        "Scan to open this page on your phone, then tap Subscribe"
    )
    mofcom = page.locator("[data-entry]", has_text="MOFCOM and CCCME")
    expect(mofcom.locator(".entry-time")).to_have_text("09:30–11:30 CST, UTC+8")
    expect(mofcom.locator(".driver-address")).to_have_text("北京市东城区东长安街2号")
    # The flight that left San Francisco on the 23rd is also on the 24th, where it lands.
    landing = page.locator("#day-2016-10-24 [data-arrival]")
    expect(landing).to_contain_text("Arrives 16:55 CST, UTC+8 — flight CA 986 from San Francisco")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Every link the page gives answers with this member's feed.
    hrefs = {
        "webcal (top)": page.locator("[data-feed-link=webcal-top]").get_attribute("href"),
        "webcal": page.locator("[data-feed-link=webcal]").get_attribute("href"),
        "download": page.locator("[data-feed-link=download]").get_attribute("href"),
        "https": page.locator("[data-feed-link=https]").input_value(),
    }
    for name, href in hrefs.items():
        response = page.request.get(href.replace("webcal://", "http://"))
        assert response.status == 200, name
        assert "X-WR-CALNAME:2016 California–China Trade Mission: Panorea Avdis" in response.text().replace(
            "\r\n ", ""
        ), name
    screenshot(page, "delegate-page-390px", full_page=False)
    page.locator("#subscribe").scroll_into_view_if_needed()
    screenshot(page, "delegate-page-390px-subscribe", full_page=False)
    context.close()


def test_delegate_page_puts_add_to_calendar_in_the_first_screen_on_a_phone(browser, live_server):
    """The 2016 mission's page is thousands of pixels long: subscribing must not need a scroll."""
    load_demo_missions()
    member = Member.objects.get(full_name="Panorea Avdis")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/my/{member.feed_token}/")
    assert page.evaluate("document.documentElement.scrollHeight") > 3 * 844
    action = page.get_by_role("link", name="Add to my calendar")
    expect(action).to_be_in_viewport()
    box = action.bounding_box()
    assert box["y"] + box["height"] <= 844
    expect(action).to_have_attribute(
        "href", re.compile(rf"^webcal://.*/feeds/member/{member.feed_token}\.ics$")
    )
    # In mainland China Google Calendar is out of reach: the page says so beside it, and the
    # options that work there (webcal, the download) come first.
    note = page.locator("#google-in-china")
    expect(note).to_contain_text("mainland China")
    order = page.evaluate(
        """() => ['[data-feed-link=webcal]', '[data-feed-link=download]', '[data-feed-link=https]',
                  '#google-in-china'].map(s => document.querySelector(s))
              .map((el, i, all) => i === 0 || !!(all[i - 1].compareDocumentPosition(el) & 4))"""
    )
    assert order == [True, True, True, True]
    context.close()
