"""The staff dashboard's rows: current and upcoming missions with their conflicts, past ones paged.

An agency keeps years of missions, so the dashboard must not grow with them. Counts are subqueries;
past missions are listed a page at a time with counts and cities but no conflicts; only current and
upcoming missions get the conflict rules, and each one's count (with its cities) is kept in the
cache under the mission's stamp (its row versions, itinerary/mission_cache.py: two queries for all
of them), so a mission is loaded in full only after it changed. The queries are the same for one
mission as for a thousand.

It reads people and itineraries alike, so it lives here at the top, beside the URLs.
"""

import hashlib
from datetime import date
from functools import cache as once
from pathlib import Path

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from delegations.models import Delegation, Member
from itinerary import conflicts, schedule
from itinerary.conflicts import find_conflicts
from itinerary.mission_cache import mission_stamps
from itinerary.models import Meeting, Stay
from itinerary.schedule import load_missions

ARCHIVE_PAGE_SIZE = 20
LATEST_PAST_SHOWN = 5


def _per_delegation(model, aggregate):
    """One figure about the delegation's rows of `model`, as a subquery: a join of members and
    meetings would multiply rows (and make counts need DISTINCT)."""
    rows = model.objects.filter(delegation=OuterRef("pk")).order_by().values("delegation")
    return Subquery(rows.annotate(figure=aggregate).values("figure"))


def _with_counts(delegations):
    # Every member (inactive ones too) and every meeting (cancelled ones too), as the dashboard
    # has always counted them.
    return delegations.annotate(
        member_count=Coalesce(_per_delegation(Member, Count("pk")), 0),
        meeting_count=Coalesce(_per_delegation(Meeting, Count("pk")), 0),
    )


# The rules' own code is part of the key, so a deploy that changes them recomputes every count.
@once
def _rules_version() -> str:
    return hashlib.sha256(
        b"".join(Path(module.__file__).read_bytes() for module in (conflicts, schedule))
    ).hexdigest()[:16]


_CONFLICTS_CACHE_SECONDS = 24 * 3600  # a changed mission has a new stamp, so only memory bounds it


def _conflicts_key(stamp: str) -> str:
    return f"dashboard-conflicts:{_rules_version()}:{stamp}"


def _routes(delegation_ids: list[int]) -> dict[int, list[str]]:
    """Each delegation's cities in the order of its stays ("Beijing → Shanghai"), in one query."""
    routes: dict[int, dict[str, None]] = {pk: {} for pk in delegation_ids}
    stays = Stay.objects.filter(delegation_id__in=delegation_ids).order_by("arrival_date", "pk")
    for delegation_id, city in stays.values_list("delegation_id", "city__name"):
        routes[delegation_id][city] = None
    return {pk: list(cities) for pk, cities in routes.items()}


def _past_rows(shown: list) -> list[dict]:
    routes = _routes([delegation.pk for delegation in shown])
    return [
        {
            "delegation": delegation,
            "cities": routes[delegation.pk],
            "member_count": delegation.member_count,
            "meeting_count": delegation.meeting_count,
        }
        for delegation in shown
    ]


def _past(delegations, today: date):
    return _with_counts(delegations.filter(end_date__lt=today).order_by("-start_date", "name", "pk"))


def archive_page(delegations, *, today: date, number) -> tuple[Page, list[dict]]:
    """One page of the missions over before `today`, newest first, with counts and cities."""
    page = Paginator(_past(delegations, today), ARCHIVE_PAGE_SIZE).get_page(number)
    return page, _past_rows(list(page.object_list))


def latest_past(delegations, *, today: date) -> list[dict]:
    """The few latest missions over before `today`: what the first page shows when none is current
    or upcoming (the demo's missions are years past), so a newcomer sees the missions there are."""
    return _past_rows(list(_past(delegations, today)[:LATEST_PAST_SHOWN]))


def missions_ahead(delegations, *, today: date) -> list[dict]:
    """Current missions first, then upcoming ones, soonest first, each with its open conflicts."""
    ahead = delegations.filter(end_date__gte=today).order_by("start_date", "name")
    shown = list(_with_counts(ahead))
    stamps = mission_stamps([delegation.pk for delegation in shown])
    keys = {pk: _conflicts_key(stamp) for pk, stamp in stamps.items()}
    known = cache.get_many(list(keys.values()))
    # Read again after the stamps: the rows listed above may be older than them.
    changed = Delegation.objects.filter(pk__in=[pk for pk, key in keys.items() if key not in known])
    missions = load_missions(list(changed))
    found = {
        keys[pk]: (len(find_conflicts(mission)), list(dict.fromkeys(s.city.name for s in mission.stays)))
        for pk, mission in missions.items()
    }
    if found:
        cache.set_many(found, _CONFLICTS_CACHE_SECONDS)
    known.update(found)
    rows = []
    for delegation in shown:
        conflict_count, cities = known[keys[delegation.pk]]
        rows.append(
            {
                "delegation": delegation,
                "is_current": delegation.start_date <= today,
                "cities": cities,
                "member_count": delegation.member_count,
                "meeting_count": delegation.meeting_count,
                "conflict_count": conflict_count,
            }
        )
    return rows
