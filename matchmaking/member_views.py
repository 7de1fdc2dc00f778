"""A delegate marks how their own B2B meetings went, from their secret link (no login).

It lists the meetings at their own company's table as the latest release has them, time and table,
as their itinerary and feed do (`released_plan.as_released`): a change staff have not published yet
shows nowhere. The mark itself goes on the plan's placement, and only on one the page lists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from delegations.models import Member
from delegations.tokens import token_digest
from matchmaking.models import Placement
from matchmaking.released_plan import as_released, latest_published
from matchmaking.services import outcome_mark
from publishing.delegate_views import no_such_page


def _member(token: str) -> Member | None:
    return (
        Member.objects.select_related("delegation")
        .filter(feed_token_digest=token_digest(token), is_active=True)
        .first()
    )


def member_placements(member: Member) -> list[Placement]:
    """The member's company's meetings in the latest release, by session, then at the release's times."""
    placements = list(
        Placement.objects.filter(seller__members=member, meeting__isnull=False).select_related(
            "session__city", "buyer__organisation", "seller__organisation"
        )
    )
    if not placements:
        return []
    shown = as_released(placements, latest_published(member.delegation).mission)
    return sorted(shown, key=lambda p: (p.session.starts_at, p.session_id, p.released_entry.starts_at))


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_outcomes(request, token: str):
    member = _member(token)
    if member is None:
        return no_such_page(request)
    placements = member_placements(member)
    if request.method == "POST":
        placement = next((p for p in placements if str(p.pk) == request.POST.get("placement")), None)
        if placement is None:
            messages.error(request, "That meeting is not one of yours any more: the plan may have changed.")
        else:
            try:
                change = outcome_mark(
                    placement, request.POST.get("outcome", ""), request.POST.get("outcome_note", "")
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, change.message)
        response = redirect("delegate-b2b", token=token)
    else:
        response = render(
            request,
            "matchmaking/delegate_b2b.html",
            {
                "member": member,
                "delegation": member.delegation,
                "placements": placements,
                "token": token,
                "outcomes": Placement.Outcome.choices,
            },
        )
    response["Cache-Control"] = "private, no-cache"
    return response
