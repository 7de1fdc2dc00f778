from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils.text import slugify

from delegations.models import Delegation, Member, Organisation
from itinerary.zone_picker import zone_field
from missionplanner.concurrency import VersionedModelForm

SEARCHABLE = {"data-search": "true"}
# A picker whose "Add …" opens the create form in a small window and takes the new choice back
# (static/js/app.js, missionplanner/popups.py).
NEW_ORGANISATION = {**SEARCHABLE, "data-create-url": reverse_lazy("organisation-create")}
NEW_CITY = {**SEARCHABLE, "data-create-url": reverse_lazy("city-create")}


class DelegationChildForm(VersionedModelForm):
    """A form for something that belongs to one delegation (member, stay, meeting, leg).

    The view passes the delegation; the form puts it on the instance before validation, so model
    rules that involve the delegation (a stay inside its dates, one e-mail per delegation) are checked
    here and reported as form errors instead of failing later in the database.
    """

    def __init__(self, *args, delegation: Delegation, **kwargs):
        super().__init__(*args, **kwargs)
        self.delegation = delegation
        self.instance.delegation = delegation

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("delegation")
        return exclusions


class DelegationForm(VersionedModelForm):
    home_timezone = zone_field(label="Home time zone", initial="America/Los_Angeles")

    class Meta:
        model = Delegation
        fields = [
            "name", "slug", "summary", "organiser", "start_date", "end_date", "home_timezone",
            "travel_buffer_minutes", "publish_automatically", "staff",
        ]  # fmt: skip
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "organiser": forms.Select(attrs=NEW_ORGANISATION),
            "staff": forms.SelectMultiple(attrs=SEARCHABLE),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"slug": {"unique": "Another mission already uses this slug."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new mission's slug may be left empty: clean() makes one from the name. static/js/app.js
            # fills it in as the name is typed (until the user edits it), so it can be checked first.
            slug = self.fields["slug"]
            slug.required = False
            slug.help_text = (
                "Short name used in web addresses, e.g. ca-china-2016. Leave empty to make one from the name."
            )
            slug.widget.attrs["data-slug-from"] = self.add_prefix("name")
        self.fields["staff"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["staff"].help_text = "Who may see and edit this mission. You are added automatically."

    def clean(self):
        cleaned_data = super().clean()
        if not self.instance.pk and not cleaned_data.get("slug") and cleaned_data.get("name"):
            cleaned_data["slug"] = unique_slug(cleaned_data["name"])
        return cleaned_data


def unique_slug(name: str) -> str:
    """A slug from the name that no mission uses yet: "ciie-2021", else "ciie-2021-2", "-3"…"""
    max_length = Delegation._meta.get_field("slug").max_length
    base = slugify(name)[: max_length - 4].strip("-") or "mission"
    taken = set(Delegation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


class MemberForm(DelegationChildForm):
    class Meta:
        model = Member
        fields = [
            "full_name",
            "local_name",
            "title",
            "organisation",
            "role",
            "email",
            "phone",
            "notes",
            "is_active",
        ]
        widgets = {
            "organisation": forms.Select(attrs=NEW_ORGANISATION),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class OrganisationForm(VersionedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "local_name", "kind", "country", "website"]
