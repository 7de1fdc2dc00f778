"""B2B sessions in the admin: plain lists with filters, for looking things up and fixing a row.

Staff plan sessions on the staff pages (the grid keeps the itinerary in step); an edit here saves
the row only, so the admin says so on a placement.
"""

from django.contrib import admin

from matchmaking.models import Participant, Placement, Request, Session


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "delegation", "city", "starts_at", "tables", "slot_minutes", "solve_state"]
    list_filter = ["delegation", "city", "solve_state"]
    search_fields = ["title", "venue", "delegation__name"]
    list_select_related = ["delegation", "city"]
    autocomplete_fields = ["delegation", "city"]
    readonly_fields = [
        "solve_state", "solve_message", "solve_started_at", "solve_finished_at", "placed_weight",
        "best_bound", "greedy_weight", "created_at", "updated_at",
    ]  # fmt: skip
    date_hierarchy = "starts_at"


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "side",
        "session",
        "contact_name",
        "language",
        "max_meetings",
        "is_invented",
    ]
    list_filter = ["side", "language", "is_invented", "session__delegation", "session"]
    search_fields = ["organisation__name", "organisation__local_name", "contact_name", "contact_local_name"]
    list_select_related = ["organisation", "session"]
    autocomplete_fields = ["session", "organisation", "members"]
    readonly_fields = ["created_at", "updated_at"]
    exclude = ["feed_token", "feed_token_digest"]


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["requester", "target", "priority", "session"]
    list_filter = ["priority", "session__delegation", "session"]
    search_fields = ["requester__organisation__name", "target__organisation__name", "note"]
    list_select_related = ["requester__organisation", "target__organisation", "session"]
    autocomplete_fields = ["session", "requester", "target"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["seller", "buyer", "slot", "table", "pinned", "outcome", "session"]
    list_filter = ["pinned", "outcome", "session__delegation", "session"]
    search_fields = ["seller__organisation__name", "buyer__organisation__name", "outcome_note"]
    list_select_related = ["seller__organisation", "buyer__organisation", "session"]
    autocomplete_fields = ["session", "seller", "buyer"]
    readonly_fields = ["meeting", "created_at", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "slot" in form.base_fields:
            form.base_fields[
                "slot"
            ].help_text = (
                "Editing here does not update the members' itineraries: move meetings on the session's grid."
            )
        return form
