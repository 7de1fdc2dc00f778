"""A buyer's calendar feed: its meetings of the latest release, with the members' UIDs.

Built by itinerary/ical.py (the same events, zones and bytes rules as every feed); only the words
change for the buyer: the summary names the company it meets, not the buyer itself, and the
description says where to sit and who comes, never what either side asked for.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from itinerary.ical import Feed, FeedEvent, _calendar, feed_event
from itinerary.schedule import Mission
from matchmaking.agenda import AgendaRow, BuyerAgenda
from matchmaking.itinerary_sync import organisation_label, person_label


def _event(row: AgendaRow, mission: Mission, url: str) -> FeedEvent:
    event = feed_event(row.entry, mission, url=f"{url}#{row.entry.key}", cancelled=row.cancelled)
    company = organisation_label(row.company) if row.company else "the delegation"
    table = f", table {row.table}" if row.table else ""
    lines = [f"Table {row.table}." if row.table else "", f"With: {company}"]
    if row.people:
        lines.append("Attending: " + ", ".join(person_label(m.full_name, m.local_name) for m in row.people))
    if row.entry.item.address_local:
        lines.append(f"Address for drivers: {row.entry.item.address_local}")
    return replace(event, summary=f"B2B: {company}{table}", description="\n".join(filter(None, lines)))


def buyer_feed(agenda: BuyerAgenda, mission: Mission, *, page_url: str) -> Feed:
    """Every meeting of the agenda (which comes from a release), cancelled ones as STATUS:CANCELLED."""
    buyer, session = agenda.buyer, agenda.session
    return _calendar(
        name=f"{session.title}: {buyer.organisation.name}",
        description=f"B2B meetings of {buyer.organisation.name} with the {session.delegation.name}.",
        calendar_uid=f"b2b-buyer-{buyer.pk}@{settings.FEED_UID_DOMAIN}",
        url=page_url,
        events=[_event(row, mission, page_url) for row in agenda.rows if row.entry is not None],
        changed=[mission.as_of or session.delegation.updated_at],
    )
