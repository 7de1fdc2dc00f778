"""What a delegate's own page shows: their days, today first, and how to subscribe."""

from dataclasses import dataclass
from datetime import date

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from delegations.models import Member
from itinerary.schedule import Day, Mission, compose_days


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str
    download: str
    page: str

    @property
    def qr_svg(self) -> str:
        """A QR code of the delegate's page, not of the feed.

        A phone's camera opens an https:// .ics address as a file to import once (or download), so
        changes would never arrive; the page offers webcal and the other ways to subscribe.
        Inline SVG: no image request, no script, nothing for a CSP to block.
        """
        return segno.make(self.page, error="m").svg_inline(scale=4, dark="#1f3a5f", omitsize=True)


def site_base(request: HttpRequest | None) -> str:
    """Where a page's absolute links point: SITE_URL when it is set, else the scheme, host and port
    the page was reached at (`PORT=8765 make run`, a LAN address, a proxy that passes Host)."""
    if request is None or settings.SITE_URL_IS_SET:
        return settings.SITE_URL
    return f"{request.scheme}://{request.get_host()}"


def member_feed_links(member: Member, *, base: str) -> FeedLinks:
    https = f"{base}{reverse('member-calendar', args=[member.feed_token])}"
    return FeedLinks(
        https=https,
        webcal="webcal://" + https.split("://", 1)[1],
        download=f"{https}?download=1",
        page=f"{base}{reverse('delegate-page', args=[member.feed_token])}",
    )


def delegation_feed_url(delegation, *, base: str) -> str:
    return f"{base}{reverse('delegation-calendar', args=[delegation.feed_token])}"


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
    useful = [day for day in days if day.lines or day.stays]
    ahead = [day for day in useful if day.date >= today]
    if not ahead or len(ahead) == len(useful):
        return useful, []
    return ahead, [day for day in useful if day.date < today]


def delegate_page_context(request, member: Member, mission: Mission) -> dict:
    """The page of one member, from `mission` (what delegates see: the latest release)."""
    today = _today_where_they_are(mission)
    upcoming, earlier = split_days(compose_days(mission, member=member), today)
    return {
        "member": member,
        "delegation": member.delegation,
        "mission": mission,
        "upcoming": upcoming,
        "earlier": earlier,
        "links": member_feed_links(member, base=site_base(request)),
        "today": today,
        "is_over": mission.delegation.end_date < today,
        # B2B table meetings are theirs by name (whole-delegation B2B blocks are not): they can
        # say how each went.
        "has_b2b": any(
            not entry.is_leg and entry.item.kind == "b2b" and member.pk in entry.attendee_ids
            for entry in mission.entries
        ),
    }
