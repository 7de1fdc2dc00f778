from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from delegations.models import Delegation, Member, Organisation
from delegations.resources import MemberResource
from delegations.tokens import rotate_delegation_token, rotate_member_tokens
from itinerary.history import ReadableHistoryAdmin
from itinerary.models import Stay
from missionplanner.spreadsheets import UnreadableFile


def confirm_rotation(model_admin, request, queryset, *, action: str, title: str, warning: str):
    """The intermediate page of a rotation action, or None once the user confirmed (post=yes)."""
    if request.POST.get("post") == "yes":
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "warning": warning,
        "button": "Yes, replace them",
        "queryset": queryset,
        "opts": model_admin.model._meta,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/confirm_rotate_tokens.html", context)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "local_name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "local_name", "country"]


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["full_name", "local_name", "title", "organisation", "role", "email", "phone", "is_active"]
    autocomplete_fields = ["organisation"]
    extra = 0
    show_change_link = True


class StayInline(admin.TabularInline):
    model = Stay
    fields = ["city", "arrival_date", "departure_date", "hotel_name", "hotel_address", "hotel_local_address"]
    autocomplete_fields = ["city"]
    extra = 0


@admin.register(Delegation)
class DelegationAdmin(ReadableHistoryAdmin):
    list_display = ["name", "start_date", "end_date", "organiser", "member_count"]
    list_filter = ["start_date"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["organiser"]
    filter_horizontal = ["staff"]
    date_hierarchy = "start_date"
    inlines = [MemberInline, StayInline]
    actions = ["rotate_feed_token"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("organiser")
            .annotate(member_total=Count("members", distinct=True))
        )

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, obj) -> int:
        return obj.member_total

    @admin.action(description="Rotate the delegation feed token (the old feed URL stops working)")
    def rotate_feed_token(self, request, queryset):
        confirmation = confirm_rotation(
            self,
            request,
            queryset,
            action="rotate_feed_token",
            title="Rotate delegation feed tokens",
            warning=(
                "Calendars subscribed to these delegations' feeds stop working at once; "
                "you must send the new addresses to everyone who uses them."
            ),
        )
        if confirmation:
            return confirmation
        for delegation in queryset:
            rotate_delegation_token(delegation=delegation)
        self.message_user(
            request, f"Rotated the feed token of {queryset.count()} delegation(s).", messages.SUCCESS
        )


@admin.register(Member)
class MemberAdmin(ImportExportModelAdmin, ReadableHistoryAdmin):
    resource_classes = [MemberResource]
    # The formats offered are IMPORT_EXPORT_FORMATS in settings, from missionplanner/spreadsheets.py:
    # its CSV is bytes in and out, written with a byte-order mark (Excel reads a CSV without one in
    # the PC's legacy code page, so 김다니엘 would arrive as mojibake) and read as every upload is.
    # Fits beside the navigation and filter sidebars at 1280 px: the local name shares the name's
    # cell, long organisation and mission names wrap (css/admin.css), job titles live on the change
    # page and whether a member is active is a filter.
    list_display = ["name", "organisation", "delegation", "email", "role"]
    list_filter = ["delegation", "role", ("organisation", admin.RelatedOnlyFieldListFilter), "is_active"]
    search_fields = [
        "full_name",
        "local_name",
        "email",
        "title",
        "organisation__name",
        "organisation__local_name",
    ]
    list_select_related = ["organisation", "delegation"]
    autocomplete_fields = ["organisation", "delegation"]
    readonly_fields = ["feed_token", "created_at", "updated_at"]
    actions = ["rotate_feed_tokens"]

    def add_data_read_fail_error_to_form(self, form, e):
        """A file refused by missionplanner/spreadsheets.py says why (the package names the error's class)."""
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    @admin.display(description="Name", ordering="full_name")
    def name(self, obj) -> str:
        if not obj.local_name:
            return obj.full_name
        return format_html('{}<span class="local-name">{}</span>', obj.full_name, obj.local_name)

    @admin.action(description="Rotate feed tokens of the selected members (old links stop working)")
    def rotate_feed_tokens(self, request, queryset):
        confirmation = confirm_rotation(
            self,
            request,
            queryset,
            action="rotate_feed_tokens",
            title="Rotate member feed tokens",
            warning=(
                "These members' calendar subscriptions and page links stop working at once; "
                "you must send each of them their new link."
            ),
        )
        if confirmation:
            return confirmation
        count = rotate_member_tokens(members=queryset)
        self.message_user(
            request,
            f"Rotated the feed tokens of {count} member(s); send them their new links.",
            messages.SUCCESS,
        )
