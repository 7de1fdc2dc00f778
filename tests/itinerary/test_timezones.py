from datetime import UTC, datetime, timedelta

import pytest

from itinerary.timezones import offset_label, zone, zone_label


@pytest.mark.parametrize(
    ("zone_name", "expected"),
    [
        ("Asia/Shanghai", "CST, UTC+8"),
        ("America/Chicago", "CST, UTC−6"),  # the other CST: the offset tells them apart
        ("America/Los_Angeles", "PST, UTC−8"),
        ("Asia/Kolkata", "IST, UTC+5:30"),
        ("Asia/Dubai", "UTC+4"),  # tzdata has no abbreviation for it ("+04")
        ("Europe/London", "GMT, UTC±0"),
        ("UTC", "UTC±0"),
    ],
)
def test_zone_label_names_abbreviation_and_offset(zone_name, expected):
    moment = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(zone(zone_name))
    assert zone_label(moment) == expected


def test_zone_label_follows_daylight_saving():
    moment = datetime(2026, 7, 15, 12, tzinfo=UTC).astimezone(zone("America/Los_Angeles"))
    assert zone_label(moment) == "PDT, UTC−7"


def test_offset_label_handles_negative_half_hours():
    assert offset_label(-timedelta(hours=3, minutes=30)) == "UTC−3:30"
