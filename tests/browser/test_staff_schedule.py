"""The staff journey of the issue, end to end in Chromium: build a mission, see it at local times."""

import re

import pytest
from playwright.sync_api import expect

from delegations.models import Delegation
from itinerary.models import Meeting
from tests.browser.csp import settle, watch_for_csp_violations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def pick(page, field_id: str, text: str) -> None:
    """Choose an option in a search-as-you-type picker as a keyboard user does: focus, type, Enter.

    Each step waits on state the picker shows, never on a delay: its list open, then the option
    typed for highlighted (Tom Select filters 300 ms after the last key), then the choice in the
    form's own <select>, then the list shut again. No mouse: a click on a list that re-renders under
    the pointer is what made this flaky.
    """
    control = page.locator(f"#{field_id}-ts-control")
    dropdown = page.locator(f"#{field_id}-ts-dropdown")
    control.focus()
    expect(dropdown).to_be_visible()
    control.press_sequentially(text)
    expect(dropdown.locator(".option.active")).to_contain_text(text)
    control.press("Enter")
    expect(page.locator(f"#{field_id} option:checked", has_text=text)).to_have_count(1)
    control.press("Escape")
    expect(dropdown).to_be_hidden()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Your missions")).to_be_visible()


def test_staff_build_a_mission_and_see_conflicts(page, live_server, screenshot):
    UserFactory(username="planner", password=PASSWORD, is_staff=True)
    log_in(page, live_server, "planner")

    # A new mission.
    page.click("text=New mission")
    expect(page.get_by_role("heading", name="New mission")).to_be_visible()
    page.fill("#id_name", "Clean Tech Mission 2016")
    expect(page.locator("#id_slug")).to_have_value("clean-tech-mission-2016")  # filled from the name
    page.fill("#id_slug", "clean-tech-2016")  # and still editable
    page.fill("#id_name", "Clean Tech Mission 2016 (Beijing)")
    expect(page.locator("#id_slug")).to_have_value("clean-tech-2016")  # once edited, left alone
    page.fill("#id_start_date", "2016-10-24")
    page.fill("#id_end_date", "2016-10-28")
    page.click("button:has-text('Save')")
    expect(page.get_by_role("heading", name="Clean Tech Mission 2016")).to_be_visible()

    # A city, with its zone picked by typing.
    page.goto(f"{live_server.url}/cities/new/")
    page.fill("#id_name", "Beijing")
    page.fill("#id_local_name", "北京")
    page.fill("#id_country", "China")
    pick(page, "id_timezone", "Asia/Shanghai")
    page.click("button:has-text('Save')")
    expect(page.get_by_role("cell", name="Asia/Shanghai")).to_be_visible()

    # A stay and two members.
    overview = f"{live_server.url}/delegations/clean-tech-2016/"
    page.goto(overview)
    page.click("text=Add stay")
    pick(page, "id_city", "Beijing")
    page.fill("#id_arrival_date", "2016-10-24")
    page.fill("#id_departure_date", "2016-10-28")
    page.fill("#id_hotel_name", "China World Hotel")
    page.click("button:has-text('Save')")
    for name in ("Panorea Avdis", "Robert B. Weisenmiller"):
        page.click("text=Add member")
        page.fill("#id_full_name", name)
        page.click("button:has-text('Save')")
        expect(page.get_by_role("link", name=name)).to_be_visible()

    # A meeting in Beijing at 09:30 local time, attended by Avdis.
    page.goto(f"{overview}schedule/")
    page.click("text=Add meeting")
    page.fill("#id_title", "Ministry of Commerce")
    pick(page, "id_city", "Beijing")
    expect(page.locator("#id_starts_at_helptext")).to_have_text("Local time in Beijing: CST, UTC+8.")
    page.fill("#id_starts_at", "2016-10-25T09:30")
    page.fill("#id_ends_at", "2016-10-25T11:00")
    pick(page, "id_attendees", "Panorea Avdis")
    page.click("button:has-text('Save')")
    meeting = Meeting.objects.get(title="Ministry of Commerce")
    first = page.locator(f'[data-entry="meeting-{meeting.pk}"]')
    expect(first.locator(".entry-time")).to_have_text("09:30–11:00 CST, UTC+8")
    assert meeting.starts_at.isoformat() == "2016-10-25T01:30:00+00:00"  # 09:30 in Beijing is 01:30 UTC

    # A second, overlapping meeting with Avdis: a double booking.
    page.click("text=Add meeting")
    page.fill("#id_title", "LeEco")
    pick(page, "id_city", "Beijing")
    page.fill("#id_starts_at", "2016-10-25T10:30")
    page.fill("#id_ends_at", "2016-10-25T12:00")
    pick(page, "id_attendees", "Panorea Avdis")
    page.click("button:has-text('Save')")
    expect(page.locator(".alert-warning").first).to_contain_text("Double-booked: Panorea Avdis")
    expect(first.locator(".conflict")).to_contain_text("Double-booked")
    screenshot(page, "staff-schedule")

    assert Delegation.objects.get(slug="clean-tech-2016").staff.filter(username="planner").exists()


def test_schedule_is_usable_at_phone_width(browser, live_server, screenshot):
    from itinerary.demo_missions import load_demo_missions

    load_demo_missions()
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/delegations/california-china-trade-mission-2016/schedule/")
    expect(page.locator("[data-entry]", has_text="MOFCOM and CCCME").locator(".entry-time")).to_have_text(
        "09:30–11:30 CST, UTC+8"
    )
    expect(
        page.locator("[data-entry]", has_text="Pre-departure briefing").locator(".entry-time")
    ).to_have_text("10:00–11:30 PDT, UTC−7")
    # Nothing wider than the phone's screen.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "schedule-390px", full_page=False)
    context.close()


def test_pages_run_under_the_content_security_policy_without_violations(browser, live_server):
    """Every page we serve loads with no CSP violation (no inline script or style slipped in)."""
    from delegations.models import Member
    from itinerary.demo_missions import load_demo_missions

    load_demo_missions()
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    context = browser.new_context()
    page = context.new_page()
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "root")
    slug = "california-china-trade-mission-2016"
    member = Member.objects.get(full_name="Panorea Avdis")
    meeting = Meeting.objects.filter(delegation__slug=slug).first()
    for path in (
        "/",
        f"/delegations/{slug}/",
        f"/delegations/{slug}/schedule/",
        f"/delegations/{slug}/meetings/new/",
        f"/delegations/{slug}/members/{member.pk}/",
        f"/delegations/{slug}/meetings/{meeting.pk}/edit/",
        f"/delegations/{slug}/deleted/",
        "/?archive=1",
        "/cities/",
        "/cities/new/",
        "/organisations/",
        f"/my/{member.feed_token}/",
        "/delegations/new/",
        f"/delegations/{slug}/rotate-token/",
        f"/delegations/{slug}/members/{member.pk}/rotate-token/",
        f"/delegations/{slug}/meetings/{meeting.pk}/delete/",
        "/my/not-a-real-token/",
        "/no/such/page/",
    ):
        page.goto(f"{live_server.url}{path}")
        settle(page)
    assert violations == []
    context.close()
