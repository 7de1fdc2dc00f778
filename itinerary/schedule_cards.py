"""The cards of the staff schedule, rendered in Python once per item.

A large mission has a thousand cards. Django's template engine spends about half a millisecond on
each, which alone would put the page past its 300 ms budget (bench/feeds.py, schedule_ms), so each
card is one str.format() of CARD below, with every value passed through html.escape() first.
"""

from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from itinerary.conflicts import Conflict
from itinerary.schedule import Day, Entry, Mission, ends_with_city

_PK = 987654321  # a placeholder id, replaced in each card's links

CARD = (
    '<article class="card entry mb-2{classes}" id="{key}" data-entry="{key}"><div class="card-body py-2">'
    '<div class="d-flex flex-wrap gap-2 align-items-baseline">'
    '<span class="entry-time fw-semibold">{time}</span>'
    '<span class="badge text-bg-light border">{label}</span>{status}</div>'
    '<h3 class="h6 mb-1 mt-1 entry-title">{title}</h3>'
    '<p class="mb-1 small">{where}{venue_local}{address}{address_local}</p>'
    "{counterparts}"
    '<p class="mb-1 small text-secondary">{attendees}</p>'
    "{conflicts}"
    '<p class="mb-0 small d-print-none"><a href="{edit}">Edit</a>{cancel} · '
    '<a class="link-danger" href="{delete}">Delete</a></p>'
    "</div></article>"
)
# An overnight leg again on the day it lands, as its arrival, linked to its card on the day it left.
# No data-entry: that marks the one card of each item.
ARRIVAL = (
    '<article class="card entry entry-arrival mb-2{classes}" id="{key}-arrival" data-arrival="{key}">'
    '<div class="card-body py-2"><p class="mb-1"><span class="entry-time fw-semibold">{time}</span> — '
    '<span class="entry-title">{summary}</span> {status}</p>'
    '<p class="mb-0 small text-secondary">Left {departed} · <a href="#{key}">{title}</a></p>'
    "</div></article>"
)
CONFLICT = '<p class="mb-1 small text-warning-emphasis conflict" data-rule="{}">⚠ {}</p>'
STATUS_BADGES = {
    "tentative": '<span class="badge text-bg-info">Tentative</span>',
    "cancelled": '<span class="badge text-bg-secondary">Cancelled</span>',
}


@dataclass(slots=True)
class DayCards:
    day: Day
    cards: list[SafeString]


def _link_templates(slug: str, kind: str) -> tuple[str, ...]:
    return tuple(
        reverse(f"{kind}-{action}", args=[slug, _PK]).replace(str(_PK), "{}")
        for action in ("edit", "cancel", "delete")
    )


def _optional(template: str, value: str) -> str:
    return template.format(escape(value)) if value else ""


def render_card(
    entry: Entry, *, attendees: str, conflicts: list[Conflict], links: tuple[str, ...]
) -> SafeString:
    item = entry.item
    edit, cancel, delete = (link.format(item.pk) for link in links)
    if entry.is_leg:
        where = f"{item.origin} → {item.destination}" + (f" · {item.notes}" if item.notes else "")
        venue_local = address = address_local = ""
    else:
        where = str(item.city)
        if item.venue:
            # "Grand Hyatt Busan, Busan (부산)" says Busan once too often.
            named = ends_with_city(item.venue, item.city.name)
            where = item.venue if named else f"{item.venue}, {where}"
        venue_local, address, address_local = item.venue_local, item.address, item.address_local
    counterparts = "; ".join(str(org) for org in entry.counterparts)
    html = CARD.format(
        classes=(" entry-cancelled" if entry.is_cancelled else "") + (" border-warning" if conflicts else ""),
        key=escape(entry.key),
        time=escape(entry.time_range),
        label=escape(entry.label),
        status=STATUS_BADGES.get(item.status, ""),
        title=escape(entry.title),
        where=escape(where),
        venue_local=_optional(' <span lang="zh">{}</span>', venue_local),
        address=_optional('<br><span class="text-secondary">{}</span>', address),
        address_local=_optional('<br><span class="text-secondary" lang="zh">{}</span>', address_local),
        counterparts=_optional('<p class="mb-1 small">With {}</p>', counterparts),
        attendees=escape(attendees),
        conflicts="".join(CONFLICT.format(escape(c.rule), escape(c.message)) for c in conflicts),
        edit=escape(edit),
        cancel="" if entry.is_cancelled else f' · <a href="{escape(cancel)}">Cancel</a>',
        delete=escape(delete),
    )
    return mark_safe(html)


def render_arrival(entry: Entry) -> SafeString:
    """The day an overnight leg lands: its arrival, and the way back to its full card."""
    return mark_safe(
        ARRIVAL.format(
            classes=" entry-cancelled" if entry.is_cancelled else "",
            key=escape(entry.key),
            time=escape(entry.arrival_time),
            summary=escape(entry.arrival_summary),
            status=STATUS_BADGES.get(entry.item.status, ""),
            title=escape(entry.title),
            departed=escape(entry.departure_time),
        )
    )


def schedule_cards(
    mission: Mission, days: list[Day], conflicts_by_entry: dict[str, list[Conflict]]
) -> list[DayCards]:
    """Each day's items and overnight arrivals in time order (the staff page shows no check-ins)."""
    slug = mission.delegation.slug
    links = {"meeting": _link_templates(slug, "meeting"), "leg": _link_templates(slug, "leg")}
    names = {member.pk: member.full_name for member in mission.members}

    def card(entry: Entry) -> SafeString:
        return render_card(
            entry,
            attendees=(
                ", ".join(sorted(names[pk] for pk in entry.attendee_ids if pk in names))
                if entry.attendee_ids
                else "Whole delegation"
            ),
            conflicts=conflicts_by_entry.get(entry.key, []),
            links=links["leg" if entry.is_leg else "meeting"],
        )

    return [
        DayCards(
            day=day,
            cards=[
                render_arrival(line.entry) if line.arrival else card(line.entry)
                for line in day.lines
                if line.entry is not None
            ],
        )
        for day in days
    ]
