"""Two people edit the same meeting in Chromium: the later save is refused, shows what the other
changed, and saving again keeps theirs or the user's field by field, with plain form posts."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from itinerary.models import Meeting
from tests.browser.csp import settle, watch_for_csp_violations
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, UserFactory, local

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def _logged_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = watch_for_csp_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Your missions")).to_be_visible()
    return context, page, violations


def test_a_refused_save_shows_their_change_and_keeps_theirs_or_mine_per_field(
    browser, live_server, screenshot
):
    mission = DelegationFactory(  # organised from Seoul: an edit made now reads on its clock, KST
        slug="korea-2026",
        start_date=date(2026, 5, 10),
        end_date=date(2026, 5, 20),
        home_timezone="Asia/Seoul",
    )
    seoul = CityFactory(name="Seoul", local_name="서울", country="South Korea", timezone="Asia/Seoul")
    meeting = MeetingFactory(
        delegation=mission,
        city=seoul,
        title="MOTIE",
        starts_at=local(seoul, "2026-05-13 09:30"),
        ends_at=local(seoul, "2026-05-13 10:30"),
    )
    for username in ("kim", "planner"):
        mission.staff.add(UserFactory(username=username, password=PASSWORD))
    kim_context, kim, kim_violations = _logged_in(browser, live_server, "kim")
    mine_context, mine, my_violations = _logged_in(browser, live_server, "planner")
    edit_url = f"{live_server.url}/delegations/korea-2026/meetings/{meeting.pk}/edit/"
    kim.goto(edit_url)
    mine.goto(edit_url)

    # Kim moves the meeting to 11:00 and retitles it; I retitle it too, from the page opened before.
    kim.fill("#id_title", "MOTIE (Minister)")
    kim.fill("#id_starts_at", "2026-05-13T11:00")
    kim.fill("#id_ends_at", "2026-05-13T12:00")
    kim.click("button:has-text('Save')")
    expect(kim.locator(".alert-success")).to_contain_text("Saved meeting")
    mine.fill("#id_title", "MOTIE: batteries")
    mine.click("button:has-text('Save')")

    expect(mine.locator(".alert-danger")).to_contain_text(
        re.compile(r"kim changed this meeting on .* KST, UTC\+9")
    )
    starts = mine.locator("#edit-conflicts tr", has=mine.locator("th", has_text="Starts"))
    expect(starts.locator("td").nth(0)).to_have_text("Wed 13 May 09:30 KST, UTC+9")  # as I opened it
    expect(starts.locator("td").nth(1)).to_have_text("Wed 13 May 11:00 KST, UTC+9")  # theirs
    expect(mine.locator("#keep-starts_at-theirs")).to_be_checked()  # theirs unless I say otherwise
    expect(mine.locator("#id_title")).to_have_value("MOTIE: batteries")  # my input is kept
    settle(mine)
    screenshot(mine, "staff-stale-edit")

    mine.locator("#keep-title-yours").check()
    mine.locator("#keep-starts_at-theirs").check()
    mine.click("button:has-text('Save')")
    expect(mine.locator(".alert-success")).to_contain_text("Saved meeting")
    settle(mine)

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.title == "MOTIE: batteries"  # mine
    assert (meeting.local_start.strftime("%H:%M"), meeting.local_end.strftime("%H:%M")) == ("11:00", "12:00")
    assert kim_violations == [] and my_violations == []
    kim_context.close()
    mine_context.close()
