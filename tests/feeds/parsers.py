"""Read a feed back with four parsers we did not write: icalendar, ical.js (through Node), vobject and
libical (through Debian's Python and GObject introspection).

Each returns {uid: (start_utc, end_utc, status, sequence)} so the tests can demand they all agree;
LOCATION_READERS return {uid: location} the same way.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import vobject

ROOT = Path(__file__).resolve().parents[2]
ICALJS_SCRIPT = Path(__file__).with_name("parse_with_icaljs.mjs")
LIBICAL_SCRIPT = Path(__file__).with_name("parse_with_libical.py")
# Debian's python3-gi and gir1.2-ical-3.0 are built for Debian's own Python, not the venv's.
SYSTEM_PYTHON = Path("/usr/bin/python3")
LIBICAL_PACKAGES = "python3-gi gir1.2-ical-3.0"


def _utc(value: datetime) -> datetime:
    assert value.tzinfo is not None, f"floating time {value}"
    return value.astimezone(UTC)


def with_icalendar(body: bytes) -> dict:
    calendar = icalendar.Calendar.from_ical(body)
    return {
        str(event["UID"]): (
            _utc(event.decoded("DTSTART")), _utc(event.decoded("DTEND")),
            str(event["STATUS"]), int(event["SEQUENCE"]),
        )
        for event in calendar.walk("VEVENT")
    }  # fmt: skip


def with_vobject(body: bytes) -> dict:
    calendar = vobject.readOne(body.decode("utf-8"))
    return {
        event.uid.value: (
            _utc(event.dtstart.value), _utc(event.dtend.value), event.status.value, int(event.sequence.value)
        )
        for event in calendar.vevent_list
    }  # fmt: skip


def icaljs_raw(body: bytes) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed to run ical.js"
    result = subprocess.run(
        [node, str(ICALJS_SCRIPT)], input=body, capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _from_unix(events: list[dict]) -> dict:
    return {
        event["uid"]: (
            datetime.fromtimestamp(event["start"], UTC), datetime.fromtimestamp(event["end"], UTC),
            event["status"], int(event["sequence"]),
        )
        for event in events
    }  # fmt: skip


def with_icaljs(body: bytes) -> dict:
    return _from_unix(icaljs_raw(body)["events"])


def libical_raw(body: bytes) -> dict:
    """Missing libical fails the test (`make test` installs it), it never skips it."""
    assert SYSTEM_PYTHON.exists(), (
        f"{SYSTEM_PYTHON} is needed to run libical: apt-get install -y {LIBICAL_PACKAGES}"
    )
    result = subprocess.run(
        [str(SYSTEM_PYTHON), str(LIBICAL_SCRIPT)],
        input=body, capture_output=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"libical failed: {result.stderr.decode()}"
    return json.loads(result.stdout)


def with_libical(body: bytes) -> dict:
    return _from_unix(libical_raw(body)["events"])


def locations_with_icalendar(body: bytes) -> dict:
    return {
        str(e["UID"]): str(e.get("LOCATION", "")) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }


def locations_with_vobject(body: bytes) -> dict:
    calendar = vobject.readOne(body.decode("utf-8"))
    return {e.uid.value: e.location.value if hasattr(e, "location") else "" for e in calendar.vevent_list}


def locations_with_icaljs(body: bytes) -> dict:
    return {e["uid"]: e["location"] or "" for e in icaljs_raw(body)["events"]}


def locations_with_libical(body: bytes) -> dict:
    return {e["uid"]: e["location"] or "" for e in libical_raw(body)["events"]}


PARSERS = {
    "icalendar": with_icalendar,
    "ical.js": with_icaljs,
    "vobject": with_vobject,
    "libical": with_libical,
}

# Each event's LOCATION as text, unescaped: {uid: location}.
LOCATION_READERS = {
    "icalendar": locations_with_icalendar,
    "ical.js": locations_with_icaljs,
    "vobject": locations_with_vobject,
    "libical": locations_with_libical,
}
