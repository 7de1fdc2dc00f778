from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
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
from itinerary.schedule import load_mission
from missionplanner import dashboard
from missionplanner.popups import CreateAndReturnMixin


class DashboardView(TemplateView):
    """Current and upcoming missions with their open conflicts; past ones at `?archive=1&page=N`
    (missionplanner/dashboard.py says how it keeps the same cost however many missions there are)."""

    template_name = "delegations/dashboard.html"

    @classmethod
    def as_view(cls, **initkwargs):
        # Read-only, like the feeds: no BEGIN/COMMIT (or savepoint) round trips around its queries.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        visible = Delegation.objects.visible_to(self.request.user)
        if self.request.GET.get("archive"):
            page, rows = dashboard.archive_page(visible, today=today, number=self.request.GET.get("page"))
            return super().get_context_data(
                archive=True, page=page, rows=rows, past_count=page.paginator.count, **kwargs
            )
        rows = dashboard.missions_ahead(visible, today=today)
        past_count = visible.filter(end_date__lt=today).count()
        latest_past = dashboard.latest_past(visible, today=today) if not rows and past_count else []
        return super().get_context_data(rows=rows, past_count=past_count, latest_past=latest_past, **kwargs)


class DelegationOverviewView(DelegationScopedMixin, TemplateView):
    template_name = "delegations/overview.html"

    def get_context_data(self, **kwargs):
        mission = load_mission(self.delegation)
        return super().get_context_data(
            mission=mission,
            automatic=_automatic_publishing(self.delegation),
            conflicts=find_conflicts(mission),
            meeting_count=sum(1 for entry in mission.entries if not entry.is_leg),
            leg_count=sum(1 for entry in mission.entries if entry.is_leg),
            delegation_feed_url=delegation_feed_url(self.delegation, base=site_base(self.request)),
            **kwargs,
        )


def _automatic_publishing(delegation: Delegation) -> dict | None:
    """What the overview says while saves publish themselves: the quiet spell notices wait for, and
    the notices waiting for it (when they go out, on the mission's clock)."""
    if not delegation.publish_automatically:
        return None
    from itinerary.mission_clock import mission_clock
    from publishing.notices import notices_waiting

    waiting = notices_waiting(delegation)
    return {
        "quiet_minutes": settings.NOTICE_QUIET_MINUTES,
        "waiting": waiting,
        "due": mission_clock(delegation).text(waiting.due) if waiting else "",
    }


class DelegationCreateView(StaffRequiredMixin, CreateView):
    model = Delegation
    form_class = DelegationForm
    template_name = "form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        self.object.staff.add(self.request.user)
        messages.success(
            self.request, f"Created mission “{self.object}”. Add its cities, stays and members next."
        )
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
        messages.success(self.request, f"Saved mission “{self.object}”.")
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
            "the mission's calendar feed",
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


class OrganisationCreateView(StaffRequiredMixin, CreateAndReturnMixin, CreateView):
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


class MemberRotateTokenView(DelegationScopedMixin, TemplateView):
    """GET: what a new link breaks, and a button; POST (that button): a new secret link for one
    member, and the old page and feed URLs 404 at once."""

    template_name = "delegations/confirm_rotate.html"

    def get_member(self):
        return get_object_or_404(self.delegation.members, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        member = self.get_member()
        return super().get_context_data(
            heading=f"Give {member.full_name} new links?",
            warning=(
                f"{member.full_name}'s calendar subscriptions and page link stop working at once; "
                "you must send them the new link."
            ),
            button="Give them new links",
            back_url=reverse("member-detail", args=[self.delegation.slug, member.pk]),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        member = self.get_member()
        rotate_member_tokens(members=Member.objects.filter(pk=member.pk))
        messages.success(
            request, f"{member.full_name} has a new link. Send it to them: the old one no longer works."
        )
        return redirect("member-detail", self.delegation.slug, member.pk)


class DelegationRotateTokenView(DelegationScopedMixin, TemplateView):
    """GET: what a new feed address breaks, and a button; POST (that button): a new address."""

    template_name = "delegations/confirm_rotate.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Give the mission's calendar feed a new address?",
            warning=(
                "Calendars subscribed to the mission's feed stop working at once; "
                "you must send the new address to everyone who uses it."
            ),
            button="New feed address",
            back_url=reverse("delegation-overview", args=[self.delegation.slug]),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        rotate_delegation_token(delegation=self.delegation)
        messages.success(request, "The mission's feed has a new address; the old one no longer works.")
        return redirect("delegation-overview", self.delegation.slug)
