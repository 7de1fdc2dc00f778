"""What a B2B session prints and publishes: the room's table plan, each buyer's bilingual agenda,
and a buyer's own page and feed behind a secret link.

Whatever goes to a buyer or to the room shows the latest release, as delegates' pages do
(`released_plan`): the table plan and the agendas staff print, the buyer's own page and feed. Staff
can preview the working copy before publishing: every page of a preview, on screen, printed or as
a PDF, says it is not published and not to be handed out (css/b2b-preview.css). PDFs are the print
pages through the briefing book's WeasyPrint (briefing/pdf.py), with the same CJK fonts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views import View
from django.views.decorators.http import require_safe

from briefing.pdf import html_to_pdf
from delegations.scoping import DelegationScopedMixin
from delegations.tokens import token_digest
from itinerary.delegate_page import site_base
from matchmaking.agenda import BuyerAgenda, plan_agenda, released_agenda
from matchmaking.buyer_feed import buyer_feed
from matchmaking.models import Participant, Session
from matchmaking.released_plan import latest_published, session_meetings
from matchmaking.table_plan import released_table_plan, session_when, table_plan
from publishing.delegate_views import no_such_calendar, no_such_page

STYLESHEETS = ("css/b2b-print.css",)
PREVIEW_STYLESHEETS = (*STYLESHEETS, "css/b2b-preview.css")


def stylesheet_urls(*, for_pdf: bool, preview: bool = False) -> list[str]:
    """file:// URIs for WeasyPrint (it never makes a request), static URLs for a browser."""
    names = PREVIEW_STYLESHEETS if preview else STYLESHEETS
    if for_pdf:
        return [Path(finders.find(name)).as_uri() for name in names]
    return [static(name) for name in names]


@dataclass(frozen=True)
class BuyerLinks:
    """Where a buyer's outputs are: staff print views, and the buyer's own page and feed."""

    agenda: str
    agenda_pdf: str
    preview: str  # the working copy, for staff only
    preview_pdf: str
    page: str
    feed: str
    webcal: str


def buyer_links(buyer: Participant, *, base: str = "") -> BuyerLinks:
    """Links for a session page to show (relative), or absolute ones to send a buyer (`base`)."""
    session = buyer.session
    args = [session.delegation.slug, session.pk, buyer.pk]
    feed = f"{base or settings.SITE_URL}{reverse('buyer-calendar', args=[buyer.feed_token])}"
    return BuyerLinks(
        agenda=reverse("b2b-buyer-agenda", args=args),
        agenda_pdf=reverse("b2b-buyer-agenda-pdf", args=args),
        preview=reverse("b2b-buyer-agenda-preview", args=args),
        preview_pdf=reverse("b2b-buyer-agenda-preview-pdf", args=args),
        page=f"{base}{reverse('buyer-page', args=[buyer.feed_token])}",
        feed=feed,
        webcal="webcal://" + feed.split("://", 1)[1],
    )


def _printed(template: str, context: dict, *, as_pdf: bool, preview: bool, filename: str) -> HttpResponse:
    html = render_to_string(
        template,
        {
            **context,
            "as_pdf": as_pdf,
            "preview": preview,
            "stylesheets": stylesheet_urls(for_pdf=as_pdf, preview=preview),
        },
    )
    if preview:
        filename = filename.replace(".pdf", "-PREVIEW-not-published.pdf")
    if as_pdf:
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    else:
        response = HttpResponse(html)
    response["Cache-Control"] = "private, no-cache"
    return response


class SessionOutputMixin(DelegationScopedMixin):
    """The session (and buyer) from the URL, found only inside the user's own delegation; the latest
    release, or with `preview` the working copy."""

    as_pdf = False
    preview = False
    http_method_names = ["get", "head"]

    def session(self) -> Session:
        return get_object_or_404(
            Session.objects.select_related("city", "delegation"),
            delegation=self.delegation,
            pk=self.kwargs["session_pk"],
        )

    def buyer(self, session: Session) -> Participant:
        return get_object_or_404(
            Participant.objects.select_related("organisation"),
            session=session,
            side=Participant.Side.BUYER,
            pk=self.kwargs["pk"],
        )

    def printed(self, template: str, context: dict, filename: str) -> HttpResponse:
        return _printed(template, context, as_pdf=self.as_pdf, preview=self.preview, filename=filename)


class TablePlanView(SessionOutputMixin, View):
    def get(self, request, **kwargs):
        session = self.session()
        if self.preview:
            plan, edition, published = table_plan(session), "The plan as it stands (working copy)", True
        else:
            latest = latest_published(self.delegation)
            plan = released_table_plan(session, session_meetings(session, latest.mission))
            edition, published = latest.edition, latest.number is not None
        context = {
            "session": session,
            "delegation": self.delegation,
            "when": session_when(session),
            "slots": [slot for slot in plan if slot.seats],
            "empty_slots": [slot.slot.number for slot in plan if not slot.seats and slot.slot.number],
            "edition": edition,
            "published": published,
        }
        filename = f"{self.delegation.slug}-table-plan-{session.pk}.pdf"
        return self.printed("matchmaking/table_plan.html", context, filename)


class BuyerAgendaView(SessionOutputMixin, View):
    def get(self, request, **kwargs):
        session = self.session()
        buyer = self.buyer(session)
        buyer.session = session
        if self.preview:
            agenda = plan_agenda(session, buyer)
        else:
            latest = latest_published(self.delegation)
            agenda = released_agenda(session, buyer, latest.mission, edition=latest.edition)
        context = {"agenda": agenda, "links": buyer_links(buyer, base=site_base(request))}
        filename = f"{self.delegation.slug}-agenda-{buyer.pk}.pdf"
        return self.printed("matchmaking/buyer_agenda.html", context, filename)


# Read-only pages: no transaction around them.
table_plan_page = transaction.non_atomic_requests(TablePlanView.as_view())
table_plan_pdf = transaction.non_atomic_requests(TablePlanView.as_view(as_pdf=True))
table_plan_preview = transaction.non_atomic_requests(TablePlanView.as_view(preview=True))
table_plan_preview_pdf = transaction.non_atomic_requests(TablePlanView.as_view(preview=True, as_pdf=True))
buyer_agenda_page = transaction.non_atomic_requests(BuyerAgendaView.as_view())
buyer_agenda_pdf = transaction.non_atomic_requests(BuyerAgendaView.as_view(as_pdf=True))
buyer_agenda_preview = transaction.non_atomic_requests(BuyerAgendaView.as_view(preview=True))
buyer_agenda_preview_pdf = transaction.non_atomic_requests(BuyerAgendaView.as_view(preview=True, as_pdf=True))


# --- the buyer's own page and feed: the token is the key ------------------------------------------


def _released_agenda(token: str):
    """(agenda, mission) of the buyer with this token, from the latest release; None if unknown."""
    buyer = (
        Participant.objects.select_related("organisation", "session__city", "session__delegation")
        .filter(feed_token_digest=token_digest(token), side=Participant.Side.BUYER)
        .first()
    )
    if buyer is None:
        return None
    session = buyer.session
    latest = latest_published(session.delegation)
    return released_agenda(session, buyer, latest.mission, edition=latest.edition), latest.mission


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    return response


@login_not_required
@transaction.non_atomic_requests
@require_safe
def buyer_page(request, token: str):
    found = _released_agenda(token)
    if found is None:
        return no_such_page(request)
    agenda: BuyerAgenda = found[0]
    html = render_to_string(
        "matchmaking/buyer_agenda.html",
        {
            "agenda": agenda,
            "public": True,
            "links": buyer_links(agenda.buyer, base=site_base(request)),
            "stylesheets": stylesheet_urls(for_pdf=False),
        },
    )
    return _private(HttpResponse(html))


@login_not_required
@transaction.non_atomic_requests
@require_safe
def buyer_calendar(request, token: str):
    found = _released_agenda(token)
    if found is None:
        return no_such_calendar()  # a calendar client's 404, as the members' feeds answer
    agenda, mission = found
    page_url = f"{settings.SITE_URL}{reverse('buyer-page', args=[token])}"
    body = buyer_feed(agenda, mission, page_url=page_url).body
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(
            b"" if request.method == "HEAD" else body, content_type="text/calendar; charset=utf-8"
        )
        response["Content-Length"] = str(len(body))
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="b2b-{agenda.buyer.pk}.ics"'
    response["ETag"] = etag
    return _private(response)
