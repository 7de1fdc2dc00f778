"""Staff pages of releases: publish what changed, the release history, and the notices sent."""

from django import forms
from django.contrib import messages
from django.db.models import Case, Count, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView, TemplateView

from delegations.models import Delegation
from delegations.scoping import DelegationScopedMixin
from itinerary.mission_clock import mission_clock
from missionplanner.strict import as_id, int_param
from publishing.changes import changes_between
from publishing.models import Notice
from publishing.notices import notice_resend, notices_waiting, subject_for
from publishing.release import pending_changes, release_publish


class PublishView(DelegationScopedMixin, TemplateView):
    """GET: what the next release changes, for everyone and per member; POST: publish it."""

    template_name = "publishing/publish.html"

    def get_context_data(self, **kwargs):
        changes = pending_changes(self.delegation)
        per_member = []
        for member in self.delegation.members.filter(is_active=True).order_by("full_name"):
            mine = changes.for_member(member.pk)
            if mine.items or mine.stays:
                per_member.append((member, subject_for(self.delegation.name, mine), mine))
        return super().get_context_data(
            changes=changes,
            per_member=per_member,
            latest=self.delegation.releases.first(),
            clock=mission_clock(self.delegation),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        note = request.POST.get("note", "")[:2000]
        seen = as_id(request.POST.get("seen", ""))  # the update the page showed as the latest
        release = release_publish(delegation=self.delegation, note=note, by=request.user)
        if release is None:
            latest = self.delegation.releases.select_related("published_by").first()
            if latest is not None and seen is not None and latest.number > seen:
                return self._published_meanwhile(latest, note)
            messages.info(request, "Nothing to publish: delegates already see the current schedule.")
            return redirect("publish", self.delegation.slug)
        told = release.notices.count()
        notified = ngettext("%(n)d member notified.", "%(n)d members notified.", told) % {"n": told}
        messages.success(
            request,
            f"Published update {release.number}. "
            + (notified if told else "Nobody's own itinerary changed."),
        )
        return redirect("release-list", self.delegation.slug)

    def _published_meanwhile(self, latest, note: str):
        """Someone published between this page's opening and its Publish: say who, and keep the
        note, which nothing went out with, for the next update."""
        by = latest.published_by
        who = by.get_username() if by else "someone else"
        if by == self.request.user:
            who = "you, in another window"
        messages.info(
            self.request,
            f"Your changes went out in update {latest.number}, published by {who} on "
            f"{mission_clock(self.delegation).text(latest.published_at)} just before you pressed Publish."
            + (" Your note was not sent: it is kept below for the next update." if note.strip() else ""),
        )
        return self.render_to_response(self.get_context_data(kept_note=note.strip()))


class ReleaseListView(DelegationScopedMixin, TemplateView):
    """The latest releases with their notes and changes; any two compared (?compare=3&with=7)."""

    template_name = "publishing/release_list.html"
    shown = 20

    def get_context_data(self, **kwargs):
        releases = self.delegation.releases.select_related("published_by").order_by("-number")
        recent = list(
            releases.annotate(
                sent=Count("notices", filter=Q(notices__status=Notice.Status.SENT)), told=Count("notices")
            )[: self.shown + 1]
        )
        listed = [
            (release, changes_between(earlier.snapshot if earlier else None, release.snapshot))
            for release, earlier in zip(recent[: self.shown], [*recent[1:], None], strict=False)
        ]
        return super().get_context_data(
            listed=listed,
            comparison=self._comparison(releases),
            numbers=list(releases.values_list("number", flat=True)),
            more=max(0, releases.count() - self.shown),
            clock=mission_clock(self.delegation),
            **kwargs,
        )

    def _comparison(self, releases):
        older, newer = int_param(self.request, "compare"), int_param(self.request, "with")
        if older is None or newer is None:
            return None
        a, b = sorted((older, newer))
        found = {release.number: release for release in releases.filter(number__in=[a, b])}
        if a == b or len(found) != 2:
            return None
        return a, b, changes_between(found[a].snapshot, found[b].snapshot)


# Failed first (someone must act), then those still sending, then the rest; newest first in each.
NOTICE_ORDER = (
    Case(
        When(status=Notice.Status.FAILED, then=Value(0)),
        When(status=Notice.Status.PENDING, then=Value(1)),
        default=Value(2),
    ),
    "-created_at",
    "member__full_name",
)


def _with_times(notices) -> list:
    """Each notice with `sent_text`: when it was sent, on its own mission's clock."""
    clocks = {}
    for notice in notices:
        delegation = notice.release.delegation
        if delegation.pk not in clocks:
            clocks[delegation.pk] = mission_clock(delegation)
        notice.sent_text = clocks[delegation.pk].text(notice.sent_at) if notice.sent_at else ""
    return notices


def _waiting(delegations) -> list[tuple]:
    """(mission, its Waiting, when they are due on its clock) for each mission with notices waiting."""
    rows = []
    for delegation in delegations:
        if found := notices_waiting(delegation):
            rows.append((delegation, found, mission_clock(delegation).text(found.due)))
    return rows


def _counts(notices) -> dict[str, int]:
    return dict(notices.values_list("status").annotate(n=Count("id")).order_by())


class NoticeListView(DelegationScopedMixin, ListView):
    """One mission's notices, failed first, and those waiting for the edits to be quiet."""

    template_name = "publishing/notice_list.html"
    paginate_by = 100

    def get_queryset(self):
        return (
            Notice.objects.filter(release__delegation=self.delegation)
            .select_related("member", "release__delegation")
            .order_by(*NOTICE_ORDER)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {
            **context,
            "object_list": _with_times(context["object_list"]),
            "counts": _counts(Notice.objects.filter(release__delegation=self.delegation)),
            "waiting": _waiting([self.delegation]),
        }


class AllNoticesView(ListView):
    """Notices of every mission the user staffs (all for a superuser), failed first."""

    template_name = "publishing/notices_all.html"
    paginate_by = 100

    def get_queryset(self):
        self.missions = Delegation.objects.visible_to(self.request.user)
        return (
            Notice.objects.filter(release__delegation__in=self.missions)
            .select_related("member", "release__delegation")
            .order_by(*NOTICE_ORDER)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quiet = self.missions.filter(releases__noticed=False).distinct().order_by("name")
        return {
            **context,
            "object_list": _with_times(context["object_list"]),
            "counts": _counts(Notice.objects.filter(release__delegation__in=self.missions)),
            "waiting": _waiting(quiet),
        }


class ResendForm(forms.Form):
    # The tries the page showed: a click counts for the notice as it was then.
    attempts = forms.IntegerField(min_value=0, max_value=32767, required=False)


class NoticeResendView(DelegationScopedMixin, View):
    """Send one notice again (a failed one, or to an address corrected since): one click, one send."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notice = get_object_or_404(
            Notice.objects.select_related("member"), pk=kwargs["pk"], release__delegation=self.delegation
        )
        form = ResendForm(request.POST)
        seen = form.cleaned_data["attempts"] if form.is_valid() else None
        name = notice.member.full_name
        if not notice.member.email:
            messages.error(request, f"{name} has no e-mail address: add one first.")
        elif notice_resend(notice, attempts_seen=seen):
            messages.success(request, f"Sending the notice to {name} again.")
        else:
            messages.info(request, f"The notice to {name} is already being sent again: it goes once.")
        return redirect(reverse("notice-list", args=[self.delegation.slug]))
