"""Optimistic concurrency for edit forms: refuse to overwrite a change made since the form was opened."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from missionplanner.templatetags.mission_tags import staff_name


class VersionedModelForm(forms.ModelForm):
    """A ModelForm that carries the row's `updated_at` as a hidden version and checks it on save.

    The check locks the row (SELECT ... FOR UPDATE inside the request's transaction), so two
    concurrent saves cannot both pass it. When the row changed meanwhile the form is refused, the
    user's input stays in the form, and the version is moved to the current one: saving again is a
    deliberate overwrite.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._refuse_stale_edit(cleaned_data.get("version") or "")
        return cleaned_data

    def _refuse_stale_edit(self, seen_version: str) -> None:
        model = type(self.instance)
        current = (
            model.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None:
            raise ValidationError(
                f"This {staff_name(model)} was deleted by someone else. Nothing was saved.",
                code="deleted",
            )
        if seen_version != current.isoformat():
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current.isoformat()
            changed_at = timezone.localtime(current).strftime("%H:%M:%S %Z on %d %b")
            raise ValidationError(
                f"Someone else changed this {staff_name(model)} at {changed_at}, after you opened it. "
                "Nothing was saved and your input is kept below. Check the current version "
                "(open the page again in another tab), then save again to replace it with yours.",
                code="stale",
            )
