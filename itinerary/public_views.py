"""Pages and feeds for delegates: no login, the secret token in the URL is the key."""

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from delegations.models import Delegation, Member
from itinerary.delegate_page import delegate_page_context
from itinerary.ical import Feed, delegation_feed, member_feed
from itinerary.schedule import load_mission


def _active_member(token: str) -> Member:
    member = get_object_or_404(Member.objects.select_related("delegation"), feed_token=token)
    if not member.is_active:
        raise Http404("No such itinerary.")
    return member


def _calendar_response(request, feed: Feed, filename: str) -> HttpResponse:
    """200 with the feed, or 304 when the client's copy is current (If-None-Match, If-Modified-Since)."""
    etag = quote_etag(hashlib.sha256(feed.body).hexdigest()[:32])
    last_modified = int(feed.last_modified.timestamp())  # HTTP dates have whole seconds
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response = not_modified or HttpResponse(feed.body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Private: the URL is a secret. Clients poll hourly at most; revalidation is a cheap 304.
    patch_cache_control(response, private=True, max_age=300)
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if request.method == "HEAD" and not not_modified:
        response["Content-Length"] = str(len(feed.body))
        response.content = b""
    return response


@login_not_required
@require_safe
def delegation_calendar(request, token: str):
    delegation = get_object_or_404(Delegation, feed_token=token)
    return _calendar_response(request, delegation_feed(load_mission(delegation)), f"{delegation.slug}.ics")


@login_not_required
@require_safe
def member_calendar(request, token: str):
    member = _active_member(token)
    feed = member_feed(load_mission(member.delegation), member)
    return _calendar_response(request, feed, f"{member.delegation.slug}-itinerary.ics")


@login_not_required
@require_safe
def delegate_page(request, token: str):
    member = _active_member(token)
    return render(request, "itinerary/delegate_page.html", delegate_page_context(request, member))
