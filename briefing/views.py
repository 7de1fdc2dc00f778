"""The briefing book's pages: a PDF and the same template as a print view in the browser.

Each is built once per state of what it shows and then served from the cache: a delegate's book per
release (publishing.released's stamp), the staff book per stamp of the working copy, which changes
with every edit (its row versions, itinerary.mission_cache) and per latest release, which its
footer names.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views import View
from django.views.decorators.http import require_safe

from briefing.book import Edition, compose_book
from briefing.pdf import html_to_pdf, stylesheet_urls
from delegations.models import Delegation, Member
from delegations.scoping import DelegationScopedMixin
from itinerary.mission_cache import cached_body, mission_stamp
from itinerary.mission_clock import clock_of
from itinerary.schedule import load_mission
from missionplanner.strict import int_param
from publishing.delegate_views import no_such_page
from publishing.models import Release
from publishing.released import member_stamp, released_mission

BOOK_FORMAT = "2"  # bump when the code changes what a book looks like


def _paper(request) -> str:
    return "letter" if request.GET.get("paper") == "letter" else "a4"


def _render(book, *, paper: str, as_pdf: bool) -> bytes:
    html = render_to_string(
        "briefing/book.html",
        {
            "book": book,
            "paper": paper,
            "stylesheets": stylesheet_urls(paper, for_pdf=as_pdf),
            "as_pdf": as_pdf,
        },
    )
    return html_to_pdf(html) if as_pdf else html.encode()


def book_filename(slug: str, member_name: str | None = None, member_id: int | None = None) -> str:
    """briefing-<mission>.pdf, or briefing-<mission>-<member>.pdf: each member's book its own name
    (ASCII for every browser's Save dialog; a name with no Latin letters gives the member's number)."""
    if member_name is None:
        return f"briefing-{slug}.pdf"
    return f"briefing-{slug}-{slugify(member_name) or f'member-{member_id}'}.pdf"


def _respond(body: bytes, *, as_pdf: bool, filename: str) -> HttpResponse:
    if as_pdf:
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    else:
        response = HttpResponse(body)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_not_required
@transaction.non_atomic_requests
@require_safe
def delegate_book(request, token: str, as_pdf: bool = True):
    """The member's own book, from the latest release; a wrong token gets the delegate page's 404."""
    stamp = member_stamp(token)
    if stamp is None:
        return no_such_page(request)
    paper = _paper(request)

    def build() -> bytes:
        member = Member.objects.select_related("delegation__organiser").get(pk=stamp.member_id)
        release = (
            Release.objects.filter(pk=stamp.release_id).values_list("number", "published_at").first()
            if stamp.release_id
            else None
        )
        mission = released_mission(member.delegation, stamp.release_id)
        edition = Edition(*(release or (None, None)), working_copy=False, clock=clock_of(mission))
        # The released copy of the member: the name and title delegates were shown.
        reader = mission.members_by_id.get(member.pk, member)
        book = compose_book(mission, member=reader, staff=False, edition=edition)
        return _render(book, paper=paper, as_pdf=as_pdf)

    variant = f"briefing-{BOOK_FORMAT}-{paper}-{'pdf' if as_pdf else 'html'}"
    return _respond(
        cached_body(stamp.cache_key(variant), build),
        as_pdf=as_pdf,
        filename=book_filename(stamp.slug, stamp.member_name, stamp.member_id),
    )


class StaffBookView(DelegationScopedMixin, View):
    """The whole delegation's book (or one member's, ?member=N) from the working copy, for staff.

    The delegation is looked up before the method is checked, so outsiders get a 404 for any method.
    """

    as_pdf = True
    http_method_names = ["get", "head"]

    def get(self, request, slug: str):
        delegation, paper = self.delegation, _paper(request)
        member_id = int_param(request, "member")
        if request.GET.get("member") and member_id is None:
            raise Http404("No such member.")
        member_name = None
        if member_id:
            member_name = (
                Member.objects.filter(pk=member_id, delegation=delegation)
                .values_list("full_name", flat=True)
                .first()
            )
            if member_name is None:
                raise Http404("No such member.")
        latest = (
            Release.objects.filter(delegation=delegation)
            .order_by("-number")
            .values_list("number", "published_at")
            .first()
        )
        stamp = mission_stamp(delegation)

        def build() -> bytes:
            # The delegation read again after the stamp: this request's copy may be older than it.
            mission = load_mission(Delegation.objects.select_related("organiser").get(pk=delegation.pk))
            member = None
            if member_id is not None:
                member = mission.members_by_id.get(member_id)
                if member is None:
                    raise Http404("No such member.")
            edition = Edition(*(latest or (None, None)), working_copy=True, clock=clock_of(mission))
            book = compose_book(mission, member=member, staff=True, edition=edition)
            return _render(book, paper=paper, as_pdf=self.as_pdf)

        # The footer names the latest release, which publishing does not move the stamp for.
        variant = hashlib.sha256(
            repr(("staff-briefing", BOOK_FORMAT, paper, self.as_pdf, member_id, latest)).encode()
        ).hexdigest()[:24]
        return _respond(
            cached_body(f"{variant}:{stamp}", build),
            as_pdf=self.as_pdf,
            filename=book_filename(delegation.slug, member_name, member_id and int(member_id)),
        )


# Read-only: no SAVEPOINT round trips around a cached book.
staff_book = transaction.non_atomic_requests(StaffBookView.as_view())
staff_book_print = transaction.non_atomic_requests(StaffBookView.as_view(as_pdf=False))
