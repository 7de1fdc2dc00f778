import hashlib
from pathlib import Path

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
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
from itinerary import conflicts, schedule
from itinerary.conflicts import find_conflicts
from itinerary.delegate_page import delegation_feed_url, member_feed_links, site_base
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.schedule import load_mission, load_missions


def _per_delegation(model, aggregate):
    """One figure about the delegation's rows of `model`, as a subquery: a join of members and
    meetings would multiply rows (and make counts need DISTINCT)."""
    rows = model.objects.filter(delegation=OuterRef("pk")).order_by().values("delegation")
    return Subquery(rows.annotate(figure=aggregate).values("figure"))


def _with_counts(delegations):
    # Every member (inactive ones too) and every meeting (cancelled ones too), as the dashboard
    # has always counted them.
    return delegations.annotate(
        member_count=Coalesce(_per_delegation(Member, Count("pk")), 0),
        meeting_count=Coalesce(_per_delegation(Meeting, Count("pk")), 0),
    )


# What the conflict rules read, beyond the delegation's own row: a change to any of it moves one of
# these (saves move updated_at, attendee and counterpart changes touch their item, deletions lower
# a count, see itinerary/feed_history.py), so equal stamps mean equal conflicts.
_CONFLICT_INPUTS = {"meeting": Meeting, "leg": TravelLeg, "member": Member, "stay": Stay}
# The rules' own code is part of the key, so a deploy that changes them recomputes every count.
_RULES = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (conflicts, schedule))
).hexdigest()[:16]
# An hour at most: bounds what a change the stamps cannot see (a long transaction saving an older
# updated_at than the newest one already committed) could leave stale.
_CONFLICTS_CACHE_SECONDS = 3600


def _with_conflict_stamps(delegations):
    stamps = {}
    for name, model in _CONFLICT_INPUTS.items():
        stamps[f"{name}_rows"] = _per_delegation(model, Count("pk"))
        stamps[f"{name}_changed"] = _per_delegation(model, Max("updated_at"))
    stamps["city_changed"] = Subquery(City.objects.order_by("-updated_at").values("updated_at")[:1])
    return delegations.annotate(**stamps)


def _conflicts_key(delegation) -> str:
    stamp = [delegation.pk, delegation.updated_at, delegation.city_changed]
    for name in _CONFLICT_INPUTS:
        stamp += [getattr(delegation, f"{name}_rows"), getattr(delegation, f"{name}_changed")]
    return f"dashboard-conflicts:{hashlib.sha256(repr((_RULES, stamp)).encode()).hexdigest()[:32]}"


def _routes(delegation_ids: list[int]) -> dict[int, list[str]]:
    """Each delegation's cities in the order of its stays ("Beijing → Shanghai"), in one query."""
    routes: dict[int, dict[str, None]] = {pk: {} for pk in delegation_ids}
    stays = Stay.objects.filter(delegation_id__in=delegation_ids).order_by("arrival_date", "pk")
    for delegation_id, city in stays.values_list("delegation_id", "city__name"):
        routes[delegation_id][city] = None
    return {pk: list(cities) for pk, cities in routes.items()}


class DashboardView(TemplateView):
    """Current and upcoming missions with their open conflicts; past ones in a paged archive.

    An agency keeps years of missions, so the page must not grow with them. Counts are subqueries;
    past missions are listed 20 to a page at `?archive=1&page=N`, with counts and cities but no
    conflicts; only current and upcoming missions get the conflict rules, and each one's count
    (with its cities) is kept in the cache under a stamp of everything the rules read, so a
    mission is loaded in full only after it changed. The queries are the same for one mission as
    for a thousand.
    """

    template_name = "delegations/dashboard.html"
    archive_page_size = 20

    @classmethod
    def as_view(cls, **initkwargs):
        # Read-only, like the feeds: no BEGIN/COMMIT (or savepoint) round trips around its queries.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        visible = Delegation.objects.visible_to(self.request.user)
        past = visible.filter(end_date__lt=today)
        if self.request.GET.get("archive"):
            ordered = _with_counts(past.order_by("-start_date", "name", "pk"))
            page = Paginator(ordered, self.archive_page_size).get_page(self.request.GET.get("page"))
            delegations = list(page.object_list)
            routes = _routes([delegation.pk for delegation in delegations])
            rows = [
                {
                    "delegation": delegation,
                    "cities": routes[delegation.pk],
                    "member_count": delegation.member_count,
                    "meeting_count": delegation.meeting_count,
                }
                for delegation in delegations
            ]
            return super().get_context_data(
                archive=True, page=page, rows=rows, past_count=page.paginator.count, **kwargs
            )
        # Current missions first, then upcoming, soonest first.
        ahead = visible.filter(end_date__gte=today).order_by("start_date", "name")
        delegations = list(_with_conflict_stamps(_with_counts(ahead)))
        keys = {delegation.pk: _conflicts_key(delegation) for delegation in delegations}
        known = cache.get_many(list(keys.values()))
        missions = load_missions([d for d in delegations if keys[d.pk] not in known])
        found = {
            keys[pk]: (len(find_conflicts(mission)), list(dict.fromkeys(s.city.name for s in mission.stays)))
            for pk, mission in missions.items()
        }
        if found:
            cache.set_many(found, _CONFLICTS_CACHE_SECONDS)
        known.update(found)
        rows = []
        for delegation in delegations:
            conflict_count, cities = known[keys[delegation.pk]]
            rows.append(
                {
                    "delegation": delegation,
                    "is_current": delegation.start_date <= today,
                    "cities": cities,
                    "member_count": delegation.member_count,
                    "meeting_count": delegation.meeting_count,
                    "conflict_count": conflict_count,
                }
            )
        return super().get_context_data(rows=rows, past_count=past.count(), **kwargs)


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
