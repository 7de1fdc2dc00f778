"""IANA time zones: validation and lookup.

Zones are stored by name ("Asia/Shanghai") and resolved with `zoneinfo` (backed by the `tzdata`
package, so every machine has the same rules).
"""

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


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {name!r}.") from exc
