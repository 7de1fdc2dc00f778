"""The programme spreadsheet in Chromium: export, edit in a spreadsheet, preview the errors, import."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from itinerary.models import Meeting
from tests.browser.csp import settle, watch_for_csp_violations
from tests.browser.test_staff_schedule import PASSWORD, log_in
from tests.factories import CityFactory, DelegationFactory, MeetingFactory, UserFactory, local

pytestmark = pytest.mark.django_db(transaction=True)


def _edited(path: Path, **cells: str) -> dict:
    """The exported workbook with some cells of its first item changed, as Playwright uploads it."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    columns = [cell.value for cell in sheet[1]]
    for column, value in cells.items():
        sheet.cell(row=2, column=columns.index(column) + 1, value=value)
    content = io.BytesIO()
    book.save(content)
    return {
        "name": "programme.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": content.getvalue(),
    }


def test_staff_export_edit_and_import_the_programme(page, live_server, screenshot, tmp_path):
    delegation = DelegationFactory(slug="ca-china-2016")
    delegation.staff.add(UserFactory(username="planner", password=PASSWORD, is_staff=True))
    CityFactory(name="Shanghai", local_name="上海", latitude=None, longitude=None)
    meeting = MeetingFactory(delegation=delegation, title="MOFCOM", city=CityFactory())
    violations = watch_for_csp_violations(page)
    log_in(page, live_server, "planner")

    page.goto(f"{live_server.url}/delegations/{delegation.slug}/schedule/")
    page.get_by_role("link", name="Spreadsheet import/export").click()
    expect(page.get_by_role("heading", name="Programme from a spreadsheet")).to_be_visible()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export XLSX").click()
    exported = tmp_path / "programme.xlsx"
    download.value.save_as(exported)

    # A misspelt city: the preview names it and offers nothing to import.
    page.locator("#id_file").set_input_files(_edited(exported, city="Shangai", starts="2016-10-25 10:30"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-errors")).to_contain_text(
        "line 2: no city called 'Shangai' — did you mean Shanghai?"
    )
    expect(page.locator("#confirm-import")).to_have_count(0)
    settle(page)

    # Corrected, it shows the move and imports it.
    page.locator("#id_file").set_input_files(
        _edited(exported, city="Shanghai", starts="2016-10-25 10:30", ends="2016-10-25 11:30")
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-summary")).to_have_text("0 new, 1 changed, 0 unchanged.")
    expect(page.locator("#import-changes")).to_contain_text("city: Beijing → Shanghai")
    expect(page.locator(".invalid-feedback")).to_have_count(0)
    screenshot(page, "programme-preview")
    settle(page)
    page.get_by_role("button", name="Import 1 item").click()
    expect(page.locator(".alert-success")).to_contain_text("Imported: 0 new, 1 changed, 0 unchanged.")
    settle(page)

    meeting.refresh_from_db()
    assert (meeting.city.name, meeting.starts_at) == ("Shanghai", local(meeting.city, "2016-10-25 10:30"))
    assert meeting.sequence == 1
    assert Meeting.objects.count() == 1
    assert violations == []
