from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from delegations.scoping import (
    DelegationItemDeleteView,
    DelegationItemMixin,
    DelegationScopedMixin,
    ProtectedDeleteView,
    StaffRequiredMixin,
)
from itinerary.board import StaleItem, board_json, item_answer, item_move, parse_move
from itinerary.conflicts import conflicts_by_entry, find_conflicts
from itinerary.forms import CityForm, MeetingForm, StayForm, TravelLegForm
from itinerary.history import change_log, deleted_items, item_restore
from itinerary.mission_cache import current_mission
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.schedule import compose_days, load_mission
from itinerary.schedule_cards import schedule_cards
from itinerary.services import item_cancel
from itinerary.zone_picker import city_defaults
from missionplanner.popups import CreateAndReturnMixin


class ScheduleView(DelegationScopedMixin, TemplateView):
    template_name = "itinerary/schedule.html"

    def get_context_data(self, **kwargs):
        mission = load_mission(self.delegation)
        member = None
        if member_id := self.request.GET.get("member"):
            member = next((m for m in mission.members if str(m.pk) == member_id), None)
        # With a member chosen, both the list and the marks on their items show only what affects them.
        conflicts = find_conflicts(mission, member=member)
        days = schedule_cards(mission, compose_days(mission, member=member), conflicts_by_entry(conflicts))
        return super().get_context_data(
            mission=mission, member=member, days=days, conflicts=conflicts, conflicts_for=member, **kwargs
        )


class ItemSaveMixin(DelegationItemMixin):
    """After saving a meeting or leg, warn about the conflicts it is part of (saving is never blocked)."""

    success_view = "schedule"

    def form_valid(self, form):
        response = super().form_valid(form)
        for notice in form.time_notices:
            messages.info(self.request, notice)
        key = f"{'leg' if isinstance(self.object, TravelLeg) else 'meeting'}-{self.object.pk}"
        for conflict in find_conflicts(load_mission(self.delegation)):
            if key in conflict.keys:
                messages.warning(self.request, conflict.message)
        return response


class ItemUpdateMixin(ItemSaveMixin):
    def get_context_data(self, **kwargs):
        return super().get_context_data(history=change_log(self.object), **kwargs)


class StayCreateView(DelegationItemMixin, CreateView):
    model = Stay
    form_class = StayForm


class StayUpdateView(DelegationItemMixin, UpdateView):
    model = Stay
    form_class = StayForm


class StayDeleteView(DelegationItemDeleteView):
    model = Stay


class MeetingCreateView(ItemSaveMixin, CreateView):
    model = Meeting
    form_class = MeetingForm


class MeetingUpdateView(ItemUpdateMixin, UpdateView):
    model = Meeting
    form_class = MeetingForm


class TravelLegCreateView(ItemSaveMixin, CreateView):
    model = TravelLeg
    form_class = TravelLegForm


class TravelLegUpdateView(ItemUpdateMixin, UpdateView):
    model = TravelLeg
    form_class = TravelLegForm


class ItemDeleteView(DelegationItemDeleteView):
    """Deleting a meeting or leg keeps a cancelled copy in the feeds and its history, so it can come back."""

    success_view = "schedule"
    restorable = True

    def consequences(self):
        return ["it disappears from the schedule and the delegates' pages"]


class MeetingDeleteView(ItemDeleteView):
    model = Meeting


class TravelLegDeleteView(ItemDeleteView):
    model = TravelLeg


class ItemCancelView(DelegationScopedMixin, TemplateView):
    """GET asks for confirmation; POST cancels and keeps the item, so calendars show it as cancelled."""

    template_name = "itinerary/confirm_cancel.html"
    model = None

    def get_item(self):
        return get_object_or_404(self.model, delegation=self.delegation, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.get_item(), **kwargs)

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        if item_cancel(item=item):
            messages.success(
                request, f"Cancelled “{item}”. It stays on the schedule and in feeds as cancelled."
            )
        else:
            messages.info(request, f"“{item}” was already cancelled.")
        return redirect("schedule", self.delegation.slug)


class MeetingCancelView(ItemCancelView):
    model = Meeting


class TravelLegCancelView(ItemCancelView):
    model = TravelLeg


class DeletedItemsView(DelegationScopedMixin, TemplateView):
    template_name = "itinerary/deleted_items.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(records=deleted_items(self.delegation), **kwargs)


class ItemRestoreView(DelegationScopedMixin, View):
    """POST only: bring back a deleted meeting or leg from its history."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        model = {"meeting": Meeting, "leg": TravelLeg}[kwargs["kind"]]
        record = get_object_or_404(
            model.history.filter(delegation_id=self.delegation.pk, history_type="-"),
            history_id=kwargs["history_id"],
        )
        if model.objects.filter(pk=record.id).exists():
            messages.info(request, f"“{record.instance}” is already back.")
        else:
            try:
                item = item_restore(record=record)
            except ValidationError as error:
                messages.error(
                    request, f"“{record.instance}” cannot come back as it was: {'; '.join(error.messages)}"
                )
                return redirect("deleted-items", self.delegation.slug)
            messages.success(request, f"Restored “{item}”. Calendars will show it again.")
        return redirect("schedule", self.delegation.slug)


class CityListView(StaffRequiredMixin, ListView):
    model = City
    template_name = "itinerary/city_list.html"


class CityCreateView(StaffRequiredMixin, CreateAndReturnMixin, CreateView):
    model = City
    form_class = CityForm
    template_name = "form.html"
    success_url = reverse_lazy("city-list")

    def initial_from_name(self, name: str) -> dict:
        return city_defaults(name)


class CityUpdateView(StaffRequiredMixin, UpdateView):
    model = City
    form_class = CityForm
    template_name = "form.html"
    success_url = reverse_lazy("city-list")


class CityDeleteView(StaffRequiredMixin, ProtectedDeleteView):
    model = City
    success_url = reverse_lazy("city-list")


class BoardView(DelegationScopedMixin, TemplateView):
    """The planning board's page; its blocks come from BoardDataView."""

    template_name = "itinerary/board.html"


class BoardDataView(DelegationScopedMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        return HttpResponse(board_json(self.delegation), content_type="application/json")


class BoardMoveView(DelegationScopedMixin, View):
    """POST JSON {kind, pk, version, start, end?} (or a leg's {arrives}) with local wall-clock times:
    200 with the item, the conflicts and the unpublished-changes banner, 409 when someone changed it
    since (with it as it is now), 400 for a time refused."""

    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        # The move commits in item_move, not at the end of the request: automatic publishing runs on
        # that commit, so the banner in the answer is counted against the release it made.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def answer(self, mission, item) -> dict:
        # The banner base.html shows on every staff page, so the board can show it without a reload.
        banner = render_to_string(
            "itinerary/_board_unpublished.html",
            {"delegation": self.delegation, "mission": mission},
            request=self.request,
        )
        return {**item_answer(mission, item), "unpublished": banner.strip()}

    def post(self, request, *args, **kwargs):
        try:
            move = parse_move(request.body)
            moved = item_move(delegation=self.delegation, **move)
        except (ValueError, KeyError, TypeError, OverflowError):  # OverflowError: a time past 9999 in UTC
            return JsonResponse({"error": "The move could not be read."}, status=400)
        except ObjectDoesNotExist:
            return JsonResponse({"error": "This item is no longer on the schedule."}, status=404)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        except StaleItem as stale:
            answer = self.answer(current_mission(self.delegation), stale.item)
            return JsonResponse({"error": stale.message, **answer}, status=409)
        return JsonResponse(self.answer(moved.mission, moved.item))


class BoardMeetingCreateView(MeetingCreateView):
    """Add meeting, prefilled from a range selected on the board (?starts_at=…&ends_at=…&city=…)."""

    def get_initial(self):
        fields = ("starts_at", "ends_at", "city")
        return {
            **super().get_initial(),
            **{name: self.request.GET[name] for name in fields if name in self.request.GET},
        }

    def get_success_url(self):
        return reverse("board", args=[self.delegation.slug])
