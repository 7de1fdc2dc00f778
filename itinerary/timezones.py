"""IANA time zones: validation, lookup and wording.

Zones are stored by name ("Asia/Shanghai") and resolved with `zoneinfo` (backed by the `tzdata`
package, so every machine has the same rules).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class GeographicZone:
    name: str  # "Asia/Shanghai"
    country_codes: tuple[str, ...]  # ("CN",)
    countries: tuple[str, ...]  # ("China",)
    comment: str  # tzdata's note on the region it covers: "Beijing Time", "Pacific" or ""


def _tab_rows(file_name: str) -> list[list[str]]:
    text = files("tzdata").joinpath("zoneinfo", file_name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def geographic_zones() -> dict[str, GeographicZone]:
    """The zones of places on Earth, from tzdata's own tables (zone.tab and zone1970.tab).

    `zoneinfo.available_timezones()` also lists "localtime", "Factory", "EST5EDT", "Etc/GMT+8" and
    old aliases: some mean whatever the server's zone is, none is the zone of a city. A city or a
    delegation's home office only takes a zone from these tables.
    """
    country_names = {code: name for code, name, *_ in _tab_rows("iso3166.tab")}
    found: dict[str, tuple[list[str], str]] = {}
    for codes, _coordinates, name, *comment in _tab_rows("zone1970.tab") + _tab_rows("zone.tab"):
        known_codes, known_comment = found.setdefault(name, ([], ""))
        for code in codes.split(","):
            if code not in known_codes:
                known_codes.append(code)
        if comment and not known_comment:
            found[name] = (known_codes, comment[0])
    return {
        name: GeographicZone(
            name=name,
            country_codes=tuple(codes),
            countries=tuple(country_names.get(code, code) for code in codes),
            comment=comment,
        )
        for name, (codes, comment) in sorted(found.items())
    }


def validate_timezone(value: str) -> None:
    """Accept only the zone of a place (see `geographic_zones`), with a message staff can act on."""
    if value not in geographic_zones():
        raise ValidationError(
            "“%(value)s” is not the time zone of a place; choose one such as Asia/Seoul or "
            "America/Los_Angeles (the picker finds them by city, country or abbreviation).",
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


def zone_hint(zone_name: str, delegation=None, *, on: date | None = None) -> str:
    """A zone as a form's hint says it, the house way: "CST, UTC+8". Read at noon on the day `on`
    (the item's own), else on the mission's first and last days (no trip spans two changes of the
    clocks: "PDT, UTC−7 or PST, UTC−8" when its dates straddle one), else today."""
    if on is not None:
        days = (on,)
    elif delegation is not None:
        days = (delegation.start_date, delegation.end_date)
    else:
        days = (date.today(),)
    tz = zone(zone_name)
    labels = dict.fromkeys(zone_label(datetime.combine(day, time(12), tz)) for day in days)
    return " or ".join(labels)


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


def repeated_time_notice(wall_clock: datetime, zone_name: str, *, place: str) -> str | None:
    """Say which of the two moments was taken when a wall-clock time happens twice (clocks go back).

    `make_local_aware` takes the first; staff should know, because the second is an hour later.
    """
    tz = zone(zone_name)
    first, second = wall_clock.replace(tzinfo=tz, fold=0), wall_clock.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    return (
        f"{wall_clock:%H:%M} on {wall_clock:%a} {wall_clock.day} {wall_clock:%b %Y} happens twice in "
        f"{place}: the clocks go back that night. We used the first, {wall_clock:%H:%M} "
        f"{zone_label(first)}, an hour before {wall_clock:%H:%M} {zone_label(second)}."
    )
