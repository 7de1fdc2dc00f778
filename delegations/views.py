from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from delegations.forms import DelegationForm, MemberForm, OrganisationForm
from delegations.models import Delegation, Member, Organisation
from delegations.scoping import (
    DelegationItemDeleteView,
    DelegationItemMixin,
    DelegationScopedMixin,
    ProtectedDeleteView,
    StaffRequiredMixin,
)
from delegations.tokens import rotate_delegation_token, rotate_member_tokens
from itinerary.conflicts import find_conflicts
from itinerary.delegate_page import delegation_feed_url, member_feed_links, site_base
from itinerary.schedule import load_mission, load_missions


class DashboardView(TemplateView):
    template_name = "delegations/dashboard.html"

    def get_context_data(self, **kwargs):
        delegations = list(Delegation.objects.visible_to(self.request.user).select_related("organiser"))
        today = timezone.localdate()
        # Current missions first, then upcoming (soonest first), then past (latest first).
        delegations.sort(
            key=lambda d: (
                (0, d.start_date.toordinal()) if d.end_date >= today else (1, -d.start_date.toordinal())
            )
        )
        missions = load_missions(delegations)
        rows = [
            {
                "delegation": delegation,
                "mission": missions[delegation.pk],
                "is_current": delegation.start_date <= today <= delegation.end_date,
                "cities": list(dict.fromkeys(stay.city.name for stay in missions[delegation.pk].stays)),
                "meeting_count": sum(1 for e in missions[delegation.pk].entries if not e.is_leg),
                "conflict_count": len(find_conflicts(missions[delegation.pk])),
            }
            for delegation in delegations
        ]
        return super().get_context_data(rows=rows, **kwargs)


class DelegationOverviewView(DelegationScopedMixin, TemplateView):
    template_name = "delegations/overview.html"

    def get_context_data(self, **kwargs):
        mission = load_mission(self.delegation)
        return super().get_context_data(
            mission=mission,
            conflicts=find_conflicts(mission),
            meeting_count=sum(1 for entry in mission.entries if not entry.is_leg),
            leg_count=sum(1 for entry in mission.entries if entry.is_leg),
            delegation_feed_url=delegation_feed_url(self.delegation, base=site_base(self.request)),
            **kwargs,
        )


class DelegationCreateView(StaffRequiredMixin, CreateView):
    model = Delegation
    form_class = DelegationForm
    template_name = "form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        self.object.staff.add(self.request.user)
        messages.success(self.request, f"Created “{self.object}”. Add its cities, stays and members next.")
        return response


class DelegationUpdateView(DelegationScopedMixin, UpdateView):
    model = Delegation
    form_class = DelegationForm
    template_name = "form.html"

    def get_object(self, queryset=None):
        return self.delegation

    def form_valid(self, form):
        response = super().form_valid(form)
        if not self.request.user.is_superuser:
            self.object.staff.add(self.request.user)  # nobody locks themselves out by accident
        messages.success(self.request, f"Saved “{self.object}”.")
        return response


class DelegationDeleteView(DelegationScopedMixin, ProtectedDeleteView):
    model = Delegation
    success_url = reverse_lazy("dashboard")

    def get_object(self, queryset=None):
        return self.delegation

    def consequences(self):
        counts = Delegation.objects.filter(pk=self.delegation.pk).aggregate(
            members=Count("members", distinct=True),
            stays=Count("stays", distinct=True),
            meetings=Count("meetings", distinct=True),
            legs=Count("travellegs", distinct=True),
        )
        return [
            f"{counts['members']} members and their personal calendar feeds",
            f"{counts['stays']} stays",
            f"{counts['meetings']} meetings",
            f"{counts['legs']} travel legs",
            "the delegation calendar feed",
        ]


class MemberCreateView(DelegationItemMixin, CreateView):
    model = Member
    form_class = MemberForm


class MemberUpdateView(DelegationItemMixin, UpdateView):
    model = Member
    form_class = MemberForm


class MemberDeleteView(DelegationItemDeleteView):
    model = Member

    def consequences(self):
        member = self.object
        return [
            f"their place in {member.meetings.count()} meetings and {member.travellegs.count()} travel legs",
            "their personal itinerary page and calendar feed",
        ]


class MemberDetailView(DelegationScopedMixin, DetailView):
    template_name = "delegations/member_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            links=member_feed_links(self.object, base=site_base(self.request)), **kwargs
        )

    def get_queryset(self):
        return self.delegation.members.select_related("organisation")


class OrganisationListView(StaffRequiredMixin, ListView):
    model = Organisation
    paginate_by = 100
    template_name = "delegations/organisation_list.html"

    def get_queryset(self):
        queryset = super().get_queryset()
        if query := self.request.GET.get("q", "").strip():
            queryset = queryset.filter(name__icontains=query) | queryset.filter(local_name__icontains=query)
        return queryset


class OrganisationCreateView(StaffRequiredMixin, CreateView):
    model = Organisation
    form_class = OrganisationForm
    template_name = "form.html"
    success_url = reverse_lazy("organisation-list")


class OrganisationUpdateView(StaffRequiredMixin, UpdateView):
    model = Organisation
    form_class = OrganisationForm
    template_name = "form.html"
    success_url = reverse_lazy("organisation-list")


class OrganisationDeleteView(StaffRequiredMixin, ProtectedDeleteView):
    model = Organisation
    success_url = reverse_lazy("organisation-list")


class MemberRotateTokenView(DelegationScopedMixin, View):
    """POST only: a new secret link for one member; the old page and feed URLs 404 at once."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        member = get_object_or_404(self.delegation.members, pk=kwargs["pk"])
        rotate_member_tokens(members=Member.objects.filter(pk=member.pk))
        messages.success(
            request, f"{member.full_name} has a new link. Send it to them: the old one no longer works."
        )
        return redirect("member-detail", self.delegation.slug, member.pk)


class DelegationRotateTokenView(DelegationScopedMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        rotate_delegation_token(delegation=self.delegation)
        messages.success(request, "The delegation feed has a new address; the old one no longer works.")
        return redirect("delegation-overview", self.delegation.slug)
