import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from itinerary.forms import CityForm
from itinerary.models import City
from itinerary.timezones import offset_label, validate_timezone, zone, zone_label
from itinerary.zone_picker import timezone_choices, zone_keywords


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


@pytest.mark.parametrize("name", ["localtime", "Factory", "EST5EDT", "Etc/GMT+8", "UTC", "posixrules"])
def test_zones_that_are_not_a_place_are_refused(name):
    with pytest.raises(ValidationError, match="is not the time zone of a place"):
        validate_timezone(name)


@pytest.mark.parametrize("name", ["Asia/Seoul", "Asia/Shanghai", "America/Los_Angeles", "Europe/Zurich"])
def test_zones_of_places_are_accepted(name):
    validate_timezone(name)


def test_picker_offers_only_zones_of_places_with_country_and_offset():
    labels = dict(timezone_choices())
    assert not {"localtime", "Factory", "UTC", "EST5EDT"} & labels.keys()
    assert re.fullmatch(r"Asia/Seoul — Korea \(South\) · KST, UTC\+9", labels["Asia/Seoul"])


@pytest.mark.parametrize("typed", ["Busan", "Korea", "KST", "Incheon", "KR"])
def test_picker_keywords_find_seoul_by_city_country_and_abbreviation(typed):
    assert typed in zone_keywords("Asia/Seoul", today=date(2026, 5, 1)).split(" ")


def test_picker_keywords_name_both_abbreviations_of_a_zone_with_daylight_saving():
    words = zone_keywords("America/Los_Angeles", today=date(2026, 5, 1)).split(" ")
    assert {"PST", "PDT", "Sacramento"} <= set(words)


def test_picker_options_carry_keywords_for_tom_select():
    html = str(CityForm(initial={"timezone": "Asia/Seoul"})["timezone"])
    assert 'data-search-keywords="true"' in html
    option = re.search(r'<option value="Asia/Seoul"[^>]*>', html).group(0)
    assert "selected" in option
    assert 'data-keywords="Korea (South) KR' in option and "Busan" in option


@pytest.mark.django_db
def test_city_form_refuses_a_zone_that_means_the_servers(admin_client):
    response = admin_client.post(
        reverse("city-create"), {"name": "Busan", "country": "South Korea", "timezone": "localtime"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not City.objects.filter(name="Busan").exists()
