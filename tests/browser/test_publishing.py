"""Publishing in Chromium: staff edit, see what is not yet published, publish, and the delegate sees it."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from delegations.models import Delegation, Member
from itinerary.demo_missions import load_demo_missions
from itinerary.models import Meeting
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_edit_publish_and_the_delegate_sees_what_changed(page, browser, live_server, screenshot):
    load_demo_missions()  # loaded published: delegates see release 1
    delegation = Delegation.objects.get(slug="california-china-trade-mission-2016")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD, is_staff=True))
    member = Member.objects.get(delegation=delegation, full_name="Panorea Avdis")
    Member.objects.filter(pk=member.pk).update(email="avdis@example.org")
    meeting = Meeting.objects.get(delegation=delegation, title__startswith="MOFCOM")
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "planner")

    # Move the MOFCOM meeting by an hour in its edit form.
    page.goto(f"{live_server.url}/delegations/{delegation.slug}/meetings/{meeting.pk}/edit/")
    page.locator("#id_starts_at").fill("2016-10-26T10:30")
    page.locator("#id_ends_at").fill("2016-10-26T12:30")
    page.get_by_role("button", name="Save").click()
    banner = page.locator("#unpublished")
    expect(banner).to_contain_text("1 change not yet published")
    settle(page)

    # The delegate still sees the published time.
    delegate = browser.new_context().new_page()
    delegate.goto(f"{live_server.url}/my/{member.feed_token}/")
    mofcom = delegate.locator("[data-entry]", has_text="MOFCOM and CCCME")
    expect(mofcom.locator(".entry-time")).to_have_text("09:30–11:30 CST, UTC+8")

    # Publish with a note.
    banner.get_by_role("link", name="Review and publish").click()
    expect(page.locator("#pending")).to_contain_text("Moved: Wed 26 Oct 09:30 → 10:30 CST, UTC+8")
    expect(page.locator("#per-member")).to_contain_text("Panorea Avdis")
    page.locator("#id_note").fill("The ministry asked for an hour later.")
    screenshot(page, "publish")
    page.get_by_role("button", name="Publish update 2").click()
    expect(page.locator(".alert-success")).to_contain_text("Published update 2.")
    expect(page.locator("#release-2")).to_contain_text("The ministry asked for an hour later.")
    expect(page.locator("#unpublished")).to_have_count(0)
    settle(page)

    # The delegate's page shows the new time and what changed for them; their e-mail went out.
    delegate.reload()
    expect(mofcom.locator(".entry-time")).to_have_text("10:30–12:30 CST, UTC+8")
    what_changed = delegate.locator("#what-changed")
    expect(what_changed).to_contain_text("The ministry asked for an hour later.")
    expect(what_changed).to_contain_text("Moved: Wed 26 Oct 09:30 → 10:30 CST, UTC+8")
    screenshot(delegate, "delegate-what-changed")
    assert [message.to for message in mail.outbox] == [["avdis@example.org"]]
    assert violations == []
