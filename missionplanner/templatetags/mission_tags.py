from django import template

register = template.Library()


@register.filter
def verbose_name(obj) -> str:
    return obj._meta.verbose_name


@register.filter
def local_time_range(entry) -> str:
    return entry.time_range


@register.filter
def get_item(mapping, key):
    return mapping.get(key, []) if mapping else []


@register.filter
def attendees_of(mission, entry):
    return mission.attendees(entry)
