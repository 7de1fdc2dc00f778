"""Create a city or an organisation from the place that needs it, then go back there.

Staff meet a missing city in the middle of a meeting form. Two ways back, as Django's admin does it:
- `?_popup=<field id>`: the picker's "Add …" (static/js/app.js) opened this form in a small window;
  after saving, the window hands the new choice to that picker and closes
  (static/js/popup_done.js: no inline script, so the Content-Security-Policy stays strict);
- `?next=<path on this site>`: after saving, back to that page, with a message.
Either way `?name=` fills in what was typed in the picker.
"""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from missionplanner.templatetags.mission_tags import staff_name

POPUP_VAR = "_popup"
FIELD_ID = re.compile(r"[\w-]{1,100}")


class CreateAndReturnMixin:
    def popup_field(self) -> str | None:
        field = self.request.GET.get(POPUP_VAR, "")
        return field if FIELD_ID.fullmatch(field) else None

    def next_url(self) -> str | None:
        url = self.request.GET.get("next", "")
        allowed = url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return url if url and allowed else None

    def initial_from_name(self, name: str) -> dict:
        return {"name": name}

    def get_initial(self):
        initial = super().get_initial()
        if name := self.request.GET.get("name", "").strip()[:200]:
            initial.update(self.initial_from_name(name))
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_popup=self.popup_field() is not None, **kwargs)

    def form_valid(self, form):
        self.object = form.save()
        if field := self.popup_field():
            return render(
                self.request,
                "popup_done.html",
                {"object": self.object, "field": field, "timezone": _zone_words(self.object)},
            )
        messages.success(self.request, f"{staff_name(self.object).capitalize()} “{self.object}” added.")
        return redirect(self.next_url() or self.get_success_url())


def _zone_words(obj) -> str:
    """A new city's zone as the pickers write it beside its name ("CST, UTC+8"), read today: the
    window does not know which mission asked. Empty for what has no zone (an organisation)."""
    from itinerary.timezones import zone_hint

    return zone_hint(obj.timezone) if getattr(obj, "timezone", "") else ""
