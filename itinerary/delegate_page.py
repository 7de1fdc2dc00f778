"""What a delegate's own page shows: their days, today first, and how to subscribe."""

from dataclasses import dataclass
from datetime import date

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from delegations.models import Member
from itinerary.schedule import Day, Mission, compose_days, load_mission


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str
    download: str
    page: str

    @property
    def qr_svg(self) -> str:
        # Inline SVG: no image request, no script, nothing for a CSP to block.
        return segno.make(self.https, error="m").svg_inline(scale=4, dark="#1f3a5f", omitsize=True)


def member_feed_links(member: Member) -> FeedLinks:
    https = f"{settings.SITE_URL}{reverse('member-calendar', args=[member.feed_token])}"
    return FeedLinks(
        https=https,
        webcal="webcal://" + https.split("://", 1)[1],
        download=f"{https}?download=1",
        page=f"{settings.SITE_URL}{reverse('delegate-page', args=[member.feed_token])}",
    )


def delegation_feed_url(delegation) -> str:
    return f"{settings.SITE_URL}{reverse('delegation-calendar', args=[delegation.feed_token])}"


def _today_where_they_are(mission: Mission):
    """Today's date in the zone of the city the delegation is in now (its home zone otherwise)."""
    now = timezone.now()
    home = mission.delegation.home_zone
    for stay in mission.stays:
        if stay.covers(now.astimezone(stay.city.zone).date()):
            return now.astimezone(stay.city.zone).date()
    return now.astimezone(home).date()


def split_days(days: list[Day], today: date) -> tuple[list[Day], list[Day]]:
    """(days to show first, earlier days to fold away), keeping only days with something on them.

    During the mission, today and what follows come first. Before it, and after it is over, every
    day is shown in order: the whole trip is what a delegate wants to see then.
    """
    useful = [day for day in days if day.entries or day.stays]
    ahead = [day for day in useful if day.date >= today]
    if not ahead or len(ahead) == len(useful):
        return useful, []
    return ahead, [day for day in useful if day.date < today]


def delegate_page_context(request, member: Member) -> dict:
    mission = load_mission(member.delegation)
    today = _today_where_they_are(mission)
    upcoming, earlier = split_days(compose_days(mission, member=member), today)
    return {
        "member": member,
        "delegation": member.delegation,
        "mission": mission,
        "upcoming": upcoming,
        "earlier": earlier,
        "links": member_feed_links(member),
        "today": today,
        "is_over": mission.delegation.end_date < today,
    }
