from django import template

register = template.Library()

# What staff pages call a model when it differs from its verbose name (which the admin keeps):
# a Delegation is "mission" everywhere a planner reads it.
STAFF_NAMES = {"delegations.delegation": "mission"}


def staff_name(obj) -> str:
    """The word staff pages and messages use for a model or one of its objects."""
    return STAFF_NAMES.get(obj._meta.label_lower, str(obj._meta.verbose_name))


@register.filter
def verbose_name(obj) -> str:
    return staff_name(obj)


@register.filter
def with_city(place: str, city_name: str) -> str:
    """ "1000 Middle Yan'an Road, Jing'an District, Shanghai" stays as it is; "BEXCO" gets ", Busan"."""
    from itinerary.schedule import with_city as place_with_city

    return place_with_city(place, city_name) if place else ""


@register.filter
def on_clock(moment, clock) -> str:
    """A moment something was done, on a mission's clock (itinerary/mission_clock.py): "Tue 25 Oct
    2016, 14:05 CST, UTC+8"."""
    return clock.text(moment) if moment else ""


@register.filter
def zone_words(zone_name: str, delegation=None) -> str:
    """A zone the house way ("CST, UTC+8") on a mission's dates (itinerary.timezones.zone_hint)."""
    from itinerary.timezones import zone_hint

    return zone_hint(zone_name, delegation) if zone_name else ""


@register.filter
def zone_of(local_moment) -> str:
    """The zone of an aware local time the house way ("CST, UTC+8"), never a bare zone name."""
    from itinerary.timezones import zone_label

    return zone_label(local_moment) if local_moment else ""
