from django import forms
from django.contrib import admin

from itinerary.forms import LocalDateTimeField, LocalTimesMixin, MeetingForm, TravelLegForm
from itinerary.history import ReadableHistoryAdmin
from itinerary.models import City, Meeting, MeetingCounterpart, Stay, TravelLeg
from itinerary.timezones import zone_label


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "local_name", "country", "timezone"]
    list_filter = ["country", "timezone"]
    search_fields = ["name", "local_name", "country"]


@admin.register(Stay)
class StayAdmin(admin.ModelAdmin):
    list_display = ["delegation", "city", "arrival_date", "departure_date", "hotel_name"]
    list_filter = ["delegation", "city"]
    search_fields = ["city__name", "hotel_name", "delegation__name"]
    list_select_related = ["delegation", "city"]
    autocomplete_fields = ["delegation", "city"]


class ScheduledItemAdminForm(LocalTimesMixin, forms.ModelForm):
    """Times typed and shown in the city's local time, as on the staff pages (`LocalTimesMixin`).

    No Meta: the admin builds the form for its model with every editable field, as it does by default.
    """

    def clean(self):
        cleaned_data = super().clean()
        delegation, attendees = cleaned_data.get("delegation"), cleaned_data.get("attendees")
        if delegation and attendees:
            # The autocomplete offers every member; the staff pages offer only the mission's own.
            strangers = [member.full_name for member in attendees if member.delegation_id != delegation.pk]
            if strangers:
                self.add_error("attendees", f"Not members of {delegation}: {', '.join(strangers)}.")
        return cleaned_data


class MeetingAdminForm(ScheduledItemAdminForm):
    local_times = MeetingForm.local_times
    starts_at = LocalDateTimeField(label="Starts")
    ends_at = LocalDateTimeField(label="Ends")


class TravelLegAdminForm(ScheduledItemAdminForm):
    local_times = TravelLegForm.local_times
    departs_at = LocalDateTimeField(label="Departs")
    arrives_at = LocalDateTimeField(label="Arrives")


class ScheduledItemAdmin(ReadableHistoryAdmin):
    autocomplete_fields = ["delegation", "attendees"]
    readonly_fields = ["uid", "sequence", "created_at", "updated_at"]


class CounterpartInline(admin.TabularInline):
    model = MeetingCounterpart
    autocomplete_fields = ["organisation"]
    extra = 1
    verbose_name = "counterpart"


@admin.register(Meeting)
class MeetingAdmin(ScheduledItemAdmin):
    form = MeetingAdminForm
    inlines = [CounterpartInline]
    list_display = ["title", "delegation", "kind", "city", "local_time", "status", "sequence"]
    list_filter = ["delegation", "city", "kind", "status", "starts_at"]
    search_fields = ["title", "venue", "venue_local", "counterparts__name", "counterparts__local_name"]
    list_select_related = ["delegation", "city"]
    date_hierarchy = "starts_at"
    autocomplete_fields = [*ScheduledItemAdmin.autocomplete_fields, "city"]

    @admin.display(description="Local time", ordering="starts_at")
    def local_time(self, obj) -> str:
        start, end = obj.local_start, obj.local_end
        return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M} {zone_label(start)} ({obj.city.timezone})"


@admin.register(TravelLeg)
class TravelLegAdmin(ScheduledItemAdmin):
    form = TravelLegAdminForm
    list_display = [
        "__str__",
        "delegation",
        "mode",
        "local_departure_display",
        "local_arrival_display",
        "status",
    ]
    list_filter = ["delegation", "mode", "status", "departs_at"]
    search_fields = ["carrier", "number", "origin__name", "destination__name"]
    list_select_related = ["delegation", "origin", "destination"]
    date_hierarchy = "departs_at"
    autocomplete_fields = [*ScheduledItemAdmin.autocomplete_fields, "origin", "destination"]

    @admin.display(description="Departs (local)", ordering="departs_at")
    def local_departure_display(self, obj) -> str:
        return f"{obj.local_departure:%a %d %b %H:%M} {zone_label(obj.local_departure)}"

    @admin.display(description="Arrives (local)", ordering="arrives_at")
    def local_arrival_display(self, obj) -> str:
        return f"{obj.local_arrival:%a %d %b %H:%M} {zone_label(obj.local_arrival)}"
