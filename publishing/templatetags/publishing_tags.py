"""Every staff page of a mission says "N changes not yet published" while there are any."""

from django import template
from django.core.cache import cache

from delegations.models import Delegation
from itinerary.mission_cache import mission_stamp
from itinerary.schedule import load_mission

register = template.Library()


def unpublished_count(delegation, mission=None) -> int:
    """How many changes the next release would carry, worked out item by item
    (publishing/unpublished.py): from the working copy `mission` when the page has it loaded (the
    count then says what the page shows), else cached by the mission's stamp (its row versions,
    itinerary/mission_cache.py) and the latest release."""
    from publishing.unpublished import latest_release, unpublished_changes_count

    latest = latest_release(delegation)
    if mission is not None:
        return unpublished_changes_count(mission, release_id=latest)
    key = f"unpublished:{delegation.pk}:{latest}:{mission_stamp(delegation)}"
    count = cache.get(key)
    if count is None:
        # The delegation read again after the stamp: the caller's copy may be older than it.
        mission = load_mission(Delegation.objects.get(pk=delegation.pk))
        count = unpublished_changes_count(mission, release_id=latest)
        cache.set(key, count, 3600)
    return count


@register.inclusion_tag("publishing/_unpublished.html", takes_context=True)
def unpublished_banner(context):
    """On staff pages of one mission only (their URL names it by slug; delegates' pages use a token)."""
    request, delegation = context.get("request"), context.get("delegation")
    match = getattr(request, "resolver_match", None)
    if (
        delegation is None
        or match is None
        or "slug" not in match.kwargs
        or match.url_name == "publish"
        or not request.user.is_authenticated
    ):
        return {"count": 0}
    mission = context.get("mission")
    is_working_copy = mission is not None and getattr(mission, "as_of", None) is None
    count = unpublished_count(delegation, mission if is_working_copy else None)
    return {"count": count, "delegation": delegation}
