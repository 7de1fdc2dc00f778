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


def test_what_changed_on_a_phone_leaves_out_the_load_and_stays_short_below_the_calendar_button(
    browser, live_server, screenshot
):
    """The demo's B2B session is published by its loader: no change for anyone. Real changes after
    it show the latest update's first few lines, the rest and older updates folded away, all below
    "Add to my calendar" (it was 2,735 px down, under a 2,540 px box of "New:" meetings)."""
    from matchmaking.demo import load_demo_sessions
    from matchmaking.itinerary_sync import sync_session_meetings
    from matchmaking.services import placement_remove
    from publishing.release import release_publish

    load_demo_missions()
    [session] = load_demo_sessions(time_limit_s=1)
    member = Member.objects.get(full_name="Clean energy executive 06")
    placements = list(session.placements.filter(seller__members=member, slot__isnull=False))
    assert len(placements) >= 5
    context = browser.new_context(**PHONE)
    page = context.new_page()
    url = f"{live_server.url}/my/{member.feed_token}/"
    page.goto(url)
    expect(page.locator("[data-entry]", has_text="B2B:").first).to_be_attached()
    expect(page.locator("#what-changed")).to_have_count(0)

    placement_remove(placements[0])
    release_publish(delegation=session.delegation, note="One buyer cancelled.")
    session.venue = "Shanghai Exhibition Center, Hall 2"
    session.save()
    sync_session_meetings(session)
    release_publish(delegation=session.delegation, note="The B2B room moved to Hall 2.")

    page.goto(url)
    box = page.locator("#what-changed")
    expect(box).to_contain_text("The B2B room moved to Hall 2.")
    action = page.get_by_role("link", name="Add to my calendar")
    expect(action).to_be_in_viewport()
    button = action.bounding_box()
    assert button["y"] + button["height"] <= 844
    assert button["y"] < box.bounding_box()["y"]
    # The latest update: its first change open, the others one tap away; the earlier update folded.
    latest, earlier = box.locator("[data-update]").all()
    expect(latest.locator(":scope > ul > li")).to_have_count(1)
    more = len(placements) - 1 - 1
    expect(latest.locator("[data-more] summary")).to_have_text(f"{more} more changes in this update")
    expect(earlier.locator("summary")).to_contain_text("Earlier: update")
    expect(earlier).to_contain_text("1 change")
    assert box.locator("details[open]").count() == 0
    assert not earlier.get_by_text("One buyer cancelled.").is_visible()
    height = box.bounding_box()["height"]
    screenshot(page, "delegate-what-changed-390px", full_page=True)
    assert height <= 844 / 2, height
    context.close()
