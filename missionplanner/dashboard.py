"""The staff dashboard's rows: current and upcoming missions with their conflicts, past ones paged.

An agency keeps years of missions, so the dashboard must not grow with them. Counts are subqueries;
past missions are listed a page at a time with counts and cities but no conflicts; only current and
upcoming missions get the conflict rules, and each one's count (with its cities) is kept in the
cache under a stamp of everything the rules read, so a mission is loaded in full only after it
changed. The queries are the same for one mission as for a thousand.

It reads people and itineraries alike, so it lives here at the top, beside the URLs.
"""

import hashlib
from datetime import date
from functools import cache as once
from pathlib import Path

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from delegations.models import Member
from itinerary import conflicts, schedule
from itinerary.conflicts import find_conflicts
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.schedule import load_missions

ARCHIVE_PAGE_SIZE = 20


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


# What the conflict rules read, beyond the delegation's own row: a change to any of it moves one of
# these (saves move updated_at, attendee and counterpart changes touch their item, deletions lower
# a count, see itinerary/feed_history.py), so equal stamps mean equal conflicts.
_CONFLICT_INPUTS = {"meeting": Meeting, "leg": TravelLeg, "member": Member, "stay": Stay}


# The rules' own code is part of the key, so a deploy that changes them recomputes every count.
@once
def _rules_version() -> str:
    return hashlib.sha256(
        b"".join(Path(module.__file__).read_bytes() for module in (conflicts, schedule))
    ).hexdigest()[:16]


# An hour at most: bounds what a change the stamps cannot see (a long transaction saving an older
# updated_at than the newest one already committed) could leave stale.
_CONFLICTS_CACHE_SECONDS = 3600


def _with_conflict_stamps(delegations):
    stamps = {}
    for name, model in _CONFLICT_INPUTS.items():
        stamps[f"{name}_rows"] = _per_delegation(model, Count("pk"))
        stamps[f"{name}_changed"] = _per_delegation(model, Max("updated_at"))
    stamps["city_changed"] = Subquery(City.objects.order_by("-updated_at").values("updated_at")[:1])
    return delegations.annotate(**stamps)


def _conflicts_key(delegation) -> str:
    stamp = [delegation.pk, delegation.updated_at, delegation.city_changed]
    for name in _CONFLICT_INPUTS:
        stamp += [getattr(delegation, f"{name}_rows"), getattr(delegation, f"{name}_changed")]
    return f"dashboard-conflicts:{hashlib.sha256(repr((_rules_version(), stamp)).encode()).hexdigest()[:32]}"


def _routes(delegation_ids: list[int]) -> dict[int, list[str]]:
    """Each delegation's cities in the order of its stays ("Beijing → Shanghai"), in one query."""
    routes: dict[int, dict[str, None]] = {pk: {} for pk in delegation_ids}
    stays = Stay.objects.filter(delegation_id__in=delegation_ids).order_by("arrival_date", "pk")
    for delegation_id, city in stays.values_list("delegation_id", "city__name"):
        routes[delegation_id][city] = None
    return {pk: list(cities) for pk, cities in routes.items()}


def archive_page(delegations, *, today: date, number) -> tuple[Page, list[dict]]:
    """One page of the missions over before `today`, newest first, with counts and cities."""
    past = _with_counts(delegations.filter(end_date__lt=today).order_by("-start_date", "name", "pk"))
    page = Paginator(past, ARCHIVE_PAGE_SIZE).get_page(number)
    shown = list(page.object_list)
    routes = _routes([delegation.pk for delegation in shown])
    rows = [
        {
            "delegation": delegation,
            "cities": routes[delegation.pk],
            "member_count": delegation.member_count,
            "meeting_count": delegation.meeting_count,
        }
        for delegation in shown
    ]
    return page, rows


def missions_ahead(delegations, *, today: date) -> list[dict]:
    """Current missions first, then upcoming ones, soonest first, each with its open conflicts."""
    ahead = delegations.filter(end_date__gte=today).order_by("start_date", "name")
    shown = list(_with_conflict_stamps(_with_counts(ahead)))
    keys = {delegation.pk: _conflicts_key(delegation) for delegation in shown}
    known = cache.get_many(list(keys.values()))
    missions = load_missions([d for d in shown if keys[d.pk] not in known])
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
