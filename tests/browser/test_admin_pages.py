"""Every admin page in Chromium under the app's Content-Security-Policy, and the export page's toggle."""

import re

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect
from simple_history.admin import SimpleHistoryAdmin

from delegations.models import Member
from tests.browser.csp import settle, watch_for_csp_violations
from tests.factories import MemberFactory, NoticeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def admin_log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.get_by_role("heading", name="Recent actions")).to_be_visible()


def _url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None  # this admin has no such page (import and export exist only where enabled)


def every_admin_page(user) -> list[str]:
    """Each registered model's list, add, change, history, delete, import and export pages.

    Built from the admin's registry, so a model registered later is walked too.
    """
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = [reverse("admin:index")]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        paths.append(reverse("admin:app_list", args=[app_label]))
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        paths.append(_url(model, "changelist"))
        if model_admin.has_add_permission(request):
            paths.append(_url(model, "add"))
        for view in ("import", "export"):
            paths.append(_url(model, view))
        obj = model._default_manager.order_by("pk").last()
        assert obj is not None, f"the test data hold no {model._meta.verbose_name}"
        paths.append(_url(model, "change", obj.pk))
        paths.append(_url(model, "history", obj.pk))
        if isinstance(model_admin, SimpleHistoryAdmin):
            history = getattr(obj, model._meta.simple_history_manager_attribute)
            record = history.order_by("history_id").last()
            paths.append(_url(model, "simple_history", obj.pk, record.history_id))
        if model_admin.has_delete_permission(request, obj):
            paths.append(_url(model, "delete", obj.pk))
    return [path for path in paths if path]


def test_every_admin_page_runs_under_the_content_security_policy_without_violations(
    page, live_server, settings
):
    from itinerary.demo_missions import load_demo_missions
    from matchmaking.demo import load_demo_sessions
    from publishing.tasks import send_notice

    load_demo_missions()
    load_demo_sessions(time_limit_s=1)  # the B2B session: its sessions, participants, requests, placements
    Group.objects.create(name="Trade office staff")
    # A notice, and its task queued in the database backend, so their admin pages have rows to show.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_notice.enqueue(notice_id=NoticeFactory().pk)
    root = UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    violations = watch_for_csp_violations(page)

    # One failed log-in first, so the lock-out records (axes) have rows to show.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_be_visible()
    # The failure log is off in our settings; one row shows its pages all the same.
    AccessFailureLog.objects.create(username="nobody", ip_address="127.0.0.1", path_info="/admin/login/")
    admin_log_in(page, live_server, "root")

    paths = every_admin_page(get_user_model().objects.get(pk=root.pk))
    assert "/admin/delegations/member/export/" in paths
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        settle(page)

    # The import preview (its own page with the rows it would save).
    page.goto(f"{live_server.url}/admin/delegations/member/import/")
    page.set_input_files(
        "#id_import_file",
        files=[
            {
                "name": "members.csv",
                "mimeType": "text/csv",
                "buffer": b"delegation,full_name,role\ncalifornia-china-trade-mission-2016,New Member,"
                b"executive\n",
            }
        ],
    )
    page.click("input[type=submit]")
    expect(page.locator("input[name=confirm]")).to_be_visible()
    settle(page)

    assert not violations, "\n".join(violations)


def test_export_select_all_toggle_clears_and_ticks_every_field(page, live_server, screenshot):
    MemberFactory(full_name="Panorea Avdis")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    violations = watch_for_csp_violations(page)
    admin_log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/delegations/member/export/")

    toggle = page.locator("input.select-toggle")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:not(.select-toggle)")
    assert fields.count() >= 2
    expect(toggle).to_be_checked()
    screenshot(page, "admin-member-export")
    toggle.click()
    expect(toggle).not_to_be_checked()
    for index in range(fields.count()):
        expect(fields.nth(index)).not_to_be_checked()
    page.get_by_text("Select all", exact=True).click()  # the label toggles it too
    expect(toggle).to_be_checked()
    for index in range(fields.count()):
        expect(fields.nth(index)).to_be_checked()

    # With two columns ticked, the file holds those two columns.
    toggle.click()
    page.get_by_label("Full name").check()
    page.get_by_label("Email").check()
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as download:
        page.click("input[type=submit]")
    body = download.value.path().read_text(encoding="utf-8-sig")
    assert body.splitlines()[0] == "full_name,email"
    assert re.search(r"^Panorea Avdis,", body, re.MULTILINE)
    assert not violations, "\n".join(violations)


# Whether a person sees the element: the import page's old tooltip was in the layout (Playwright
# calls that visible) but transparent until hovered, so this also asks that nothing on its way to
# the root is transparent or hidden, and that the element itself is what is at its centre.
SEEN_WITHOUT_HOVERING = """(element) => {
  element.scrollIntoView();
  for (let node = element; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.opacity === "0" || style.visibility === "hidden" || style.display === "none") return false;
  }
  const box = element.getBoundingClientRect();
  const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return element.contains(top);
}"""


def test_import_errors_show_in_the_page_without_hovering(page, live_server, screenshot):
    MemberFactory(delegation__slug="china-2016", full_name="Jeffrey Chang")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    violations = watch_for_csp_violations(page)
    admin_log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/delegations/member/import/")
    csv_text = (
        "delegation,full_name,email\n"
        "china-2016,Jeffrey Chang,chang@example.org\n"
        "china-2016,Li Ming,li@example.org\n"
        "china-2016,Kim Daniel,not-an-email\n"
    )
    upload = {"name": "members.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    page.set_input_files("#id_import_file", files=[upload])
    page.click("input[type=submit]")

    error = page.get_by_text("Enter a valid email address.")
    expect(error).to_have_count(1)
    assert error.evaluate(SEEN_WITHOUT_HOVERING)
    expect(page.locator("ul.import-validation-errors > li")).to_have_text(
        re.compile(r"^\s*Line 4\s+email: Enter a valid email address\.\s*$")
    )
    screenshot(page, "admin-member-import-errors")
    assert not violations, "\n".join(violations)


def test_import_preview_strikes_out_the_old_value_beside_the_new(page, live_server):
    MemberFactory(delegation__slug="china-2016", full_name="Jeffrey Chang", title="Chief Executive Officer")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    violations = watch_for_csp_violations(page)
    admin_log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/delegations/member/import/")
    csv_text = "delegation,full_name,title\nchina-2016,Jeffrey Chang,CEO\n"
    upload = {"name": "members.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    page.set_input_files("#id_import_file", files=[upload])
    page.click("input[type=submit]")

    old, new = page.locator("table.import-preview del"), page.locator("table.import-preview ins")
    expect(old).to_have_text("Chief Executive Officer")
    expect(new).to_have_text("CEO")
    assert "line-through" in old.evaluate("(node) => getComputedStyle(node).textDecorationLine")
    assert new.evaluate("(node) => getComputedStyle(node).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert not violations, "\n".join(violations)


def test_member_list_fits_a_1280_pixel_screen(page, live_server, screenshot):
    from itinerary.demo_missions import load_demo_missions

    load_demo_missions()
    for number, member in enumerate(Member.objects.order_by("pk")):
        member.email = f"international.affairs.office.{number}@business.ca.gov"
        member.local_name = "김다니엘" if number % 2 else "北京市商务局代表"
        member.save()
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/delegations/member/")

    results = page.locator("#changelist .results").bounding_box()
    for column in ("name", "organisation", "delegation", "email"):
        header = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        right = header["x"] + header["width"]
        # The list scrolls inside its box when too wide, so within the box means on screen.
        assert right <= min(1280, results["x"] + results["width"]) + 0.5, column
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    screenshot(page, "admin-member-list-1280", full_page=False)
