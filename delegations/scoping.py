"""View mixins that decide who may see what.

Login is required everywhere by LoginRequiredMiddleware. On top of that, a delegation's pages are
found only among the delegations the user staffs (all of them for a superuser): anyone else gets a
404, which tells them nothing about which missions exist.
"""

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.mixins import UserPassesTestMixin
from django.db import router
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DeleteView

from delegations.models import Delegation
from missionplanner.templatetags.mission_tags import staff_name


class StaffRequiredMixin(UserPassesTestMixin):
    """Shared lists (organisations, cities) and creating missions: staff users only (else 403)."""

    def test_func(self):
        return self.request.user.is_staff


class DelegationScopedMixin:
    """Looks up `self.delegation` from the URL's slug among the user's own delegations."""

    def dispatch(self, request, *args, **kwargs):
        self.delegation = get_object_or_404(Delegation.objects.visible_to(request.user), slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(delegation=self.delegation, **kwargs)


class DelegationItemMixin(DelegationScopedMixin):
    """Create/update views of things inside a delegation (members, stays, meetings, legs)."""

    template_name = "form.html"
    success_view = "delegation-overview"

    def get_queryset(self):
        return self.model.objects.filter(delegation=self.delegation)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "delegation": self.delegation}

    def get_success_url(self):
        return reverse(self.success_view, args=[self.delegation.slug])

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Saved {staff_name(self.model)} “{self.object}”.")
        return response


class ProtectedDeleteView(DeleteView):
    """A confirmation page that says what goes with the object, and refuses readably when it is in use."""

    template_name = "confirm_delete.html"
    # True where the history keeps a deleted object that "Deleted items" can bring back (meetings and
    # legs): the page then says so instead of "This cannot be undone".
    restorable = False

    def consequences(self) -> list[str]:
        return []

    def protected_by(self) -> list[str]:
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect([self.object])
        return sorted({str(obj) for obj in collector.protected})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            consequences=self.consequences(),
            protected_by=self.protected_by(),
            restorable=self.restorable,
            **kwargs,
        )

    def form_valid(self, form):
        name = str(self.object)
        try:
            response = super().form_valid(form)
        except ProtectedError as error:
            users = sorted({str(obj) for obj in error.protected_objects})
            shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
            messages.error(
                self.request,
                f"“{name}” is still in use and was not deleted. Used by: {shown}.",
            )
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, f"Deleted {staff_name(self.model)} “{name}”.")
        return response


class DelegationItemDeleteView(DelegationScopedMixin, ProtectedDeleteView):
    """Delete something inside the delegation in the URL (found only there), then back to `success_view`."""

    success_view = "delegation-overview"

    def get_queryset(self):
        return self.model.objects.filter(delegation=self.delegation)

    def get_success_url(self):
        return reverse(self.success_view, args=[self.delegation.slug])

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=self.get_success_url(), **kwargs)
