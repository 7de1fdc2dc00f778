"""Pages and feeds for delegates: no login, the secret token in the URL is the key.

They show the latest release (publishing.released), never the working copy. Their Referrer-Policy
is the site's `same-origin` (settings.SECURE_REFERRER_POLICY): no other site gets a Referer with the
token, while a form posted back to this site still carries the Origin Django's CSRF check needs
(`no-referrer` made browsers send `Origin: null`, and every such form failed with a 403).
"""

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from delegations.models import Delegation, Member
from itinerary.delegate_page import delegate_page_context, site_base
from itinerary.ical import delegation_feed, member_feed
from itinerary.mission_cache import cached_body
from publishing.released import ReleasedStamp, delegation_stamp, member_stamp, released_mission
from publishing.whats_new import recent_changes_for

CACHE_CONTROL = "private, max-age=300"  # private: the URL is a secret; revalidating costs one query


def no_such_calendar() -> HttpResponse:
    """A wrong or rotated feed token: a plain 404 calendar clients understand, with a line for people.

    Returned, not raised: Http404 would show Django's technical page (with the URL patterns) under
    DEBUG, and the project's HTML 404 page otherwise; neither suits a calendar client."""
    response = HttpResponseNotFound(
        "No such calendar: this link was replaced or is wrong.\n"
        "Ask the mission staff for your current link.\n",
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def no_such_page(request) -> HttpResponse:
    """A wrong or rotated page token: a page that says what to do, and nothing about which missions exist."""
    response = render(request, "itinerary/link_not_found.html", status=404)
    response["Cache-Control"] = "private, no-cache"
    return response


def _client_has(request, etag: str) -> bool:
    """The common case of a calendar client sending back the ETag it was given, checked cheaply."""
    sent = request.headers.get("If-None-Match", "")
    return sent == etag or etag in (tag.strip().removeprefix("W/") for tag in sent.split(","))


def _calendar_response(request, stamp: ReleasedStamp | None, build, filename: str) -> HttpResponse:
    """404, 304 when the client's copy is current, or the feed (from the cache when it can)."""
    if stamp is None:
        return no_such_calendar()
    last_modified = int(stamp.last_modified.timestamp())  # HTTP dates have whole seconds
    if _client_has(request, stamp.etag):
        response = HttpResponseNotModified()
        response["ETag"] = stamp.etag
        response["Cache-Control"] = CACHE_CONTROL
        return response
    response = get_conditional_response(request, etag=stamp.etag, last_modified=last_modified)
    if response is None:
        body = cached_body(stamp.cache_key(), build)
        response = HttpResponse(
            b"" if request.method == "HEAD" else body, content_type="text/calendar; charset=utf-8"
        )
        response["Content-Length"] = str(len(body))
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = stamp.etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = CACHE_CONTROL
    return response


@login_not_required
@transaction.non_atomic_requests  # read-only: no BEGIN/COMMIT round trips around a 304
@require_safe
def delegation_calendar(request, token: str):
    stamp = delegation_stamp(token)

    def build() -> bytes:
        delegation = Delegation.objects.get(pk=stamp.delegation_id)
        return delegation_feed(released_mission(delegation, stamp.release_id)).body

    return _calendar_response(request, stamp, build, f"{stamp.slug}.ics" if stamp else "")


@login_not_required
@transaction.non_atomic_requests  # read-only: no BEGIN/COMMIT round trips around a 304
@require_safe
def member_calendar(request, token: str):
    stamp = member_stamp(token)

    def build() -> bytes:
        member = Member.objects.select_related("delegation").get(pk=stamp.member_id)
        return member_feed(released_mission(member.delegation, stamp.release_id), member).body

    return _calendar_response(request, stamp, build, f"{stamp.slug}-itinerary.ics" if stamp else "")


@login_not_required
@transaction.non_atomic_requests  # read-only: no BEGIN/COMMIT round trips around a 304
@require_safe
def delegate_page(request, token: str):
    """The member's page, rendered once per release (and at least hourly, for "Today")."""
    stamp = member_stamp(token)
    if stamp is None:
        return no_such_page(request)

    def build() -> bytes:
        member = Member.objects.select_related("delegation").get(pk=stamp.member_id)
        context = delegate_page_context(
            request, member, released_mission(member.delegation, stamp.release_id)
        )
        context["recent_changes"] = recent_changes_for(member)
        return render_to_string("itinerary/delegate_page.html", context).encode()

    hour = timezone.now().strftime("%Y%m%d%H")
    # Its links point where the page was reached, so the address is part of what it is keyed by.
    base = hashlib.sha256(site_base(request).encode()).hexdigest()[:16]
    response = HttpResponse(cached_body(stamp.cache_key(f"page-{hour}-{base}"), build))
    response["Cache-Control"] = "private, no-cache"
    return response
