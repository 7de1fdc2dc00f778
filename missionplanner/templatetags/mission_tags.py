from django import template

register = template.Library()


@register.filter
def verbose_name(obj) -> str:
    return obj._meta.verbose_name


@register.filter
def local_time_range(entry) -> str:
    """09:30–10:30 CST; or 12:50 PDT → 16:55 CST (+1 day) for a leg between zones."""
    start, end = entry.local_start, entry.local_end
    days = (end.date() - start.date()).days
    suffix = f" (+{days} day{'s' if days > 1 else ''})" if days > 0 else f" ({days} day)" if days < 0 else ""
    if start.tzinfo == end.tzinfo:
        return f"{start:%H:%M}–{end:%H:%M} {start.tzname()}{suffix}"
    return f"{start:%H:%M} {start.tzname()} → {end:%H:%M} {end.tzname()}{suffix}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, []) if mapping else []


@register.filter
def attendees_of(mission, entry):
    return mission.attendees(entry)
