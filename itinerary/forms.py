from datetime import UTC

from django import forms
from django.utils import timezone

from delegations.forms import NEW_CITY, NEW_ORGANISATION, SEARCHABLE, DelegationChildForm
from itinerary.models import City, Meeting, Stay, TravelLeg
from itinerary.timezones import make_local_aware, repeated_time_notice, zone_hint, zone_label
from itinerary.zone_picker import zone_field
from missionplanner.concurrency import VersionedModelForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as typed, with no zone: the form attaches the zone of the item's city."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        # The parent would attach the server's zone; parse under UTC and drop it to keep the wall clock.
        with timezone.override(UTC):
            result = super().to_python(value)
        return None if result is None else result.replace(tzinfo=None)


class LocalTimesMixin:
    """Datetimes are entered and shown in the local time of a city chosen in the same form.

    `local_times` maps each datetime field (a `LocalDateTimeField`) to the city field whose zone it
    is in (a travel leg departs in its origin's zone and arrives in its destination's). Put it before
    a ModelForm class: the staff pages use it through `LocalTimesForm`, the admin directly.
    """

    local_times: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_notices: list[str] = []  # said to the user after a save (see repeated_time_notice)
        for field_name, city_field in self.local_times.items():
            city = self._chosen_city(city_field)
            value = getattr(self.instance, field_name)
            if city and value and not self.is_bound:
                self.initial[field_name] = timezone.localtime(value, city.zone).replace(tzinfo=None)
            if city is None:
                self.fields[field_name].help_text = "Local time in the city's zone."
                continue
            day = self._shown_day(field_name, value, city)
            hint = zone_hint(city.timezone, self.hint_delegation, on=day)
            self.fields[field_name].help_text = f"Local time in {city.name}: {hint}."

    @property
    def hint_delegation(self):
        """The mission whose dates the zone hints are read on (None for an item not in one yet)."""
        delegation = getattr(self, "delegation", None)
        if delegation is None and getattr(self.instance, "delegation_id", None):
            delegation = self.instance.delegation
        return delegation

    def _shown_day(self, field_name: str, value, city: City):
        """The day of the time the field shows: as typed after a validation error, else as saved."""
        if self.is_bound:
            try:
                typed = self.fields[field_name].clean(self.data.get(self.add_prefix(field_name)))
            except forms.ValidationError:
                return None
            return typed.date() if typed else None
        return timezone.localtime(value, city.zone).date() if value else None

    def _chosen_city(self, city_field: str) -> City | None:
        """The city as the page shows it: the one just submitted (kept after a validation error), or
        the saved one."""
        if self.is_bound:
            try:
                return self.fields[city_field].clean(self.data.get(self.add_prefix(city_field)))
            except forms.ValidationError:
                return None
        return getattr(self.instance, city_field) if getattr(self.instance, f"{city_field}_id") else None

    def clean(self):
        # Attach zones before the parent's checks, which may raise: the model validation that runs
        # afterwards must never see a naive datetime.
        cleaned_data = self.cleaned_data
        for field_name, city_field in self.local_times.items():
            wall_clock, city = cleaned_data.get(field_name), cleaned_data.get(city_field)
            if wall_clock is None:
                continue
            if city is None:
                # No zone to read it in; the city field already carries its own error.
                cleaned_data.pop(field_name)
                continue
            try:
                cleaned_data[field_name] = make_local_aware(wall_clock, city.timezone)
            except forms.ValidationError as error:
                self.add_error(field_name, error)
                continue
            if notice := repeated_time_notice(wall_clock, city.timezone, place=city.name):
                self.time_notices.append(f"{self.fields[field_name].label}: {notice}")
        return super().clean()


class LocalTimesForm(LocalTimesMixin, DelegationChildForm):
    """A staff page's form with local times; the page's script keeps the zone hint in step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field_name, city_field in self.local_times.items():
            self.fields[field_name].widget.attrs["data-zone-from"] = self.add_prefix(city_field)
        for city_field in set(self.local_times.values()):
            self.fields[city_field].widget.attrs["data-zones"] = "true"
            self.fields[city_field].label_from_instance = lambda city: (
                f"{city} · {zone_hint(city.timezone, self.delegation)}"
            )


def _attendee_field(form: DelegationChildForm) -> None:
    field = form.fields["attendees"]
    field.queryset = form.delegation.members.filter(is_active=True).select_related("organisation")
    field.widget.attrs.update(SEARCHABLE)
    field.help_text = "Leave empty when the whole delegation attends."


class MeetingForm(LocalTimesForm):
    local_times = {"starts_at": "city", "ends_at": "city"}
    starts_at = LocalDateTimeField(label="Starts")
    ends_at = LocalDateTimeField(label="Ends")

    class Meta:
        model = Meeting
        fields = [
            "title", "kind", "status", "city", "starts_at", "ends_at", "venue", "venue_local", "address",
            "address_local", "counterparts", "attendees", "description", "staff_notes",
        ]  # fmt: skip
        widgets = {
            "city": forms.Select(attrs=NEW_CITY),
            "counterparts": forms.SelectMultiple(attrs=NEW_ORGANISATION),
            "description": forms.Textarea(attrs={"rows": 3}),
            "staff_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _attendee_field(self)


class TravelLegForm(LocalTimesForm):
    local_times = {"departs_at": "origin", "arrives_at": "destination"}
    departs_at = LocalDateTimeField(label="Departs")
    arrives_at = LocalDateTimeField(label="Arrives")

    class Meta:
        model = TravelLeg
        fields = [
            "mode", "carrier", "number", "origin", "departs_at", "destination", "arrives_at", "status",
            "booking_reference", "attendees", "notes",
        ]  # fmt: skip
        widgets = {
            "origin": forms.Select(attrs=NEW_CITY),
            "destination": forms.Select(attrs=NEW_CITY),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _attendee_field(self)

    def clean(self):
        cleaned_data = super().clean()
        departs, arrives = cleaned_data.get("departs_at"), cleaned_data.get("arrives_at")
        origin, destination = cleaned_data.get("origin"), cleaned_data.get("destination")
        if departs and arrives and origin and destination and arrives <= departs:
            self.add_error("arrives_at", arrival_before_departure(departs, arrives, origin, destination))
        return cleaned_data


def arrival_before_departure(departs, arrives, origin: City, destination: City) -> str:
    """Both times in both zones: "arrives 14:00 in Busan" only looks wrong once it is read in Seoul's.

    The form says it under Arrives; the board says it when a leg's landing is dragged before its take-off.
    """

    def at(moment, city: City) -> str:
        local = moment.astimezone(city.zone)
        return f"{local:%a} {local.day} {local:%b %H:%M} {zone_label(local)} in {city.name}"

    if arrives == departs:
        return f"It arrives at the moment it departs ({at(departs, origin)}): check both times."
    return (
        f"It would arrive before it departs. It departs {at(departs, origin)} "
        f"({at(departs, destination)}) and arrives {at(arrives, destination)} "
        f"({at(arrives, origin)}). Each time is local to its own city: the departure in "
        f"{origin.name}'s zone, the arrival in {destination.name}'s."
    )


class StayForm(DelegationChildForm):
    class Meta:
        model = Stay
        fields = [
            "city",
            "arrival_date",
            "departure_date",
            "hotel_name",
            "hotel_address",
            "hotel_local_address",
        ]
        widgets = {
            "city": forms.Select(attrs=NEW_CITY),
            "arrival_date": DATE_INPUT,
            "departure_date": DATE_INPUT,
        }


class CityForm(VersionedModelForm):
    timezone = zone_field(label="Time zone")

    class Meta:
        model = City
        fields = ["name", "local_name", "country", "timezone", "latitude", "longitude"]
