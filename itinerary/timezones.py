"""IANA time zones: validation and lookup.

Zones are stored by name ("Asia/Shanghai") and resolved with `zoneinfo` (backed by the `tzdata`
package, so every machine has the same rules).
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    """Reject anything `zoneinfo` cannot load, with a message a staff member can act on."""
    if value not in timezone_names():
        raise ValidationError(
            "%(value)s is not a known IANA time zone; "
            "use a name such as Asia/Shanghai or America/Los_Angeles.",
            code="invalid_timezone",
            params={"value": value},
        )


def offset_label(offset: timedelta) -> str:
    """UTC+8, UTC+5:30, UTC−7 (with a real minus sign), UTC±0."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC±0"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


def zone_label(moment: datetime) -> str:
    """The zone of an aware local time in words nobody misreads: "CST, UTC+8", "PDT, UTC−7".

    An abbreviation alone is ambiguous (CST is China Standard Time to a delegate in Beijing and US
    Central to staff in Sacramento); the offset settles it. Zones with no abbreviation of their own
    (tzdata writes "+04") show the offset only.
    """
    offset = offset_label(moment.utcoffset())
    abbreviation = moment.tzname() or ""
    if not abbreviation.isalpha() or abbreviation == "UTC":
        return offset
    return f"{abbreviation}, {offset}"


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {name!r}.") from exc


def make_local_aware(wall_clock: datetime, zone_name: str) -> datetime:
    """Attach a city's zone to a wall-clock time typed by staff, refusing times that never happen.

    In the spring-forward gap (e.g. 02:30 on the second Sunday of March in California) the time does
    not exist: refuse it rather than silently move the meeting by an hour. In the autumn fall-back
    hour the time happens twice: take the first occurrence (fold=0, still daylight time), as
    calendar applications do. The result is in UTC: PEP 495 makes an ambiguous local time compare
    unequal to every time in another zone, even itself in UTC.
    """
    if not 1900 <= wall_clock.year <= 2200:
        raise ValidationError("Enter a date between the years 1900 and 2200.", code="out_of_range")
    tz = zone(zone_name)
    aware = wall_clock.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall_clock.replace(tzinfo=None):
        raise ValidationError(
            "%(time)s does not exist in %(zone)s: the clocks go forward then. Choose another time.",
            code="nonexistent_local_time",
            params={"time": wall_clock.strftime("%d %b %Y %H:%M"), "zone": zone_name},
        )
    return aware.astimezone(UTC)
