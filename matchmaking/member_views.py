"""A delegate marks how their own B2B meetings went, from their secret link (no login).

It reads the plan as it is now, not a release: an outcome is about a meeting that happened, and
the member can only touch meetings at their own company's table.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from delegations.models import Member
from delegations.tokens import token_digest
from matchmaking.models import Placement
from matchmaking.services import outcome_mark
from publishing.delegate_views import no_such_page


def _member(token: str) -> Member | None:
    return (
        Member.objects.select_related("delegation")
        .filter(feed_token_digest=token_digest(token), is_active=True)
        .first()
    )


def member_placements(member: Member) -> list[Placement]:
    """The member's placed meetings, in time order (sessions by start, then slots)."""
    return list(
        Placement.objects.filter(seller__members=member, slot__isnull=False)
        .select_related("session__city", "buyer__organisation", "seller__organisation")
        .order_by("session__starts_at", "slot")
    )


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
        slots = {}
        for placement in placements:
            if placement.session_id not in slots:
                slots[placement.session_id] = {s.number: s for s in placement.session.slots()}
            placement.slot_info = slots[placement.session_id].get(placement.slot)
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
