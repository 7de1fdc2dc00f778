"""Every staff page of a mission says "N changes not yet published" while there are any."""

from django import template
from django.core.cache import cache

from itinerary.feed_stamps import delegation_feed_stamp
from itinerary.schedule import load_mission

register = template.Library()


def unpublished_count(delegation, mission=None) -> int:
    """How many changes the next release would carry, cached by the working copy's stamp (which moves
    with every edit) and the latest release, and worked out item by item (publishing/unpublished.py)."""
    from publishing.unpublished import latest_release, unpublished_changes_count

    latest = latest_release(delegation)
    key = f"unpublished:{delegation.pk}:{latest}:{delegation_feed_stamp(delegation.feed_token).etag}"
    count = cache.get(key)
    if count is None:
        count = unpublished_changes_count(mission or load_mission(delegation), release_id=latest)
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
