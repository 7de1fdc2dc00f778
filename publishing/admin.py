from django.contrib import admin

from publishing.models import Notice, Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Releases are written by publishing only, and never change: the admin shows them."""

    list_display = ["delegation", "number", "published_at", "published_by", "automatic", "note"]
    list_filter = ["delegation", "automatic"]
    readonly_fields = [field.name for field in Release._meta.fields if field.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["member", "release", "status", "attempts", "sent_at", "subject"]
    list_filter = ["status", "release__delegation"]
    list_select_related = ["member", "release__delegation"]
    search_fields = ["member__full_name", "email", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
