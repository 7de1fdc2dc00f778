"""Parse an iCalendar feed from stdin with libical (the parser inside Evolution) and print each event's
UID, status, sequence, start/end as UTC Unix seconds and location, as JSON.

Run by Debian's /usr/bin/python3, not the project's venv: libical comes through GObject introspection
(python3-gi and gir1.2-ical-3.0), which Debian builds for its own Python only. Standard library only.
"""

import json
import sys

try:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib
except (ImportError, ValueError) as exc:
    sys.exit(f"libical is not installed ({exc}): apt-get install -y python3-gi gir1.2-ical-3.0")

VEVENT = ICalGLib.ComponentKind.VEVENT_COMPONENT


def _text(component, kind) -> str | None:
    prop = component.get_first_property(kind)
    return None if prop is None else prop.get_value_as_string()


def _unix(moment) -> int:
    """libical resolves a TZID with the feed's own VTIMEZONE first (its built-in zones only when the
    feed has none); a time with neither Z nor a zone it found is floating, which a feed must not have."""
    zone = moment.get_timezone()
    if zone is None and not moment.is_utc():
        raise SystemExit(f"floating time {moment.as_ical_string()}")
    return moment.as_timet_with_zone(zone)


def _events(calendar):
    event = calendar.get_first_component(VEVENT)
    while event is not None:
        start, end = event.get_dtstart(), event.get_dtend()
        zone = start.get_timezone()
        yield {
            "uid": event.get_uid(),
            "summary": event.get_summary(),
            "status": _text(event, ICalGLib.PropertyKind.STATUS_PROPERTY),
            "sequence": event.get_sequence(),
            "start": _unix(start),
            "end": _unix(end),
            "start_zone": None if zone is None else zone.get_tzid(),
            "location": event.get_location(),
        }
        event = calendar.get_next_component(VEVENT)


def main() -> None:
    calendar = ICalGLib.Component.new_from_string(sys.stdin.buffer.read().decode("utf-8"))
    if calendar is None:
        sys.exit("libical could not parse the feed")
    json.dump({"events": list(_events(calendar))}, sys.stdout)


if __name__ == "__main__":
    main()
