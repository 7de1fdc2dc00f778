"""Staff pages of B2B sessions: sessions, participants and requests, the grid and its edits, solving.

Every page is found inside a delegation the user staffs (`DelegationScopedMixin`), and a session
only inside its delegation. The grid's edits arrive as small POST forms (keyboard users, no
JavaScript) or as JSON from static/js/b2b_grid.js; both go through `matchmaking.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from delegations.scoping import DelegationItemDeleteView, DelegationItemMixin, DelegationScopedMixin
from matchmaking import services
from matchmaking.forms import GridActionForm, RequestForm, SessionForm, participant_form_class
from matchmaking.grid import session_page, solve_status
from matchmaking.models import Participant, Placement, Request, Session
from matchmaking.planning import SOLVE_ALL, SOLVE_FILL, availability, session_participants, solve_start
from missionplanner.strict import BadInput, int_param, json_object

FORM_TEMPLATE = "matchmaking/session_form.html"


class SessionScopedMixin(DelegationScopedMixin):
    """`self.session`: the session in the URL, looked up only among the delegation's own."""

    @cached_property
    def session(self) -> Session:
        return get_object_or_404(
            Session.objects.select_related("city", "delegation"),
            delegation=self.delegation,
            pk=self.kwargs["session_pk"],
        )

    def session_url(self, name: str = "b2b-session") -> str:
        return reverse(name, args=[self.delegation.slug, self.session.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, **kwargs)


# Sessions


class SessionListView(DelegationScopedMixin, TemplateView):
    template_name = "matchmaking/session_list.html"

    def get_context_data(self, **kwargs):
        sessions = (
            self.delegation.b2b_sessions.select_related("city")
            .annotate(
                participant_count=Count("participants", distinct=True),
                placed_count=Count("placements", filter=Q(placements__slot__isnull=False), distinct=True),
            )
            .order_by("starts_at", "title")
        )
        return super().get_context_data(sessions=sessions, **kwargs)


class SessionFormMixin(DelegationItemMixin):
    model = Session
    form_class = SessionForm
    template_name = FORM_TEMPLATE
    noun = "B2B session"

    def get_context_data(self, **kwargs):
        if self.object:
            back = reverse("b2b-session", args=[self.delegation.slug, self.object.pk])
        else:
            back = reverse("b2b-session-list", args=[self.delegation.slug])
        return super().get_context_data(back_url=back, **kwargs)

    def get_success_url(self):
        return reverse("b2b-session", args=[self.delegation.slug, self.object.pk])

    def form_valid(self, form):
        response = super().form_valid(form)
        for notice in form.time_notices:
            messages.info(self.request, notice)
        return response


class SessionCreateView(SessionFormMixin, CreateView):
    pass


class SessionUpdateView(SessionFormMixin, UpdateView):
    pk_url_kwarg = "session_pk"

    def form_valid(self, form):
        response = super().form_valid(form)
        off = services.session_settle(self.object)
        if off:
            messages.warning(
                self.request,
                ngettext(
                    "%(n)d meeting was in a slot or at a table that no longer exists and came off the grid: "
                    "it is listed with the unplaced requests.",
                    "%(n)d meetings were in slots or at tables that no longer exist and came off the grid: "
                    "they are listed with the unplaced requests.",
                    len(off),
                )
                % {"n": len(off)},
            )
        return response


class SessionDeleteView(DelegationItemDeleteView):
    model = Session
    pk_url_kwarg = "session_pk"
    success_view = "b2b-session-list"

    def consequences(self):
        session = self.object
        placed = session.placements.filter(slot__isnull=False).count()
        people, asked = session.participants.count(), session.requests.count()
        return [
            ngettext("its %(n)d participant", "its %(n)d participants", people) % {"n": people}
            + ngettext(" and %(n)d request", " and %(n)d requests", asked) % {"n": asked},
            ngettext(
                "its %(n)d meeting, which members' calendars then show as cancelled",
                "its %(n)d meetings, which members' calendars then show as cancelled",
                placed,
            )
            % {"n": placed},
        ]

    def form_valid(self, form):
        name = str(self.object)
        services.session_delete(self.object)
        messages.success(self.request, f"Deleted session “{name}”.")
        return redirect(self.get_success_url())


class SessionDetailView(SessionScopedMixin, TemplateView):
    """The session: its slots, counts, the last solve, the grid, and every unplaced request."""

    template_name = "matchmaking/session_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=session_page(self.session),
            status=solve_status(self.session),
            solve_modes={"all": SOLVE_ALL, "fill": SOLVE_FILL},
            **kwargs,
        )


class SolveView(SessionScopedMixin, View):
    """POST mode=all (re-plan all but pinned meetings) or mode=fill (keep every meeting, add more)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        mode = request.POST.get("mode")
        if mode not in (SOLVE_ALL, SOLVE_FILL):
            messages.error(request, "Choose “Solve” or “Fill empty slots only”.")
        elif solve_start(self.session, mode):
            what = (
                "all but the pinned meetings"
                if mode == SOLVE_ALL
                else "the empty slots, keeping every meeting"
            )
            messages.info(
                request,
                f"Solving {what}, for up to {self.session.time_limit_seconds} s. The grid updates when it "
                "is done (without JavaScript, reload the page).",
            )
        else:
            messages.info(request, "A solve is already under way; its progress is shown below.")
        return redirect(self.session_url() + "#solve")


class SolveStatusView(SessionScopedMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        return JsonResponse(solve_status(self.session))


# Participants and requests


class ParticipantListView(SessionScopedMixin, TemplateView):
    template_name = "matchmaking/participant_list.html"

    def get_context_data(self, **kwargs):
        participants = session_participants(self.session)
        avail = availability(self.session, participants)
        requests = self.session.requests.select_related("requester__organisation", "target__organisation")
        chosen = next((p for p in participants if str(p.pk) == self.request.GET.get("participant")), None)
        if chosen:
            requests = requests.filter(Q(requester=chosen) | Q(target=chosen))
        for participant in participants:
            participant.free_label = avail.free_label(participant.pk)
        return super().get_context_data(
            sellers=[p for p in participants if p.is_seller],
            buyers=[p for p in participants if not p.is_seller],
            requests=requests.order_by("requester__organisation__name", "target__organisation__name"),
            chosen=chosen,
            **kwargs,
        )


class SessionChildMixin(SessionScopedMixin):
    """Create and edit views of a session's participants and requests."""

    template_name = FORM_TEMPLATE

    def get_queryset(self):
        return self.model.objects.filter(session=self.session)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "session": self.session}

    def get_success_url(self):
        return self.session_url("b2b-participant-list")

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=self.get_success_url(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Saved {self.noun} “{self.object}”.")
        return response

    @property
    def noun(self) -> str:
        return self.model._meta.verbose_name


class ParticipantCreateView(SessionChildMixin, CreateView):
    model = Participant

    @property
    def side(self) -> str:
        side = self.request.GET.get("side")
        return side if side in Participant.Side.values else Participant.Side.BUYER

    @property
    def noun(self) -> str:
        return "seller" if self.side == Participant.Side.SELLER else "buyer"

    def get_form_class(self):
        return participant_form_class(self.side)


class ParticipantUpdateView(SessionChildMixin, UpdateView):
    model = Participant

    @property
    def noun(self) -> str:
        return "seller" if self.object.is_seller else "buyer"

    def get_form_class(self):
        return participant_form_class(self.object.side)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.participant_settle(self.object)  # who sits at the table: their meetings' attendees
        return response


class ParticipantDeleteView(SessionScopedMixin, DelegationItemDeleteView):
    model = Participant

    def get_queryset(self):
        return Participant.objects.filter(session=self.session).select_related("organisation")

    def get_success_url(self):
        return self.session_url("b2b-participant-list")

    def consequences(self):
        participant = self.object
        asked = Request.objects.filter(Q(requester=participant) | Q(target=participant)).count()
        placed = Placement.objects.filter(
            Q(seller=participant) | Q(buyer=participant), slot__isnull=False
        ).count()
        return [
            ngettext("%(n)d request made by or to %(who)s", "%(n)d requests made by or to %(who)s", asked)
            % {"n": asked, "who": participant},
            ngettext(
                "%(n)d meeting, which members' calendars then show as cancelled",
                "%(n)d meetings, which members' calendars then show as cancelled",
                placed,
            )
            % {"n": placed},
        ]

    def form_valid(self, form):
        name = str(self.object)
        services.participant_remove(self.object)
        messages.success(self.request, f"Removed “{name}” from the session.")
        return redirect(self.get_success_url())


class RequestCreateView(SessionChildMixin, CreateView):
    model = Request
    form_class = RequestForm

    def get_initial(self):
        initial = super().get_initial()
        for name in ("requester", "target"):
            if (value := int_param(self.request, name)) is not None:
                initial[name] = value
        return initial


class RequestUpdateView(SessionChildMixin, UpdateView):
    model = Request
    form_class = RequestForm


class RequestDeleteView(SessionScopedMixin, DelegationItemDeleteView):
    model = Request

    def get_queryset(self):
        return Request.objects.filter(session=self.session).select_related(
            "requester__organisation", "target__organisation"
        )

    def get_success_url(self):
        return self.session_url("b2b-participant-list")

    def consequences(self):
        return ["a meeting already on the grid for this pair stays until you remove it or solve again"]

    def form_valid(self, form):
        name = str(self.object)
        self.object.delete()
        messages.success(self.request, f"Deleted the request “{name}”.")
        return redirect(self.get_success_url())


# The grid


def _placement(session: Session, pk: int | None) -> Placement:
    placement = Placement.objects.filter(session=session, pk=pk).first() if pk else None
    if placement is None:
        raise ValidationError("This meeting is no longer in the session. Reload the grid.", code="gone")
    placement.session = session
    return placement


def _participant(session: Session, pk: int) -> Participant:
    participant = (
        Participant.objects.filter(session=session, pk=pk).select_related("organisation", "session").first()
    )
    if participant is None:
        raise ValidationError("That participant is no longer in the session. Reload the grid.", code="gone")
    return participant


def grid_perform(session: Session, data: dict) -> services.GridChange:
    """Carry out one checked `GridActionForm` through the services."""
    action = data["action"]
    if action == "add":
        seller, buyer = _participant(session, data["seller"]), _participant(session, data["buyer"])
        return services.placement_add(session, seller, buyer, data["slot"], data["table"])
    placement, version = _placement(session, data["placement"]), data.get("version") or None
    if action == "move":
        return services.placement_move(placement, data["slot"], data["table"], version=version)
    if action == "swap":
        other = _placement(session, data["other"])
        return services.placement_swap(
            placement, other, version_a=version, version_b=data.get("other_version") or None
        )
    if action in ("pin", "unpin"):
        return services.placement_pin(placement, action == "pin", version=version)
    if action == "remove":
        return services.placement_remove(placement, version=version)
    return services.outcome_mark(placement, data.get("outcome") or "", data.get("note") or "")


def _form_errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


class GridEditView(SessionScopedMixin, View):
    """POST one grid edit from a small form; back to the page it came from with what happened."""

    http_method_names = ["post"]

    def next_url(self) -> str:
        url, home = self.request.POST.get("next", ""), self.session_url()
        allowed = url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()})
        return url if url and allowed and url.startswith(home) else home + "#grid"

    def post(self, request, *args, **kwargs):
        form = GridActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect(self.next_url())
        try:
            change = grid_perform(self.session, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.next_url())
        messages.success(request, change.message)
        for warning in change.warnings:
            messages.warning(request, warning)
        return redirect(self.next_url())


ERROR_STATUS = {"stale": 409, "collision": 409, "gone": 404}


class GridJsonView(SessionScopedMixin, View):
    """POST JSON {action, placement, version, slot, table, other, …}: 200 {message, warnings, placements},
    400 for an edit refused (with the reason), 404 for a meeting gone, 409 for a grid changed meanwhile."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            body = json_object(request.body)
        except BadInput:
            return JsonResponse({"ok": False, "error": "The edit could not be read."}, status=400)
        form = GridActionForm(body)
        if not form.is_valid():
            return JsonResponse({"ok": False, "error": _form_errors(form)}, status=400)
        try:
            change = grid_perform(self.session, form.cleaned_data)
        except ValidationError as error:
            status = ERROR_STATUS.get(getattr(error, "code", None), 400)
            return JsonResponse({"ok": False, "error": " ".join(error.messages)}, status=status)
        return JsonResponse(
            {
                "ok": True,
                "message": change.message,
                "warnings": change.warnings,
                "placements": [
                    {
                        "id": p.pk,
                        "slot": p.slot,
                        "table": p.table,
                        "pinned": p.pinned,
                        "version": p.updated_at.isoformat(),
                    }
                    for p in change.placements
                ],
            }
        )


class PlacementDetailView(SessionScopedMixin, TemplateView):
    """One meeting and every edit of it as a small form: the grid without a mouse."""

    template_name = "matchmaking/grid_meeting.html"

    def get_context_data(self, **kwargs):
        placement = get_object_or_404(
            Placement.objects.select_related("seller__organisation", "buyer__organisation"),
            session=self.session,
            pk=self.kwargs["pk"],
        )
        others = (
            self.session.placements.filter(slot__isnull=False)
            .exclude(pk=placement.pk)
            .select_related("seller__organisation", "buyer__organisation")
            .order_by("slot", "table")
        )
        slots = self.session.slots()
        warnings = (
            services.availability_warnings(
                self.session, seller=placement.seller, buyer=placement.buyer, slot=placement.slot
            )
            if placement.is_placed
            else []
        )
        return super().get_context_data(
            placement=placement,
            slot=slots[placement.slot - 1] if placement.is_placed and placement.slot <= len(slots) else None,
            slots=slots,
            tables=range(1, self.session.tables + 1),
            others=others,
            warnings=warnings,
            outcomes=Placement.Outcome.choices,
            **kwargs,
        )


class PlacementAddView(SessionScopedMixin, TemplateView):
    """Place a requested pair by hand: choose the request, the slot and the table."""

    template_name = "matchmaking/grid_add.html"

    def _number(self, name: str) -> int | None:
        return int_param(self.request, name, maximum=99_999)

    def get_context_data(self, **kwargs):
        from matchmaking.planning import unplaced_requests

        participants = session_participants(self.session)
        avail = availability(self.session, participants)
        slot, table = self._number("slot"), self._number("table")
        chosen = self.request.GET.get("pair", "")
        candidates = []
        for unplaced in unplaced_requests(self.session, avail):
            if unplaced.pair.vetoed:
                continue
            busy = [
                avail.why_busy(who.pk, slot)
                for who in (unplaced.seller, unplaced.buyer)
                if slot and slot not in avail.free_slots(who.pk)
            ]
            candidates.append(
                {
                    "value": f"{unplaced.seller.pk}-{unplaced.buyer.pk}",
                    "label": f"{unplaced.seller.organisation.name} ↔ {unplaced.buyer.organisation.name} "
                    f"({unplaced.pair.label})",
                    "busy": "; ".join(filter(None, busy)),
                }
            )
        candidates.sort(key=lambda c: bool(c["busy"]))  # free in the chosen slot first
        return super().get_context_data(
            candidates=candidates,
            chosen=chosen,
            slots=avail.slots,
            tables=range(1, self.session.tables + 1),
            slot=slot,
            table=table,
            **kwargs,
        )


class OutcomeListView(SessionScopedMixin, TemplateView):
    """Every meeting on the grid, in time order, to mark held or no-show with a line on what came of it."""

    template_name = "matchmaking/grid_outcomes.html"

    def get_context_data(self, **kwargs):
        slots = self.session.slots()
        placements = list(
            self.session.placements.filter(slot__isnull=False)
            .select_related("seller__organisation", "buyer__organisation")
            .order_by("slot", "table")
        )
        for placement in placements:
            placement.slot_obj = slots[placement.slot - 1] if placement.slot <= len(slots) else None
        counts = {
            "held": sum(1 for p in placements if p.outcome == Placement.Outcome.HELD),
            "no_show": sum(1 for p in placements if p.outcome == Placement.Outcome.NO_SHOW),
            "not_marked": sum(1 for p in placements if not p.outcome),
        }
        return super().get_context_data(
            placements=placements, counts=counts, outcomes=Placement.Outcome.choices, **kwargs
        )
