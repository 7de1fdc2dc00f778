"""The search-as-you-type pickers (Tom Select) in Chromium, with the page's clock under the test's control.

Playwright's fake clock holds every timer the page sets until the test runs it, so what a timer
does after the user has moved on shows up every time, not one run in twenty.
"""

import re
from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from itinerary.models import City
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import CityFactory, DelegationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meeting_form(page, live_server):
    delegation = DelegationFactory(slug="picker", start_date=date(2016, 10, 24), end_date=date(2016, 10, 28))
    CityFactory()
    CityFactory(name="Shanghai", local_name="上海")
    MemberFactory(delegation=delegation, full_name="Panorea Avdis")
    MemberFactory(delegation=delegation, full_name="Robert B. Weisenmiller")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD))
    log_in(page, live_server, "planner")
    page.clock.install(time=datetime(2016, 10, 24, 9, 0))
    page.clock.pause_at(datetime(2016, 10, 24, 9, 1))
    page.goto(f"{live_server.url}/delegations/picker/meetings/new/")
    return page


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_choice_made_within_a_keystroke_stays_made_and_the_list_stays_shut(meeting_form):
    """Tom Select filtered 300 ms after the last key; that refresh outlived a quick choice, then
    reopened the list and took the focus back from the next field (the browser test's flake)."""
    page = meeting_form
    city = page.locator("#id_city-ts-control")
    city.focus()
    city.press_sequentially("Shang")
    expect(page.locator("#id_city-ts-dropdown .option.active")).to_contain_text("Shanghai")
    city.press("Enter")
    page.locator("#id_starts_at").focus()
    page.clock.run_for(2000)  # whatever the picker left pending runs now
    expect(page.locator("#id_city-ts-dropdown")).to_be_hidden()
    assert _active_id(page) == "id_starts_at"
    expect(page.locator("#id_city option:checked")).to_contain_text("Shanghai")
    # The next picker opens and filters as typed, with nothing from the first one in the way.
    attendees = page.locator("#id_attendees-ts-control")
    attendees.focus()
    attendees.press_sequentially("Robert")
    page.clock.run_for(2000)
    expect(page.locator("#id_attendees-ts-dropdown .option")).to_have_text(["Robert B. Weisenmiller"])
    assert _active_id(page) == "id_attendees-ts-control"


def test_time_zone_picker_finds_a_zone_by_typing(meeting_form, live_server):
    page = meeting_form
    page.goto(f"{live_server.url}/cities/new/")
    zone = page.locator("#id_timezone-ts-control")
    zone.focus()
    zone.press_sequentially("Asia/Seo")
    expect(page.locator("#id_timezone-ts-dropdown .option")).to_have_text([re.compile("Asia/Seoul")])


@pytest.mark.parametrize(
    ("typed", "expected"), [("Busan", "Asia/Seoul"), ("KST", "Asia/Seoul"), ("Zhenjiang", "Asia/Shanghai")]
)
def test_time_zone_picker_finds_a_zone_by_city_or_abbreviation(meeting_form, live_server, typed, expected):
    page = meeting_form
    page.goto(f"{live_server.url}/cities/new/")
    zone = page.locator("#id_timezone-ts-control")
    zone.focus()
    zone.press_sequentially(typed)
    # Whole-word matches come first: "KST" lists the two Koreas before Alaska's "AKST".
    expect(page.locator("#id_timezone-ts-dropdown .option").first).not_to_contain_text("AKST")
    page.locator("#id_timezone-ts-dropdown .option", has_text=expected).click()
    expect(page.locator("#id_timezone")).to_have_value(expected)


@pytest.fixture
def planner_page(page, live_server):
    delegation = DelegationFactory(slug="korea", start_date=date(2026, 5, 11), end_date=date(2026, 5, 18))
    CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD, is_staff=True))
    log_in(page, live_server, "planner")
    return page


def test_a_city_missing_from_the_picker_is_added_in_a_small_window_and_chosen(planner_page, live_server):
    page = planner_page
    violations = watch_for_csp_violations(page)
    page.goto(f"{live_server.url}/delegations/korea/legs/new/")
    page.locator("#id_arrives_at").fill("2026-05-12T15:20")
    destination = page.locator("#id_destination-ts-control")
    destination.focus()
    destination.press_sequentially("Busan")
    add = page.locator("#id_destination-ts-dropdown .create")
    expect(add).to_have_text("Add Busan…")
    with page.expect_popup() as opened:
        add.click()
    popup = opened.value
    popup_violations = watch_for_csp_violations(popup)
    # Filled in from what was typed: the name, and GeoNames' country and zone for it.
    expect(popup.locator("#id_name")).to_have_value("Busan")
    expect(popup.locator("#id_country")).to_have_value("South Korea")
    expect(popup.locator("#id_timezone")).to_have_value("Asia/Seoul")
    popup.locator("#id_local_name").fill("부산")
    with popup.expect_event("close"):  # listening before the click: the window may close at once
        popup.get_by_role("button", name="Save").click()
    # Chosen in the picker that asked, offered in the other one, and nothing typed was lost.
    expect(page.locator("#id_destination option:checked")).to_have_text("Busan (부산) · KST, UTC+9")
    expect(page.locator("#id_arrives_at_helptext")).to_have_text("Local time in Busan: KST, UTC+9.")
    expect(page.locator("#id_arrives_at")).to_have_value("2026-05-12T15:20")
    origin = page.locator("#id_origin-ts-control")
    origin.focus()
    origin.press_sequentially("Bus")
    expect(page.locator("#id_origin-ts-dropdown .option")).to_have_text(["Busan (부산) · KST, UTC+9"])
    assert City.objects.get(name="Busan").timezone == "Asia/Seoul"
    settle(page)
    assert violations == [] and popup_violations == []


def test_a_city_created_after_the_picker_stopped_waiting_is_still_chosen(planner_page, live_server):
    """The add window can be seen closed (and the wait given up) before its message is handled."""
    page = planner_page
    page.goto(f"{live_server.url}/delegations/korea/legs/new/")
    busan = CityFactory(name="Busan", local_name="부산", country="South Korea", timezone="Asia/Seoul")
    page.evaluate(
        """([value]) => window.postMessage({type: "mission-planner:created", field: "id_destination",
            value: String(value), label: "Busan (부산)", timezone: "KST, UTC+9"}, window.location.origin)""",
        [busan.pk],
    )
    expect(page.locator("#id_destination option:checked")).to_have_text("Busan (부산) · KST, UTC+9")
    expect(page.locator("#id_origin option:checked")).to_have_text("---------")  # offered there, not chosen
