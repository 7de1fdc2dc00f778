"""Benchmark the programme import: a valid 5,000-row file, and the probe's zip bomb refused.

Run by bench/feeds.py (`make bench`), through the staff pages with Django's test client, in the
database it has set up: the preview of the 5,000 rows (read, planned against the mission, shown)
once, then Import (read and planned again, saved) once, and the bomb's refusal as the median of
five. Targets (reported, never asserted): the bomb refused in under 1,000 ms. Peaks are what Python
allocates during one request (tracemalloc), in a run of their own, since tracing slows allocation.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta

BOMB_ROWS = 990_000


def programme_file(rows: int, *, start: date = date(2026, 2, 20)) -> bytes:
    """A valid programme of `rows` new meetings, with descriptions as long as a real briefing's."""
    from itinerary.programme import COLUMNS
    from missionplanner.spreadsheets import xlsx_file

    cities = ("Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Tokyo", "London")
    description = "Agenda: introductions, market access, follow-up actions and contacts. " * 4
    table = []
    for n in range(rows):
        starts = datetime.combine(start + timedelta(days=n % 40), datetime.min.time()) + timedelta(
            hours=8 + n % 10, minutes=5 * (n % 6)
        )
        values = {
            "type": "meeting",
            "title": f"Imported meeting {n}",
            "kind": "b2b",
            "city": cities[n % len(cities)],
            "starts": f"{starts:%Y-%m-%d %H:%M}",
            "ends": f"{starts + timedelta(minutes=45):%Y-%m-%d %H:%M}",
            "venue": f"Room {n % 40}",
            "description": f"{n}. {description}",
        }
        table.append([values.get(column, "") for column in COLUMNS])
    return xlsx_file([("Programme", COLUMNS, table)])


def zip_bomb(rows: int = BOMB_ROWS) -> bytes:
    """The probe's workbook: a few KB of parts and one sheet of `rows` one-cell rows, packed to ~120 KB."""
    from missionplanner.spreadsheets import xlsx_file

    template = zipfile.ZipFile(io.BytesIO(xlsx_file([("Programme", ["title"], [])])))
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + b"<row><c><v>1</v></c></row>" * rows
        + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else template.read(info.filename)
            bomb.writestr(info.filename, data)
    return out.getvalue()


def _post(staff, url: str, content: bytes, name: str):
    upload = io.BytesIO(content)
    upload.name = name
    return staff.post(url, {"file": upload})


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def _peak_mb(function) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def bench_imports(staff, *, rows: int = 5000) -> dict:
    """A 5,000-row programme previewed and then imported into an empty mission; the bomb refused."""
    from django.test import override_settings

    uploads = tempfile.TemporaryDirectory(prefix="missionplanner-bench-uploads-")
    with uploads, override_settings(IMPORT_UPLOAD_DIR=uploads.name):
        return _bench_imports(staff, rows=rows)


def _bench_imports(staff, *, rows: int) -> dict:
    from django.urls import reverse

    from bench.large_mission import CITIES
    from delegations.models import Delegation
    from itinerary.models import City, Meeting

    for name, local, country, zone, lat, lon in CITIES:  # as the large mission has them
        City.objects.get_or_create(
            name=name,
            country=country,
            defaults=dict(local_name=local, timezone=zone, latitude=lat, longitude=lon),
        )
    mission = Delegation.objects.create(
        name="Benchmark import", slug="bench-import", start_date=date(2026, 2, 20), end_date=date(2026, 4, 30)
    )
    url = reverse("programme", args=[mission.slug])
    content = programme_file(rows)
    preview_ms, preview = _timed(lambda: _post(staff, url, content, "programme.xlsx"))
    plan = preview.context["plan"]
    assert plan.errors == [] and len(plan.new) == rows, plan.errors[:3]
    peak_mb = _peak_mb(lambda: _post(staff, url, content, "programme.xlsx"))
    confirm = reverse("programme-import", args=[mission.slug])
    save_ms, saved = _timed(lambda: staff.post(confirm, {"payload": preview.context["payload"]}))
    assert saved.status_code == 302 and Meeting.objects.filter(delegation=mission).count() == rows

    bomb = zip_bomb()
    bomb_runs = [_timed(lambda: _post(staff, url, bomb, "bomb.xlsx")) for _ in range(5)]
    bomb_ms = statistics.median(ms for ms, _ in bomb_runs)
    [message] = bomb_runs[0][1].context["form"].errors["file"]
    bomb_peak_mb = _peak_mb(lambda: _post(staff, url, bomb, "bomb.xlsx"))
    return {
        "import_rows": rows,
        "import_file_bytes": len(content),
        "import_5000_ms": round(preview_ms, 1),
        "import_5000_save_ms": round(save_ms, 1),
        "import_5000_peak_mb": round(peak_mb, 1),
        "import_bomb_bytes": len(bomb),
        "import_bomb_ms": round(bomb_ms, 1),
        "import_bomb_peak_mb": round(bomb_peak_mb, 1),
        "import_bomb_refusal": message,
    }
