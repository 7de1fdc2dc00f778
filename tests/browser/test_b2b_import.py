"""A B2B session's participants and requests in Chromium: the template, a bad file, the import."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from matchmaking.models import Participant, Request
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import DelegationFactory, MemberFactory, OrganisationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _with_requester(path: Path, requester: str) -> dict:
    """The downloaded workbook with its first request's requester replaced, as Playwright uploads it."""
    book = openpyxl.load_workbook(path)
    book["requests"]["A2"] = requester
    content = io.BytesIO()
    book.save(content)
    return {"name": "b2b.xlsx", "mimeType": XLSX, "buffer": content.getvalue()}


def test_staff_import_the_template_workbook_after_correcting_it(page, live_server, screenshot, tmp_path):
    delegation = DelegationFactory(slug="ca-china-2016")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD, is_staff=True))
    MemberFactory(
        delegation=delegation, full_name="Lyndon Rive", organisation=OrganisationFactory(name="SolarCity")
    )
    session = SessionFactory(delegation=delegation, title="Shanghai B2B")
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "planner")

    page.goto(f"{live_server.url}/delegations/{delegation.slug}/b2b/sessions/{session.pk}/import/")
    expect(page.get_by_role("heading", name="Shanghai B2B: participants and requests")).to_be_visible()
    expect(page.locator("#session-when")).to_contain_text("14:00–17:00 local time (CST, UTC+8)")
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Template: both (one workbook)").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    page.locator("#id_file").set_input_files(_with_requester(template, "SolarCty"))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#import-errors")).to_contain_text(
        "Row 2 (requests): no participant called 'SolarCty' — did you mean SolarCity?"
    )
    expect(page.locator("#confirm-import")).to_have_count(0)
    settle(page)

    page.locator("#id_file").set_input_files(_with_requester(template, "SolarCity"))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#import-summary")).to_have_text(
        "6 to add, 0 to change; 0 rows already as in the file."
    )
    expect(page.locator("#import-participants")).to_contain_text("Shanghai Electric will be added")
    screenshot(page, "b2b-import-preview")
    settle(page)
    page.get_by_role("button", name="Import 6 rows").click()
    expect(page.locator(".alert-success")).to_contain_text("Imported: 6 new, 0 changed, 0 unchanged.")
    settle(page)

    assert Participant.objects.filter(session=session).count() == 3
    assert Request.objects.filter(session=session).count() == 3
    assert violations == []
